#!/usr/bin/env bash
# Prints the foundation's figures for the release build (run scripts/run.sh or test.sh first):
#   - time from `opsknight serve` to the first 200 on /health, new and existing data dir
#   - server RSS when idle
#   - release WASM/JS/CSS sizes, raw and brotli (node's zlib, quality 11)
# A benchmark that prints numbers, not a test: nothing here passes or fails on a figure.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/env.sh"
cd "$ROOT"
BIN="$CARGO_TARGET_DIR/release/opsknight"
[ -x "$BIN" ] || { echo "no release binary at $BIN; run cargo xtask build --release" >&2; exit 1; }
RUNS="${RUNS:-5}"
DIR=$(mktemp -d /tmp/opsknight-bench.XXXXXX)
chmod 755 "$DIR"
PID=""
trap '[ -n "$PID" ] && kill -TERM "$PID" 2>/dev/null; wait 2>/dev/null; rm -rf "$DIR"' EXIT
PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')

now_ms() { date +%s%3N; }

# Starts serve in the background (sets PID), waits for the first 200 on /health, and sets
# ELAPSED to the milliseconds that took. Not in a subshell, so PID stays visible.
start() {
  local t0 t1
  t0=$(now_ms)
  OPSKNIGHT_LOG=warn "$BIN" serve --addr "127.0.0.1:$PORT" --data-dir "$1" --site-root "$ROOT/target/site" \
    >"$DIR/serve.log" 2>&1 &
  PID=$!
  until curl -fsS "http://127.0.0.1:$PORT/health" >/dev/null 2>&1; do
    kill -0 "$PID" 2>/dev/null || { cat "$DIR/serve.log" >&2; exit 1; }
    sleep 0.005
  done
  t1=$(now_ms)
  ELAPSED=$((t1 - t0))
}

stop() { kill -TERM "$PID"; wait "$PID" || true; PID=""; }

median() { sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }

new=(); existing=()
for i in $(seq 1 "$RUNS"); do
  start "$DIR/new-$i"; new+=("$ELAPSED"); stop
  start "$DIR/new-$i"; existing+=("$ELAPSED")
  [ "$i" = "$RUNS" ] || stop
done

# Idle RSS: warm the server with a few page loads, let it settle, read VmRSS.
for p in / /m /health /metrics; do curl -fsS "http://127.0.0.1:$PORT$p" >/dev/null; done
sleep 2
rss_kb=$(awk '/VmRSS/ {print $2}' "/proc/$PID/status")
stop

echo "serve → first 200 on /health, new data dir (initdb + migrate), ms: ${new[*]}  median $(printf '%s\n' "${new[@]}" | median)"
echo "serve → first 200 on /health, existing data dir, ms: ${existing[*]}  median $(printf '%s\n' "${existing[@]}" | median)"
echo "idle RSS of the server process: $((rss_kb / 1024)) MiB ($rss_kb KiB; the embedded postgres processes are separate)"
node -e '
const fs = require("fs"), zlib = require("zlib"), path = require("path");
for (const f of ["opsknight.wasm", "opsknight.js", "opsknight.css"]) {
  const buf = fs.readFileSync(path.join(process.argv[1], f));
  const br = zlib.brotliCompressSync(buf, { params: { [zlib.constants.BROTLI_PARAM_QUALITY]: 11 } });
  console.log(`${f}: ${buf.length} bytes raw, ${br.length} bytes brotli`);
}' "$ROOT/target/site/pkg"
