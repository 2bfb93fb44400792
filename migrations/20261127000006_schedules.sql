-- On-call schedules: rotation layers (participants in order, wall-clock handoffs in the
-- schedule's zone, weekly restriction windows), overrides, temporary schedules, secret iCal
-- feed tokens, and schedules as escalation targets. Who is on call is computed by the pure
-- engine in `app::domain::schedule`; these tables only hold its input.

CREATE TABLE schedules (
    id          uuid PRIMARY KEY,
    name        text NOT NULL,
    description text NOT NULL DEFAULT '',
    time_zone   text NOT NULL,
    created_at  timestamptz NOT NULL,
    updated_at  timestamptz NOT NULL,
    CONSTRAINT schedules_name_check CHECK (length(name) BETWEEN 1 AND 100),
    CONSTRAINT schedules_description_check CHECK (length(description) <= 2000)
);
CREATE UNIQUE INDEX schedules_name_key ON schedules (lower(name));

CREATE TABLE schedule_layers (
    id             uuid PRIMARY KEY,
    schedule_id    uuid NOT NULL REFERENCES schedules (id) ON DELETE CASCADE,
    position       integer NOT NULL,
    name           text NOT NULL CHECK (length(name) BETWEEN 1 AND 100),
    -- Higher wins where layers overlap.
    priority       integer NOT NULL,
    rotation_unit  text NOT NULL CHECK (rotation_unit IN ('HOURS', 'DAYS', 'WEEKS', 'MONTHS')),
    rotation_every integer NOT NULL CHECK (rotation_every BETWEEN 1 AND 365),
    -- Wall-clock in the schedule's zone (no zone on purpose: handoffs follow the local clock).
    start_local    timestamp NOT NULL,
    end_local      timestamp CHECK (end_local > start_local),
    shift_minutes  integer CHECK (shift_minutes > 0),
    -- [{"weekday":"Mon","start":"09:00:00","end":"17:00:00","overnight":false}, ...]
    restrictions   jsonb NOT NULL DEFAULT '[]',
    created_at     timestamptz NOT NULL,
    updated_at     timestamptz NOT NULL
);
CREATE INDEX schedule_layers_schedule_idx ON schedule_layers (schedule_id, position);

CREATE TABLE schedule_participants (
    layer_id uuid NOT NULL REFERENCES schedule_layers (id) ON DELETE CASCADE,
    ord      integer NOT NULL,
    user_id  uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    PRIMARY KEY (layer_id, ord)
);
CREATE INDEX schedule_participants_user_idx ON schedule_participants (user_id);

CREATE TABLE schedule_overrides (
    id               uuid PRIMARY KEY,
    schedule_id      uuid NOT NULL REFERENCES schedules (id) ON DELETE CASCADE,
    kind             text NOT NULL CHECK (kind IN ('ADD', 'REMOVE', 'REPLACE')),
    -- Who is added or takes over.
    user_id          uuid REFERENCES users (id) ON DELETE CASCADE,
    -- Who is removed or replaced.
    replaced_user_id uuid REFERENCES users (id) ON DELETE CASCADE,
    starts_at        timestamptz NOT NULL,
    ends_at          timestamptz NOT NULL,
    note             text NOT NULL DEFAULT '' CHECK (length(note) <= 500),
    created_by       uuid REFERENCES users (id) ON DELETE SET NULL,
    created_at       timestamptz NOT NULL,
    CONSTRAINT schedule_overrides_window_check CHECK (ends_at > starts_at),
    CONSTRAINT schedule_overrides_shape_check CHECK (
        (kind = 'ADD' AND user_id IS NOT NULL)
        OR (kind = 'REMOVE' AND replaced_user_id IS NOT NULL)
        OR (kind = 'REPLACE' AND user_id IS NOT NULL AND replaced_user_id IS NOT NULL
            AND user_id <> replaced_user_id))
);
CREATE INDEX schedule_overrides_window_idx ON schedule_overrides (schedule_id, ends_at);

CREATE TABLE schedule_temporary (
    id          uuid PRIMARY KEY,
    schedule_id uuid NOT NULL REFERENCES schedules (id) ON DELETE CASCADE,
    starts_at   timestamptz NOT NULL,
    ends_at     timestamptz NOT NULL,
    created_at  timestamptz NOT NULL,
    CONSTRAINT schedule_temporary_window_check CHECK (ends_at > starts_at)
);
CREATE INDEX schedule_temporary_window_idx ON schedule_temporary (schedule_id, ends_at);

CREATE TABLE schedule_temporary_shifts (
    temporary_id uuid NOT NULL REFERENCES schedule_temporary (id) ON DELETE CASCADE,
    ord          integer NOT NULL,
    user_id      uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    starts_at    timestamptz NOT NULL,
    ends_at      timestamptz NOT NULL,
    PRIMARY KEY (temporary_id, ord),
    CONSTRAINT schedule_temporary_shifts_window_check CHECK (ends_at > starts_at)
);

-- Secret calendar URLs: one per user (their shifts) or per schedule (all shifts). Only the
-- SHA-256 of the token is stored; revoking sets revoked_at.
CREATE TABLE ical_feeds (
    id          uuid PRIMARY KEY,
    token_hash  bytea NOT NULL UNIQUE,
    user_id     uuid REFERENCES users (id) ON DELETE CASCADE,
    schedule_id uuid REFERENCES schedules (id) ON DELETE CASCADE,
    created_by  uuid REFERENCES users (id) ON DELETE SET NULL,
    created_at  timestamptz NOT NULL,
    revoked_at  timestamptz,
    CONSTRAINT ical_feeds_owner_check CHECK ((user_id IS NULL) <> (schedule_id IS NULL))
);
CREATE UNIQUE INDEX ical_feeds_user_live_key ON ical_feeds (user_id) WHERE revoked_at IS NULL AND user_id IS NOT NULL;
CREATE UNIQUE INDEX ical_feeds_schedule_live_key ON ical_feeds (schedule_id) WHERE revoked_at IS NULL AND schedule_id IS NOT NULL;

-- Schedules as escalation targets: resolved to whoever is on call when the step runs. A
-- schedule in use by a policy cannot be deleted (RESTRICT; the API answers 409).
ALTER TABLE escalation_targets ADD COLUMN schedule_id uuid REFERENCES schedules (id) ON DELETE RESTRICT;
ALTER TABLE escalation_targets DROP CONSTRAINT escalation_targets_target_kind_check;
ALTER TABLE escalation_targets ADD CONSTRAINT escalation_targets_target_kind_check
    CHECK (target_kind IN ('USER', 'TEAM', 'TEAM_LEAD', 'SCHEDULE'));
ALTER TABLE escalation_targets DROP CONSTRAINT escalation_targets_shape_check;
ALTER TABLE escalation_targets ADD CONSTRAINT escalation_targets_shape_check CHECK (
    (target_kind = 'USER' AND user_id IS NOT NULL AND team_id IS NULL AND schedule_id IS NULL)
    OR (target_kind IN ('TEAM', 'TEAM_LEAD') AND team_id IS NOT NULL AND user_id IS NULL AND schedule_id IS NULL)
    OR (target_kind = 'SCHEDULE' AND schedule_id IS NOT NULL AND user_id IS NULL AND team_id IS NULL));
CREATE INDEX escalation_targets_schedule_idx ON escalation_targets (schedule_id) WHERE schedule_id IS NOT NULL;
