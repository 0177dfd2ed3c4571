{{/* blue-green-web-echo.selectorLabels select this colour's pods: the app,
and the version label, whose key and value come from the values (the Go
construct fills them from the same constants its subsets select). */}}
{{- define "blue-green-web-echo.selectorLabels" -}}
app: {{ required "values.app is required: the app name shared by both colours" .Values.app }}
{{ required "values.versionLabel.key is required: the pod label that tells the colours apart" .Values.versionLabel.key }}: {{ required "values.versionLabel.value is required: this colour's version label value" .Values.versionLabel.value | quote }}
{{- end }}

{{/* blue-green-web-echo.labels are the recommended labels, Istio's canonical
revision and the selector labels. Istio reads a workload's canonical revision
(destination_canonical_revision on its metrics, the version in Kiali's
versioned graph) from service.istio.io/canonical-revision before
app.kubernetes.io/version and version (pkg/kube/labels in istio.io/istio
1.31.0), so the colour set here makes blue and green two revisions even when
both run one image tag; app.kubernetes.io/version keeps the tag. Neither is a
selector label: a Deployment's selector cannot change. */}}
{{- define "blue-green-web-echo.labels" -}}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" }}
app.kubernetes.io/name: {{ .Values.app }}
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/version: {{ .Values.image.tag | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
service.istio.io/canonical-revision: {{ required "values.colour is required: blue or green, Istio's canonical revision of this colour's pods" .Values.colour | quote }}
{{ include "blue-green-web-echo.selectorLabels" . }}
{{- with .Values.labels }}
{{ toYaml . }}
{{- end }}
{{- end }}
