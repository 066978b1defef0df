DROP INDEX crm_accounts_name_head;
CREATE INDEX crm_accounts_name_head ON crm_accounts (name_head);
DROP INDEX registrations_name_head;
CREATE INDEX registrations_name_head ON registrations (name_head, submitted_at, id);
