-- The engine claims escalation jobs in batches apart from the other kinds (issue 17): due
-- jobs of one kind, oldest first, so a batch claim reads only escalation rows in a storm.
CREATE INDEX jobs_due_kind_idx ON jobs (kind, run_at)
    WHERE status = 'PENDING' OR (status = 'FAILED' AND attempts < max_attempts);
