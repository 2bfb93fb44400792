#!/usr/bin/env bash
# R6's database, then R6 itself: a private cluster whose data directory is a size-limited
# tmpfs (its WAL on the ordinary disk, so a full volume fails statements with "could not
# extend file", as a full data volume does, instead of stopping Postgres), then
# scripts/chaos/r6.py against it. Mounting needs root; without it, R6 says why and skips.
#
#   scripts/chaos/r6.sh RATE SECONDS   (run by scripts/chaos.sh; R6_DISK_MB sets the size)
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
SIZE_MB="${R6_DISK_MB:-160}"
PGBIN=$(dirname "$(ls /usr/lib/postgresql/*/bin/initdb | sort -V | tail -n1)")
if [ "$(id -u)" != 0 ]; then
  echo "[R6 disk full] SKIPPED: mounting a size-limited tmpfs for the data directory needs root"
  exit 0
fi
AS=(setpriv --reuid=postgres --regid=postgres --init-groups)
DIR=$(mktemp -d /tmp/opsknight-r6.XXXXXX)
chmod 755 "$DIR"
mkdir "$DIR/disk" "$DIR/wal"
if ! mount -t tmpfs -o "size=${SIZE_MB}m,mode=0755" tmpfs "$DIR/disk"; then
  rm -rf "$DIR"
  echo "[R6 disk full] SKIPPED: this machine does not allow mounting a tmpfs"
  exit 0
fi
cleanup() {
  "${AS[@]}" "$PGBIN/pg_ctl" -D "$DIR/disk/data" -m immediate -w stop >/dev/null 2>&1 || true
  umount "$DIR/disk" 2>/dev/null || true
  rm -rf "$DIR"
}
trap cleanup EXIT INT TERM
chown postgres:postgres "$DIR" "$DIR/disk" "$DIR/wal"
PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
"${AS[@]}" "$PGBIN/initdb" -D "$DIR/disk/data" --waldir="$DIR/wal/pg_wal" -U postgres --auth=trust \
  --encoding=UTF8 --locale=C --no-instructions >/dev/null
cat >> "$DIR/disk/data/postgresql.conf" <<CONF
listen_addresses = '127.0.0.1'
port = $PORT
unix_socket_directories = '$DIR'
max_connections = 100
shared_buffers = 32MB
fsync = off
synchronous_commit = off
full_page_writes = off
CONF
"${AS[@]}" "$PGBIN/pg_ctl" -D "$DIR/disk/data" -l "$DIR/postgres.log" -w -t 60 start >/dev/null
echo "r6: private cluster on 127.0.0.1:$PORT, data on a ${SIZE_MB} MB tmpfs ($DIR)" >&2
export DATABASE_URL="postgres://postgres@127.0.0.1:$PORT/postgres" PSQL="$PGBIN/psql"
/usr/bin/python3 "$ROOT/scripts/chaos/r6.py" "$@"
