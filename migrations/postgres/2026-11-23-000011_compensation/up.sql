-- Compensation rules, versioned like the program policy: the newest row is in force.
CREATE TABLE compensation_rule_versions (
    version BIGINT PRIMARY KEY NOT NULL,
    -- The rules as JSON (rates in basis points).
    params TEXT NOT NULL,
    created_by TEXT REFERENCES users (id),
    created_at TIMESTAMP NOT NULL
);

-- One row per deal closed won: which rules version it was computed under and whether it was
-- won inside its protection window. Written in the close's transaction.
CREATE TABLE deal_compensations (
    registration_id TEXT PRIMARY KEY NOT NULL REFERENCES registrations (id),
    rules_version BIGINT NOT NULL REFERENCES compensation_rule_versions (version),
    -- 1 when closed while the protection window was open; 0 earns no commission.
    within_window INTEGER NOT NULL,
    double_credit INTEGER NOT NULL,
    computed_at TIMESTAMP NOT NULL
);

-- Credits per beneficiary: a partner organisation's commission or a rep's quota credit.
CREATE TABLE credits (
    id TEXT PRIMARY KEY NOT NULL,
    registration_id TEXT NOT NULL REFERENCES registrations (id),
    -- 'partner_commission', 'assist_credit' or 'double_credit'.
    kind TEXT NOT NULL,
    -- Exactly one of the two is set.
    org_id TEXT REFERENCES partner_orgs (id),
    user_id TEXT REFERENCES users (id),
    bp BIGINT NOT NULL,
    -- Minor units of the deal's currency.
    amount_minor BIGINT NOT NULL,
    currency TEXT NOT NULL,
    rules_version BIGINT NOT NULL REFERENCES compensation_rule_versions (version),
    created_at TIMESTAMP NOT NULL
);
-- One partner commission per deal, one credit per rep per deal.
CREATE UNIQUE INDEX credits_one_commission ON credits (registration_id, kind, org_id);
CREATE UNIQUE INDEX credits_one_per_rep ON credits (registration_id, user_id);
CREATE INDEX credits_org ON credits (org_id, created_at);
CREATE INDEX credits_user ON credits (user_id, created_at);

-- Co-selling: a direct rep on a partner's approved registration.
CREATE TABLE assists (
    id TEXT PRIMARY KEY NOT NULL,
    registration_id TEXT NOT NULL REFERENCES registrations (id),
    rep_id TEXT NOT NULL REFERENCES users (id),
    -- 'requested', 'accepted', 'declined' or 'assigned' (by a channel manager).
    status TEXT NOT NULL,
    note TEXT NOT NULL,
    requested_by TEXT NOT NULL REFERENCES users (id),
    requested_at TIMESTAMP NOT NULL,
    decided_by TEXT REFERENCES users (id),
    decided_at TIMESTAMP
);
CREATE UNIQUE INDEX assists_one_per_rep ON assists (registration_id, rep_id);
CREATE INDEX assists_rep ON assists (rep_id, requested_at);
