-- On-call health: a team's opt-in to the weekly report to its owners, and the index the
-- interruption count reads (sent pages of a person by time).
ALTER TABLE teams ADD COLUMN weekly_health_report boolean NOT NULL DEFAULT false;
CREATE INDEX notifications_sent_idx ON notifications (user_id, sent_at) WHERE status = 'SENT';
