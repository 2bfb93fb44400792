-- A change while the derived-status check runs (its job PROCESSING, the components perhaps
-- already read) conflicted with that live job on the task key and enqueued nothing, so it went
-- unmailed until the next change. Such a change now enqueues one follow-up check under a
-- second task key, due two minutes later like any other; the checks lock the notified
-- statuses, so the two never mail the same change.
CREATE OR REPLACE FUNCTION status_derived_enqueue(at timestamptz) RETURNS void LANGUAGE plpgsql AS $$
BEGIN
    IF at IS NULL OR NOT pg_try_advisory_xact_lock(hashtext('status-derived')) THEN
        RETURN;
    END IF;
    INSERT INTO jobs (kind, payload, run_at, task_key, created_at, updated_at)
    VALUES ('STATUS_EMAIL', '{"kind": "derived"}', at + interval '2 minutes', 'status-derived',
            at, at)
    ON CONFLICT DO NOTHING;
    IF NOT FOUND AND EXISTS (SELECT 1 FROM jobs
                             WHERE task_key = 'status-derived' AND status = 'PROCESSING') THEN
        INSERT INTO jobs (kind, payload, run_at, task_key, created_at, updated_at)
        VALUES ('STATUS_EMAIL', '{"kind": "derived"}', at + interval '2 minutes',
                'status-derived-again', at, at)
        ON CONFLICT DO NOTHING;
    END IF;
    IF FOUND THEN
        PERFORM pg_notify('opsknight_jobs', '');
    END IF;
END
$$;
