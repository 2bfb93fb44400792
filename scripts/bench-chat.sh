#!/usr/bin/env bash
# Chat and webhook benchmarks on the release build with the embedded Postgres (fsync on); the
# fake Slack and the webhook receivers run in the benchmark process (scripts/bench/chat.py):
#   slack:  acknowledge by a signed Slack button press → the Slack message updated
#           (chat.update): p50/p99 at RATE (default 50) incidents/s.
#   fanout: DESTS (20) webhook destinations, one answering after 10 s and one answering 500;
#           RATE (100) events/s for SECONDS (10): lateness of every healthy delivery.
# Prints figures; asserts nothing. Args: slack, fanout (default both). Needs a release build.
#   RATE=50 scripts/bench-chat.sh slack
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/env.sh"
free() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
SLACK_PORT=$(free)
HOOK_BASE_PORT=$(python3 -c 'import random; print(random.randint(20000, 40000))')
SLACK_SECRET=benchsigningsecret0123456789
SERVER_ENV="OPSKNIGHT_SLACK_BOT_TOKEN=xoxb-bench OPSKNIGHT_SLACK_SIGNING_SECRET=$SLACK_SECRET \
OPSKNIGHT_SLACK_API_URL=http://127.0.0.1:$SLACK_PORT/api OPSKNIGHT_EGRESS_ALLOW=127.0.0.0/8 ${SERVER_ENV:-}"
source "$ROOT/scripts/bench/embedded.sh"
export BASE API_KEY SLACK_PORT HOOK_BASE_PORT SLACK_SECRET
/usr/bin/python3 "$ROOT/scripts/bench/chat.py" "$@"
