#!/usr/bin/env bash
# R6's database, then R6 itself: a private cluster (scripts/with-postgres.sh) whose data
# directory is on a size-limited tmpfs and its WAL off it, so a full volume fails statements
# with "could not extend file", as a full data volume does, instead of stopping Postgres; then
# scripts/chaos/r6.py against it. Mounting needs root; without it, R6 says why and skips.
#
#   scripts/chaos/r6.sh RATE SECONDS   (run by scripts/chaos.sh; R6_DISK_MB sets the size)
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
SIZE_MB="${R6_DISK_MB:-160}"
if [ "$(id -u)" != 0 ]; then
  echo "[R6 disk full] SKIPPED: mounting a size-limited tmpfs for the data directory needs root"
  exit 0
fi
DIR=$(mktemp -d /tmp/opsknight-r6.XXXXXX)
chmod 755 "$DIR"
mkdir "$DIR/disk" "$DIR/wal"
if ! mount -t tmpfs -o "size=${SIZE_MB}m,mode=0755" tmpfs "$DIR/disk"; then
  rm -rf "$DIR"
  echo "[R6 disk full] SKIPPED: this machine does not allow mounting a tmpfs"
  exit 0
fi
# with-postgres.sh stops its cluster before this runs.
cleanup() {
  umount "$DIR/disk" 2>/dev/null || true
  rm -rf "$DIR"
}
trap cleanup EXIT INT TERM
chown postgres:postgres "$DIR/disk" "$DIR/wal"
echo "r6: the cluster's data on a ${SIZE_MB} MB tmpfs ($DIR/disk)" >&2
unset DATABASE_URL
PGBIN=$(dirname "$(ls /usr/lib/postgresql/*/bin/psql | sort -V | tail -n1)")
export PSQL="${PSQL:-$PGBIN/psql}"
WITH_POSTGRES_DATA="$DIR/disk/data" WITH_POSTGRES_WALDIR="$DIR/wal/pg_wal" \
  "$ROOT/scripts/with-postgres.sh" /usr/bin/python3 "$ROOT/scripts/chaos/r6.py" "$@"
