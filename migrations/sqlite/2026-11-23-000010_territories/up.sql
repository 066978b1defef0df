-- Territories: geographic (countries, optionally regions) or vertical (industries), each
-- partner-eligible, direct-only or both, with the partner organisations and sales reps
-- assigned to it. With no territory at all, registrations are not checked against them.
CREATE TABLE territories (
    id TEXT PRIMARY KEY NOT NULL,
    name TEXT NOT NULL,
    -- Lower-case, trimmed name: one territory per name.
    name_key TEXT NOT NULL UNIQUE,
    -- 'geographic' or 'vertical'.
    kind TEXT NOT NULL,
    -- ISO 3166-1 alpha-2 codes separated by spaces (geographic).
    countries TEXT NOT NULL,
    -- Free-text regions, one per line (geographic, informational).
    regions TEXT NOT NULL,
    -- Industries from the registration form's list, one per line (vertical).
    industries TEXT NOT NULL,
    -- 'partner', 'direct' or 'both'.
    eligibility TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL,
    updated_by TEXT REFERENCES users (id)
);
CREATE TABLE territory_orgs (
    territory_id TEXT NOT NULL REFERENCES territories (id) ON DELETE CASCADE,
    org_id TEXT NOT NULL REFERENCES partner_orgs (id),
    PRIMARY KEY (territory_id, org_id)
);
CREATE TABLE territory_reps (
    territory_id TEXT NOT NULL REFERENCES territories (id) ON DELETE CASCADE,
    user_id TEXT NOT NULL REFERENCES users (id),
    PRIMARY KEY (territory_id, user_id)
);
-- What happens to a registration outside the partner's territories: 'block' or 'flag'.
-- Every choice is kept (who, when); the newest is in force. No row means 'block'.
CREATE TABLE territory_modes (
    id TEXT PRIMARY KEY NOT NULL,
    mode TEXT NOT NULL,
    changed_by TEXT NOT NULL REFERENCES users (id),
    changed_at TIMESTAMP NOT NULL
);
-- A registration let through in flag mode although it was outside the partner's
-- territories: the reviewer sees the message.
CREATE TABLE registration_territory_flags (
    registration_id TEXT PRIMARY KEY NOT NULL REFERENCES registrations (id),
    message TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL
);
