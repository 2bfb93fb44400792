-- Replays of signed chat requests (issue 18): a Slack request is identified by its signature
-- (the same timestamp and body sign the same), a Telegram update by its update_id. The first
-- one acts; the same one again within the signature window is refused. The cleanup task
-- drops rows older than a day.
CREATE TABLE inbound_seen (
    key text PRIMARY KEY,
    at  timestamptz NOT NULL
);
CREATE INDEX inbound_seen_at_idx ON inbound_seen (at);
