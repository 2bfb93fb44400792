-- Heartbeat monitors (issue 21): a job pings its URL every period; a missed deadline opens an
-- incident on the monitor's service. Only a SHA-256 of the token is kept (like routing keys).
-- `deadline` is when the state next changes without a ping: UP turns LATE at last ping +
-- period, LATE turns DOWN at last ping + period + grace. NEW (never pinged) and DOWN wait for
-- a ping and have none. `check_job_id` is the HEARTBEAT_CHECK job waiting for the deadline
-- (a ping moves it rather than adding one; a stale job does nothing).
CREATE TABLE heartbeat_monitors (
    id            uuid PRIMARY KEY,
    service_id    uuid NOT NULL REFERENCES services (id) ON DELETE CASCADE,
    name          text NOT NULL,
    token_hash    bytea NOT NULL UNIQUE,
    token_prefix  text NOT NULL,
    period_secs   integer NOT NULL CHECK (period_secs BETWEEN 60 AND 2592000),
    grace_secs    integer NOT NULL CHECK (grace_secs BETWEEN 60 AND 604800),
    state         text NOT NULL DEFAULT 'NEW' CHECK (state IN ('NEW', 'UP', 'LATE', 'DOWN')),
    last_ping_at  timestamptz,
    last_start_at timestamptz,
    deadline      timestamptz,
    check_job_id  bigint,
    created_at    timestamptz NOT NULL,
    updated_at    timestamptz NOT NULL,
    CONSTRAINT heartbeat_monitors_deadline_check
        CHECK ((state IN ('UP', 'LATE')) = (deadline IS NOT NULL))
);
CREATE INDEX heartbeat_monitors_service_idx ON heartbeat_monitors (service_id);
