{{/* Chart name, release-scoped full name (63 characters, the DNS label limit). */}}
{{- define "ledgerline.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" }}
{{- end }}

{{- define "ledgerline.fullname" -}}
{{- if .Values.fullnameOverride }}
{{- .Values.fullnameOverride | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- $name := default .Chart.Name .Values.nameOverride }}
{{- if contains $name .Release.Name }}
{{- .Release.Name | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- printf "%s-%s" .Release.Name $name | trunc 63 | trimSuffix "-" }}
{{- end }}
{{- end }}
{{- end }}

{{/* Name of one service's objects: <fullname>-<service key>. Args: (list $ "identity"). */}}
{{- define "ledgerline.componentName" -}}
{{- $root := index . 0 }}
{{- printf "%s-%s" (include "ledgerline.fullname" $root | trunc 40 | trimSuffix "-") (index . 1) | trunc 63 | trimSuffix "-" }}
{{- end }}

{{- define "ledgerline.labels" -}}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" }}
{{ include "ledgerline.selectorLabels" . }}
app.kubernetes.io/version: {{ .Values.image.tag | default .Chart.AppVersion | trunc 63 | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
app.kubernetes.io/part-of: ledgerline
{{- end }}

{{- define "ledgerline.selectorLabels" -}}
app.kubernetes.io/name: {{ include "ledgerline.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end }}

{{/* Labels of one service's objects. Args: (list $ "identity"). */}}
{{- define "ledgerline.componentLabels" -}}
{{ include "ledgerline.labels" (index . 0) }}
app.kubernetes.io/component: {{ index . 1 }}
{{- end }}

{{- define "ledgerline.componentSelectorLabels" -}}
{{ include "ledgerline.selectorLabels" (index . 0) }}
app.kubernetes.io/component: {{ index . 1 }}
{{- end }}

{{- define "ledgerline.image" -}}
{{- if .Values.image.digest }}
{{- printf "%s@%s" .Values.image.repository .Values.image.digest }}
{{- else }}
{{- printf "%s:%s" .Values.image.repository (.Values.image.tag | default .Chart.AppVersion) }}
{{- end }}
{{- end }}

{{- define "ledgerline.serviceAccountName" -}}
{{- if .Values.serviceAccount.create }}
{{- default (include "ledgerline.fullname" .) .Values.serviceAccount.name }}
{{- else }}
{{- default "default" .Values.serviceAccount.name }}
{{- end }}
{{- end }}

{{/*
Recursive merge as JSON: maps merge key by key, anything else in the override wins, including
false and 0 (sprig's merge/mergeOverwrite treat those as unset). Args: (list base override).
*/}}
{{- define "ledgerline.deepMerge" -}}
{{- $out := deepCopy (index . 0) }}
{{- range $key, $value := (index . 1) }}
{{- $current := get $out $key }}
{{- if and (kindIs "map" $value) (kindIs "map" $current) }}
{{- $_ := set $out $key (include "ledgerline.deepMerge" (list $current $value) | fromJson) }}
{{- else }}
{{- $_ := set $out $key $value }}
{{- end }}
{{- end }}
{{- toJson $out }}
{{- end }}

{{/* One service block over serviceDefaults, as JSON. Args: (list $ "identity"). */}}
{{- define "ledgerline.component" -}}
{{- $root := index . 0 }}
{{- $key := index . 1 }}
{{- $merged := include "ledgerline.deepMerge" (list $root.Values.serviceDefaults (get $root.Values.services $key)) | fromJson }}
{{- $_ := set $merged "service" (default $key $merged.service) }}
{{- toJson $merged }}
{{- end }}

{{/* Services the gateway's /readyz asks over NATS: every enabled worker's entry point. */}}
{{- define "ledgerline.readyServices" -}}
{{- $names := list }}
{{- range $key, $block := .Values.services }}
{{- if and $block.enabled (eq (default "http" $block.kind) "worker") }}
{{- $names = append $names (default $key $block.service) }}
{{- end }}
{{- end }}
{{- $names | uniq | sortAlpha | join "," }}
{{- end }}

{{/* Non-secret environment shared by every process (the ConfigMap's data), as YAML. */}}
{{- define "ledgerline.configData" -}}
{{- $infra := .Values.infrastructure }}
{{- $data := dict
  "NATS_URL" $infra.nats.url
  "MAIL_FROM" $infra.smtp.from
  "S3_ENDPOINT" $infra.s3.endpoint
  "S3_REGION" $infra.s3.region
  "S3_BUCKET" $infra.s3.bucket
  "S3_FORCE_PATH_STYLE" ($infra.s3.forcePathStyle | toString) }}
{{- range $name, $value := .Values.config }}
{{- $_ := set $data $name (toString $value) }}
{{- end }}
{{- toYaml $data }}
{{- end }}

{{- define "ledgerline.secretName" -}}
{{- default (include "ledgerline.fullname" .) .Values.existingSecret }}
{{- end }}

{{/*
The chart's Secret data (plain text), as YAML. The 32-byte keys are read back from the live Secret
so an upgrade never rotates them (that would break sealed tokens and encrypted signing keys).
*/}}
{{- define "ledgerline.secretData" -}}
{{- $infra := .Values.infrastructure }}
{{- $live := dict }}
{{- with lookup "v1" "Secret" .Release.Namespace (include "ledgerline.fullname" .) }}
{{- $live = .data | default dict }}
{{- end }}
{{- $data := dict
  "DATABASE_URL" $infra.postgres.url
  "REDIS_URL" $infra.redis.url
  "SMTP_URL" $infra.smtp.url
  "S3_ACCESS_KEY_ID" $infra.s3.accessKeyId
  "S3_SECRET_ACCESS_KEY" $infra.s3.secretAccessKey }}
{{- range $name, $given := dict "MESSAGE_SEAL_KEY" .Values.secrets.messageSealKey "KEY_ENCRYPTION_KEY" .Values.secrets.keyEncryptionKey }}
{{- if $given }}
{{- $_ := set $data $name $given }}
{{- else if hasKey $live $name }}
{{- $_ := set $data $name (get $live $name | b64dec) }}
{{- else }}
{{- $_ := set $data $name (randAlphaNum 64 | sha256sum) }}
{{- end }}
{{- end }}
{{- range $name, $value := .Values.secrets.extra }}
{{- $_ := set $data $name (toString $value) }}
{{- end }}
{{- toYaml $data }}
{{- end }}

{{/* Pod-level pieces shared by the Deployments and Jobs. */}}
{{- define "ledgerline.podSecurity" -}}
{{- with .Values.imagePullSecrets }}
imagePullSecrets:
  {{- toYaml . | nindent 2 }}
{{- end }}
securityContext:
  {{- toYaml .Values.podSecurityContext | nindent 2 }}
{{- end }}

{{- define "ledgerline.tmpVolume" -}}
- name: tmp
  emptyDir:
    sizeLimit: {{ .Values.tmpSizeLimit }}
{{- end }}

{{/* env entries for a list of Secret keys. Args: (list $ (list "DATABASE_URL" …)). */}}
{{- define "ledgerline.secretEnv" -}}
{{- $root := index . 0 }}
{{- range $name := index . 1 }}
- name: {{ $name }}
  valueFrom:
    secretKeyRef:
      name: {{ include "ledgerline.secretName" $root }}
      key: {{ $name }}
{{- end }}
{{- end }}
