-- The review queue's similar-name search reads the keys from the index alone, without a
-- table lookup per candidate.
DROP INDEX registrations_name_head;
CREATE INDEX registrations_name_head ON registrations (name_head, submitted_at, id, name_key, domain_key);

-- CRM candidates sharing a first word come back in id order without a sort.
DROP INDEX crm_accounts_name_head;
CREATE INDEX crm_accounts_name_head ON crm_accounts (name_head, id);
