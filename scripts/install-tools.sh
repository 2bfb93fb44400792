#!/usr/bin/env bash
# Installs every tool the build and the tests need, skipping what is already there.
# Only crates.io, npm and Debian's apt are contacted. Nothing is fetched from GitHub.
#
#   scripts/install-tools.sh          # build tools (run command)
#   scripts/install-tools.sh --test   # build tools + test tools (chromium, playwright, smtp)
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
CARGO_LEPTOS_VERSION="0.3.10"
# The wasm-bindgen CLI must match the wasm-bindgen crate in Cargo.lock exactly.
WASM_BINDGEN_VERSION="$(grep -A1 '^name = "wasm-bindgen"$' "$ROOT/Cargo.lock" | sed -n 's/^version = "\(.*\)"/\1/p' | head -n1)"
WITH_TEST=0
[ "${1:-}" = "--test" ] && WITH_TEST=1

log() { printf '[install-tools] %s\n' "$*" >&2; }

APT_UPDATED=0
apt_install() {
  local sudo=""
  [ "$(id -u)" = 0 ] || sudo="sudo"
  if [ "$APT_UPDATED" = 0 ]; then $sudo apt-get update -qq; APT_UPDATED=1; fi
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "$@" >/dev/null
}

export PATH="$HOME/.cargo/bin:$PATH"

# 1. The wasm target.
if ! rustup target list --installed | grep -qx wasm32-unknown-unknown; then
  log "adding rust target wasm32-unknown-unknown"
  rustup target add wasm32-unknown-unknown
fi

# 2. cargo-leptos, pinned (0.3.11 needs a newer rustc).
if ! cargo leptos --version 2>/dev/null | grep -qx "cargo-leptos $CARGO_LEPTOS_VERSION"; then
  log "installing cargo-leptos $CARGO_LEPTOS_VERSION (about 10 minutes)"
  cargo install cargo-leptos --version "$CARGO_LEPTOS_VERSION" --locked
fi

# 3. wasm-bindgen CLI at Cargo.lock's version. Not --locked: its lockfile pins a crate the mirror lacks.
if ! wasm-bindgen --version 2>/dev/null | grep -qx "wasm-bindgen $WASM_BINDGEN_VERSION"; then
  log "installing wasm-bindgen-cli $WASM_BINDGEN_VERSION"
  cargo install wasm-bindgen-cli --version "$WASM_BINDGEN_VERSION" --force
fi

# 4. wasm-opt from npm's binaryen (Debian's 108 silently breaks hydration), plus the
#    node tooling under scripts/node (brotli size checks) and end2end (Playwright).
if [ ! -x "$ROOT/scripts/node_modules/.bin/wasm-opt" ]; then
  log "installing binaryen from npm"
  (cd "$ROOT/scripts" && npm ci --no-audit --no-fund --loglevel=error)
fi

# 5. PostgreSQL server binaries (initdb, pg_ctl) for the embedded cluster. No cluster is started here.
if ! command -v initdb >/dev/null 2>&1 && ! ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1; then
  log "installing postgresql from apt"
  apt_install postgresql
fi

if [ "$WITH_TEST" = 1 ]; then
  # 6. Chromium from Debian for Playwright (npx playwright install cannot work here).
  if ! command -v chromium >/dev/null 2>&1; then
    log "installing chromium from apt"
    apt_install chromium
  fi
  # 7. A real SMTP server process for the email tests (Python's aiosmtpd, from Debian).
  if ! /usr/bin/python3 -c "import aiosmtpd" >/dev/null 2>&1; then
    log "installing python3-aiosmtpd from apt"
    apt_install python3-aiosmtpd
  fi
  if [ ! -d "$ROOT/end2end/node_modules/@playwright/test" ]; then
    log "installing playwright (test runner only, no browser download)"
    (cd "$ROOT/end2end" && PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 npm ci --no-audit --no-fund --loglevel=error)
  fi
fi

log "tools ready"
