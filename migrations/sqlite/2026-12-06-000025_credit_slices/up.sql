-- Credits given in a period of a dashboard slice (segment, partner tier, territory) without
-- joining each credit to its registration (half a second for a year at a million
-- registrations): each credit carries its deal's segment, partner organisation and place,
-- written with it, and one index holds everything the dashboard reads of them.
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
