DROP TABLE territory_decisions;
DROP TABLE territory_outcomes;
DROP INDEX registration_details_industry;
DROP INDEX registration_details_country;
DROP TABLE territory_places;

DROP TABLE weekly_decisions;
CREATE TABLE weekly_decisions (
    week DATE NOT NULL,
    segment TEXT NOT NULL,
    hours INTEGER NOT NULL,
    registrations BIGINT NOT NULL,
    PRIMARY KEY (week, segment, hours)
);
INSERT INTO weekly_decisions (week, segment, hours, registrations)
SELECT CAST(date_trunc('week', decided_at) AS DATE), segment, CAST(LEAST(999, (CAST(EXTRACT(EPOCH FROM date_trunc('second', decided_at)) AS BIGINT) - CAST(EXTRACT(EPOCH FROM date_trunc('second', submitted_at)) AS BIGINT)) / 3600) AS INTEGER), COUNT(*)
FROM registrations WHERE decided_at IS NOT NULL
GROUP BY 1, 2, 3;

DROP TABLE weekly_outcomes;
CREATE TABLE weekly_outcomes (
    week DATE NOT NULL,
    segment TEXT NOT NULL,
    status TEXT NOT NULL,
    registrations BIGINT NOT NULL,
    program_units BIGINT NOT NULL,
    PRIMARY KEY (week, segment, status)
);
INSERT INTO weekly_outcomes (week, segment, status, registrations, program_units)
SELECT CAST(date_trunc('week', submitted_at) AS DATE), segment, status, COUNT(*), CAST(SUM(program_units) AS BIGINT)
FROM registrations
GROUP BY 1, 2, 3;

CREATE TABLE org_segment_outcomes (
    org_id TEXT NOT NULL REFERENCES partner_orgs (id),
    segment TEXT NOT NULL,
    status TEXT NOT NULL,
    registrations BIGINT NOT NULL,
    program_units BIGINT NOT NULL,
    PRIMARY KEY (status, org_id, segment)
);
INSERT INTO org_segment_outcomes (org_id, segment, status, registrations, program_units)
SELECT org_id, segment, status, COUNT(*), CAST(SUM(program_units) AS BIGINT)
FROM registrations
GROUP BY 1, 2, 3;
