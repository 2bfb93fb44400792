#!/usr/bin/env bash
# SSE fan-out on the release build with the embedded Postgres: 1,000 clients on
# /api/realtime/stream, 20 incident changes; prints delivery p50/p99/max and the server's RSS
# (server/src/bin/sse_fanout.rs). Prints figures; with --check, exits 1 over the budget
# (p99 < 250 ms, nothing missed, RSS < 150 MiB). Env: CLIENTS, ROUNDS.
# Needs a release build (scripts/run.sh or scripts/test.sh).
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/env.sh"
ulimit -n "$(ulimit -Hn)"
cargo build --release -p server --bin sse_fanout -q
source "$ROOT/scripts/bench/embedded.sh"
api() { curl -fsS -H "authorization: Bearer $API_KEY" -H 'content-type: application/json' -d "$2" "$BASE/api/$1"; }
SERVICE=$(api services/create '{"name":"SSE bench","description":"","team_id":null,"urgency_rule":"SEVERITY","ack_timeout_secs":null}' | python3 -c 'import json,sys; print(json.load(sys.stdin)["id"])')
ROUTING_KEY=$(api integrations/create "{\"service_id\":\"$SERVICE\",\"kind\":\"events_v2\",\"name\":\"bench\",\"rate_limit_per_min\":null}" | python3 -c 'import json,sys; print(json.load(sys.stdin)["routing_key"])')
CHECK=0; [ "${1:-}" = "--check" ] && CHECK=1
BASE="$BASE" API_KEY="$API_KEY" ROUTING_KEY="$ROUTING_KEY" SERVER_PID="$PID" CHECK="$CHECK" \
  "$CARGO_TARGET_DIR/release/sse_fanout"
