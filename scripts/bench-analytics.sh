#!/usr/bin/env bash
# Analytics at scale on the release build with the embedded Postgres: seeds 1,000,000
# incidents over the last 90 days on 20 services (straight into the database), backfills the
# rollup with `opsknight rollup --from`, then times sequential requests of the /analytics page
# (SSR, 90 days) and of POST /api/analytics/report, and the server's memory while it streams
# a CSV export of 100,000 incidents. Prints the figures (docs/figures.md). Needs a release
# build (scripts/run.sh or scripts/test.sh). N_INCIDENTS and N_REQUESTS override the sizes.
# Today is read live, so the figures grow during the UTC day: END_OF_DAY=1 puts a whole day's
# share (1/90) of the incidents between today's midnight and now, as at 23:59 UTC, the worst case.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/env.sh"
source "$ROOT/scripts/bench/embedded.sh"
N_INCIDENTS="${N_INCIDENTS:-1000000}"
TODAY_SHARE=0
[ "${END_OF_DAY:-}" = 1 ] && TODAY_SHARE=1
psql_bench() { as_pg "$PGBIN/psql" -qX -v ON_ERROR_STOP=1 -h "$SOCK" -U opsknight -d opsknight "$@"; }
for i in $(seq 1 20); do
  curl -fsS -H "authorization: Bearer $API_KEY" -H 'content-type: application/json' "$BASE/api/services/create" \
    -d "{\"name\":\"Analytics bench $i\",\"description\":\"\",\"team_id\":null,\"urgency_rule\":\"SEVERITY\",\"ack_timeout_secs\":null}" >/dev/null
done
start=$(date +%s)
psql_bench -v n="$N_INCIDENTS" -v today="$TODAY_SHARE" <<'SQL'
-- Incidents spread evenly over the last 90 days: a third acknowledged within 1-600 s, most
-- resolved within 1 min to 4 h, urgency and priority mixed, a few keys much noisier.
WITH s AS (SELECT array_agg(id ORDER BY name) AS ids FROM services WHERE name LIKE 'Analytics bench %')
INSERT INTO incidents (id, service_id, dedup_key, title, status, urgency, priority, alert_count,
                       created_at, updated_at, acknowledged_at, first_acknowledged_at, resolved_at)
-- Open incidents need their own keys (one open incident per service and key).
SELECT gen_random_uuid(), s.ids[1 + (g % 20)::int],
       CASE WHEN g % 10 = 0 THEN 'open-' || g ELSE 'key-' || (g % 5000) END, 'Bench alert ' || (g % 5000),
       CASE WHEN g % 10 = 0 THEN 'OPEN' ELSE 'RESOLVED' END,
       (ARRAY['HIGH','MEDIUM','LOW'])[1 + (g % 3)::int],
       CASE WHEN g % 4 = 0 THEN 'P' || (1 + g % 3) END,
       1 + (g % 7),
       c, c,
       CASE WHEN g % 3 = 0 THEN c + make_interval(secs => 1 + (g * 7919) % 600) END,
       CASE WHEN g % 3 = 0 THEN c + make_interval(secs => 1 + (g * 7919) % 600) END,
       CASE WHEN g % 10 <> 0 THEN c + make_interval(secs => 60 + (g * 104729) % 14400) END
FROM s, generate_series(1::bigint, :n) g,
     LATERAL (SELECT CASE WHEN :today = 1 AND g <= :n / 90
                          THEN now() - (g::float8 / (:n / 90)) * (now() - date_trunc('day', now()))
                          ELSE now() - make_interval(secs => (g::float8 / :n) * 90 * 86400) END) t(c);
-- A database that has grown to 1,000,000 incidents over 90 days has been vacuumed along the
-- way. Without this the page timed first ran twice as slow (docs/figures.md: autovacuum on the
-- fresh rows, or the visibility map a vacuum sets; not pinned down).
VACUUM (ANALYZE) incidents;
SQL
echo "analytics: seeded $N_INCIDENTS incidents in $(( $(date +%s) - start )) s"
start=$(date +%s)
OPSKNIGHT_LOG=warn "$BIN" rollup --data-dir "$DATA" --from "$(date -u -d '90 days ago' +%F)" >/dev/null
echo "analytics: opsknight rollup --from (91 days) took $(( $(date +%s) - start )) s"
export BASE API_KEY PID
/usr/bin/python3 "$ROOT/scripts/bench/analytics.py" "$@"
