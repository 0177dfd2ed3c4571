{{/* blue-green-web-echo.selectorLabels select this colour's pods: the app,
and the version label, whose key and value come from the values (the Go
construct fills them from the same constants its subsets select). */}}
{{- define "blue-green-web-echo.selectorLabels" -}}
app: {{ required "values.app is required: the app name shared by both colours" .Values.app }}
{{ required "values.versionLabel.key is required: the pod label that tells the colours apart" .Values.versionLabel.key }}: {{ required "values.versionLabel.value is required: this colour's version label value" .Values.versionLabel.value | quote }}
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
