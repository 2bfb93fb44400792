#!/usr/bin/env bash
# Compares two server builds on the SSR and ingest benchmarks, alternating A, B, A, B, … so
# that this machine's drift (its speed varies by up to 3x from day to day) hits both alike.
# Each run starts its own embedded Postgres. Prints each run's figures; asserts nothing.
#   scripts/bench-ab.sh /path/to/opsknight-A /path/to/opsknight-B [rounds, default 3]
# The site (target/site) is shared; build it first (cargo xtask build --release).
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/env.sh"
A="${1:?usage: bench-ab.sh BIN_A BIN_B [rounds]}"
B="${2:?usage: bench-ab.sh BIN_A BIN_B [rounds]}"
ROUNDS="${3:-3}"
for r in $(seq 1 "$ROUNDS"); do
  for side in A B; do
    bin=$A; [ "$side" = B ] && bin=$B
    echo "== round $r, $side ($bin)"
    OPSKNIGHT_BIN="$bin" "$ROOT/scripts/bench-ssr.sh" 2>/dev/null | grep -E 'GET'
    OPSKNIGHT_BIN="$bin" PGBENCH=0 LEVELS="1 64" DURATION="${DURATION:-8}" \
      "$ROOT/scripts/bench-ingest.sh" 2>/dev/null | grep -E '^concurrency'
  done
done
