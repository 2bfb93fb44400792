DROP TABLE IF EXISTS bench_single, bench_incidents, bench_alerts, bench_jobs;
CREATE TABLE bench_single (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, k bigint NOT NULL, v text NOT NULL, at timestamptz NOT NULL DEFAULT now());
CREATE TABLE bench_incidents (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, dedup_key text NOT NULL, title text NOT NULL, resolved boolean NOT NULL DEFAULT false);
CREATE INDEX ON bench_incidents (dedup_key) WHERE NOT resolved;
CREATE TABLE bench_alerts (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, incident_key text NOT NULL, payload jsonb NOT NULL);
CREATE TABLE bench_jobs (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, kind text NOT NULL, payload jsonb NOT NULL, run_at timestamptz NOT NULL);
