#!/usr/bin/env bash
# SMS paging benchmarks on the release build with the embedded Postgres (fsync on), a real SMTP
# server (aiosmtpd) and a fake Twilio at the HTTP boundary (both in the benchmark process):
#   latency: from the 202 of /v2/enqueue to the fake Twilio receiving the SMS, beside the SMTP
#            server receiving the email of the same page, at 10 and 100 new incidents/s. The
#            per-number limit is off here (OPSKNIGHT_SMS_INTERVAL_SECS=0): this times the engine.
#   storm:   1,000 incidents for one service in 1 s, 5 people paged by SMS, default limit (30 s):
#            each person's first SMS, messages per person in the first minute, pages lost.
# Prints figures; asserts nothing. Args: latency, storm (default both). Needs a release build.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/env.sh"
if [ $# -eq 0 ]; then
  "$0" latency
  "$0" storm
  exit 0
fi
MODE=$1
free() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
SMTP_PORT=$(free)
TWILIO_PORT=$(free)
TWILIO_SID=AC00000000000000000000000000000be0
INTERVAL=0; [ "$MODE" = storm ] && INTERVAL=30
SERVER_ENV="OPSKNIGHT_SMTP_URL=smtp://127.0.0.1:$SMTP_PORT OPSKNIGHT_SMTP_FROM=pager@example.com \
OPSKNIGHT_TWILIO_ACCOUNT_SID=$TWILIO_SID OPSKNIGHT_TWILIO_AUTH_TOKEN=bench-token \
OPSKNIGHT_TWILIO_FROM=+15005550006 OPSKNIGHT_TWILIO_API_URL=http://127.0.0.1:$TWILIO_PORT \
OPSKNIGHT_SMS_INTERVAL_SECS=$INTERVAL"
source "$ROOT/scripts/bench/embedded.sh"
PRE=""; [ "$(id -u)" = 0 ] && PRE="setpriv --reuid=postgres --regid=postgres --init-groups"
export BASE SMTP_PORT TWILIO_PORT TWILIO_SID API_KEY PSQL="$PRE $PGBIN/psql -h $SOCK -U opsknight -d opsknight"
/usr/bin/python3 "$ROOT/scripts/bench/sms.py" "$MODE"
