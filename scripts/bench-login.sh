#!/usr/bin/env bash
# Sign-in latency against the release build: N sequential POST /api/auth/login with the right
# password (argon2id verify + session insert + audit row), median and p99 as curl measures them.
# Needs a release build (scripts/run.sh or scripts/test.sh). Prints figures; asserts nothing.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/env.sh"
N="${N:-200}"
if [ -z "${DATABASE_URL:-}" ]; then exec "$ROOT/scripts/with-postgres.sh" "$0" "$@"; fi
BIN="$CARGO_TARGET_DIR/release/opsknight"
DB="bench_login_$$"
psql "$DATABASE_URL" -qc "CREATE DATABASE $DB" >/dev/null
URL="${DATABASE_URL%/*}/$DB"
PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
echo 'bench-login-passphrase' | OPSKNIGHT_LOG=warn "$BIN" user add --database-url "$URL" \
  --email bench@example.com --name Bench --role responder >/dev/null
OPSKNIGHT_LOG=warn "$BIN" serve --addr "127.0.0.1:$PORT" --database-url "$URL" --site-root "$ROOT/target/site" &
PID=$!
trap 'kill -TERM $PID 2>/dev/null; wait $PID 2>/dev/null' EXIT
until curl -fsS "http://127.0.0.1:$PORT/health" >/dev/null 2>&1; do sleep 0.05; done
BODY='{"email":"bench@example.com","password":"bench-login-passphrase"}'
for _ in $(seq 1 "$N"); do
  curl -s -o /dev/null -w '%{time_total}\n' -X POST "http://127.0.0.1:$PORT/api/auth/login" \
    -H 'content-type: application/json' -d "$BODY"
done | sort -n | awk -v n="$N" '{a[NR]=$1*1000} END {
  printf "sign-in latency over %d requests: median %.1f ms, p99 %.1f ms, min %.1f ms, max %.1f ms\n",
    n, a[int((n+1)/2)], a[int(n*0.99)], a[1], a[n] }'
