-- Service channels (issue 18): destinations a service's incident events are posted to, the
-- events each takes, and every delivery attempt. One delivery job per (event, channel) is
-- enqueued by a trigger on the incident timeline, in the transaction that records the event,
-- so no path that changes an incident can forget its channels, and an event is enqueued once.

CREATE TABLE service_channels (
    id              uuid PRIMARY KEY,
    -- NULL: every service (webhooks only).
    service_id      uuid REFERENCES services (id) ON DELETE CASCADE,
    kind            text NOT NULL
                    CONSTRAINT service_channels_kind_check
                    CHECK (kind IN ('SLACK', 'TEAMS', 'MATTERMOST', 'DISCORD', 'TELEGRAM', 'WEBHOOK')),
    -- A channel or chat id, or a URL (which may hold a secret: shown masked).
    target          text NOT NULL CHECK (length(target) BETWEEN 1 AND 2000),
    events          text[] NOT NULL
                    CONSTRAINT service_channels_events_check
                    CHECK (cardinality(events) > 0 AND events <@ ARRAY['triggered', 'acknowledged',
                           'resolved', 'reassigned', 'escalated', 'annotated']),
    -- Webhooks: the whsec_ signing secret, sealed with the keyring.
    secret          text,
    enabled         boolean NOT NULL DEFAULT true,
    disabled_reason text,
    created_at      timestamptz NOT NULL,
    updated_at      timestamptz NOT NULL,
    CONSTRAINT service_channels_global_webhook CHECK (service_id IS NOT NULL OR kind = 'WEBHOOK')
);
CREATE INDEX service_channels_service_idx ON service_channels (service_id);

CREATE TABLE channel_deliveries (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    channel_id  uuid NOT NULL REFERENCES service_channels (id) ON DELETE CASCADE,
    -- The Standard Webhooks webhook-id: the same on every attempt of one event.
    event_id    text NOT NULL,
    event       text NOT NULL
                CONSTRAINT channel_deliveries_event_check
                CHECK (event IN ('triggered', 'acknowledged', 'resolved', 'reassigned', 'escalated',
                                 'annotated', 'test')),
    incident_id uuid REFERENCES incidents (id) ON DELETE CASCADE,
    attempt     integer NOT NULL,
    status      text NOT NULL
                CONSTRAINT channel_deliveries_status_check
                CHECK (status IN ('DELIVERED', 'FAILED', 'REFUSED')),
    http_status integer,
    latency_ms  integer,
    detail      text NOT NULL,
    at          timestamptz NOT NULL
);
CREATE INDEX channel_deliveries_channel_idx ON channel_deliveries (channel_id, id DESC);

ALTER TABLE jobs DROP CONSTRAINT jobs_kind_check;
ALTER TABLE jobs ADD CONSTRAINT jobs_kind_check CHECK (kind IN (
    'ESCALATION', 'NOTIFICATION', 'AUTO_UNSNOOZE', 'SCHEDULED_TASK', 'CHANNEL_DELIVERY'));

-- Timeline kind → channel event (app::channels::ChannelEvent::of_timeline says the same; a
-- test checks every kind).
CREATE FUNCTION channel_event_of(kind text) RETURNS text LANGUAGE sql IMMUTABLE AS $$
    SELECT CASE kind
        WHEN 'TRIGGERED' THEN 'triggered' WHEN 'REOPENED' THEN 'triggered'
        WHEN 'ACKNOWLEDGED' THEN 'acknowledged' WHEN 'RESOLVED' THEN 'resolved'
        WHEN 'ASSIGNED' THEN 'reassigned' WHEN 'ESCALATED' THEN 'escalated'
        WHEN 'NOTE' THEN 'annotated' END
$$;

-- One CHANNEL_DELIVERY job per new timeline entry and enabled channel that takes its event,
-- with the incident as it is now (the body every attempt sends), due at the entry's time (the
-- injected clock's). Statement-level: one INSERT for a whole batch of entries.
CREATE FUNCTION channel_fanout() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO jobs (kind, incident_id, payload, run_at, created_at, updated_at)
    SELECT 'CHANNEL_DELIVERY', a.incident_id,
           jsonb_build_object(
               'channel_id', c.id,
               'event', channel_event_of(a.kind),
               'event_id', 'evt_' || a.id,
               'actor_user_id', a.actor_user_id,
               'at', a.at,
               'incident', jsonb_build_object(
                   'id', i.id, 'number', i.number, 'title', i.title, 'status', i.status,
                   'urgency', i.urgency, 'service_id', i.service_id)),
           a.at, a.at, a.at
    FROM added a
    JOIN incidents i ON i.id = a.incident_id
    JOIN service_channels c
      ON (c.service_id = i.service_id OR c.service_id IS NULL)
     AND c.enabled
     AND channel_event_of(a.kind) = ANY (c.events);
    IF FOUND THEN
        PERFORM pg_notify('opsknight_jobs', '');
    END IF;
    RETURN NULL;
END
$$;

CREATE TRIGGER incident_timeline_channel_fanout
    AFTER INSERT ON incident_timeline
    REFERENCING NEW TABLE AS added
    FOR EACH STATEMENT EXECUTE FUNCTION channel_fanout();
