-- The status page emails its confirmed subscribers when a component's derived status changes
-- (an incident on its service opens, changes urgency, resolves or is merged away). Incident
-- writes do not email: they enqueue, once per debounce, a STATUS_EMAIL job
-- ({"kind": "derived"}) two minutes later that compares each component's status then with the
-- last status its subscribers were told, and mails only what changed. The triggers below are
-- the one hook: every path that writes incidents (ingest, the lifecycle, merges, urgency
-- changes) goes through them.

-- The status subscribers were last told (NULL: never told; it counts as operational).
ALTER TABLE status_components
    ADD COLUMN notified_status text CHECK (notified_status IN ('operational', 'degraded_performance',
                                               'partial_outage', 'major_outage', 'under_maintenance'));

-- Enqueues the one live derived-status check, due two minutes after `at` (the injected clock's
-- time of the change, the incident's updated_at), unless one is live (task_key and the partial
-- unique index jobs_task_key). A transaction that cannot take the advisory lock leaves it to
-- the one holding it, which is enqueueing the same check: incident writes never wait on each
-- other here.
CREATE FUNCTION status_derived_enqueue(at timestamptz) RETURNS void LANGUAGE plpgsql AS $$
BEGIN
    IF at IS NULL OR NOT pg_try_advisory_xact_lock(hashtext('status-derived')) THEN
        RETURN;
    END IF;
    INSERT INTO jobs (kind, payload, run_at, task_key, created_at, updated_at)
    VALUES ('STATUS_EMAIL', '{"kind": "derived"}', at + interval '2 minutes', 'status-derived',
            at, at)
    ON CONFLICT DO NOTHING;
    IF FOUND THEN
        PERFORM pg_notify('opsknight_jobs', '');
    END IF;
END
$$;

-- New incidents (statement level: one query for a whole ingest batch).
CREATE FUNCTION status_derived_inserted() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM status_derived_enqueue((SELECT max(n.updated_at) FROM new_incidents n
                                    JOIN status_components c ON c.service_id = n.service_id));
    RETURN NULL;
END
$$;

CREATE TRIGGER incidents_status_derived_insert
    AFTER INSERT ON incidents
    REFERENCING NEW TABLE AS new_incidents
    FOR EACH STATEMENT EXECUTE FUNCTION status_derived_inserted();

-- A status, urgency or service change (row level, so alert appends never fire it).
CREATE FUNCTION status_derived_updated() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF EXISTS (SELECT 1 FROM status_components
               WHERE service_id = NEW.service_id OR service_id = OLD.service_id) THEN
        PERFORM status_derived_enqueue(NEW.updated_at);
    END IF;
    RETURN NULL;
END
$$;

CREATE TRIGGER incidents_status_derived_update
    AFTER UPDATE OF status, urgency, service_id ON incidents
    FOR EACH ROW
    WHEN (OLD.status IS DISTINCT FROM NEW.status OR OLD.urgency IS DISTINCT FROM NEW.urgency
          OR OLD.service_id IS DISTINCT FROM NEW.service_id)
    EXECUTE FUNCTION status_derived_updated();
