-- Incident merge (issue 21): a merged incident is resolved and points at the one it went into.
ALTER TABLE incidents ADD COLUMN merged_into uuid REFERENCES incidents (id) ON DELETE SET NULL;
