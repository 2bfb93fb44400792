-- Alert grouping and the flap guard (issue 21): a service's noise settings, the group key an
-- incident was opened for, and whether it is held open as flapping.
CREATE TABLE service_noise (
    service_id           uuid PRIMARY KEY REFERENCES services (id) ON DELETE CASCADE,
    group_template       text CHECK (length(group_template) BETWEEN 1 AND 500),
    group_window_minutes integer CHECK (group_window_minutes BETWEEN 1 AND 1440),
    flap_count           integer CHECK (flap_count BETWEEN 2 AND 100),
    flap_window_minutes  integer CHECK (flap_window_minutes BETWEEN 1 AND 1440),
    updated_at           timestamptz NOT NULL,
    CHECK ((group_template IS NULL) = (group_window_minutes IS NULL)),
    CHECK ((flap_count IS NULL) = (flap_window_minutes IS NULL))
);

ALTER TABLE incidents ADD COLUMN group_key text;
ALTER TABLE incidents ADD COLUMN flapping boolean NOT NULL DEFAULT false;
CREATE INDEX incidents_group_open_idx ON incidents (service_id, group_key, created_at DESC)
    WHERE group_key IS NOT NULL AND status <> 'RESOLVED';
-- The flap guard counts a key's recent incidents.
CREATE INDEX incidents_service_key_created_idx ON incidents (service_id, dedup_key, created_at DESC);

-- A resolve held because the incident flaps (FLAPPING).
ALTER TABLE incident_timeline DROP CONSTRAINT incident_timeline_kind_check;
ALTER TABLE incident_timeline ADD CONSTRAINT incident_timeline_kind_check CHECK (kind IN (
    'TRIGGERED', 'ALERT_APPENDED', 'ACKNOWLEDGED', 'SNOOZED', 'UNSNOOZED', 'RESOLVED', 'REOPENED',
    'ESCALATED', 'NOTIFIED', 'NOTE', 'ASSIGNED', 'UNACKNOWLEDGED', 'UNSUPPRESSED', 'MERGED',
    'FLAPPING'));

-- A grouped alert's own dedup key → the group incident it went into, so its monitor's
-- acknowledge and resolve find that incident; the incident resolves when all have resolved.
CREATE TABLE grouped_alert_keys (
    service_id      uuid NOT NULL REFERENCES services (id) ON DELETE CASCADE,
    dedup_key       text NOT NULL,
    group_dedup_key text NOT NULL,
    resolved_at     timestamptz,
    updated_at      timestamptz NOT NULL,
    PRIMARY KEY (service_id, dedup_key)
);
CREATE INDEX grouped_alert_keys_group_idx ON grouped_alert_keys (service_id, group_dedup_key);
