{{/*
Names, labels and shared fragments of the hypercache chart (docs/deployment.md §3).
*/}}

{{/* Chart name, overridable. */}}
{{- define "hypercache.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{/*
Full name: <release>-<chart> (or <release> when it already contains the chart name).
Truncated to 52 characters: the StatefulSet name plus its pod ordinal and controller-revision hash
must fit a 63-character label value.
*/}}
{{- define "hypercache.fullname" -}}
{{- if .Values.fullnameOverride -}}
{{- .Values.fullnameOverride | trunc 52 | trimSuffix "-" -}}
{{- else -}}
{{- $name := default .Chart.Name .Values.nameOverride -}}
{{- if contains $name .Release.Name -}}
{{- .Release.Name | trunc 52 | trimSuffix "-" -}}
{{- else -}}
{{- printf "%s-%s" .Release.Name $name | trunc 52 | trimSuffix "-" -}}
{{- end -}}
{{- end -}}
{{- end -}}

{{/* helm.sh/chart label value. */}}
{{- define "hypercache.chart" -}}
{{- printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{/*
Standard labels of every object. Call with (dict "ctx" $ "component" "<component>").
Components: server (StatefulSet, pods, PDB, ServiceAccount, Secret), discovery (headless Service),
api (client Service), mgmt (management Service), metrics (ServiceMonitor).
*/}}
{{- define "hypercache.labels" -}}
helm.sh/chart: {{ include "hypercache.chart" .ctx }}
{{ include "hypercache.selectorLabels" .ctx }}
app.kubernetes.io/version: {{ .ctx.Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .ctx.Release.Service }}
app.kubernetes.io/component: {{ .component }}
{{- end -}}

{{/* Selector labels of the cache pods (stable across upgrades: never add a label here). */}}
{{- define "hypercache.selectorLabels" -}}
app.kubernetes.io/name: {{ include "hypercache.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end -}}

{{/* Pod selector: the selector labels plus component=server. */}}
{{- define "hypercache.podSelectorLabels" -}}
{{ include "hypercache.selectorLabels" . }}
app.kubernetes.io/component: server
{{- end -}}

{{- define "hypercache.serviceAccountName" -}}
{{- if .Values.serviceAccount.create -}}
{{- default (include "hypercache.fullname" .) .Values.serviceAccount.name -}}
{{- else -}}
{{- default "default" .Values.serviceAccount.name -}}
{{- end -}}
{{- end -}}

{{- define "hypercache.image" -}}
{{- $tag := default .Chart.AppVersion .Values.image.tag -}}
{{- if hasPrefix "sha256:" $tag -}}
{{- printf "%s@%s" .Values.image.repository $tag -}}
{{- else if hasPrefix "@" $tag -}}
{{- printf "%s%s" .Values.image.repository $tag -}}
{{- else -}}
{{- printf "%s:%s" .Values.image.repository $tag -}}
{{- end -}}
{{- end -}}

{{/* DNS names. */}}
{{- define "hypercache.headlessName" -}}
{{- printf "%s-headless" (include "hypercache.fullname" .) -}}
{{- end -}}

{{- define "hypercache.headlessDomain" -}}
{{- printf "%s.%s.svc.%s" (include "hypercache.headlessName" .) .Release.Namespace .Values.clusterDomain -}}
{{- end -}}

{{- define "hypercache.authSecretName" -}}
{{- printf "%s-auth" (include "hypercache.fullname" .) -}}
{{- end -}}

{{/* Renders a size value: strings as written, numbers as integers (never 2.68435456e+08). */}}
{{- define "hypercache.size" -}}
{{- if kindIs "string" . -}}{{ . }}{{- else -}}{{ int64 . }}{{- end -}}
{{- end -}}

{{/*
Secret sources. Each resolves to a dict {name, key} or to an empty dict when unset.
Inline values live in the chart Secret <fullname>-auth under a fixed key.
*/}}
{{- define "hypercache.secretRef" -}}
{{- $src := .src -}}
{{- if $src.existingSecret -}}
{{- dict "name" $src.existingSecret "key" $src.existingSecretKey | toJson -}}
{{- else if $src.value -}}
{{- dict "name" (include "hypercache.authSecretName" .ctx) "key" .chartKey | toJson -}}
{{- else -}}
{{- dict | toJson -}}
{{- end -}}
{{- end -}}

{{- define "hypercache.authTokenRef" -}}
{{- include "hypercache.secretRef" (dict "ctx" . "src" .Values.auth.token "chartKey" "token") -}}
{{- end -}}

{{- define "hypercache.authConfigRef" -}}
{{- include "hypercache.secretRef" (dict "ctx" . "src" .Values.auth.config "chartKey" "auth.json") -}}
{{- end -}}

{{- define "hypercache.distTokenRef" -}}
{{- if include "hypercache.distTokenGenerated" . -}}
{{- dict "name" (include "hypercache.authSecretName" .) "key" "distToken" | toJson -}}
{{- else -}}
{{- include "hypercache.secretRef" (dict "ctx" . "src" .Values.dist.token "chartKey" "distToken") -}}
{{- end -}}
{{- end -}}

{{/*
True (non-empty) when the chart generates the peer token: auth is on (a closed node does not boot
without a peer credential), no peer token is given (dist.token, or auth.token as fallback) and
dist.insecure is off.
*/}}
{{- define "hypercache.distTokenGenerated" -}}
{{- if and (include "hypercache.authEnabled" .) (not (include "hypercache.distTokenEnabled" .)) (not .Values.dist.insecure) -}}true{{- end -}}
{{- end -}}

{{/*
The generated peer token: the one already in the chart Secret (so `helm upgrade` keeps it and the
pods keep talking to each other), else 48 random characters. Computed once per render and kept in
the root context, so the Secret and the pods' checksum annotation see the same value.
*/}}
{{- define "hypercache.generatedDistToken" -}}
{{- if not (hasKey . "hypercacheGeneratedDistToken") -}}
{{- $existing := lookup "v1" "Secret" .Release.Namespace (include "hypercache.authSecretName" .) -}}
{{- $kept := "" -}}
{{- if and $existing $existing.data -}}
{{- $kept = index $existing.data "distToken" | default "" | b64dec -}}
{{- end -}}
{{- $_ := set . "hypercacheGeneratedDistToken" (default (randAlphaNum 48) $kept) -}}
{{- end -}}
{{- get . "hypercacheGeneratedDistToken" -}}
{{- end -}}

{{/* HYPERCACHE_DIST_TLS_ALLOWED_NAMES: dist.tls.allowedNames, else the wildcard of the pods' DNS names. */}}
{{- define "hypercache.distAllowedNames" -}}
{{- default (list (printf "*.%s" (include "hypercache.headlessDomain" .))) .Values.dist.tls.allowedNames | join "," -}}
{{- end -}}

{{/* The token the ServiceMonitor sends: serviceMonitor.token, else the shared auth.token. */}}
{{- define "hypercache.metricsTokenRef" -}}
{{- $own := include "hypercache.secretRef" (dict "ctx" . "src" .Values.serviceMonitor.token "chartKey" "metricsToken") | fromJson -}}
{{- if $own -}}
{{- $own | toJson -}}
{{- else -}}
{{- include "hypercache.authTokenRef" . -}}
{{- end -}}
{{- end -}}

{{/* True (non-empty) when the client policy is closed (docs/auth.md §1). */}}
{{- define "hypercache.authEnabled" -}}
{{- if or .Values.auth.token.value .Values.auth.token.existingSecret .Values.auth.config.value .Values.auth.config.existingSecret .Values.auth.oidc.issuer -}}true{{- end -}}
{{- end -}}

{{/* True (non-empty) when the dist listener has a peer token (dist.token, or auth.token as fallback). */}}
{{- define "hypercache.distTokenEnabled" -}}
{{- if or .Values.dist.token.value .Values.dist.token.existingSecret .Values.auth.token.value .Values.auth.token.existingSecret -}}true{{- end -}}
{{- end -}}

{{/* True (non-empty) when the chart Secret <fullname>-auth has something to hold. */}}
{{- define "hypercache.chartSecretNeeded" -}}
{{- $sm := and .Values.serviceMonitor.enabled .Values.serviceMonitor.token.value (not .Values.serviceMonitor.token.existingSecret) -}}
{{- $tok := and .Values.auth.token.value (not .Values.auth.token.existingSecret) -}}
{{- $cfg := and .Values.auth.config.value (not .Values.auth.config.existingSecret) -}}
{{- $dist := and .Values.dist.token.value (not .Values.dist.token.existingSecret) -}}
{{- if or $sm $tok $cfg $dist (include "hypercache.distTokenGenerated" .) -}}true{{- end -}}
{{- end -}}

{{/*
Render-time checks that the schema cannot express (or that must hold even with
--skip-schema-validation). Included by the StatefulSet, so every render runs them.
*/}}
{{- define "hypercache.validate" -}}
{{- $token := or .Values.auth.token.value .Values.auth.token.existingSecret -}}
{{- $config := or .Values.auth.config.value .Values.auth.config.existingSecret -}}
{{- if and $token $config -}}
{{- fail "auth.token and auth.config are mutually exclusive (docs/configuration.md §4): set one of them, not both" -}}
{{- end -}}
{{- range $name, $src := dict "auth.token" .Values.auth.token "auth.config" .Values.auth.config "dist.token" .Values.dist.token "serviceMonitor.token" .Values.serviceMonitor.token -}}
{{- if and $src.value $src.existingSecret -}}
{{- fail (printf "%s: set either value or existingSecret, not both" $name) -}}
{{- end -}}
{{- end -}}
{{- if ne (empty .Values.auth.oidc.issuer) (empty .Values.auth.oidc.audience) -}}
{{- fail "auth.oidc.issuer and auth.oidc.audience must be set together (docs/configuration.md §4)" -}}
{{- end -}}
{{- if and .Values.dist.tls.allowedNames (not .Values.dist.tls.existingSecret) -}}
{{- fail "dist.tls.allowedNames needs dist.tls.existingSecret (the names apply to peer certificates)" -}}
{{- end -}}
{{- if and .Values.apiTls.mtls (not .Values.apiTls.existingSecret) -}}
{{- fail "apiTls.mtls needs apiTls.existingSecret (with tls.crt, tls.key and ca.crt)" -}}
{{- end -}}
{{- if and .Values.serviceMonitor.enabled (include "hypercache.authEnabled" .) (not (include "hypercache.metricsTokenRef" . | fromJson)) -}}
{{- fail "serviceMonitor: /metrics needs a read token when auth is on; set auth.token or serviceMonitor.token" -}}
{{- end -}}
{{- $ports := list (int .Values.ports.api) (int .Values.ports.mgmt) (int .Values.ports.dist) -}}
{{- if ne (len (uniq $ports)) 3 -}}
{{- fail "ports.api, ports.mgmt and ports.dist must be three different ports" -}}
{{- end -}}
{{- end -}}
