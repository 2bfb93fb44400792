-- Single sign-on through an OpenID Connect provider (issue 20). The provider's settings are a
-- row of `settings` (key 'sso', the client secret sealed); these tables hold the rest.
--
-- sso_requests: sign-ins in flight, one row per redirect to the provider. Keyed by a SHA-256
-- of the `state` sent (the browser also holds the state in a cookie); taken (deleted) by the
-- callback, so a state works once; expired rows are deleted by the cleanup job.
CREATE TABLE sso_requests (
    state_hash    bytea PRIMARY KEY,
    nonce         text NOT NULL,
    pkce_verifier text NOT NULL,
    return_to     text NOT NULL,
    created_at    timestamptz NOT NULL,
    expires_at    timestamptz NOT NULL
);
CREATE INDEX sso_requests_expiry_idx ON sso_requests (expires_at);

-- The link from an identity at a provider, (issuer, subject), to a user: made at the first
-- sign-in (by verified email, or by provisioning the account), then followed by subject.
CREATE TABLE user_identities (
    issuer        text NOT NULL,
    subject       text NOT NULL,
    user_id       uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    email         text NOT NULL,
    created_at    timestamptz NOT NULL,
    last_login_at timestamptz NOT NULL,
    PRIMARY KEY (issuer, subject),
    CONSTRAINT user_identities_subject_check CHECK (length(subject) BETWEEN 1 AND 255)
);
CREATE INDEX user_identities_user_idx ON user_identities (user_id);

-- A session opened through the provider keeps its ID token, the hint RP-initiated logout
-- sends back to the provider when the person signs out.
ALTER TABLE sessions ADD COLUMN sso_id_token text;
