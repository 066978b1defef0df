DROP INDEX registrations_org_status;
CREATE INDEX registrations_org_status ON registrations (org_id, status, submitted_at, id);
DROP INDEX registrations_org_submitted;
CREATE INDEX registrations_org_submitted ON registrations (org_id, submitted_at, id);
