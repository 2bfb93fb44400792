-- Escalation and paging: escalation policies (ordered steps with targets), per-user
-- notification rules, the notification outbox (one row per incident/generation/step/loop/
-- user/contact method, so a re-run never pages twice), the job queue's claim token, lease
-- and recurring-task columns, and the daily per-service rollup analytics reads.

CREATE TABLE escalation_policies (
    id           uuid PRIMARY KEY,
    name         text NOT NULL,
    description  text NOT NULL DEFAULT '',
    -- How many times the steps run again after the last one (0: once through).
    repeat_count integer NOT NULL DEFAULT 0 CHECK (repeat_count BETWEEN 0 AND 9),
    created_at   timestamptz NOT NULL,
    updated_at   timestamptz NOT NULL,
    CONSTRAINT escalation_policies_name_check CHECK (length(name) BETWEEN 1 AND 100),
    CONSTRAINT escalation_policies_description_check CHECK (length(description) <= 2000)
);
CREATE UNIQUE INDEX escalation_policies_name_key ON escalation_policies (lower(name));

CREATE TABLE escalation_steps (
    policy_id     uuid NOT NULL REFERENCES escalation_policies (id) ON DELETE CASCADE,
    position      integer NOT NULL CHECK (position BETWEEN 0 AND 19),
    -- The wait after this step pages before the next one runs.
    delay_minutes integer NOT NULL CHECK (delay_minutes BETWEEN 1 AND 1440),
    -- Empty: each user's own notification rules. Otherwise only these contact kinds.
    channels      text[] NOT NULL DEFAULT '{}' CHECK (channels <@ ARRAY['EMAIL', 'PHONE']::text[]),
    PRIMARY KEY (policy_id, position)
);

CREATE TABLE escalation_targets (
    policy_id   uuid NOT NULL,
    position    integer NOT NULL,
    ord         integer NOT NULL,
    -- TEAM: everyone on the team; TEAM_LEAD: its lead only. Schedules arrive with schedules.
    target_kind text NOT NULL CHECK (target_kind IN ('USER', 'TEAM', 'TEAM_LEAD')),
    user_id     uuid REFERENCES users (id) ON DELETE CASCADE,
    team_id     uuid REFERENCES teams (id) ON DELETE CASCADE,
    PRIMARY KEY (policy_id, position, ord),
    FOREIGN KEY (policy_id, position) REFERENCES escalation_steps (policy_id, position) ON DELETE CASCADE,
    CONSTRAINT escalation_targets_shape_check CHECK (
        (target_kind = 'USER' AND user_id IS NOT NULL AND team_id IS NULL)
        OR (target_kind IN ('TEAM', 'TEAM_LEAD') AND team_id IS NOT NULL AND user_id IS NULL))
);
CREATE INDEX escalation_targets_user_idx ON escalation_targets (user_id) WHERE user_id IS NOT NULL;
CREATE INDEX escalation_targets_team_idx ON escalation_targets (team_id) WHERE team_id IS NOT NULL;

-- A policy in use by a service cannot be deleted (RESTRICT): the API turns this into a 409.
ALTER TABLE services ADD CONSTRAINT services_escalation_policy_fkey
    FOREIGN KEY (escalation_policy_id) REFERENCES escalation_policies (id) ON DELETE RESTRICT;
CREATE INDEX services_escalation_policy_idx ON services (escalation_policy_id);

-- "Page me on this contact method N minutes after I am paged." No rules: email at once.
CREATE TABLE notification_rules (
    id                uuid PRIMARY KEY,
    user_id           uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    contact_method_id uuid NOT NULL REFERENCES contact_methods (id) ON DELETE CASCADE,
    delay_minutes     integer NOT NULL CHECK (delay_minutes BETWEEN 0 AND 1440),
    created_at        timestamptz NOT NULL,
    CONSTRAINT notification_rules_key UNIQUE (user_id, contact_method_id, delay_minutes)
);

-- The outbox. The sender marks a row SENDING with a deadline before calling the provider; a
-- row found SENDING after a crash becomes UNKNOWN and is never resent blindly.
CREATE TABLE notifications (
    id                bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    incident_id       uuid NOT NULL REFERENCES incidents (id) ON DELETE CASCADE,
    generation        bigint NOT NULL,
    step              integer NOT NULL,
    loop_no           integer NOT NULL,
    user_id           uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    contact_method_id uuid NOT NULL REFERENCES contact_methods (id) ON DELETE CASCADE,
    channel           text NOT NULL CHECK (channel IN ('EMAIL', 'PHONE')),
    address           text NOT NULL,
    status            text NOT NULL DEFAULT 'PENDING'
                      CHECK (status IN ('PENDING', 'SENDING', 'SENT', 'FAILED', 'CANCELLED', 'UNKNOWN')),
    send_at           timestamptz NOT NULL,
    attempts          integer NOT NULL DEFAULT 0,
    deadline          timestamptz,
    sent_at           timestamptz,
    last_error        text,
    created_at        timestamptz NOT NULL,
    updated_at        timestamptz NOT NULL,
    CONSTRAINT notifications_once_key UNIQUE (incident_id, generation, step, loop_no, user_id, contact_method_id)
);
CREATE INDEX notifications_open_idx ON notifications (incident_id) WHERE status IN ('PENDING', 'SENDING');

-- The queue: `claim` fences a worker whose lease expired and whose job was claimed again;
-- `incident_id` lets a state change cancel the jobs it made moot; `task_key` keeps one live
-- job per recurring task across instances.
ALTER TABLE jobs
    ADD COLUMN claim       uuid,
    ADD COLUMN incident_id uuid REFERENCES incidents (id) ON DELETE CASCADE,
    ADD COLUMN task_key    text;
DROP INDEX jobs_due_idx;
CREATE INDEX jobs_due_idx ON jobs (run_at)
    WHERE status = 'PENDING' OR (status = 'FAILED' AND attempts < max_attempts);
CREATE INDEX jobs_lease_idx ON jobs (locked_until) WHERE status = 'PROCESSING';
CREATE INDEX jobs_incident_idx ON jobs (incident_id) WHERE status IN ('PENDING', 'FAILED');
CREATE INDEX jobs_finished_idx ON jobs (updated_at) WHERE status IN ('COMPLETED', 'CANCELLED', 'FAILED');
CREATE UNIQUE INDEX jobs_task_key ON jobs (task_key)
    WHERE task_key IS NOT NULL
      AND (status IN ('PENDING', 'PROCESSING') OR (status = 'FAILED' AND attempts < max_attempts));

-- The escalation engine's own timeline entries.
ALTER TABLE incident_timeline DROP CONSTRAINT incident_timeline_kind_check;
ALTER TABLE incident_timeline ADD CONSTRAINT incident_timeline_kind_check CHECK (kind IN (
    'TRIGGERED', 'ALERT_APPENDED', 'ACKNOWLEDGED', 'SNOOZED', 'UNSNOOZED', 'RESOLVED', 'REOPENED',
    'ESCALATED', 'NOTIFIED', 'NOTE', 'ASSIGNED', 'UNACKNOWLEDGED'));
CREATE INDEX incidents_resolved_idx ON incidents (resolved_at) WHERE status = 'RESOLVED';

-- Daily figures per service (UTC days), written by the rollup task and read by analytics.
CREATE TABLE service_daily_stats (
    service_id     uuid NOT NULL REFERENCES services (id) ON DELETE CASCADE,
    day            date NOT NULL,
    incidents      integer NOT NULL,
    acknowledged   integer NOT NULL,
    resolved       integer NOT NULL,
    -- Mean seconds from trigger to acknowledge / resolve, over those that got there.
    mtta_secs      double precision,
    mttr_secs      double precision,
    computed_at    timestamptz NOT NULL,
    PRIMARY KEY (service_id, day)
);

-- Settings an admin changes at run time (today: SMTP). Secrets inside `value` are stored
-- encrypted (AES-256-GCM, `v1:<key id>:…`), never in plain text.
CREATE TABLE settings (
    key        text PRIMARY KEY,
    value      jsonb NOT NULL,
    updated_at timestamptz NOT NULL,
    updated_by uuid REFERENCES users (id) ON DELETE SET NULL
);
