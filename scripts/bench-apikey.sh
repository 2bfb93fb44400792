#!/usr/bin/env bash
# Server-function overhead with an API key: requests/s and latency for a trivial
# authenticated read (POST /api/auth/me with `Authorization: Bearer`), measured with wrk
# against the release build. Needs a release build (scripts/run.sh or scripts/test.sh).
# Prints figures; asserts nothing. DURATION (s), CONNECTIONS and THREADS tune the load.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/env.sh"
DURATION="${DURATION:-15}"
CONNECTIONS="${CONNECTIONS:-32}"
THREADS="${THREADS:-2}"
if ! command -v wrk >/dev/null 2>&1; then
  echo "installing wrk from apt" >&2
  sudo=""; [ "$(id -u)" = 0 ] || sudo="sudo"
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq wrk >/dev/null
fi
if [ -z "${DATABASE_URL:-}" ]; then exec "$ROOT/scripts/with-postgres.sh" "$0" "$@"; fi
BIN="$CARGO_TARGET_DIR/release/opsknight"
DB="bench_apikey_$$"
psql "$DATABASE_URL" -qc "CREATE DATABASE $DB" >/dev/null
URL="${DATABASE_URL%/*}/$DB"
PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
echo 'bench-apikey-passphrase' | OPSKNIGHT_LOG=warn "$BIN" user add --database-url "$URL" \
  --email bench@example.com --name Bench --role responder >/dev/null
KEY=$(OPSKNIGHT_LOG=warn "$BIN" apikey create --database-url "$URL" --email bench@example.com \
  --scopes incidents:read --name bench)
OPSKNIGHT_LOG=warn "$BIN" serve --addr "127.0.0.1:$PORT" --database-url "$URL" --site-root "$ROOT/target/site" &
PID=$!
LUA=$(mktemp --suffix=.lua)
trap 'kill -TERM $PID 2>/dev/null; wait $PID 2>/dev/null; rm -f "$LUA"' EXIT
until curl -fsS "http://127.0.0.1:$PORT/health" >/dev/null 2>&1; do sleep 0.05; done
cat > "$LUA" <<LUA
wrk.method = "POST"
wrk.body = "{}"
wrk.headers["Content-Type"] = "application/json"
wrk.headers["Authorization"] = "Bearer $KEY"
LUA
code=$(curl -s -o /dev/null -w '%{http_code}' -X POST "http://127.0.0.1:$PORT/api/auth/me" \
  -H "authorization: Bearer $KEY" -H 'content-type: application/json' -d '{}')
[ "$code" = 200 ] || { echo "the key was refused ($code)" >&2; exit 1; }
echo "wrk -t$THREADS -c$CONNECTIONS -d${DURATION}s POST /api/auth/me with an API key ($(nproc) cores, server + postgres + wrk on one machine)"
wrk -t"$THREADS" -c"$CONNECTIONS" -d"${DURATION}s" --latency -s "$LUA" "http://127.0.0.1:$PORT/api/auth/me"
