-- Postmortems (issue 22, part 4): one per resolved incident (the primary one: incidents merged
-- into it are covered by its postmortem, found through incidents.merged_into). Sections follow
-- the Google SRE template as Markdown text; the timeline is drafted from the incidents'
-- timelines and edited as a JSON array of {"at", "text"}. Action items carry an owner, a due
-- date and a status; their team is the incident's service's team (derived, not stored).
CREATE TABLE postmortems (
    id           uuid PRIMARY KEY,
    incident_id  uuid NOT NULL UNIQUE REFERENCES incidents (id) ON DELETE CASCADE,
    title        text NOT NULL CHECK (length(title) BETWEEN 1 AND 200),
    status       text NOT NULL CHECK (status IN ('DRAFT', 'IN_REVIEW', 'PUBLISHED')),
    authors      text NOT NULL DEFAULT '',
    summary      text NOT NULL DEFAULT '',
    impact       text NOT NULL DEFAULT '',
    root_causes  text NOT NULL DEFAULT '',
    trigger      text NOT NULL DEFAULT '',
    resolution   text NOT NULL DEFAULT '',
    detection    text NOT NULL DEFAULT '',
    went_well    text NOT NULL DEFAULT '',
    went_wrong   text NOT NULL DEFAULT '',
    got_lucky    text NOT NULL DEFAULT '',
    timeline     jsonb NOT NULL DEFAULT '[]'::jsonb CHECK (jsonb_typeof(timeline) = 'array'),
    created_by   uuid REFERENCES users (id) ON DELETE SET NULL,
    created_at   timestamptz NOT NULL,
    updated_at   timestamptz NOT NULL,
    published_at timestamptz,
    CHECK ((status = 'PUBLISHED') = (published_at IS NOT NULL))
);
CREATE INDEX postmortems_status_idx ON postmortems (status, updated_at DESC);

CREATE TABLE postmortem_actions (
    id            uuid PRIMARY KEY,
    postmortem_id uuid NOT NULL REFERENCES postmortems (id) ON DELETE CASCADE,
    title         text NOT NULL CHECK (length(title) BETWEEN 1 AND 300),
    kind          text NOT NULL CHECK (kind IN ('PREVENT', 'MITIGATE', 'DETECT', 'PROCESS')),
    owner_user_id uuid REFERENCES users (id) ON DELETE SET NULL,
    due_on        date,
    status        text NOT NULL CHECK (status IN ('OPEN', 'IN_PROGRESS', 'DONE')),
    bug           text NOT NULL DEFAULT '' CHECK (length(bug) <= 300),
    created_at    timestamptz NOT NULL,
    updated_at    timestamptz NOT NULL,
    -- The order items were added in (several may be added at one instant).
    seq           bigint GENERATED ALWAYS AS IDENTITY
);
CREATE INDEX postmortem_actions_postmortem_idx ON postmortem_actions (postmortem_id, seq);
CREATE INDEX postmortem_actions_due_idx ON postmortem_actions (due_on) WHERE status <> 'DONE';
