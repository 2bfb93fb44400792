#!/usr/bin/env bash
# The Playwright suite against the release build, on a database of its own: creates a fresh
# database in DATABASE_URL's cluster, starts the fake Twilio (end2end/fake-twilio.mjs), the
# fake webhook receiver, a real OpenID Connect provider (end2end/oidc-provider.mjs) and a
# release `opsknight serve` on free ports, runs `npx playwright test "$@"`, stops them, drops
# the database, and exits with Playwright's status. scripts/test.sh runs it with no arguments;
# scripts/e2e-isolation.sh runs it once per spec file.
#
#   scripts/with-postgres.sh scripts/e2e.sh                       # the whole suite
#   scripts/with-postgres.sh scripts/e2e.sh tests/schedules.spec.ts   # one file (setup runs first)
#
# Needs the release build (cargo xtask build --release) and scripts/install-tools.sh --test.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/env.sh"
: "${DATABASE_URL:?e2e: DATABASE_URL must point at a cluster where databases may be created}"
BIN="$CARGO_TARGET_DIR/release/opsknight"
[ -x "$BIN" ] || { echo "e2e: no release build at $BIN; run cargo xtask build --release" >&2; exit 1; }

WORK=$(mktemp -d /tmp/opsknight-e2e.XXXXXX)
DB="opsknight_e2e_$(basename "$WORK" | tr -dc 'a-zA-Z0-9' | tr 'A-Z' 'a-z')"
SERVER_PID=""
TWILIO_PID=""
WEBHOOK_PID=""
IDP_PID=""
cleanup() {
  [ -n "$IDP_PID" ] && kill "$IDP_PID" 2>/dev/null || true
  [ -n "$TWILIO_PID" ] && kill "$TWILIO_PID" 2>/dev/null || true
  [ -n "$WEBHOOK_PID" ] && kill "$WEBHOOK_PID" 2>/dev/null || true
  if [ -n "$SERVER_PID" ] && kill -0 "$SERVER_PID" 2>/dev/null; then
    kill -TERM "$SERVER_PID" 2>/dev/null || true
    wait "$SERVER_PID" 2>/dev/null || true
  fi
  psql "$DATABASE_URL" -qc "DROP DATABASE IF EXISTS $DB" >/dev/null 2>&1 || true
  rm -rf "$WORK"
}
trap cleanup EXIT

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
psql "$DATABASE_URL" -qc "CREATE DATABASE $DB" >/dev/null
E2E_DB_URL="${DATABASE_URL%/*}/$DB"
PORT=$(free_port)
SERVER_LOG="$WORK/server.log"
# Twilio is the one outside service the e2e server talks to: a local fake.
TWILIO_PORT=$(free_port)
TWILIO_SID=AC00000000000000000000000000e2e0e2
node "$ROOT/end2end/fake-twilio.mjs" "$TWILIO_PORT" "$TWILIO_SID" e2e-token >"$WORK/twilio.log" 2>&1 &
TWILIO_PID=$!
# Outbound webhooks and the Slack app go to a local fake (end2end/fake-webhook.mjs), allowed
# by --egress-allow (the SSRF guard refuses loopback otherwise).
WEBHOOK_PORT=$(free_port)
node "$ROOT/end2end/fake-webhook.mjs" "$WEBHOOK_PORT" >"$WORK/webhook.log" 2>&1 &
WEBHOOK_PID=$!
# Single sign-on signs in at a real OpenID Connect provider process (end2end/oidc-provider.mjs).
IDP_PORT=$(free_port)
node "$ROOT/end2end/oidc-provider.mjs" --port "$IDP_PORT" --ignore-stdin >"$WORK/idp.out" 2>"$WORK/idp.log" &
IDP_PID=$!
for _ in $(seq 1 100); do
  curl -fsS "http://127.0.0.1:$IDP_PORT/.well-known/openid-configuration" >/dev/null 2>&1 \
  && curl -fsS "http://127.0.0.1:$TWILIO_PORT/_sent" >/dev/null 2>&1 \
    && curl -fsS "http://127.0.0.1:$WEBHOOK_PORT/_received" >/dev/null 2>&1 && break
  sleep 0.1
done
OPSKNIGHT_LOG=info "$BIN" serve \
  --addr "127.0.0.1:$PORT" --site-root "$ROOT/target/site" --database-url "$E2E_DB_URL" \
  --data-dir "$WORK/data" \
  --twilio-account-sid "$TWILIO_SID" --twilio-auth-token e2e-token --twilio-from +15005550006 \
  --twilio-api-url "http://127.0.0.1:$TWILIO_PORT" --egress-allow 127.0.0.0/8 \
  --slack-bot-token xoxb-e2e-token --slack-signing-secret e2esigningsecret0000 \
  --slack-api-url "http://127.0.0.1:$WEBHOOK_PORT/slack/api" \
  >"$SERVER_LOG" 2>&1 &
SERVER_PID=$!
for _ in $(seq 1 300); do
  curl -fsS "http://127.0.0.1:$PORT/health" >/dev/null 2>&1 && break
  kill -0 "$SERVER_PID" 2>/dev/null || { cat "$SERVER_LOG" >&2; echo "server exited" >&2; exit 1; }
  sleep 0.1
done
curl -fsS "http://127.0.0.1:$PORT/health" >/dev/null

set +e
(cd "$ROOT/end2end" && OPSKNIGHT_E2E_URL="http://127.0.0.1:$PORT" OPSKNIGHT_E2E_SERVER_LOG="$SERVER_LOG" \
  OPSKNIGHT_E2E_TWILIO_URL="http://127.0.0.1:$TWILIO_PORT" \
  OPSKNIGHT_E2E_WEBHOOK_URL="http://127.0.0.1:$WEBHOOK_PORT" \
  OPSKNIGHT_E2E_IDP_URL="http://127.0.0.1:$IDP_PORT" \
  npx playwright test "$@" 2>&1)
status=$?
set -e
if [ "$status" != 0 ]; then
  echo "--- server log ---" >&2; tail -n 50 "$SERVER_LOG" >&2
fi
exit "$status"
