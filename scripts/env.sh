# Sourced by the scripts: PATH with the pinned tools first, and the shared cargo target dir.
# shellcheck shell=bash
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
# npm's binaryen (wasm-opt 132) must come before Debian's /usr/bin/wasm-opt (108 breaks hydration).
export PATH="$ROOT/scripts/node_modules/.bin:$HOME/.cargo/bin:$PATH"
# One build cache for every clone, outside the work tree (override with CARGO_TARGET_DIR).
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/opsknight/target}"
