DROP INDEX registrations_updated;
DROP INDEX direct_opportunities_external;
ALTER TABLE direct_opportunities DROP COLUMN external_id;
DROP TABLE api_idempotency;
ALTER TABLE api_tokens DROP COLUMN scopes;
