-- Contact kinds come from one list (app/src/domain/contact.rs, ContactKind::ALL); the test
-- server/tests/enum_constraints.rs compares these CHECKs with it.
-- PHONE splits into SMS and VOICE: a person can have both on one number. Existing phone
-- contact methods were SMS numbers ("Phone (SMS)"), so they become SMS; a policy step limited
-- to phones now means both phone kinds. PUSH becomes a valid step channel (it answered 500).

ALTER TABLE contact_methods DROP CONSTRAINT contact_methods_kind_check;
ALTER TABLE notifications DROP CONSTRAINT notifications_channel_check;
ALTER TABLE escalation_steps DROP CONSTRAINT escalation_steps_channels_check;

UPDATE contact_methods SET kind = 'SMS' WHERE kind = 'PHONE';
UPDATE notifications SET channel = 'SMS' WHERE channel = 'PHONE';
UPDATE escalation_steps
   SET channels = array_cat(array_remove(channels, 'PHONE'), ARRAY['SMS', 'VOICE'])
 WHERE 'PHONE' = ANY (channels);
UPDATE incident_timeline
   SET details = jsonb_set(details, '{channel}', '"SMS"')
 WHERE kind = 'NOTIFIED' AND details ->> 'channel' = 'PHONE';

ALTER TABLE contact_methods ADD CONSTRAINT contact_methods_kind_check
    CHECK (kind IN ('EMAIL', 'SMS', 'VOICE', 'PUSH'));
ALTER TABLE notifications ADD CONSTRAINT notifications_channel_check
    CHECK (channel IN ('EMAIL', 'SMS', 'VOICE', 'PUSH'));
ALTER TABLE escalation_steps ADD CONSTRAINT escalation_steps_channels_check
    CHECK (channels <@ ARRAY['EMAIL', 'SMS', 'VOICE', 'PUSH']::text[]);
