-- Identity, part 2: teams and their members, contact methods, API keys, and one-time tokens
-- for invites and password resets. Secrets (API keys, tokens) are stored only as SHA-256;
-- API keys keep a short visible prefix so people can tell them apart.

CREATE TABLE teams (
    id          uuid PRIMARY KEY,
    name        text NOT NULL,
    description text NOT NULL DEFAULT '',
    created_at  timestamptz NOT NULL,
    updated_at  timestamptz NOT NULL,
    CONSTRAINT teams_name_check CHECK (length(name) BETWEEN 1 AND 100),
    CONSTRAINT teams_description_check CHECK (length(description) <= 1000)
);
-- Team names are unique regardless of case.
CREATE UNIQUE INDEX teams_name_key ON teams (lower(name));

CREATE TABLE team_members (
    team_id  uuid NOT NULL REFERENCES teams (id) ON DELETE CASCADE,
    user_id  uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    role     text NOT NULL CHECK (role IN ('OWNER', 'ADMIN', 'MEMBER')),
    is_lead  boolean NOT NULL DEFAULT false,
    added_at timestamptz NOT NULL,
    PRIMARY KEY (team_id, user_id)
);
CREATE INDEX team_members_user_idx ON team_members (user_id);
-- At most one lead per team (escalation "to the team lead" needs one answer).
CREATE UNIQUE INDEX team_members_one_lead ON team_members (team_id) WHERE is_lead;

CREATE TABLE contact_methods (
    id         uuid PRIMARY KEY,
    user_id    uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    kind       text NOT NULL CHECK (kind IN ('EMAIL', 'PHONE')),
    address    text NOT NULL,
    label      text NOT NULL,
    verified   boolean NOT NULL DEFAULT false,
    created_at timestamptz NOT NULL,
    CONSTRAINT contact_methods_label_check CHECK (length(label) BETWEEN 1 AND 50),
    CONSTRAINT contact_methods_address_key UNIQUE (user_id, kind, address)
);

CREATE TABLE api_keys (
    id           uuid PRIMARY KEY,
    user_id      uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    name         text NOT NULL,
    prefix       text NOT NULL,
    secret_hash  bytea NOT NULL,
    scopes       text[] NOT NULL,
    created_at   timestamptz NOT NULL,
    expires_at   timestamptz,
    last_used_at timestamptz,
    revoked_at   timestamptz,
    CONSTRAINT api_keys_name_check CHECK (length(name) BETWEEN 1 AND 100),
    CONSTRAINT api_keys_scopes_check CHECK (cardinality(scopes) >= 1),
    CONSTRAINT api_keys_secret_hash_key UNIQUE (secret_hash)
);
CREATE INDEX api_keys_user_idx ON api_keys (user_id);

-- Invite and password-reset links. A token works once (used_at) and until expires_at.
CREATE TABLE user_tokens (
    token_hash bytea PRIMARY KEY,
    user_id    uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    purpose    text NOT NULL CHECK (purpose IN ('INVITE', 'RESET')),
    created_at timestamptz NOT NULL,
    expires_at timestamptz NOT NULL,
    used_at    timestamptz
);
CREATE INDEX user_tokens_user_idx ON user_tokens (user_id);

-- The audit page filters by actor.
CREATE INDEX audit_log_actor_idx ON audit_log (actor_user_id, id DESC);
