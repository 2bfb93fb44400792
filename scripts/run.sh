#!/usr/bin/env bash
# The README's run command: install what is missing, build the release, and serve on
# http://127.0.0.1:3000 with the embedded PostgreSQL (or DATABASE_URL when set).
# Extra arguments go to `opsknight serve`, e.g. scripts/run.sh --addr 0.0.0.0:8080
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/env.sh"
cd "$ROOT"

"$ROOT/scripts/install-tools.sh"
cargo leptos build --release --split
node "$ROOT/scripts/precompress.mjs" "$ROOT/target/site" >/dev/null
exec "$CARGO_TARGET_DIR/release/opsknight" serve --site-root "$ROOT/target/site" "$@"
