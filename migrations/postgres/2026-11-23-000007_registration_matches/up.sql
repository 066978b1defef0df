-- What the matching engine found for a registration: other registrations and CRM accounts
-- that look like the same prospect, with the score and the evidence. Found when the
-- registration is submitted (a later registration of the prospect adds itself here too),
-- and again while it awaits review whenever the CRM accounts change. The review queue counts
-- these rows and the review page lists them, so both say the same, and the queue never runs
-- the engine.
CREATE TABLE registration_matches (
    registration_id TEXT NOT NULL REFERENCES registrations (id),
    -- 'registration' or 'account': which table other_id is in.
    kind TEXT NOT NULL,
    other_id TEXT NOT NULL,
    -- 0-100.
    score INTEGER NOT NULL,
    -- At or above the policy's "same prospect" threshold when found; else a possible duplicate.
    same_prospect BOOLEAN NOT NULL,
    -- The engine's evidence, as the reviewer reads it.
    evidence TEXT NOT NULL,
    PRIMARY KEY (registration_id, kind, other_id)
);

-- When a registration's matches were last found, and against which CRM accounts.
CREATE TABLE registration_match_runs (
    registration_id TEXT PRIMARY KEY NOT NULL REFERENCES registrations (id),
    matched_at TIMESTAMP NOT NULL,
    accounts_epoch BIGINT NOT NULL
);

-- Goes up whenever CRM accounts are added or changed (or the keys are rebuilt), so a
-- registration in review whose matches were found before is matched again.
ALTER TABLE prospect_index ADD COLUMN accounts_epoch BIGINT NOT NULL DEFAULT 0;

-- The first word of a name was the old similar-name search's key; the engine's blocking keys
-- (`prospect_keys`) replace it.
DROP INDEX registrations_name_head;
DROP INDEX crm_accounts_name_head;
ALTER TABLE registrations DROP COLUMN name_head;
ALTER TABLE crm_accounts DROP COLUMN name_head;
