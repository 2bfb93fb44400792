-- Event rules (issue 21): one ordered, versioned list per scope. The global list has no
-- service (NULLS NOT DISTINCT: there is one); a service's list goes with the service.
CREATE TABLE event_rule_sets (
    id          uuid PRIMARY KEY,
    service_id  uuid REFERENCES services (id) ON DELETE CASCADE,
    version     bigint NOT NULL CHECK (version > 0),
    rules       jsonb NOT NULL CHECK (jsonb_typeof(rules) = 'array'),
    updated_at  timestamptz NOT NULL,
    updated_by  uuid REFERENCES users (id) ON DELETE SET NULL,
    CONSTRAINT event_rule_sets_scope UNIQUE NULLS NOT DISTINCT (service_id)
);

-- Events a rule dropped: counted per service and hour, with the last one's summary.
CREATE TABLE dropped_events (
    service_id   uuid NOT NULL REFERENCES services (id) ON DELETE CASCADE,
    hour         timestamptz NOT NULL,
    count        bigint NOT NULL CHECK (count > 0),
    last_summary text NOT NULL,
    PRIMARY KEY (service_id, hour)
);
