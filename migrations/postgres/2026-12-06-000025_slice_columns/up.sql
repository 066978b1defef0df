-- A dashboard slice (segment, partner tier, territory) without joins: the credits given in a
-- period and the protections ending soon were half a second and 150 ms at a million
-- registrations when each row was joined to its registration and its details. Each credit
-- now carries its deal's segment, partner organisation and place, and each registration its
-- prospect's place, all written with the row and never changed; one index each holds what
-- the dashboard reads.
ALTER TABLE credits ADD COLUMN segment TEXT;
ALTER TABLE credits ADD COLUMN partner_org_id TEXT;
ALTER TABLE credits ADD COLUMN country TEXT;
ALTER TABLE credits ADD COLUMN industry TEXT;

UPDATE credits SET
    segment = (SELECT r.segment FROM registrations r WHERE r.id = credits.registration_id),
    partner_org_id = (SELECT r.org_id FROM registrations r WHERE r.id = credits.registration_id),
    country = (SELECT d.country FROM registration_details d
               WHERE d.registration_id = credits.registration_id),
    industry = (SELECT d.industry FROM registration_details d
                WHERE d.registration_id = credits.registration_id);

DROP INDEX credits_created_amounts;
CREATE INDEX credits_created_slices ON credits
    (created_at, kind, currency, amount_minor, segment, partner_org_id, country, industry);

ALTER TABLE registrations ADD COLUMN country TEXT;
ALTER TABLE registrations ADD COLUMN industry TEXT;
UPDATE registrations SET
    country = (SELECT d.country FROM registration_details d WHERE d.registration_id = registrations.id),
    industry = (SELECT d.industry FROM registration_details d WHERE d.registration_id = registrations.id);

-- The sweep's index, which the dashboard's "protection ending in 30 days" reads too, now
-- holds what a slice compares.
DROP INDEX registrations_status_ends;
CREATE INDEX registrations_status_ends ON registrations
    (status, protection_ends_at, org_id, segment, country, industry);
