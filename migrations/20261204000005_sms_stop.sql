-- STOP and START by SMS: a number that replied STOP gets no SMS page (its SMS methods record
-- when), until it replies START. Replies that act on nothing are counted per number, so
-- OpsKnight stops answering an auto-responder after 5 in a row (a page or an action resets it).
ALTER TABLE contact_methods ADD COLUMN stopped_at timestamptz;

CREATE TABLE sms_reply_budget (
    phone       text PRIMARY KEY,
    unanswered  integer NOT NULL CHECK (unanswered >= 0),
    updated_at  timestamptz NOT NULL
);
