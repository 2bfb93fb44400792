#!/usr/bin/env bash
# The README's run command: install what is missing, build the release, and serve on
# http://127.0.0.1:3000 with the embedded PostgreSQL (or DATABASE_URL when set).
# Extra arguments go to `opsknight serve`, e.g. scripts/run.sh --addr 0.0.0.0:8080
# It prints how long the tool installs and the build took, so a slow first run is visible.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/env.sh"
cd "$ROOT"

t0=$(date +%s)
"$ROOT/scripts/install-tools.sh"
t1=$(date +%s)
cargo xtask build --release
t2=$(date +%s)
printf '[run] tool installs %d s, build %d s (total %d s); starting the server\n' \
  $((t1 - t0)) $((t2 - t1)) $((t2 - t0)) >&2
exec "$CARGO_TARGET_DIR/release/opsknight" serve --site-root "$ROOT/target/site" "$@"
