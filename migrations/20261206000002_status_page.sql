-- The public status page (issue 22): components shown for services, hand-written status
-- incidents with their update stream, and email subscribers. Everything here is public by
-- choice: the page never reads incident titles, notes or people, only urgency and times.

-- One row: the page's name as visitors see it.
CREATE TABLE status_settings (
    id         boolean PRIMARY KEY DEFAULT true CHECK (id),
    page_name  text NOT NULL DEFAULT 'Status' CHECK (length(page_name) BETWEEN 1 AND 100),
    -- Show scheduled maintenance (from maintenance windows) on the page and in the JSON.
    show_maintenance boolean NOT NULL DEFAULT true,
    updated_at timestamptz
);
INSERT INTO status_settings (id) VALUES (true);

-- A component: one service as the public sees it. The override, when set, wins over the
-- status derived from the service's open incidents and maintenance.
CREATE TABLE status_components (
    id              uuid PRIMARY KEY,
    service_id      uuid NOT NULL REFERENCES services (id) ON DELETE CASCADE,
    display_name    text NOT NULL CHECK (length(display_name) BETWEEN 1 AND 100),
    group_name      text NOT NULL DEFAULT '' CHECK (length(group_name) <= 100),
    position        integer NOT NULL DEFAULT 0,
    override_status text CHECK (override_status IN ('operational', 'degraded_performance',
                                                    'partial_outage', 'major_outage', 'under_maintenance')),
    created_at      timestamptz NOT NULL,
    updated_at      timestamptz NOT NULL,
    CONSTRAINT status_components_service_key UNIQUE (service_id)
);
CREATE INDEX status_components_order_idx ON status_components (group_name, position, display_name);

-- A hand-written public incident; its status is that of its latest update.
CREATE TABLE status_incidents (
    id          uuid PRIMARY KEY,
    name        text NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
    status      text NOT NULL CHECK (status IN ('investigating', 'identified', 'monitoring', 'resolved')),
    impact      text NOT NULL CHECK (impact IN ('none', 'minor', 'major', 'critical')),
    created_at  timestamptz NOT NULL,
    updated_at  timestamptz NOT NULL,
    resolved_at timestamptz
);
CREATE INDEX status_incidents_recent_idx ON status_incidents (created_at DESC, id);

CREATE TABLE status_incident_components (
    incident_id  uuid NOT NULL REFERENCES status_incidents (id) ON DELETE CASCADE,
    component_id uuid NOT NULL REFERENCES status_components (id) ON DELETE CASCADE,
    PRIMARY KEY (incident_id, component_id)
);

CREATE TABLE status_incident_updates (
    id          uuid PRIMARY KEY,
    incident_id uuid NOT NULL REFERENCES status_incidents (id) ON DELETE CASCADE,
    status      text NOT NULL CHECK (status IN ('investigating', 'identified', 'monitoring', 'resolved')),
    body        text NOT NULL CHECK (length(body) BETWEEN 1 AND 5000),
    created_at  timestamptz NOT NULL
);
CREATE INDEX status_incident_updates_idx ON status_incident_updates (incident_id, created_at DESC);
CREATE INDEX status_incident_updates_recent_idx ON status_incident_updates (created_at DESC);

-- Email subscribers (double opt-in). The confirmation token is stored as its SHA-256 and
-- expires; the unsubscribe link is signed over (id, unsubscribe_nonce), and unsubscribing
-- clears the nonce, so each link works once.
CREATE TABLE status_subscribers (
    id                 uuid PRIMARY KEY,
    email              text NOT NULL CHECK (length(email) BETWEEN 3 AND 254),
    state              text NOT NULL CHECK (state IN ('PENDING', 'CONFIRMED', 'UNSUBSCRIBED')),
    confirm_hash       bytea,
    confirm_expires_at timestamptz,
    unsubscribe_nonce  bytea,
    created_at         timestamptz NOT NULL,
    updated_at         timestamptz NOT NULL,
    confirmed_at       timestamptz
);
CREATE UNIQUE INDEX status_subscribers_email_key ON status_subscribers (lower(email));
CREATE UNIQUE INDEX status_subscribers_confirm_idx ON status_subscribers (confirm_hash) WHERE confirm_hash IS NOT NULL;
CREATE INDEX status_subscribers_confirmed_idx ON status_subscribers (id) WHERE state = 'CONFIRMED';

-- Sign-up attempts, for the rate limits (per client address and per email address); rows
-- older than a day are deleted as new ones come in.
CREATE TABLE status_subscribe_attempts (
    key text NOT NULL,
    at  timestamptz NOT NULL
);
CREATE INDEX status_subscribe_attempts_idx ON status_subscribe_attempts (key, at);

-- Uptime bars read incidents per service over 90 days.
CREATE INDEX status_uptime_incidents_idx ON incidents (service_id, created_at);
