#!/usr/bin/env bash
# Runs a command with DATABASE_URL pointing at a private, throwaway PostgreSQL cluster, then
# stops and deletes the cluster. If DATABASE_URL is already set, runs the command as is.
#
#   scripts/with-postgres.sh cargo test
#
# WITH_POSTGRES_DATA puts the data directory elsewhere (a path that does not exist yet, in a
# directory the postgres user may write), WITH_POSTGRES_WALDIR its WAL (scripts/chaos/r6.sh
# puts the data on a small volume and the WAL off it).
set -euo pipefail

if [ -n "${DATABASE_URL:-}" ]; then
  exec "$@"
fi

find_bin() {
  if command -v initdb >/dev/null 2>&1; then dirname "$(command -v initdb)"; return; fi
  local d
  d=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n1)
  [ -n "$d" ] && [ -x "$d/initdb" ] || { echo "with-postgres: no initdb/pg_ctl found; install postgresql" >&2; exit 1; }
  echo "$d"
}
PGBIN=$(find_bin)

# Postgres refuses to run as root: run it as the postgres OS user, in a dir it can reach.
AS=()
if [ "$(id -u)" = 0 ]; then
  id postgres >/dev/null 2>&1 || { echo "with-postgres: running as root but no postgres user exists" >&2; exit 1; }
  AS=(setpriv --reuid=postgres --regid=postgres --init-groups)
fi

DIR=$(mktemp -d /tmp/opsknight-testpg.XXXXXX)
chmod 755 "$DIR"
[ ${#AS[@]} -gt 0 ] && chown postgres:postgres "$DIR"
PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
DATA="${WITH_POSTGRES_DATA:-$DIR/data}"

cleanup() {
  "${AS[@]}" "$PGBIN/pg_ctl" -D "$DATA" -m immediate -w stop >/dev/null 2>&1 || true
  rm -rf "$DIR"
}
trap cleanup EXIT INT TERM

"${AS[@]}" "$PGBIN/initdb" -D "$DATA" ${WITH_POSTGRES_WALDIR:+--waldir="$WITH_POSTGRES_WALDIR"} -U postgres --auth=trust --encoding=UTF8 --locale=C --no-instructions >/dev/null
cat >> "$DATA/postgresql.conf" <<CONF
listen_addresses = '127.0.0.1'
port = $PORT
unix_socket_directories = '$DIR'
max_connections = 300
shared_buffers = 256MB
fsync = off
synchronous_commit = off
full_page_writes = off
# Each test database is written to the WAL as it is cloned: recycle it early, keep disk use low.
max_wal_size = 256MB
min_wal_size = 64MB
CONF
"${AS[@]}" "$PGBIN/pg_ctl" -D "$DATA" -l "$DIR/postgres.log" -w -t 60 start >/dev/null
echo "with-postgres: private cluster on 127.0.0.1:$PORT ($DIR)" >&2

export DATABASE_URL="postgres://postgres@127.0.0.1:$PORT/postgres"
set +e
"$@"
status=$?
set -e
exit $status
