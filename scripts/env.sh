# Sourced by the scripts: PATH with the pinned tools first, and the shared cargo target dir.
# shellcheck shell=bash
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
# npm's binaryen (wasm-opt 132) must come before Debian's /usr/bin/wasm-opt (108 breaks hydration).
export PATH="$ROOT/scripts/node_modules/.bin:$HOME/.cargo/bin:$PATH"
# Each clone builds in its own target/ (override with CARGO_TARGET_DIR). Never share one
# between clones: cargo judges freshness by file times on workspace-relative paths, so a
# clone whose sources are older than another clone's build would run that clone's binary.
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$ROOT/target}"
