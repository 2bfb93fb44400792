-- Two job kinds for noise control (issue 21): a heartbeat monitor's deadline, and the end of
-- a maintenance window.
ALTER TABLE jobs DROP CONSTRAINT jobs_kind_check;
ALTER TABLE jobs ADD CONSTRAINT jobs_kind_check CHECK (kind IN (
    'ESCALATION', 'NOTIFICATION', 'AUTO_UNSNOOZE', 'SCHEDULED_TASK', 'CHANNEL_DELIVERY',
    'RECEIPT_CANCEL', 'HEARTBEAT_CHECK', 'MAINTENANCE_END'));
