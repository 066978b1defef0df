DROP INDEX disputes_raised;
DROP INDEX credits_created_amounts;
DROP TABLE org_outcomes;
CREATE TABLE org_outcomes (
    org_id TEXT NOT NULL REFERENCES partner_orgs (id),
    status TEXT NOT NULL,
    registrations BIGINT NOT NULL,
    program_units BIGINT NOT NULL,
    PRIMARY KEY (org_id, status)
);

INSERT INTO org_outcomes (org_id, status, registrations, program_units)
SELECT org_id, status, COUNT(*), SUM(program_units)
FROM registrations
GROUP BY 1, 2;
