\set r random(1, 1000000000)
BEGIN;
SELECT id FROM bench_incidents WHERE dedup_key = 'k' || :r AND NOT resolved;
INSERT INTO bench_incidents (dedup_key, title) VALUES ('k' || :r, 'bench') RETURNING id;
INSERT INTO bench_alerts (incident_key, payload) VALUES ('k' || :r, '{"summary":"bench"}');
INSERT INTO bench_jobs (kind, payload, run_at) VALUES ('ESCALATION', '{}', now());
COMMIT;
