DROP INDEX credits_created_slices;
CREATE INDEX credits_created_amounts ON credits (created_at, kind, currency, amount_minor);
ALTER TABLE credits DROP COLUMN industry;
ALTER TABLE credits DROP COLUMN country;
ALTER TABLE credits DROP COLUMN partner_org_id;
ALTER TABLE credits DROP COLUMN segment;
