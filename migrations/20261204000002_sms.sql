-- SMS paging through Twilio. The provider's id for each page and its delivery receipt live on
-- the outbox row; reply codes are handed out per phone number (1, 2, … : the smallest free one),
-- so "1a" names one incident for one person, and a resolved incident frees its code.

ALTER TABLE notifications ADD COLUMN provider_id text;
ALTER TABLE notifications ADD COLUMN provider_status text;
ALTER TABLE notifications ADD COLUMN delivered_at timestamptz;
CREATE UNIQUE INDEX notifications_provider_id_key ON notifications (provider_id) WHERE provider_id IS NOT NULL;

CREATE TABLE sms_codes (
    phone       text NOT NULL,
    code        integer NOT NULL CHECK (code BETWEEN 1 AND 99),
    incident_id uuid NOT NULL REFERENCES incidents (id) ON DELETE CASCADE,
    user_id     uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    sent_at     timestamptz NOT NULL,
    PRIMARY KEY (phone, code),
    CONSTRAINT sms_codes_incident_key UNIQUE (phone, incident_id)
);
CREATE INDEX sms_codes_latest_idx ON sms_codes (phone, sent_at DESC);
