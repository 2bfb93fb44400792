-- Escalation policies and schedules get an owning team, as services have had since the start:
-- what a team owns is changed only by its OWNER and ADMIN members or a workspace ADMIN
-- (app/src/teams/perm.rs). Deleting a team leaves its objects unowned, under the workspace's
-- general rules again. The indexes serve that ON DELETE and the lists filtered by team.
ALTER TABLE escalation_policies ADD COLUMN team_id uuid REFERENCES teams (id) ON DELETE SET NULL;
ALTER TABLE schedules ADD COLUMN team_id uuid REFERENCES teams (id) ON DELETE SET NULL;

CREATE INDEX escalation_policies_team_idx ON escalation_policies (team_id) WHERE team_id IS NOT NULL;
CREATE INDEX schedules_team_idx ON schedules (team_id) WHERE team_id IS NOT NULL;
CREATE INDEX services_team_idx ON services (team_id) WHERE team_id IS NOT NULL;
