-- A phone number is verified by a 6-digit code before it is paged. Only the code's SHA-256 is
-- kept; it expires after 10 minutes and allows 5 attempts. verify_sent_at rate-limits sends.
ALTER TABLE contact_methods ADD COLUMN verify_hash text;
ALTER TABLE contact_methods ADD COLUMN verify_expires_at timestamptz;
ALTER TABLE contact_methods ADD COLUMN verify_attempts integer NOT NULL DEFAULT 0;
ALTER TABLE contact_methods ADD COLUMN verify_sent_at timestamptz;
