-- A maintenance window may also hold incidents already open on its services when it starts
-- (hold_open): their escalation pauses (SUPPRESSED, timeline SUPPRESSED) until it ends. Its
-- starts are MAINTENANCE_START jobs.
ALTER TABLE maintenance_windows ADD COLUMN hold_open boolean NOT NULL DEFAULT false;

ALTER TABLE jobs DROP CONSTRAINT jobs_kind_check;
ALTER TABLE jobs ADD CONSTRAINT jobs_kind_check CHECK (kind IN (
    'ESCALATION', 'NOTIFICATION', 'AUTO_UNSNOOZE', 'SCHEDULED_TASK', 'CHANNEL_DELIVERY',
    'RECEIPT_CANCEL', 'HEARTBEAT_CHECK', 'MAINTENANCE_END', 'MAINTENANCE_START'));

ALTER TABLE incident_timeline DROP CONSTRAINT incident_timeline_kind_check;
ALTER TABLE incident_timeline ADD CONSTRAINT incident_timeline_kind_check CHECK (kind IN (
    'TRIGGERED', 'ALERT_APPENDED', 'ACKNOWLEDGED', 'SNOOZED', 'UNSNOOZED', 'RESOLVED', 'REOPENED',
    'ESCALATED', 'NOTIFIED', 'NOTE', 'ASSIGNED', 'UNACKNOWLEDGED', 'UNSUPPRESSED', 'MERGED',
    'FLAPPING', 'SUPPRESSED'));
