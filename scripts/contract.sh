#!/usr/bin/env bash
# The REST API's contract: schemathesis (PyPI, in .venv) reads /api/v1/openapi.json from a
# release server on a seeded database and calls every operation with generated good and bad
# input. It fails on any 5xx, any answer that does not match the document (status, body
# schema, content type), bad input that is not refused with a 4xx, and (scripts/contract_checks.py)
# a 422 that is not our `invalid` error naming the field, or a 5xx that says more than "logged".
# Not checked: that every schema-valid request is accepted (positive_data_acceptance): the
# document does not spell out every rule (an unknown service id, a window over 90 days), and
# such requests rightly get 422.
#   MAX_EXAMPLES (default 25) per operation; SEED (default 1) makes a run repeatable.
# Needs a release build (cargo xtask build --release) and scripts/install-tools.sh --test.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/env.sh"
if [ -z "${DATABASE_URL:-}" ]; then exec "$ROOT/scripts/with-postgres.sh" "$0" "$@"; fi
MAX_EXAMPLES="${MAX_EXAMPLES:-25}"
SEED="${SEED:-1}"
BIN="$CARGO_TARGET_DIR/release/opsknight"
DB="contract_$$"
psql "$DATABASE_URL" -qc "CREATE DATABASE $DB" >/dev/null
URL="${DATABASE_URL%/*}/$DB"
PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
BASE="http://127.0.0.1:$PORT"
LOG=$(mktemp /tmp/opsknight-contract.XXXXXX.log)
echo 'contract-passphrase-1' | OPSKNIGHT_LOG=warn "$BIN" user add --database-url "$URL" \
  --email admin@example.com --name Admin --role admin >/dev/null
KEY=$(OPSKNIGHT_LOG=warn "$BIN" apikey create --database-url "$URL" --email admin@example.com \
  --scopes admin --name contract)
# The key and its owner stay usable for the whole run (scripts/contract_checks.py).
export CONTRACT_PROTECTED_IDS="$(psql "$URL" -Atc "SELECT string_agg(id::text, ',') FROM (
  SELECT id FROM api_keys WHERE name = 'contract' UNION ALL SELECT id FROM users WHERE email = 'admin@example.com') p")"
OPSKNIGHT_LOG=warn "$BIN" serve --addr "127.0.0.1:$PORT" --database-url "$URL" \
  --site-root "$ROOT/target/site" >"$LOG" 2>&1 &
PID=$!
trap 'kill -TERM $PID 2>/dev/null; wait $PID 2>/dev/null; psql "$DATABASE_URL" -qc "DROP DATABASE IF EXISTS $DB" >/dev/null 2>&1 || true' EXIT
for _ in $(seq 1 200); do curl -fsS "$BASE/health" >/dev/null 2>&1 && break; sleep 0.05; done

# Seed: a service, a few incidents with a note, so reads and writes find real objects.
api() { curl -fsS -H "authorization: Bearer $KEY" -H 'content-type: application/json' "$@"; }
SERVICE=$(api -X POST "$BASE/api/services/create" -d '{"name":"Checkout","description":"","team_id":null,
  "urgency_rule":"SEVERITY","ack_timeout_secs":null}' | python3 -c 'import json,sys; print(json.load(sys.stdin)["id"])')
for n in 1 2 3; do
  INCIDENT=$(api -X POST "$BASE/api/v1/incidents" -d "{\"service_id\":\"$SERVICE\",\"title\":\"Seeded $n\"}" \
    | python3 -c 'import json,sys; print(json.load(sys.stdin)["id"])')
done
api -X POST "$BASE/api/v1/incidents/$INCIDENT/notes" -d '{"text":"seeded"}' >/dev/null

code=$(curl -s -o /dev/null -w '%{http_code}' -H "authorization: Bearer $KEY" "$BASE/api/v1/services")
[ "$code" = 200 ] || { echo "the seeded key was refused on GET /api/v1/services ($code)" >&2; exit 1; }
echo "schemathesis: every operation of $BASE/api/v1/openapi.json, $MAX_EXAMPLES examples each (seed $SEED)"
set +e
SCHEMATHESIS_HOOKS=contract_checks PYTHONPATH="$ROOT/scripts" "$ROOT/.venv/bin/schemathesis" --config-file "$ROOT/scripts/contract.toml" run "$BASE/api/v1/openapi.json" \
  -H "Authorization: Bearer $KEY" \
  --checks all --exclude-checks positive_data_acceptance \
  --generation-with-security-parameters false \
  --max-examples "$MAX_EXAMPLES" --seed "$SEED" --workers 2 \
  --request-timeout 10 --no-color ${CONTRACT_ARGS:-}
status=$?
set -e
# Had the run revoked its own key, every call after that would have been a 401 (untested).
code=$(curl -s -o /dev/null -w '%{http_code}' -H "authorization: Bearer $KEY" "$BASE/api/v1/services")
[ "$code" = 200 ] || { echo "the run's key no longer works after the run ($code): operations went untested" >&2; status=1; }
if grep -q "panicked" "$LOG"; then echo "the server panicked during the contract run (log: $LOG)" >&2; status=1; fi
[ "$status" = 0 ] && rm -f "$LOG"
exit "$status"
