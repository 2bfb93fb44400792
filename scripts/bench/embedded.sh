# Sourced by the benchmarks that run the release server on its own embedded Postgres (fsync
# on). Before sourcing, set SERVER_ENV to extra `VAR=value` words for the server (optional).
# Afterwards: BASE, PID, DATA, API_KEY (an admin key of bench@example.com), SOCK and PGBIN
# (the cluster's socket dir and binaries), and as_pg (runs a command as the cluster's owner).
# OPSKNIGHT_BIN picks another build of the server (an A/B comparison of two builds).
BIN="${OPSKNIGHT_BIN:-$CARGO_TARGET_DIR/release/opsknight}"
unset DATABASE_URL
DATA=$(mktemp -d /tmp/opsknight-bench.XXXXXX)
chmod 755 "$DATA"
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
PORT=$(free_port)
BASE="http://127.0.0.1:$PORT"
env OPSKNIGHT_LOG=warn ${SERVER_ENV:-} "$BIN" serve --data-dir "$DATA" --addr "127.0.0.1:$PORT" --site-root "$ROOT/target/site" &
PID=$!
bench_cleanup() { kill -TERM $PID 2>/dev/null; wait $PID 2>/dev/null; rm -rf "$DATA"; }
trap bench_cleanup EXIT
until curl -fsS "$BASE/health" >/dev/null 2>&1; do sleep 0.1; done
echo 'bench-embedded-passphrase' | OPSKNIGHT_LOG=warn "$BIN" user add --data-dir "$DATA" \
  --email bench@example.com --name Bench --role admin >/dev/null
API_KEY=$(OPSKNIGHT_LOG=warn "$BIN" apikey create --data-dir "$DATA" --email bench@example.com --scopes admin)
PGDATA_DIR="$DATA/postgres"
[ -f "$DATA/postgres-location" ] && PGDATA_DIR="$(cat "$DATA/postgres-location")"
SOCK=$(sed -n "s/^unix_socket_directories = '\(.*\)'/\1/p" "$PGDATA_DIR/opsknight.conf")
PGBIN=$(dirname "$(ls /usr/lib/postgresql/*/bin/psql | sort -V | tail -n1)")
as_pg() { if [ "$(id -u)" = 0 ]; then setpriv --reuid=postgres --regid=postgres --init-groups "$@"; else "$@"; fi; }
