-- Team-owned API keys ("service accounts"), so a script keeps working when its author leaves.
-- Each team gets at most one service-account user, made on its first team key: a users row
-- with service_team_id set, RESPONDER, no password (so it can never sign in), deleted with its
-- team (and its keys with it). A key records who created it (created_by), so a team key keeps
-- its history when that person is disabled or deleted; a key acts as its user_id as before.
-- A service account is never paged: triggers refuse it as a team member, an escalation target,
-- an on-call participant (layers, overrides, temporary shifts) or the owner of a contact
-- method, each naming its own constraint so the API can say which field was wrong.

ALTER TABLE users ADD COLUMN service_team_id uuid REFERENCES teams (id) ON DELETE CASCADE;
ALTER TABLE users ADD CONSTRAINT users_service_team_key UNIQUE (service_team_id);
ALTER TABLE users ADD CONSTRAINT users_service_account_check
    CHECK (service_team_id IS NULL OR (password_hash IS NULL AND role = 'RESPONDER'));

ALTER TABLE api_keys ADD COLUMN created_by uuid REFERENCES users (id) ON DELETE SET NULL;
-- Keys made before this migration were made by their owners.
UPDATE api_keys SET created_by = user_id;
-- The admin list of every key, newest first, keyset-paginated.
CREATE INDEX api_keys_created_idx ON api_keys (created_at DESC, id DESC);

-- Refuses a row whose column TG_ARGV[1] names a service account, as a check violation of the
-- constraint named TG_ARGV[0].
CREATE FUNCTION users_person_only() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    uid uuid := (to_jsonb(NEW) ->> TG_ARGV[1])::uuid;
BEGIN
    IF uid IS NOT NULL
       AND EXISTS (SELECT 1 FROM users WHERE id = uid AND service_team_id IS NOT NULL) THEN
        RAISE EXCEPTION 'user % is a team''s service account', uid
            USING ERRCODE = 'check_violation', CONSTRAINT = TG_ARGV[0];
    END IF;
    RETURN NEW;
END
$$;

CREATE TRIGGER team_members_person_check BEFORE INSERT OR UPDATE OF user_id ON team_members
    FOR EACH ROW EXECUTE FUNCTION users_person_only('team_members_person_check', 'user_id');
CREATE TRIGGER escalation_targets_person_check BEFORE INSERT OR UPDATE OF user_id ON escalation_targets
    FOR EACH ROW EXECUTE FUNCTION users_person_only('escalation_targets_person_check', 'user_id');
CREATE TRIGGER schedule_participants_person_check BEFORE INSERT OR UPDATE OF user_id ON schedule_participants
    FOR EACH ROW EXECUTE FUNCTION users_person_only('schedule_participants_person_check', 'user_id');
CREATE TRIGGER schedule_overrides_person_check BEFORE INSERT OR UPDATE OF user_id ON schedule_overrides
    FOR EACH ROW EXECUTE FUNCTION users_person_only('schedule_overrides_person_check', 'user_id');
CREATE TRIGGER schedule_temporary_shifts_person_check BEFORE INSERT OR UPDATE OF user_id ON schedule_temporary_shifts
    FOR EACH ROW EXECUTE FUNCTION users_person_only('schedule_temporary_shifts_person_check', 'user_id');
CREATE TRIGGER contact_methods_person_check BEFORE INSERT OR UPDATE OF user_id ON contact_methods
    FOR EACH ROW EXECUTE FUNCTION users_person_only('contact_methods_person_check', 'user_id');
