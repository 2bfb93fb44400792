-- Three job kinds for issue 22 (learning from incidents): an SLA's breach warning, one
-- status-page email to one subscriber, and the weekly on-call health report.
ALTER TABLE jobs DROP CONSTRAINT jobs_kind_check;
ALTER TABLE jobs ADD CONSTRAINT jobs_kind_check CHECK (kind IN (
    'ESCALATION', 'NOTIFICATION', 'AUTO_UNSNOOZE', 'SCHEDULED_TASK', 'CHANNEL_DELIVERY',
    'RECEIPT_CANCEL', 'HEARTBEAT_CHECK', 'MAINTENANCE_END', 'MAINTENANCE_START',
    'SLA_WARNING', 'STATUS_EMAIL', 'ONCALL_REPORT'));
