{{/* Labels on every object; selectorLabels are the stable subset. */}}
{{- define "kaika.selectorLabels" -}}
app.kubernetes.io/name: kaika
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end }}
{{- define "kaika.labels" -}}
{{ include "kaika.selectorLabels" . }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/part-of: kaika
{{- end }}
{{- define "kaika.image" -}}
{{- if .Values.image.digest -}}
{{ .Values.image.repository }}@{{ .Values.image.digest }}
{{- else -}}
{{ .Values.image.repository }}:{{ .Values.image.tag | default .Chart.AppVersion }}
{{- end -}}
{{- end }}
