-- Analytics and SLAs (issue 22).
-- 1. Incidents keep what analytics and SLAs measure and a status change used to lose: the
--    first acknowledgement (MTTA survives a reopen), and the time spent snoozed (it does not
--    count against an SLA). `ack_snoozed_secs` is the snoozed time before the first
--    acknowledgement; `sla_warned_at` makes the acknowledge warning happen once.
ALTER TABLE incidents
    ADD COLUMN first_acknowledged_at timestamptz,
    ADD COLUMN snoozed_since         timestamptz,
    ADD COLUMN snoozed_secs          double precision NOT NULL DEFAULT 0,
    ADD COLUMN ack_snoozed_secs      double precision,
    ADD COLUMN sla_warned_at         timestamptz;
UPDATE incidents i SET first_acknowledged_at = f.at, ack_snoozed_secs = 0
FROM (SELECT incident_id, min(at) AS at FROM incident_timeline WHERE kind = 'ACKNOWLEDGED'
      GROUP BY incident_id) f
WHERE f.incident_id = i.id;
UPDATE incidents SET snoozed_since = updated_at WHERE status = 'SNOOZED';
-- The rollup finds the days whose incidents changed since it last ran.
CREATE INDEX incidents_updated_idx ON incidents (updated_at);

-- 2. SLA targets: per service, optionally for one urgency or one priority (the most specific
--    target applies: priority, then urgency, then the service's own). Minutes; the warning
--    goes out `warn_minutes` before the acknowledge target.
CREATE TABLE sla_targets (
    id              uuid PRIMARY KEY,
    service_id      uuid NOT NULL REFERENCES services (id) ON DELETE CASCADE,
    urgency         text CHECK (urgency IN ('HIGH', 'MEDIUM', 'LOW')),
    priority        text CHECK (priority IN ('P1', 'P2', 'P3', 'P4', 'P5')),
    ack_minutes     integer CHECK (ack_minutes BETWEEN 1 AND 43200),
    resolve_minutes integer CHECK (resolve_minutes BETWEEN 1 AND 525600),
    warn_minutes    integer CHECK (warn_minutes >= 1 AND warn_minutes < ack_minutes),
    created_at      timestamptz NOT NULL,
    CONSTRAINT sla_targets_one_scope CHECK (urgency IS NULL OR priority IS NULL),
    CONSTRAINT sla_targets_something CHECK (ack_minutes IS NOT NULL OR resolve_minutes IS NOT NULL),
    CONSTRAINT sla_targets_scope_key UNIQUE NULLS NOT DISTINCT (service_id, urgency, priority)
);

-- 3. The analytics rollup: per UTC day (of `created_at`), service, urgency and priority, the
--    sums the report adds up, and histograms of the seconds to acknowledge and to resolve
--    (bucket edges in `app::analytics::hist`) for percentiles beyond the live window.
CREATE TABLE analytics_daily (
    day            date NOT NULL,
    service_id     uuid NOT NULL REFERENCES services (id) ON DELETE CASCADE,
    urgency        text NOT NULL CHECK (urgency IN ('HIGH', 'MEDIUM', 'LOW')),
    priority       text NOT NULL CHECK (priority IN ('', 'P1', 'P2', 'P3', 'P4', 'P5')),
    opened         integer NOT NULL,
    acknowledged   integer NOT NULL,
    resolved       integer NOT NULL,
    ack_secs       double precision NOT NULL,
    resolve_secs   double precision NOT NULL,
    escalated      integer NOT NULL,
    reopened       integer NOT NULL,
    auto_resolved  integer NOT NULL,
    quick_resolved integer NOT NULL,
    flapping       integer NOT NULL,
    alerts         bigint NOT NULL,
    ack_breached   integer NOT NULL,
    ack_measured   integer NOT NULL,
    res_breached   integer NOT NULL,
    res_measured   integer NOT NULL,
    ack_hist       integer[] NOT NULL,
    resolve_hist   integer[] NOT NULL,
    -- Incidents opened in each UTC hour of the day (24 entries).
    hours          integer[] NOT NULL,
    PRIMARY KEY (day, service_id, urgency, priority)
);
-- The noisiest alerts of each day and service: the top dedup keys and titles.
CREATE TABLE analytics_daily_noise (
    day            date NOT NULL,
    service_id     uuid NOT NULL REFERENCES services (id) ON DELETE CASCADE,
    by_what        text NOT NULL CHECK (by_what IN ('KEY', 'TITLE')),
    label          text NOT NULL,
    title          text NOT NULL,
    incidents      integer NOT NULL,
    alerts         bigint NOT NULL,
    flapping       integer NOT NULL,
    quick_resolved integer NOT NULL,
    PRIMARY KEY (day, service_id, by_what, label)
);
-- Which days the rollup has computed, and when (missing days heal on the next run).
CREATE TABLE analytics_days (
    day         date PRIMARY KEY,
    computed_at timestamptz NOT NULL
);
