{{/* blue-green-service.labels are the recommended labels of the Service. */}}
{{- define "blue-green-service.labels" -}}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" }}
app.kubernetes.io/name: {{ required "values.app is required: the app name the Service selects" .Values.app }}
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
app: {{ .Values.app }}
{{- with .Values.labels }}
{{ toYaml . }}
{{- end }}
{{- end }}
