#!/usr/bin/env bash
# Paging benchmarks on the release build with the embedded Postgres (fsync on) and a real SMTP
# server (aiosmtpd, in the benchmark process): page latency from the 202 of /v2/enqueue to the
# SMTP server receiving the page at 1, 10 and 100 new incidents/s; timer lateness with 10,000
# active escalations; a storm of 10,000 incidents in 10 s whose first step emails a person;
# and escalation steps/s (drain), followed by pgbench's naive-ingest transaction on the same
# cluster for scale. Prints figures; asserts nothing. Args: latency, timers, storm, drain
# (default: latency and timers).
# OPSKNIGHT_BIN picks another build (before/after). Needs a release build (scripts/run.sh or
# scripts/test.sh).
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/env.sh"
SMTP_PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
SERVER_ENV="OPSKNIGHT_SMTP_URL=smtp://127.0.0.1:$SMTP_PORT OPSKNIGHT_SMTP_FROM=pager@example.com ${SERVER_ENV:-}"
source "$ROOT/scripts/bench/embedded.sh"
PRE=""; [ "$(id -u)" = 0 ] && PRE="setpriv --reuid=postgres --regid=postgres --init-groups"
export BASE SMTP_PORT API_KEY PSQL="$PRE $PGBIN/psql -h $SOCK -U opsknight -d opsknight"
/usr/bin/python3 "$ROOT/scripts/bench/paging.py" "$@"
case " $* " in
  *" drain "*)
    BENCH_DIR=$(mktemp -d /tmp/opsknight-bench-sql.XXXXXX); chmod 755 "$BENCH_DIR"
    cp "$ROOT"/scripts/bench/*.sql "$BENCH_DIR/"; chmod 644 "$BENCH_DIR"/*.sql
    $PRE "$PGBIN/psql" -qX -h "$SOCK" -U opsknight -d postgres -c "CREATE DATABASE bench" >/dev/null
    $PRE "$PGBIN/psql" -qX -h "$SOCK" -U opsknight -d bench -f "$BENCH_DIR/schema.sql" >/dev/null 2>&1
    tps=$($PRE "$PGBIN/pgbench" -n -h "$SOCK" -U opsknight -d bench -f "$BENCH_DIR/naive-ingest.sql" \
      -c 16 -j 2 -T 10 2>/dev/null | awk '/^tps/ {print $3}')
    printf "pgbench naive-ingest on the same cluster, concurrency 16: %.0f tx/s\n" "$tps"
    rm -rf "$BENCH_DIR"
    ;;
esac
