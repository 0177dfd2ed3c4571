{{/* istio-waypoint.labels are the recommended labels of the waypoint Gateway, and Istio's own. */}}
{{- define "istio-waypoint.labels" -}}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" }}
app.kubernetes.io/name: {{ .Chart.Name }}
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
{{- with .Values.revision }}
istio.io/rev: {{ . }}
{{- end }}
{{- with .Values.trafficFor }}
istio.io/waypoint-for: {{ . }}
{{- end }}
{{- with .Values.labels }}
{{ toYaml . }}
{{- end }}
{{- end }}
