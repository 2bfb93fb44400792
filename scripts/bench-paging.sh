#!/usr/bin/env bash
# Paging benchmarks on the release build with the embedded Postgres (fsync on) and a real SMTP
# server (aiosmtpd, in the benchmark process): page latency from the 202 of /v2/enqueue to the
# SMTP server receiving the page at 1, 10 and 100 new incidents/s; timer lateness with 10,000
# active escalations; and a storm of 10,000 incidents in 10 s whose first step emails a person.
# Prints figures; asserts nothing. Args: latency, timers, storm (default: latency and timers).
# OPSKNIGHT_BIN picks another build (before/after). Needs a release build (scripts/run.sh or
# scripts/test.sh).
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/env.sh"
SMTP_PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
SERVER_ENV="OPSKNIGHT_SMTP_URL=smtp://127.0.0.1:$SMTP_PORT OPSKNIGHT_SMTP_FROM=pager@example.com ${SERVER_ENV:-}"
source "$ROOT/scripts/bench/embedded.sh"
PRE=""; [ "$(id -u)" = 0 ] && PRE="setpriv --reuid=postgres --regid=postgres --init-groups"
export BASE SMTP_PORT API_KEY PSQL="$PRE $PGBIN/psql -h $SOCK -U opsknight -d opsknight"
/usr/bin/python3 "$ROOT/scripts/bench/paging.py" "$@"
