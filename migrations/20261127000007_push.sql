-- Web Push: the server's VAPID keys (the private key sealed with the keyring; one current,
-- older ones kept while devices subscribed with them remain), each person's devices, and
-- PUSH as a contact kind (one per person: "all my devices").
CREATE TABLE vapid_keys (
    id          uuid PRIMARY KEY,
    public_key  text NOT NULL,
    private_key text NOT NULL,
    created_at  timestamptz NOT NULL,
    retired_at  timestamptz
);
CREATE UNIQUE INDEX vapid_keys_one_current ON vapid_keys ((true)) WHERE retired_at IS NULL;

CREATE TABLE push_subscriptions (
    id           uuid PRIMARY KEY,
    user_id      uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    endpoint     text NOT NULL,
    p256dh       text NOT NULL,
    auth         text NOT NULL,
    device       text NOT NULL,
    vapid_key_id uuid NOT NULL REFERENCES vapid_keys (id),
    created_at   timestamptz NOT NULL,
    last_used_at timestamptz,
    CONSTRAINT push_subscriptions_endpoint_key UNIQUE (endpoint),
    CONSTRAINT push_subscriptions_device_check CHECK (length(device) BETWEEN 1 AND 100)
);
CREATE INDEX push_subscriptions_user_idx ON push_subscriptions (user_id);

ALTER TABLE contact_methods DROP CONSTRAINT contact_methods_kind_check;
ALTER TABLE contact_methods ADD CONSTRAINT contact_methods_kind_check CHECK (kind IN ('EMAIL', 'PHONE', 'PUSH'));
ALTER TABLE notifications DROP CONSTRAINT notifications_channel_check;
ALTER TABLE notifications ADD CONSTRAINT notifications_channel_check CHECK (channel IN ('EMAIL', 'PHONE', 'PUSH'));
