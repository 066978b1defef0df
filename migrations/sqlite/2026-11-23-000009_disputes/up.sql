-- Disputes over who may claim a prospect: raised by a partner (on its own registration) or
-- a sales rep (on a partner's registration), ruled on by the channel team within an SLA.
CREATE TABLE disputes (
    id TEXT PRIMARY KEY NOT NULL,
    -- The raiser's own registration (a partner's dispute); NULL for a sales rep's.
    raiser_registration_id TEXT REFERENCES registrations (id),
    -- The other registration involved: the one holding the prospect when the dispute was
    -- raised, or the one a rep disputes; NULL when nobody else held the prospect.
    other_registration_id TEXT REFERENCES registrations (id),
    raised_by TEXT NOT NULL REFERENCES users (id),
    -- 'partner' or 'sales'.
    raiser_role TEXT NOT NULL,
    -- The raising partner's organisation: partners see their organisation's disputes only.
    raiser_org_id TEXT REFERENCES partner_orgs (id),
    -- The prospect's name as the disputed registration gives it, for the rulings search.
    prospect_name TEXT NOT NULL,
    reason TEXT NOT NULL,
    details TEXT NOT NULL,
    -- 'open' or 'resolved'.
    status TEXT NOT NULL,
    raised_at TIMESTAMP NOT NULL,
    -- Set exactly while open: the SLA deadline.
    due_at TIMESTAMP,
    sla_escalated_at TIMESTAMP,
    -- What was in force when the dispute was raised.
    policy_version BIGINT NOT NULL REFERENCES policy_versions (version),
    roe_version BIGINT REFERENCES roe_versions (version),
    -- The ruling: 'upheld', 'reinstated', 'transferred' or 'split'.
    outcome TEXT,
    rationale TEXT,
    -- Split credit: the raising partner's share, 0-100, for the compensation rules.
    partner_share_pct INTEGER,
    resolved_by TEXT REFERENCES users (id),
    resolved_at TIMESTAMP,
    -- Lower-case reason, details, rationale and prospect name: the rulings search.
    search_text TEXT NOT NULL,
    lock_version BIGINT NOT NULL DEFAULT 0
);
-- The queue by SLA deadline, and the escalation sweep.
CREATE INDEX disputes_due ON disputes (due_at, id);
CREATE INDEX disputes_org ON disputes (raiser_org_id, raised_at);
CREATE INDEX disputes_raised_by ON disputes (raised_by, raised_at);
CREATE INDEX disputes_resolved ON disputes (status, resolved_at);
CREATE INDEX disputes_raiser_registration ON disputes (raiser_registration_id);
CREATE INDEX disputes_other_registration ON disputes (other_registration_id);
