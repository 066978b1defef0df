CREATE TABLE registration_territory_flags (
    registration_id TEXT PRIMARY KEY NOT NULL REFERENCES registrations (id),
    message TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL
);
INSERT INTO registration_territory_flags (registration_id, message, created_at)
    SELECT registration_id, message, created_at FROM registration_flags
    WHERE kind = 'outside_territory';
DROP TABLE registration_flags;
DROP TABLE prospect_identity;
DROP INDEX registrations_holder_name;
DROP INDEX registrations_holder_domain;
CREATE UNIQUE INDEX registrations_holder_name ON registrations (name_key)
    WHERE status IN ('pending', 'info_requested', 'approved');
CREATE UNIQUE INDEX registrations_holder_domain ON registrations (domain_key)
    WHERE status IN ('pending', 'info_requested', 'approved') AND domain_key IS NOT NULL;
ALTER TABLE registrations DROP COLUMN shares_prospect_with;
