#!/usr/bin/env bash
# The chaos suite: real `opsknight serve` processes (the release build) on a private Postgres,
# a real SMTP server, and an Events v2 load generator, with real faults. Each scenario prints
# what it sent, what got a 202, what exists afterwards and its verdict (PASS/FAIL); the script
# fails when any scenario fails.
#
#   scripts/chaos.sh          # the short form (run by scripts/test.sh): R1, R2 through
#                             # PgBouncer, R4, R5, R6, ~4 min
#   scripts/chaos.sh long     # every scenario at full size (about 18 minutes)
#   scripts/chaos.sh r1|r2|r2b|r3|r4|r5|r6   # one scenario at full size
#
# R1 kill -9 under load; R2 three instances, one killed (r2b: all three through PgBouncer in
# transaction mode, LISTEN and migrations on the direct URL); R3 the SMTP server refusing, then
# hanging; R4 the database stopped and started, then every connection terminated; R5 a
# two-connection pool and the database slowed, then stalled, by the repo's latency proxy; R6
# the database's data volume full (a size-limited tmpfs: needs root, else it says so and skips).
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

R1=(); R2=(); R2B=(); R3=(); R4=(); R5=(); R6=()
case "$MODE" in
  short) R1=(150 12 4 10); R2B=(100 10 pgbouncer); R4=(200 16 3 10); R5=(100 20 2 100 6); R6=(100 24) ;;
  long)  R1=(1000 60 5 10); R2=(1000 10); R2B=(1000 10 pgbouncer); R3=(20 30 30 10); R4=(500 40 5 10)
         R5=(200 60 2 150 8); R6=(300 45) ;;
  r1)    R1=(1000 60 5 10) ;;
  r2)    R2=(1000 10) ;;
  r2b)   R2B=(1000 10 pgbouncer) ;;
  r3)    R3=(20 30 30 10) ;;
  r4)    R4=(500 40 5 10) ;;
  r5)    R5=(200 60 2 150 8) ;;
  r6)    R6=(300 45) ;;
  *) echo "chaos: unknown mode $MODE (short, long, r1, r2, r2b, r3, r4, r5 or r6)" >&2; exit 2 ;;
esac

status=0
# Each scenario gets its own private cluster (even inside the test command, whose cluster
# the other tests use), so one's leftovers cannot pass or fail another.
unset DATABASE_URL
run() { "$ROOT/scripts/with-postgres.sh" /usr/bin/python3 "$ROOT/scripts/chaos/$1.py" "${@:2}" || status=1; }
[ ${#R1[@]} -eq 0 ] || run r1 "${R1[@]}"
[ ${#R2[@]} -eq 0 ] || run r2 "${R2[@]}"
[ ${#R2B[@]} -eq 0 ] || run r2 "${R2B[@]}"
[ ${#R3[@]} -eq 0 ] || run r3 "${R3[@]}"
[ ${#R4[@]} -eq 0 ] || run r4 "${R4[@]}"
if [ ${#R5[@]} -gt 0 ]; then
  # The latency proxy is a small binary of the server package; its release build reuses the
  # server library `cargo xtask build --release` compiled.
  cargo build --release --quiet -p server --bin latency_proxy
  run r5 "${R5[@]}"
fi
# R6 makes its own cluster, on a small volume.
[ ${#R6[@]} -eq 0 ] || "$ROOT/scripts/chaos/r6.sh" "${R6[@]}" || status=1
exit $status
