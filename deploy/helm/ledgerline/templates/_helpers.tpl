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

{{/* The image; its repository is required: no registry publishes one for this chart. */}}
{{- define "ledgerline.image" -}}
{{- $repository := required "image.repository is required: build the image (docker build -t <registry>/ledgerline:<tag> .), push it and set image.repository (see deploy/README.md)" .Values.image.repository }}
{{- if .Values.image.digest }}
{{- printf "%s@%s" $repository .Values.image.digest }}
{{- else }}
{{- printf "%s:%s" $repository (.Values.image.tag | default .Chart.AppVersion) }}
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
  "MAIL_FROM" $infra.smtp.from
  "JETSTREAM_REPLICAS" (.Values.jetstream.replicas | int | toString)
  "JETSTREAM_MAX_AGE_SECONDS" (.Values.jetstream.maxAgeSeconds | int64 | toString)
  "JETSTREAM_MAX_BYTES" (.Values.jetstream.maxBytes | int64 | toString)
  "S3_ENDPOINT" $infra.s3.endpoint
  "S3_REGION" $infra.s3.region
  "S3_BUCKET" $infra.s3.bucket
  "S3_FORCE_PATH_STYLE" ($infra.s3.forcePathStyle | toString) }}
{{- if or .Values.caBundle.configMapName .Values.caBundle.secretName }}
{{- $_ := set $data "NODE_EXTRA_CA_CERTS" (printf "/etc/ledgerline/ca/%s" .Values.caBundle.key) }}
{{- end }}
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
  "NATS_URL" $infra.nats.url
  "REDIS_URL" $infra.redis.url
  "SMTP_URL" $infra.smtp.url
  "S3_ACCESS_KEY_ID" $infra.s3.accessKeyId
  "S3_SECRET_ACCESS_KEY" $infra.s3.secretAccessKey }}
{{- range $name, $given := dict "MESSAGE_SEAL_KEY" .Values.secrets.messageSealKey "KEY_ENCRYPTION_KEY" .Values.secrets.keyEncryptionKey }}
{{- if $given }}
{{- $_ := set $data $name $given }}
{{- else if hasKey $live $name }}
{{- $_ := set $data $name (get $live $name | b64dec) }}
{{- else if $.Release.IsUpgrade }}
{{- /* Like Bitnami's common.errors.upgrade.passwords.empty: never rotate a key silently. */}}
{{- fail (printf "upgrade: %s is not set and the live Secret %s could not be read (Argo CD/Flux, --dry-run, or no RBAC to get Secrets): a new key would break every sealed token and stored signing key. Pass the current value (secrets.%s, e.g. from `kubectl get secret %s -o jsonpath='{.data.%s}' | base64 -d`) or use existingSecret" $name (include "ledgerline.fullname" $) (ternary "messageSealKey" "keyEncryptionKey" (eq $name "MESSAGE_SEAL_KEY")) (include "ledgerline.fullname" $) $name) }}
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

{{/* Every pod's volumes: /tmp, the private CA bundle, extraVolumes. */}}
{{- define "ledgerline.tmpVolume" -}}
- name: tmp
  emptyDir:
    sizeLimit: {{ .Values.tmpSizeLimit }}
{{- with .Values.caBundle }}
{{- if .configMapName }}
- name: ca-bundle
  configMap:
    name: {{ .configMapName }}
{{- else if .secretName }}
- name: ca-bundle
  secret:
    secretName: {{ .secretName }}
{{- end }}
{{- end }}
{{- with .Values.extraVolumes }}
{{ toYaml . }}
{{- end }}
{{- end }}

{{/* Every container's mounts, matching ledgerline.tmpVolume. */}}
{{- define "ledgerline.volumeMounts" -}}
- name: tmp
  mountPath: /tmp
{{- if or .Values.caBundle.configMapName .Values.caBundle.secretName }}
- name: ca-bundle
  mountPath: /etc/ledgerline/ca
  readOnly: true
{{- end }}
{{- with .Values.extraVolumeMounts }}
{{ toYaml . }}
{{- end }}
{{- end }}

{{/* envFrom of every container: the ConfigMap (unless told not to) and extraEnvVarsSecret. Args: (list $ withConfigMap). */}}
{{- define "ledgerline.envFrom" -}}
{{- $root := index . 0 }}
{{- if index . 1 }}
- configMapRef:
    name: {{ include "ledgerline.fullname" $root }}
{{- end }}
{{- with $root.Values.extraEnvVarsSecret }}
- secretRef:
    name: {{ . }}
{{- end }}
{{- end }}

{{/* SHUTDOWN_TIMEOUT_MS of one component (its env wins over config), in whole seconds rounded up. */}}
{{- define "ledgerline.shutdownSeconds" -}}
{{- $root := index . 0 }}
{{- $c := index . 1 }}
{{- $ms := (get ($c.env | default dict) "SHUTDOWN_TIMEOUT_MS") | default (get $root.Values.config "SHUTDOWN_TIMEOUT_MS") | default "10000" | int }}
{{- div (add $ms 999) 1000 }}
{{- end }}

{{/*
terminationGracePeriodSeconds: preStop sleep + drain (SHUTDOWN_TIMEOUT_MS) + 5 s for the process
to exit, unless set; a set value shorter than preStop + drain fails (drains would get SIGKILL).
Args: (list $ component key).
*/}}
{{- define "ledgerline.terminationGrace" -}}
{{- $root := index . 0 }}
{{- $c := index . 1 }}
{{- $needed := add ($c.preStopDelaySeconds | default 0 | int) (include "ledgerline.shutdownSeconds" (list $root $c) | int) }}
{{- if kindIs "invalid" $c.terminationGracePeriodSeconds }}
{{- add $needed 5 }}
{{- else if lt ($c.terminationGracePeriodSeconds | int) $needed }}
{{- fail (printf "services.%s: terminationGracePeriodSeconds (%d) is shorter than preStopDelaySeconds + SHUTDOWN_TIMEOUT_MS (%d s): the drain would be killed. Raise it, or leave it null to derive it" (index . 2) ($c.terminationGracePeriodSeconds | int) $needed) }}
{{- else }}
{{- $c.terminationGracePeriodSeconds | int }}
{{- end }}
{{- end }}

{{/* Path prefix of an http component's routes (the gateway's ROOT_PATH), for probes and tests. */}}
{{- define "ledgerline.rootPath" -}}
{{- $root := index . 0 }}
{{- $c := index . 1 }}
{{- if eq $c.kind "http" }}
{{- (get ($c.env | default dict) "ROOT_PATH") | default (get $root.Values.config "ROOT_PATH") | default "" | trimSuffix "/" }}
{{- end }}
{{- end }}

{{/* Render-time checks the schema cannot express; included by the ConfigMap (always rendered). */}}
{{- define "ledgerline.validate" -}}
{{- range $key, $block := .Values.services }}
{{- if and $block $block.enabled }}
{{- $c := include "ledgerline.component" (list $ $key) | fromJson }}
{{- $replicas := $c.replicaCount | int }}
{{- if $c.autoscaling.enabled }}
{{- $replicas = $c.autoscaling.minReplicas | int }}
{{- if gt ($c.autoscaling.minReplicas | int) ($c.autoscaling.maxReplicas | int) }}
{{- fail (printf "services.%s.autoscaling: minReplicas (%d) is greater than maxReplicas (%d)" $key ($c.autoscaling.minReplicas | int) ($c.autoscaling.maxReplicas | int)) }}
{{- end }}
{{- end }}
{{- if $c.pdb.enabled }}
{{- if and (not (kindIs "invalid" $c.pdb.minAvailable)) (not (kindIs "invalid" $c.pdb.maxUnavailable)) }}
{{- fail (printf "services.%s.pdb: set minAvailable or maxUnavailable, not both (null the other)" $key) }}
{{- end }}
{{- if and (not (kindIs "invalid" $c.pdb.minAvailable)) (kindIs "float64" $c.pdb.minAvailable) }}
{{- if ge ($c.pdb.minAvailable | int) $replicas }}
{{- fail (printf "services.%s.pdb: minAvailable (%d) must be below the replica count (%d), or no pod can ever be evicted and node drains hang" $key ($c.pdb.minAvailable | int) $replicas) }}
{{- end }}
{{- end }}
{{- end }}
{{- $_ := include "ledgerline.terminationGrace" (list $ $c $key) }}
{{- end }}
{{- end }}
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

{{/* ingressClassName and tls of the Ingress(es). */}}
{{- define "ledgerline.ingressTlsAndClass" -}}
{{- with .Values.ingress.className }}
ingressClassName: {{ . }}
{{- end }}
{{- if .Values.ingress.tls.enabled }}
tls:
  - hosts: [{{ .Values.ingress.host | quote }}]
    secretName: {{ .Values.ingress.tls.secretName | default (printf "%s-tls" (include "ledgerline.fullname" .)) }}
{{- end }}
{{- end }}
