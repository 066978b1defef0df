-- One prospect identity (#15): the exact keys behind first-valid-wins are now the matching
-- engine's normal forms. The start-up rebuild (`db::models::prospect_identity`) recomputes
-- every stored key; where two registrations holding a prospect now share a key, the later
-- one is not declined but marked with the one that keeps the prospect, and left out of the
-- uniqueness rule until the channel team decides.
ALTER TABLE registrations ADD COLUMN shares_prospect_with TEXT REFERENCES registrations (id);
DROP INDEX registrations_holder_name;
DROP INDEX registrations_holder_domain;
CREATE UNIQUE INDEX registrations_holder_name ON registrations (name_key)
    WHERE status IN ('pending', 'info_requested', 'approved') AND shares_prospect_with IS NULL;
CREATE UNIQUE INDEX registrations_holder_domain ON registrations (domain_key)
    WHERE status IN ('pending', 'info_requested', 'approved') AND domain_key IS NOT NULL
        AND shares_prospect_with IS NULL;

-- Which version of the prospect keys the stored name and domain keys were computed by
-- (registrations and CRM accounts). No row: the version before this table.
CREATE TABLE prospect_identity (
    id INTEGER PRIMARY KEY NOT NULL,
    version BIGINT NOT NULL,
    built_at TIMESTAMP NOT NULL
);

-- What a reviewer must know about a registration before deciding, beside the matching
-- evidence: let through outside the partner's territories ('outside_territory'), a recent
-- customer of another partner ('partner_customer'), the same prospect as another holding
-- registration after a key change ('shared_prospect', `other_id` keeps the prospect). The
-- channel managers are emailed once (`notified_at`); a decision resolves the flag.
CREATE TABLE registration_flags (
    registration_id TEXT NOT NULL REFERENCES registrations (id),
    kind TEXT NOT NULL,
    message TEXT NOT NULL,
    other_id TEXT REFERENCES registrations (id),
    created_at TIMESTAMP NOT NULL,
    notified_at TIMESTAMP,
    resolved_at TIMESTAMP,
    resolved_by TEXT REFERENCES users (id),
    PRIMARY KEY (registration_id, kind)
);
CREATE INDEX registration_flags_open ON registration_flags (kind, resolved_at, created_at);
INSERT INTO registration_flags (registration_id, kind, message, created_at, notified_at)
    SELECT registration_id, 'outside_territory', message, created_at, created_at
    FROM registration_territory_flags;
DROP TABLE registration_territory_flags;
