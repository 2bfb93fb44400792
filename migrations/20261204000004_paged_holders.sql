-- Paged means mine: the people the current escalation step paged hold the incident until
-- someone assigns it by hand (a manual assignee wins). Replaced at every step.
ALTER TABLE incidents ADD COLUMN paged_user_ids uuid[] NOT NULL DEFAULT '{}';
