#!/usr/bin/env bash
# The chaos suite: real `opsknight serve` processes (the release build) on a private Postgres,
# a real SMTP server, and an Events v2 load generator, with real faults. Each scenario prints
# what it sent, what got a 202, what exists afterwards and its verdict (PASS/FAIL); the script
# fails when any scenario fails.
#
#   scripts/chaos.sh          # the short form (run by scripts/test.sh): about a minute
#   scripts/chaos.sh long     # the long form: 1,000 events/s for 60 s, a kill every 5 s
#
# Needs the release build (scripts/test.sh or scripts/run.sh builds it) and python3-aiosmtpd
# (scripts/install-tools.sh --test).
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/env.sh"
MODE="${1:-short}"
BIN="$CARGO_TARGET_DIR/release/opsknight"
[ -x "$BIN" ] || { echo "chaos: no release build at $BIN; run scripts/test.sh or scripts/run.sh first" >&2; exit 1; }
PGBIN=$(dirname "$(ls /usr/lib/postgresql/*/bin/psql | sort -V | tail -n1)")
export PSQL="$PGBIN/psql" OPSKNIGHT_BIN="$BIN"

case "$MODE" in
  short) R1=(150 12 4 10) ;;
  long)  R1=(1000 60 5 10) ;;
  *) echo "chaos: unknown mode $MODE (short or long)" >&2; exit 2 ;;
esac

status=0
# Each scenario gets its own private cluster (even inside the test command, whose cluster
# the other tests use), so one's leftovers cannot pass or fail another.
unset DATABASE_URL
"$ROOT/scripts/with-postgres.sh" /usr/bin/python3 "$ROOT/scripts/chaos/r1.py" "${R1[@]}" || status=1
exit $status
