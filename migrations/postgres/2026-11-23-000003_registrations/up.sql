-- Deal registration: program policy versions, registrations, their audit trail, and the CRM
-- accounts and direct opportunities that registrations are checked against.
CREATE TABLE policy_versions (
    version BIGINT PRIMARY KEY NOT NULL,
    params TEXT NOT NULL,
    created_by TEXT REFERENCES users (id),
    created_at TIMESTAMP NOT NULL
);

CREATE TABLE registrations (
    id TEXT PRIMARY KEY NOT NULL,
    org_id TEXT NOT NULL REFERENCES partner_orgs (id),
    submitted_by TEXT NOT NULL REFERENCES users (id),
    company_name TEXT NOT NULL,
    name_key TEXT NOT NULL,
    -- The name key's first word: where the search for similar names starts.
    name_head TEXT NOT NULL,
    domain_key TEXT,
    amount_minor BIGINT NOT NULL,
    currency TEXT NOT NULL,
    program_units BIGINT NOT NULL,
    segment TEXT NOT NULL,
    policy_version BIGINT NOT NULL REFERENCES policy_versions (version),
    submitted_at TIMESTAMP NOT NULL,
    status TEXT NOT NULL,
    review_due_at TIMESTAMP,
    sla_paused_secs BIGINT,
    sla_escalated_at TIMESTAMP,
    queued_behind TEXT REFERENCES registrations (id),
    decided_at TIMESTAMP,
    decided_policy_version BIGINT REFERENCES policy_versions (version),
    protection_ends_at TIMESTAMP,
    reminder_sent_at TIMESTAMP,
    renewal TEXT,
    renewal_note TEXT,
    closed_at TIMESTAMP,
    close_amount_minor BIGINT,
    close_date DATE,
    outcome_reason TEXT,
    lock_version BIGINT NOT NULL DEFAULT 0,
    updated_at TIMESTAMP NOT NULL
);
-- First valid registration wins: one holder per prospect key, enforced here, not only by the
-- check before insert.
CREATE UNIQUE INDEX registrations_holder_name ON registrations (name_key)
    WHERE status IN ('pending', 'info_requested', 'approved');
CREATE UNIQUE INDEX registrations_holder_domain ON registrations (domain_key)
    WHERE status IN ('pending', 'info_requested', 'approved') AND domain_key IS NOT NULL;
-- "My deals" by date and by status, keyset-paginated.
CREATE INDEX registrations_org_submitted ON registrations (org_id, submitted_at, id);
CREATE INDEX registrations_org_status ON registrations (org_id, status, submitted_at, id);
CREATE INDEX registrations_org_name ON registrations (org_id, name_key, id);
CREATE INDEX registrations_org_ends ON registrations (org_id, protection_ends_at, id);
-- Every registration, for reviewers, in the same orders.
CREATE INDEX registrations_submitted ON registrations (submitted_at, id);
CREATE INDEX registrations_status_submitted ON registrations (status, submitted_at, id);
CREATE INDEX registrations_ends ON registrations (protection_ends_at, id);
-- The review queue, ordered by SLA deadline.
CREATE INDEX registrations_review_due ON registrations (review_due_at, id);
-- Expiry and reminder sweeps; the queue behind a holder; duplicate evidence.
CREATE INDEX registrations_status_ends ON registrations (status, protection_ends_at);
CREATE INDEX registrations_queued_behind ON registrations (queued_behind);
CREATE INDEX registrations_name_key ON registrations (name_key);
CREATE INDEX registrations_name_head ON registrations (name_head, submitted_at, id);
CREATE INDEX registrations_domain_key ON registrations (domain_key);

-- What the partner told about the prospect; read on the registration's own page only, so
-- kept apart from the columns that lists and sweeps scan.
CREATE TABLE registration_details (
    registration_id TEXT PRIMARY KEY NOT NULL REFERENCES registrations (id),
    website TEXT NOT NULL,
    country TEXT NOT NULL,
    industry TEXT NOT NULL,
    contact_name TEXT NOT NULL,
    contact_email TEXT NOT NULL,
    contact_phone TEXT NOT NULL,
    expected_close DATE NOT NULL,
    relationship TEXT NOT NULL
);

CREATE TABLE registration_events (
    id TEXT PRIMARY KEY NOT NULL,
    registration_id TEXT NOT NULL REFERENCES registrations (id),
    at TIMESTAMP NOT NULL,
    actor_id TEXT REFERENCES users (id),
    kind TEXT NOT NULL,
    from_status TEXT,
    to_status TEXT NOT NULL,
    note TEXT,
    policy_version BIGINT NOT NULL
);
CREATE INDEX registration_events_registration ON registration_events (registration_id, at);

CREATE TABLE crm_accounts (
    id TEXT PRIMARY KEY NOT NULL,
    external_id TEXT UNIQUE,
    name TEXT NOT NULL,
    name_key TEXT NOT NULL,
    name_head TEXT NOT NULL,
    domain_key TEXT,
    country TEXT,
    industry TEXT,
    owner_email TEXT,
    named_account BOOLEAN NOT NULL DEFAULT FALSE,
    reserved_for_direct BOOLEAN NOT NULL DEFAULT FALSE,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);
CREATE INDEX crm_accounts_name_key ON crm_accounts (name_key);
CREATE INDEX crm_accounts_name_head ON crm_accounts (name_head);
CREATE INDEX crm_accounts_domain_key ON crm_accounts (domain_key);

CREATE TABLE direct_opportunities (
    id TEXT PRIMARY KEY NOT NULL,
    account_id TEXT NOT NULL REFERENCES crm_accounts (id),
    owner_email TEXT NOT NULL,
    stage TEXT NOT NULL,
    amount_minor BIGINT NOT NULL,
    currency TEXT NOT NULL,
    last_activity_on DATE NOT NULL,
    created_at TIMESTAMP NOT NULL
);
CREATE INDEX direct_opportunities_account ON direct_opportunities (account_id);
