#!/usr/bin/env bash
# REST v1 against the server function, and TLS against plain HTTP, on the release build.
#  1. 100,000 incidents (a third each OPEN, ACKNOWLEDGED, RESOLVED; HIGH and LOW), then
#     wrk at CONNECTIONS (32) for DURATION (15 s) each:
#       GET  /api/v1/incidents?status=OPEN,ACKNOWLEDGED&urgency=HIGH&limit=50
#       POST /api/incidents/list with the same filter (the server function the UI calls)
#     p50/p99 from wrk's latency distribution.
#  2. The same server behind TLS (--tls-self-signed) and plain: the TLS handshake plus the first
#     request on new connections (curl, N=200 each, p50/p99 of time_total), and keep-alive
#     requests/s for a static answer (/api/docs.css) with wrk.
# Prints figures; asserts nothing. Needs a release build and wrk (installed from apt if missing).
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/env.sh"
DURATION="${DURATION:-15}"
CONNECTIONS="${CONNECTIONS:-32}"
INCIDENTS="${INCIDENTS:-100000}"
if ! command -v wrk >/dev/null 2>&1; then
  sudo=""; [ "$(id -u)" = 0 ] || sudo="sudo"
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq wrk >/dev/null
fi
if [ -z "${DATABASE_URL:-}" ]; then exec "$ROOT/scripts/with-postgres.sh" "$0" "$@"; fi
BIN="$CARGO_TARGET_DIR/release/opsknight"
DB="bench_rest_$$"
psql "$DATABASE_URL" -qc "CREATE DATABASE $DB" >/dev/null
URL="${DATABASE_URL%/*}/$DB"
free() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
PORT=$(free); TLS_PORT=$(free)
DATA=$(mktemp -d /tmp/opsknight-bench-rest.XXXXXX)
LUA=$(mktemp --suffix=.lua)
OUT=$(mktemp)
echo 'bench-rest-passphrase' | OPSKNIGHT_LOG=warn "$BIN" user add --database-url "$URL" \
  --email bench@example.com --name Bench --role admin >/dev/null
KEY=$(OPSKNIGHT_LOG=warn "$BIN" apikey create --database-url "$URL" --email bench@example.com \
  --scopes admin --name bench)
# Both servers share one data dir (the keyring); the second starts once the first made it.
OPSKNIGHT_LOG=warn "$BIN" serve --data-dir "$DATA" --addr "127.0.0.1:$PORT" --database-url "$URL" \
  --site-root "$ROOT/target/site" &
PID=$!
TLS_PID=
trap 'kill -TERM $PID $TLS_PID 2>/dev/null; wait $PID $TLS_PID 2>/dev/null; rm -rf "$LUA" "$OUT" "$DATA"; psql "$DATABASE_URL" -qc "DROP DATABASE IF EXISTS $DB" >/dev/null 2>&1 || true' EXIT
until curl -fsS "http://127.0.0.1:$PORT/health" >/dev/null 2>&1; do
  kill -0 "$PID" 2>/dev/null || { echo "the server did not start" >&2; exit 1; }; sleep 0.05; done
OPSKNIGHT_LOG=warn "$BIN" serve --data-dir "$DATA" --addr "127.0.0.1:$TLS_PORT" --database-url "$URL" \
  --site-root "$ROOT/target/site" --tls-self-signed &
TLS_PID=$!
until curl -fsSk "https://127.0.0.1:$TLS_PORT/health" >/dev/null 2>&1; do
  kill -0 "$TLS_PID" 2>/dev/null || { echo "the TLS server did not start" >&2; exit 1; }; sleep 0.05; done

SERVICE=$(curl -fsS -H "authorization: Bearer $KEY" -H 'content-type: application/json' \
  -X POST "http://127.0.0.1:$PORT/api/services/create" -d '{"name":"Bench","description":"","team_id":null,
  "urgency_rule":"SEVERITY","ack_timeout_secs":null}' | python3 -c 'import json,sys; print(json.load(sys.stdin)["id"])')
echo "seeding $INCIDENTS incidents"
psql "$URL" -q <<SQL
INSERT INTO incidents (id, service_id, dedup_key, title, status, urgency, created_at, updated_at, acknowledged_at, resolved_at)
SELECT gen_random_uuid(), '$SERVICE', md5(g::text), 'Seeded incident ' || g,
       (ARRAY['OPEN','ACKNOWLEDGED','RESOLVED'])[1 + g % 3], (ARRAY['HIGH','LOW'])[1 + g % 2],
       now() - g * interval '1 minute', now() - g * interval '1 minute',
       CASE WHEN g % 3 = 1 THEN now() END, CASE WHEN g % 3 = 2 THEN now() END
FROM generate_series(1, $INCIDENTS) g;
ANALYZE incidents;
SQL

latency() { # wrk output → "p50 p99"
  awk '/^ +50%/ {p50=$2} /^ +99%/ {p99=$2} END {print "p50 " p50 ", p99 " p99}'
}
REST="http://127.0.0.1:$PORT/api/v1/incidents?status=OPEN,ACKNOWLEDGED&urgency=HIGH&limit=50"
code=$(curl -s -o /dev/null -w '%{http_code}' -H "authorization: Bearer $KEY" "$REST")
[ "$code" = 200 ] || { echo "REST list answered $code" >&2; exit 1; }
cat > "$LUA" <<LUA
wrk.headers["Authorization"] = "Bearer $KEY"
LUA
echo "== REST: GET /api/v1/incidents?status=OPEN,ACKNOWLEDGED&urgency=HIGH&limit=50 ($INCIDENTS incidents, -c$CONNECTIONS, ${DURATION}s, $(nproc) cores, all on one machine)"
wrk -t2 -c"$CONNECTIONS" -d"${DURATION}s" --latency -s "$LUA" "$REST" > "$OUT"; cat "$OUT"; latency < "$OUT"
cat > "$LUA" <<LUA
wrk.method = "POST"
wrk.body = '{"filter":{"statuses":["OPEN","ACKNOWLEDGED"],"urgencies":["HIGH"]},"before":null,"limit":50}'
wrk.headers["Content-Type"] = "application/json"
wrk.headers["Authorization"] = "Bearer $KEY"
LUA
echo "== server function: POST /api/incidents/list, the same filter"
wrk -t2 -c"$CONNECTIONS" -d"${DURATION}s" --latency -s "$LUA" "http://127.0.0.1:$PORT/api/incidents/list" > "$OUT"; cat "$OUT"; latency < "$OUT"

N="${N:-200}"
handshake() { # scheme port → p50/p99 of (connect + TLS + first answer), new connection each
  for _ in $(seq 1 "$N"); do
    curl -sk -o /dev/null -w '%{time_total}\n' "$1://127.0.0.1:$2/api/docs.css"
  done | sort -n | awk '{a[NR]=$1} END {printf "p50 %.2f ms, p99 %.2f ms\n", a[int(NR*0.5)]*1000, a[int(NR*0.99)]*1000}'
}
echo "== new connection + first request, $N each (curl)"
echo "plain HTTP: $(handshake http "$PORT")"
echo "TLS 1.3:    $(handshake https "$TLS_PORT")"
echo "== keep-alive requests/s, GET /api/docs.css, -c$CONNECTIONS, ${DURATION}s"
echo "plain HTTP: $(wrk -t2 -c"$CONNECTIONS" -d"${DURATION}s" "http://127.0.0.1:$PORT/api/docs.css" | awk '/Requests\/sec/ {print $2}')"
echo "TLS:        $(wrk -t2 -c"$CONNECTIONS" -d"${DURATION}s" "https://127.0.0.1:$TLS_PORT/api/docs.css" | awk '/Requests\/sec/ {print $2}')"
