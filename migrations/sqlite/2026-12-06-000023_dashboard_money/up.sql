-- The commission a partner earns depends on its tier and the deal's segment, so the
-- dashboard's commission liability (the approved pipeline, priced at each organisation's
-- rate) needs the approved deal size by organisation and segment. A rollup of its own, kept
-- like the others in the transaction of every change: `org_outcomes` stays one row per
-- organisation and state, which the leaderboards and caps read whole.
CREATE TABLE org_segment_outcomes (
    org_id TEXT NOT NULL REFERENCES partner_orgs (id),
    segment TEXT NOT NULL,
    status TEXT NOT NULL,
    registrations BIGINT NOT NULL,
    program_units BIGINT NOT NULL,
    PRIMARY KEY (status, org_id, segment)
);

INSERT INTO org_segment_outcomes (org_id, segment, status, registrations, program_units)
SELECT org_id, segment, status, COUNT(*), SUM(program_units)
FROM registrations
GROUP BY 1, 2, 3;

-- Commission and quota credit given in a period: read from the index alone (a year of
-- credits at a million registrations is tens of thousands of rows).
CREATE INDEX credits_created_amounts ON credits (created_at, kind, currency, amount_minor);

-- Disputes raised in a period, by week and ruling: the conflict trend.
CREATE INDEX disputes_raised ON disputes (raised_at, outcome);
