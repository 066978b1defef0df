-- The organisation whose registration a dispute contests, beside the registration (which
-- never changes organisation): "My deals" counts the disputes raised against the partner,
-- which otherwise joined every dispute to the organisation's registrations (11 ms at 10,000
-- registrations on PostgreSQL, 37 ms while a sweep ran, found again whenever the figures
-- change).
ALTER TABLE disputes ADD COLUMN other_org_id TEXT;
UPDATE disputes SET other_org_id =
    (SELECT r.org_id FROM registrations r WHERE r.id = disputes.other_registration_id)
  WHERE other_registration_id IS NOT NULL;
CREATE INDEX disputes_other_org ON disputes (other_org_id, outcome);
