-- Maintenance windows (issue 21): one-off (starts_at … ends_at) or weekly (a time window in a
-- zone, from starts_at, until ends_at if set), on one or more services. New incidents on
-- those services during a window are created SUPPRESSED and remember the window, which
-- releases them (status OPEN, escalation from step 1) when it ends or is cancelled.
CREATE TABLE maintenance_windows (
    id           uuid PRIMARY KEY,
    name         text NOT NULL CHECK (length(name) BETWEEN 1 AND 120),
    starts_at    timestamptz NOT NULL,
    ends_at      timestamptz,
    weekly       jsonb,
    created_by   uuid REFERENCES users (id) ON DELETE SET NULL,
    created_at   timestamptz NOT NULL,
    cancelled_at timestamptz,
    CHECK (ends_at IS NULL OR ends_at > starts_at),
    CHECK (weekly IS NOT NULL OR ends_at IS NOT NULL)
);

CREATE TABLE maintenance_window_services (
    window_id  uuid NOT NULL REFERENCES maintenance_windows (id) ON DELETE CASCADE,
    service_id uuid NOT NULL REFERENCES services (id) ON DELETE CASCADE,
    PRIMARY KEY (window_id, service_id)
);
CREATE INDEX maintenance_window_services_service_idx ON maintenance_window_services (service_id);

ALTER TABLE incidents ADD COLUMN maintenance_window_id uuid
    REFERENCES maintenance_windows (id) ON DELETE SET NULL;
CREATE INDEX incidents_maintenance_idx ON incidents (maintenance_window_id)
    WHERE maintenance_window_id IS NOT NULL AND status = 'SUPPRESSED';

-- A held incident let go (UNSUPPRESSED), and merges (MERGED).
ALTER TABLE incident_timeline DROP CONSTRAINT incident_timeline_kind_check;
ALTER TABLE incident_timeline ADD CONSTRAINT incident_timeline_kind_check CHECK (kind IN (
    'TRIGGERED', 'ALERT_APPENDED', 'ACKNOWLEDGED', 'SNOOZED', 'UNSNOOZED', 'RESOLVED', 'REOPENED',
    'ESCALATED', 'NOTIFIED', 'NOTE', 'ASSIGNED', 'UNACKNOWLEDGED', 'UNSUPPRESSED', 'MERGED'));
