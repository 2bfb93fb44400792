-- On-call health's weekly report, per recipient zone: the weeks each owner was sent a team's
-- report, named by the owner's local Monday, so a retry, a second owner's run or a zone change
-- never sends one week twice.
CREATE TABLE oncall_report_sends (
    team_id uuid NOT NULL REFERENCES teams (id) ON DELETE CASCADE,
    user_id uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    week    date NOT NULL,
    sent_at timestamptz NOT NULL,
    PRIMARY KEY (team_id, user_id, week)
);
CREATE INDEX oncall_report_sends_user_idx ON oncall_report_sends (user_id);
