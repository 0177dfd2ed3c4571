{{/* blue-green-web-echo.selectorLabels select this colour's pods: the app,
and the version, which is the release name. */}}
{{- define "blue-green-web-echo.selectorLabels" -}}
app: {{ required "values.app is required: the app name shared by both colours" .Values.app }}
version: {{ .Release.Name }}
{{- end }}

{{/* blue-green-web-echo.labels are the recommended labels plus the selector labels. */}}
{{- define "blue-green-web-echo.labels" -}}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" }}
app.kubernetes.io/name: {{ .Values.app }}
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/version: {{ .Values.image.tag | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
{{ include "blue-green-web-echo.selectorLabels" . }}
{{- with .Values.labels }}
{{ toYaml . }}
{{- end }}
{{- end }}
