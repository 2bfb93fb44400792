#!/usr/bin/env bash
# Installs every tool the build and the tests need, skipping what is already there.
# Only rustup, crates.io, npm and Debian's apt are contacted. Nothing is fetched from GitHub,
# and nothing is compiled: the site is built by the workspace's own `cargo xtask`.
#
#   scripts/install-tools.sh          # build tools (run command)
#   scripts/install-tools.sh --test   # build tools + test tools (chromium, playwright, smtp,
#                                     # pgbouncer)
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
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

# 2. The site build's npm tools (scripts/node_modules): wasm-opt from binaryen (Debian's 108
#    silently breaks hydration), terser for the JS glue, lightningcss for the stylesheet.
#    Reinstalled when package-lock.json is newer than the install.
NM="$ROOT/scripts/node_modules"
if [ ! -x "$NM/.bin/wasm-opt" ] || [ ! -x "$NM/.bin/terser" ] || [ ! -x "$NM/.bin/lightningcss" ] \
   || [ "$ROOT/scripts/package-lock.json" -nt "$NM/.package-lock.json" ]; then
  log "installing the build tools from npm (binaryen, terser, lightningcss)"
  (cd "$ROOT/scripts" && npm ci --no-audit --no-fund --loglevel=error)
fi

# 3. PostgreSQL server binaries (initdb, pg_ctl) for the embedded cluster. No cluster is started here.
if ! command -v initdb >/dev/null 2>&1 && ! ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1; then
  log "installing postgresql from apt"
  apt_install postgresql
fi

if [ "$WITH_TEST" = 1 ]; then
  # 4. Chromium from Debian for Playwright (npx playwright install cannot work here).
  if ! command -v chromium >/dev/null 2>&1; then
    log "installing chromium from apt"
    apt_install chromium
  fi
  # 5. A real SMTP server process for the email tests (Python's aiosmtpd, from Debian).
  if ! /usr/bin/python3 -c "import aiosmtpd" >/dev/null 2>&1; then
    log "installing python3-aiosmtpd from apt"
    apt_install python3-aiosmtpd
  fi
  # 6. PgBouncer, for the chaos scenario that runs the servers through a transaction pooler.
  if ! command -v pgbouncer >/dev/null 2>&1 && [ ! -x /usr/sbin/pgbouncer ]; then
    log "installing pgbouncer from apt"
    apt_install pgbouncer
  fi
  # PagerDuty's own Python client and schemathesis, from PyPI, in a venv of Debian's python3.
  if [ ! -x "$ROOT/.venv/bin/schemathesis" ] || ! "$ROOT/.venv/bin/python" -c "import pagerduty" >/dev/null 2>&1 \
     || [ "$ROOT/scripts/requirements-test.txt" -nt "$ROOT/.venv/pyvenv.cfg" ]; then
    log "installing the Python test tools from PyPI (pagerduty, schemathesis) into .venv"
    rm -rf "$ROOT/.venv"
    if ! /usr/bin/python3 -m venv "$ROOT/.venv" >/dev/null 2>&1; then
      # Debian ships venv's pip bootstrap separately.
      log "installing python3-venv from apt"
      apt_install python3-venv
      rm -rf "$ROOT/.venv"
      /usr/bin/python3 -m venv "$ROOT/.venv"
    fi
    "$ROOT/.venv/bin/pip" install -q --disable-pip-version-check -r "$ROOT/scripts/requirements-test.txt"
    touch "$ROOT/.venv/pyvenv.cfg"
  fi
  if [ ! -d "$ROOT/end2end/node_modules/@playwright/test" ] || [ ! -d "$ROOT/end2end/node_modules/oidc-provider" ]; then
    log "installing playwright (test runner only, no browser download)"
    (cd "$ROOT/end2end" && PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 npm ci --no-audit --no-fund --loglevel=error)
  fi
fi

log "tools ready"
