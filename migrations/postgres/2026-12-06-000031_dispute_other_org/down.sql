DROP INDEX disputes_other_org;
ALTER TABLE disputes DROP COLUMN other_org_id;
