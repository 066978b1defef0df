ALTER TABLE crm_accounts ADD COLUMN name_head TEXT NOT NULL DEFAULT '';
ALTER TABLE registrations ADD COLUMN name_head TEXT NOT NULL DEFAULT '';
CREATE INDEX crm_accounts_name_head ON crm_accounts (name_head, id);
CREATE INDEX registrations_name_head ON registrations (name_head, submitted_at, id, name_key, domain_key);
ALTER TABLE prospect_index DROP COLUMN accounts_epoch;
DROP TABLE registration_match_runs;
DROP TABLE registration_matches;
