-- Rate limits and bundling per phone number: at most one SMS per 30 s and one call per 2 min
-- to a number (phone_sends keeps when the last one went out). Pages that come due inside the
-- limit wait, then go out as one message; its rows share the provider's id (so that index is
-- no longer unique) and point at the row that carried them (bundled_into). A bundle's reply
-- code (100 and up, per number) names every incident it covers (sms_bundles).
DROP INDEX notifications_provider_id_key;
CREATE INDEX notifications_provider_id_idx ON notifications (provider_id) WHERE provider_id IS NOT NULL;
ALTER TABLE notifications ADD COLUMN bundled_into bigint REFERENCES notifications (id) ON DELETE SET NULL;
CREATE INDEX notifications_phone_pending_idx ON notifications (channel, address, send_at)
    WHERE status = 'PENDING' AND channel IN ('SMS', 'VOICE');

CREATE TABLE phone_sends (
    channel  text NOT NULL,
    address  text NOT NULL,
    last_at  timestamptz NOT NULL,
    PRIMARY KEY (channel, address)
);

CREATE TABLE sms_bundles (
    phone       text NOT NULL,
    code        integer NOT NULL CHECK (code BETWEEN 100 AND 999),
    incident_id uuid NOT NULL REFERENCES incidents (id) ON DELETE CASCADE,
    user_id     uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    sent_at     timestamptz NOT NULL,
    PRIMARY KEY (phone, code, incident_id)
);
