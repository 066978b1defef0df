-- The matching engine's blocking keys (`domain::matching::profile_keys`): one row per key and
-- record, so a lock check or a review looks up a few keys instead of scoring every record.
-- A record's keys are recomputed from its stored name and domain when it changes, so rows
-- are deleted by (key, record_id) and need no second index.
CREATE TABLE prospect_keys (
    key TEXT NOT NULL,
    record_id TEXT NOT NULL,
    -- 'account' or 'registration': which table record_id is in.
    kind TEXT NOT NULL,
    PRIMARY KEY (key, record_id)
) WITHOUT ROWID;

-- Which version of the keys `prospect_keys` holds; a newer engine rebuilds them at start-up.
CREATE TABLE prospect_index (
    id INTEGER PRIMARY KEY NOT NULL CHECK (id = 1),
    version BIGINT NOT NULL,
    built_at TIMESTAMP NOT NULL
);

-- CRM imports carry the account's website; the domain key is derived from it.
ALTER TABLE crm_accounts ADD COLUMN website TEXT;

-- Bearer tokens for the JSON API, issued to sales and admin users. Only a hash is stored.
CREATE TABLE api_tokens (
    id TEXT PRIMARY KEY NOT NULL,
    user_id TEXT NOT NULL REFERENCES users (id),
    label TEXT NOT NULL,
    token_hash TEXT NOT NULL UNIQUE,
    created_at TIMESTAMP NOT NULL,
    last_used_at TIMESTAMP,
    revoked_at TIMESTAMP
);
CREATE INDEX api_tokens_user ON api_tokens (user_id, created_at);
