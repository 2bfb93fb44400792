-- Identity, part 1: sign-in sessions, per-email login throttling, and the audit log.
-- sessions store only a SHA-256 of the cookie token. login_throttle is keyed by the email as
-- typed (lower-cased), not by user, so unknown and known emails lock out identically and the
-- lockout reveals nothing about which accounts exist.

CREATE TABLE sessions (
    id                  uuid PRIMARY KEY,
    user_id             uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    token_hash          bytea NOT NULL,
    created_at          timestamptz NOT NULL,
    last_seen_at        timestamptz NOT NULL,
    absolute_expires_at timestamptz NOT NULL,
    ip                  text,
    user_agent          text,
    revoked_at          timestamptz,
    CONSTRAINT sessions_token_hash_key UNIQUE (token_hash)
);
CREATE INDEX sessions_user_idx ON sessions (user_id) WHERE revoked_at IS NULL;

CREATE TABLE login_throttle (
    email          text PRIMARY KEY,
    failures       integer NOT NULL DEFAULT 0,
    window_started timestamptz,
    locked_until   timestamptz,
    lockout_level  integer NOT NULL DEFAULT 0
);

CREATE TABLE audit_log (
    id            bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    at            timestamptz NOT NULL,
    actor_user_id uuid REFERENCES users (id) ON DELETE SET NULL,
    action        text NOT NULL,
    target        text,
    ip            text,
    details       jsonb NOT NULL DEFAULT '{}'::jsonb
);
CREATE INDEX audit_log_at_idx ON audit_log (at DESC, id DESC);
