-- Issue 22's `incidents_updated_idx` (on `updated_at`, for the rollup's "days whose incidents
-- changed" query) indexed a column that every alert repeat writes. Postgres can write a row's
-- new version within its page without touching the indexes (a HOT update) only when no indexed
-- column changes, so each repeat then added an entry to every index of `incidents`: HOT updates fell
-- from about 75% to 3% of updates under the ingest benchmark, and events/s at concurrency 64
-- by about a third. The rollup's query never used the index (it scans the table either way:
-- 408 ms without it, 521 ms with it, over 1,000,000 incidents). server/tests/hot_updates.rs
-- keeps such indexes out.
DROP INDEX IF EXISTS incidents_updated_idx;
