DROP TABLE api_tokens;
ALTER TABLE crm_accounts DROP COLUMN website;
DROP TABLE prospect_index;
DROP TABLE prospect_keys;
