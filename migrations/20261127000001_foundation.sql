-- Foundation: the tables every later feature builds on.
-- users: accounts (the identity issue extends them); setup_codes: one-time codes that let the
-- first admin be created through /setup; jobs: the Postgres job queue, created now so /metrics
-- can report queue depth from day one (the engine issue adds the workers).

CREATE TABLE users (
    id            uuid PRIMARY KEY,
    email         text NOT NULL,
    name          text NOT NULL,
    role          text NOT NULL CHECK (role IN ('ADMIN', 'RESPONDER', 'USER')),
    status        text NOT NULL DEFAULT 'ACTIVE' CHECK (status IN ('INVITED', 'ACTIVE', 'DISABLED')),
    time_zone     text NOT NULL DEFAULT 'UTC',
    password_hash text,
    created_at    timestamptz NOT NULL,
    updated_at    timestamptz NOT NULL,
    CONSTRAINT users_email_check CHECK (email = lower(email) AND email LIKE '%_@_%' AND length(email) <= 254),
    CONSTRAINT users_name_check CHECK (length(name) BETWEEN 1 AND 100)
);
-- Emails are stored lower-cased, so a plain unique constraint is case-insensitive.
ALTER TABLE users ADD CONSTRAINT users_email_key UNIQUE (email);

CREATE TABLE setup_codes (
    code_hash  text PRIMARY KEY,
    created_at timestamptz NOT NULL
);

CREATE TABLE jobs (
    id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    kind         text NOT NULL CHECK (kind IN ('ESCALATION', 'NOTIFICATION', 'AUTO_UNSNOOZE', 'SCHEDULED_TASK')),
    status       text NOT NULL DEFAULT 'PENDING'
                 CHECK (status IN ('PENDING', 'PROCESSING', 'COMPLETED', 'FAILED', 'CANCELLED')),
    payload      jsonb NOT NULL DEFAULT '{}'::jsonb,
    run_at       timestamptz NOT NULL,
    attempts     integer NOT NULL DEFAULT 0,
    max_attempts integer NOT NULL DEFAULT 5,
    locked_until timestamptz,
    last_error   text,
    created_at   timestamptz NOT NULL,
    updated_at   timestamptz NOT NULL
);
-- The claim query scans due PENDING jobs in run_at order.
CREATE INDEX jobs_due_idx ON jobs (run_at) WHERE status = 'PENDING';
