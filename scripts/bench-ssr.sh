#!/usr/bin/env bash
# SSR latency on the release build with the embedded Postgres: opens 1,000 incidents (open,
# high urgency, assigned to the signed-in user, so /m "mine" lists them too), then times 300
# sequential GETs each of /incidents and /m (and /m?view=all) with a session cookie. Prints
# p50/p99/max per page. With --check, exits 1 when a p50 is 20 ms or more (the budget).
# Needs a release build (scripts/run.sh or scripts/test.sh).
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/env.sh"
source "$ROOT/scripts/bench/embedded.sh"
export BASE API_KEY
/usr/bin/python3 "$ROOT/scripts/bench/ssr.py" "$@"
