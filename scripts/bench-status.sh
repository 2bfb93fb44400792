#!/usr/bin/env bash
# The public status page on the release build with the embedded Postgres (fsync on): creates
# 50 services with a status-page component each (5 groups), 200 incidents spread over the
# last 90 days on them (a few left open) and 5 hand-written status incidents, then times 300
# sequential GETs of /status (SSR p50/p99/max) and measures summary.json requests/s (4
# keep-alive clients for 10 s). With --check, exits 1 when the /status p50 is 10 ms or more.
# Needs a release build (scripts/run.sh or scripts/test.sh).
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/env.sh"
source "$ROOT/scripts/bench/embedded.sh"
export BASE API_KEY SOCK PGBIN
/usr/bin/python3 "$ROOT/scripts/bench/status.py" "$@"
