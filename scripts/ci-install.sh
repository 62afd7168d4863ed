#!/usr/bin/env bash
# Provision a CI machine for rollwatch (run as root by .ci/run; idempotent, fast when already done):
#   1. Debian packages for the real test servers (Podman, Prometheus, Alertmanager) and the browser;
#   2. npm ci;
#   3. the test kit's Maven Central downloads (Kafka, Elasticsearch) into ~/.cache/rollwatch.
set -euo pipefail
cd "$(dirname "$0")/.."
export DEBIAN_FRONTEND=noninteractive
log() { printf '[ci-install] %s\n' "$*" >&2; }
t0=$(date +%s)

pkgs=(podman runc busybox-static prometheus prometheus-alertmanager chromium docker-compose)
# Tools the test kit relies on that a minimal image may lack.
command -v mvn >/dev/null 2>&1 || pkgs+=(maven)
command -v java >/dev/null 2>&1 || pkgs+=(openjdk-17-jre-headless)
command -v unzip >/dev/null 2>&1 || pkgs+=(unzip)
command -v flock >/dev/null 2>&1 || pkgs+=(util-linux)

missing=()
for p in "${pkgs[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
if ((${#missing[@]})); then
  log "apt: installing ${missing[*]}"
  apt-get update -q
  # --no-install-recommends keeps it small; podman's networking comes via its Depends.
  apt-get install -y -q --no-install-recommends "${missing[@]}"
else
  log "apt: all packages already installed"
fi

# Elasticsearch refuses to run as root: the test kit runs it as this system user.
id -u rollwatch >/dev/null 2>&1 || useradd --system --no-create-home --home-dir /nonexistent --shell /usr/sbin/nologin rollwatch

# Elasticsearch 9 needs a JDK 21+ (the test kit looks under /usr/lib/jvm or uses ES_JAVA_HOME).
jdk_ok=""
for rel in "${ES_JAVA_HOME:-/nonexistent}"/release /usr/lib/jvm/*/release; do
  [ -f "$rel" ] || continue
  major=$(sed -n 's/^JAVA_VERSION="\([0-9]*\).*/\1/p' "$rel")
  if [ -n "$major" ] && [ "$major" -ge 21 ]; then jdk_ok="$(dirname "$rel") ($major)"; break; fi
done
if [ -n "$jdk_ok" ]; then log "JDK for Elasticsearch: $jdk_ok"; else log "WARNING: no JDK 21+ under /usr/lib/jvm and ES_JAVA_HOME unset: Elasticsearch integration tests will fail"; fi

log "npm ci"
flock /tmp/rollwatch-npm.lock npm ci --no-audit --no-fund

log "build the test kit and fetch Kafka + Elasticsearch from Maven Central"
npx --no-install tsc -b packages/testkit
node packages/testkit/dist/bin.js fetch

log "done in $(( $(date +%s) - t0 )) s"
