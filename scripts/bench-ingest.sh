#!/usr/bin/env bash
# Ingestion load: POST /v2/enqueue against the release build on the embedded Postgres (fsync
# on), mix 50% new dedup keys / 40% repeats / 10% resolves, at concurrency 1, 16 and 64; then
# pgbench on the same cluster at the same concurrency for a single-row INSERT and a naive
# one-transaction-per-event ingest (with and without pg_notify). Prints figures; asserts
# nothing. DURATION (s) sets each run's length. Needs a release build (scripts/run.sh or
# scripts/test.sh) and wrk (installed from apt when missing).
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/env.sh"
DURATION="${DURATION:-10}"
LEVELS="${LEVELS:-1 16 64}"
BIN="$CARGO_TARGET_DIR/release/opsknight"
sudo=""; [ "$(id -u)" = 0 ] || sudo="sudo"
command -v wrk >/dev/null 2>&1 || DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq wrk >/dev/null
unset DATABASE_URL
DATA=$(mktemp -d /tmp/opsknight-bench.XXXXXX)
chmod 755 "$DATA"
PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
BASE="http://127.0.0.1:$PORT"
OPSKNIGHT_LOG=warn "$BIN" serve --data-dir "$DATA" --addr "127.0.0.1:$PORT" --site-root "$ROOT/target/site" &
PID=$!
cleanup() { kill -TERM $PID 2>/dev/null; wait $PID 2>/dev/null; rm -rf "$DATA"; }
trap cleanup EXIT
until curl -fsS "$BASE/health" >/dev/null 2>&1; do sleep 0.1; done

echo 'bench-ingest-passphrase' | OPSKNIGHT_LOG=warn "$BIN" user add --data-dir "$DATA" \
  --email bench@example.com --name Bench --role admin >/dev/null
KEY=$(OPSKNIGHT_LOG=warn "$BIN" apikey create --data-dir "$DATA" --email bench@example.com --scopes admin)
api() { curl -fsS -X POST "$BASE/api/$1" -H "authorization: Bearer $KEY" -H 'content-type: application/json' -d "$2"; }
SVC=$(api services/create '{"name":"Bench","description":"","team_id":null,"urgency_rule":"SEVERITY","ack_timeout_secs":null}' \
  | python3 -c 'import json,sys; print(json.load(sys.stdin)["id"])')
export ROUTING_KEY=$(api integrations/create "{\"service_id\":\"$SVC\",\"kind\":\"events_v2\",\"name\":\"bench\",\"rate_limit_per_min\":10000000}" \
  | python3 -c 'import json,sys; print(json.load(sys.stdin)["routing_key"])')

# The embedded cluster's socket directory, from the config OpsKnight writes.
PGDATA_DIR="$DATA/postgres"
[ -f "$DATA/postgres-location" ] && PGDATA_DIR="$(cat "$DATA/postgres-location")"
SOCK=$(sed -n "s/^unix_socket_directories = '\(.*\)'/\1/p" "$PGDATA_DIR/opsknight.conf")
PGBIN=$(dirname "$(ls /usr/lib/postgresql/*/bin/pgbench | sort -V | tail -n1)")
as_pg() { if [ "$(id -u)" = 0 ]; then setpriv --reuid=postgres --regid=postgres --init-groups "$@"; else "$@"; fi; }
BENCH_DIR=$(mktemp -d /tmp/opsknight-bench-sql.XXXXXX); chmod 755 "$BENCH_DIR"
cp "$ROOT"/scripts/bench/*.sql "$BENCH_DIR/"; chmod 644 "$BENCH_DIR"/*.sql
as_pg "$PGBIN/psql" -qX -h "$SOCK" -U opsknight -d postgres -c "CREATE DATABASE bench" >/dev/null
as_pg "$PGBIN/psql" -qX -h "$SOCK" -U opsknight -d bench -f "$BENCH_DIR/schema.sql" >/dev/null 2>&1

echo "== OpsKnight POST /v2/enqueue (mix 50% new / 40% repeat / 10% resolve), ${DURATION}s per level, $(nproc) cores shared by server, postgres and wrk"
for c in $LEVELS; do
  t=$(( c < 2 ? 1 : 2 ))
  out=$(wrk -t"$t" -c"$c" -d"${DURATION}s" --latency -s "$ROOT/scripts/bench/ingest-mix.lua" "$BASE" 2>/tmp/wrk-errors.log)
  rps=$(echo "$out" | awk '/Requests\/sec/ {print $2}')
  p50=$(echo "$out" | awk '$1=="50%" {print $2}')
  p99=$(echo "$out" | awk '$1=="99%" {print $2}')
  non202=$(echo "$out" | awk '/Non-2xx/ {print $5}')
  printf "concurrency %3d: %8.0f events/s  p50 %8s  p99 %8s  non-2xx %s\n" "$c" "$rps" "$p50" "$p99" "${non202:-0}"
done
echo "== pgbench on the same cluster (${DURATION}s per level)"
for script in single-insert naive-ingest naive-ingest-no-notify; do
  for c in $LEVELS; do
    tps=$(as_pg "$PGBIN/pgbench" -n -h "$SOCK" -U opsknight -d bench -f "$BENCH_DIR/$script.sql" \
      -c "$c" -j $(( c < 2 ? 1 : 2 )) -T "$DURATION" 2>/dev/null | awk '/^tps/ {print $3}')
    printf "%-24s concurrency %3d: %8.0f tx/s\n" "$script" "$c" "$tps"
  done
done
rm -rf "$BENCH_DIR"
