-- Chat channels (issue 18): the message a chat channel posted for an incident, so later events
-- update it in place (Slack chat.update, Telegram editMessageText) instead of posting anew, and
-- the chat accounts people have linked to their OpsKnight user (a Slack user found by email,
-- a Telegram chat linked with /start <code>, a Mattermost user linked from a signed link).

CREATE TABLE channel_messages (
    channel_id    uuid NOT NULL REFERENCES service_channels (id) ON DELETE CASCADE,
    incident_id   uuid NOT NULL REFERENCES incidents (id) ON DELETE CASCADE,
    -- The provider's handle on the message: Slack "channel:ts", Telegram "chat:message_id".
    -- NULL until the first post succeeds.
    ref           text,
    -- A delivery working on this message holds it until then (one at a time, so two events
    -- never both post, and the last update shows the latest state).
    claimed_until timestamptz,
    updated_at    timestamptz NOT NULL,
    PRIMARY KEY (channel_id, incident_id)
);
CREATE INDEX channel_messages_incident_idx ON channel_messages (incident_id);

CREATE TABLE chat_links (
    provider    text NOT NULL
                CONSTRAINT chat_links_provider_check
                CHECK (provider IN ('SLACK', 'TELEGRAM', 'MATTERMOST')),
    -- The provider's user id (Slack U…, a Telegram user id, a Mattermost user id).
    external_id text NOT NULL CHECK (length(external_id) BETWEEN 1 AND 200),
    user_id     uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    created_at  timestamptz NOT NULL,
    PRIMARY KEY (provider, external_id)
);
CREATE INDEX chat_links_user_idx ON chat_links (user_id);
