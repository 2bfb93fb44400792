-- Personal chat and push contact methods (issue 18): a Slack DM, a Telegram chat, ntfy and
-- Pushover, paged by rules and policy steps like SMS. The kinds come from one list
-- (app/src/domain/contact.rs, ContactKind::ALL; server/tests/enums.rs compares).

ALTER TABLE contact_methods DROP CONSTRAINT contact_methods_kind_check;
ALTER TABLE notifications DROP CONSTRAINT notifications_channel_check;
ALTER TABLE escalation_steps DROP CONSTRAINT escalation_steps_channels_check;
ALTER TABLE contact_methods ADD CONSTRAINT contact_methods_kind_check
    CHECK (kind IN ('EMAIL', 'SMS', 'VOICE', 'PUSH', 'SLACK', 'TELEGRAM', 'NTFY', 'PUSHOVER'));
ALTER TABLE notifications ADD CONSTRAINT notifications_channel_check
    CHECK (channel IN ('EMAIL', 'SMS', 'VOICE', 'PUSH', 'SLACK', 'TELEGRAM', 'NTFY', 'PUSHOVER'));
ALTER TABLE escalation_steps ADD CONSTRAINT escalation_steps_channels_check
    CHECK (channels <@ ARRAY['EMAIL', 'SMS', 'VOICE', 'PUSH', 'SLACK', 'TELEGRAM', 'NTFY',
                             'PUSHOVER']::text[]);

-- ntfy: the access token of a protected topic, sealed with the keyring.
ALTER TABLE contact_methods ADD COLUMN secret text;

-- One-time codes that link a chat account to a user (Telegram: /start <code>). Only the
-- SHA-256 of a code is kept.
CREATE TABLE chat_link_codes (
    code_hash  text PRIMARY KEY,
    user_id    uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    provider   text NOT NULL
               CONSTRAINT chat_link_codes_provider_check
               CHECK (provider IN ('SLACK', 'TELEGRAM', 'MATTERMOST')),
    expires_at timestamptz NOT NULL,
    used_at    timestamptz
);
CREATE INDEX chat_link_codes_user_idx ON chat_link_codes (user_id);

-- Pushover emergency pages repeat until acknowledged there; when the incident is
-- acknowledged or resolved anywhere else, each such page's receipt is cancelled
-- (receipts/{receipt}/cancel.json), by a RECEIPT_CANCEL job enqueued here, in the same
-- transaction as the change.
ALTER TABLE jobs DROP CONSTRAINT jobs_kind_check;
ALTER TABLE jobs ADD CONSTRAINT jobs_kind_check CHECK (kind IN (
    'ESCALATION', 'NOTIFICATION', 'AUTO_UNSNOOZE', 'SCHEDULED_TASK', 'CHANNEL_DELIVERY',
    'RECEIPT_CANCEL'));

CREATE FUNCTION receipt_cancel() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO jobs (kind, incident_id, payload, run_at, created_at, updated_at)
    SELECT 'RECEIPT_CANCEL', n.incident_id,
           jsonb_build_object('notification_id', n.id, 'receipt', n.provider_id),
           a.at, a.at, a.at
    FROM added a
    JOIN notifications n ON n.incident_id = a.incident_id
    WHERE a.kind IN ('ACKNOWLEDGED', 'RESOLVED')
      -- Acknowledged on Pushover itself: its retries have stopped already.
      AND coalesce(a.details ->> 'via', '') <> 'Pushover'
      AND n.channel = 'PUSHOVER' AND n.status = 'SENT' AND n.provider_id IS NOT NULL
      AND NOT EXISTS (SELECT 1 FROM jobs j WHERE j.kind = 'RECEIPT_CANCEL'
                        AND j.payload ->> 'receipt' = n.provider_id);
    IF FOUND THEN
        PERFORM pg_notify('opsknight_jobs', '');
    END IF;
    RETURN NULL;
END
$$;

CREATE TRIGGER incident_timeline_receipt_cancel
    AFTER INSERT ON incident_timeline
    REFERENCING NEW TABLE AS added
    FOR EACH STATEMENT EXECUTE FUNCTION receipt_cancel();
