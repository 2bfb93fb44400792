-- REST v1 POSTs honour an Idempotency-Key header: the first answer to a (user, key) is kept
-- for a day and replayed to repeats, so a client that retries a create after a timeout makes
-- one incident, not two. `status` is NULL while the first request is still being answered.
CREATE TABLE idempotency_keys (
    user_id uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    key text NOT NULL CHECK (length(key) BETWEEN 1 AND 255),
    request_hash text NOT NULL,
    status smallint CHECK (status BETWEEN 100 AND 599),
    location text,
    body bytea,
    created_at timestamptz NOT NULL,
    PRIMARY KEY (user_id, key)
);

CREATE INDEX idempotency_keys_created_at ON idempotency_keys (created_at);
