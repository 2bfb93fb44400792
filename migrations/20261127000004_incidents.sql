-- Alert ingestion: services and their integrations (routing keys stored as SHA-256), incidents
-- with a partial unique index that allows one open incident per (service, dedup_key), the
-- alerts attached to them, a typed timeline, and resolves that arrived before their trigger.

CREATE TABLE services (
    id                   uuid PRIMARY KEY,
    name                 text NOT NULL,
    description          text NOT NULL DEFAULT '',
    team_id              uuid REFERENCES teams (id) ON DELETE SET NULL,
    -- Filled in by the escalation issue; optional until then.
    escalation_policy_id uuid,
    -- SEVERITY maps event severity to urgency; HIGH/MEDIUM/LOW force one urgency.
    urgency_rule         text NOT NULL DEFAULT 'SEVERITY' CHECK (urgency_rule IN ('SEVERITY', 'HIGH', 'MEDIUM', 'LOW')),
    ack_timeout_secs     integer CHECK (ack_timeout_secs BETWEEN 60 AND 86400),
    created_at           timestamptz NOT NULL,
    updated_at           timestamptz NOT NULL,
    CONSTRAINT services_name_check CHECK (length(name) BETWEEN 1 AND 100),
    CONSTRAINT services_description_check CHECK (length(description) <= 2000)
);
CREATE UNIQUE INDEX services_name_key ON services (lower(name));

CREATE TABLE integrations (
    id                 uuid PRIMARY KEY,
    service_id         uuid NOT NULL REFERENCES services (id) ON DELETE CASCADE,
    kind               text NOT NULL CHECK (kind IN ('events_v2', 'prometheus', 'grafana', 'datadog', 'cloudwatch', 'webhook')),
    name               text NOT NULL,
    key_hash           bytea NOT NULL,
    key_prefix         text NOT NULL,
    enabled            boolean NOT NULL DEFAULT true,
    rate_limit_per_min integer NOT NULL DEFAULT 120 CHECK (rate_limit_per_min BETWEEN 1 AND 10000000),
    created_at         timestamptz NOT NULL,
    updated_at         timestamptz NOT NULL,
    CONSTRAINT integrations_name_check CHECK (length(name) BETWEEN 1 AND 100),
    CONSTRAINT integrations_key_hash_key UNIQUE (key_hash)
);
CREATE INDEX integrations_service_idx ON integrations (service_id);

CREATE SEQUENCE incident_number_seq;

CREATE TABLE incidents (
    id               uuid PRIMARY KEY,
    number           bigint NOT NULL DEFAULT nextval('incident_number_seq'),
    service_id       uuid NOT NULL REFERENCES services (id) ON DELETE CASCADE,
    dedup_key        text NOT NULL CHECK (length(dedup_key) BETWEEN 1 AND 255),
    title            text NOT NULL CHECK (length(title) BETWEEN 1 AND 1024),
    description      text NOT NULL DEFAULT '',
    status           text NOT NULL CHECK (status IN ('OPEN', 'ACKNOWLEDGED', 'SNOOZED', 'SUPPRESSED', 'RESOLVED')),
    urgency          text NOT NULL CHECK (urgency IN ('HIGH', 'MEDIUM', 'LOW')),
    priority         text CHECK (priority IN ('P1', 'P2', 'P3', 'P4', 'P5')),
    assignee_user_id uuid REFERENCES users (id) ON DELETE SET NULL,
    assignee_team_id uuid REFERENCES teams (id) ON DELETE SET NULL,
    alert_count      integer NOT NULL DEFAULT 0,
    -- Bumped by every state change; escalation jobs carry it as a fencing token.
    generation       bigint NOT NULL DEFAULT 0,
    snoozed_until    timestamptz,
    created_at       timestamptz NOT NULL,
    updated_at       timestamptz NOT NULL,
    acknowledged_at  timestamptz,
    resolved_at      timestamptz,
    CONSTRAINT incidents_number_key UNIQUE (number)
);
-- One open (not resolved) incident per (service, dedup_key): the dedup rule itself.
CREATE UNIQUE INDEX incidents_open_dedup_key ON incidents (service_id, dedup_key) WHERE status <> 'RESOLVED';
CREATE INDEX incidents_created_idx ON incidents (created_at DESC, id);
CREATE INDEX incidents_active_idx ON incidents (status, created_at DESC) WHERE status <> 'RESOLVED';

CREATE TABLE alerts (
    id             bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    incident_id    uuid NOT NULL REFERENCES incidents (id) ON DELETE CASCADE,
    integration_id uuid REFERENCES integrations (id) ON DELETE SET NULL,
    summary        text NOT NULL,
    severity       text NOT NULL,
    source         text NOT NULL DEFAULT '',
    payload        jsonb NOT NULL,
    received_at    timestamptz NOT NULL
);
CREATE INDEX alerts_incident_idx ON alerts (incident_id, id);

CREATE TABLE incident_timeline (
    id            bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    incident_id   uuid NOT NULL REFERENCES incidents (id) ON DELETE CASCADE,
    at            timestamptz NOT NULL,
    kind          text NOT NULL CHECK (kind IN ('TRIGGERED', 'ALERT_APPENDED', 'ACKNOWLEDGED', 'SNOOZED', 'UNSNOOZED',
                                                'RESOLVED', 'REOPENED', 'ESCALATED', 'NOTIFIED', 'NOTE', 'ASSIGNED')),
    actor_user_id uuid REFERENCES users (id) ON DELETE SET NULL,
    details       jsonb NOT NULL DEFAULT '{}'::jsonb
);
CREATE INDEX incident_timeline_incident_idx ON incident_timeline (incident_id, id);

-- A resolve whose trigger has not arrived yet; a trigger within 5 minutes is recorded resolved.
CREATE TABLE early_resolves (
    service_id  uuid NOT NULL REFERENCES services (id) ON DELETE CASCADE,
    dedup_key   text NOT NULL,
    received_at timestamptz NOT NULL,
    PRIMARY KEY (service_id, dedup_key)
);
