-- The engine claims escalation jobs in batches apart from the other kinds (issue 17): due
-- jobs by kind, oldest first, so neither claim scans past the other's rows in a storm.
CREATE INDEX jobs_due_kind_idx ON jobs (kind, run_at)
    WHERE status = 'PENDING' OR (status = 'FAILED' AND attempts < max_attempts);
