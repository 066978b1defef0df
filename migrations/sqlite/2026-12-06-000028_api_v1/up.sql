-- The CRM API v1. A token carries the scopes chosen when it was made ("read", or
-- "read,write"); tokens made before scopes existed could only call the lock check, a read.
ALTER TABLE api_tokens ADD COLUMN scopes TEXT NOT NULL DEFAULT 'read';

-- A retried write with the same Idempotency-Key gets the first answer back, stored here in
-- the transaction that made the change, so a change and its answer are kept or lost together.
-- The request's hash tells a retry from a different request reusing the key.
CREATE TABLE api_idempotency (
    token_id TEXT NOT NULL REFERENCES api_tokens (id),
    idem_key TEXT NOT NULL,
    request_hash TEXT NOT NULL,
    status INTEGER NOT NULL,
    body TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    PRIMARY KEY (token_id, idem_key)
);
CREATE INDEX api_idempotency_created ON api_idempotency (created_at);

-- Direct opportunities synced from the CRM are upserted by the CRM's id.
ALTER TABLE direct_opportunities ADD COLUMN external_id TEXT;
CREATE UNIQUE INDEX direct_opportunities_external ON direct_opportunities (external_id);

-- The API's change feed: registrations in the order they last changed, keyset-paginated.
CREATE INDEX registrations_updated ON registrations (updated_at, id);
