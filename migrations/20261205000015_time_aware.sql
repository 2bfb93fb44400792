-- Time-aware escalation and quiet hours (issue 21, item 6).
-- A step's conditions (NULL: always runs): {"when": TimeWindow | null, "outside_working_hours": bool}.
-- A step whose conditions do not hold when it comes due is skipped (a timeline entry says so).
ALTER TABLE escalation_steps ADD COLUMN conditions jsonb
    CHECK (conditions IS NULL OR jsonb_typeof(conditions) = 'object');

-- A person's weekly working hours and quiet hours: {"days": [...], "from": "HH:MM", "to": "HH:MM"},
-- on the wall clock of users.time_zone (so changing one's zone moves them). NULL: none.
ALTER TABLE users
    ADD COLUMN working_hours jsonb CHECK (working_hours IS NULL OR jsonb_typeof(working_hours) = 'object'),
    ADD COLUMN quiet_hours jsonb CHECK (quiet_hours IS NULL OR jsonb_typeof(quiet_hours) = 'object');
