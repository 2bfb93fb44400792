#!/usr/bin/env bash
# Single sign-on's round trip on the release build: the callback (code → token exchange →
# ID-token checks → userinfo → account, session) timed from the browser's request to the
# answer that sets the session cookie, N times (default 300, after 20 warm-up sign-ins that
# also fill the discovery and JWKS caches). The provider is the real oidc-provider process on
# this machine, configured through OPSKNIGHT_OIDC_* (the environment path). Prints p50/p99;
# asserts nothing. Needs a release build and end2end/node_modules (install-tools.sh --test).
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/env.sh"
N="${N:-300}"
if [ -z "${DATABASE_URL:-}" ]; then exec "$ROOT/scripts/with-postgres.sh" "$0" "$@"; fi
BIN="$CARGO_TARGET_DIR/release/opsknight"
DB="bench_sso_$$"
psql "$DATABASE_URL" -qc "CREATE DATABASE $DB" >/dev/null
URL="${DATABASE_URL%/*}/$DB"
free() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
PORT=$(free); IDP_PORT=$(free)
DATA=$(mktemp -d /tmp/opsknight-bench-sso.XXXXXX)
node "$ROOT/end2end/oidc-provider.mjs" --port "$IDP_PORT" --ignore-stdin >/dev/null 2>&1 &
IDP_PID=$!
PID=
trap 'kill -TERM $PID $IDP_PID 2>/dev/null; wait $PID $IDP_PID 2>/dev/null; rm -rf "$DATA"; psql "$DATABASE_URL" -qc "DROP DATABASE IF EXISTS $DB" >/dev/null 2>&1 || true' EXIT
echo 'bench-sso-passphrase' | OPSKNIGHT_LOG=warn "$BIN" user add --database-url "$URL" \
  --email bench@example.com --name Bench --role responder >/dev/null
OPSKNIGHT_LOG=warn OPSKNIGHT_OIDC_ISSUER="http://127.0.0.1:$IDP_PORT" \
  OPSKNIGHT_OIDC_CLIENT_ID=opsknight-bench OPSKNIGHT_OIDC_CLIENT_SECRET=bench-secret \
  OPSKNIGHT_OIDC_LABEL=Bench "$BIN" serve --data-dir "$DATA" --addr "127.0.0.1:$PORT" \
  --database-url "$URL" --site-root "$ROOT/target/site" &
PID=$!
until curl -fsS "http://127.0.0.1:$PORT/health" >/dev/null 2>&1 \
  && curl -fsS "http://127.0.0.1:$IDP_PORT/.well-known/openid-configuration" >/dev/null 2>&1; do
  kill -0 "$PID" 2>/dev/null || { echo "the server did not start" >&2; exit 1; }; sleep 0.05; done
node "$ROOT/scripts/bench-sso.mjs" "http://127.0.0.1:$PORT" "http://127.0.0.1:$IDP_PORT" "$N"
