#!/usr/bin/env bash
# Ingestion load: POST /v2/enqueue against the release build on the embedded Postgres (fsync
# on), mix 50% new dedup keys / 40% repeats / 10% resolves, at concurrency 1, 16 and 64; then
# pgbench on the same cluster at the same concurrency for a single-row INSERT and a naive
# one-transaction-per-event ingest (with and without pg_notify). Prints figures; asserts
# nothing. DURATION (s) sets each run's length, LEVELS the concurrencies, PGBENCH=0 skips
# pgbench. Needs a release build (scripts/run.sh or
# scripts/test.sh) and wrk (installed from apt when missing).
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/env.sh"
DURATION="${DURATION:-10}"
LEVELS="${LEVELS:-1 16 64}"
sudo=""; [ "$(id -u)" = 0 ] || sudo="sudo"
command -v wrk >/dev/null 2>&1 || DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq wrk >/dev/null
source "$ROOT/scripts/bench/embedded.sh"
KEY="$API_KEY"
api() { curl -fsS -X POST "$BASE/api/$1" -H "authorization: Bearer $KEY" -H 'content-type: application/json' -d "$2"; }
SVC=$(api services/create '{"name":"Bench","description":"","team_id":null,"urgency_rule":"SEVERITY","ack_timeout_secs":null}' \
  | python3 -c 'import json,sys; print(json.load(sys.stdin)["id"])')
export ROUTING_KEY=$(api integrations/create "{\"service_id\":\"$SVC\",\"kind\":\"events_v2\",\"name\":\"bench\",\"rate_limit_per_min\":10000000}" \
  | python3 -c 'import json,sys; print(json.load(sys.stdin)["routing_key"])')

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
[ "${PGBENCH:-1}" = 0 ] && exit 0
echo "== pgbench on the same cluster (${DURATION}s per level)"
for script in single-insert naive-ingest naive-ingest-no-notify; do
  for c in $LEVELS; do
    tps=$(as_pg "$PGBIN/pgbench" -n -h "$SOCK" -U opsknight -d bench -f "$BENCH_DIR/$script.sql" \
      -c "$c" -j $(( c < 2 ? 1 : 2 )) -T "$DURATION" 2>/dev/null | awk '/^tps/ {print $3}')
    printf "%-24s concurrency %3d: %8.0f tx/s\n" "$script" "$c" "$tps"
  done
done
rm -rf "$BENCH_DIR"
