#!/usr/bin/env bash
# Checks that PostgreSQL, Redis and NATS (with JetStream) answer on 127.0.0.1 and starts any
# that is down with this machine's local services. Exits non-zero naming what is still missing.
set -uo pipefail

answers() { timeout 2 bash -c "exec 3<>/dev/tcp/127.0.0.1/$1" 2>/dev/null; }
nats_info() { timeout 2 bash -c 'exec 3<>/dev/tcp/127.0.0.1/4222; IFS= read -r l <&3; echo "$l"' 2>/dev/null; }
wait_for() { for _ in $(seq 1 30); do "$@" && return 0; sleep 0.5; done; return 1; }

if ! answers 5432; then
  echo "ensure-infra: starting PostgreSQL" >&2
  pg_ctlcluster --skip-systemctl-redirect "$(ls /etc/postgresql | head -n1)" main start || true
  wait_for answers 5432
fi
if ! answers 6379; then
  echo "ensure-infra: starting Redis" >&2
  redis-server --daemonize yes --bind 127.0.0.1 --port 6379 --save "" --appendonly no || true
  wait_for answers 6379
fi
if ! nats_info | grep -q '"jetstream":true'; then
  echo "ensure-infra: starting NATS with JetStream" >&2
  mkdir -p /var/lib/nats-server
  start-stop-daemon --start --oknodo --background --exec /usr/sbin/nats-server -- \
    -a 127.0.0.1 -p 4222 -js -sd /var/lib/nats-server || true
  wait_for bash -c 'timeout 2 bash -c "exec 3<>/dev/tcp/127.0.0.1/4222; IFS= read -r l <&3; echo \$l" | grep -q "\"jetstream\":true"'
fi

missing=()
answers 5432 || missing+=("PostgreSQL on 127.0.0.1:5432")
answers 6379 || missing+=("Redis on 127.0.0.1:6379")
nats_info | grep -q '"jetstream":true' || missing+=("NATS with JetStream on 127.0.0.1:4222")
if [ ${#missing[@]} -gt 0 ]; then
  printf 'ensure-infra: not reachable: %s\n' "${missing[@]}" >&2
  exit 1
fi
echo "ensure-infra: PostgreSQL, Redis and NATS (JetStream) answer" >&2
