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
SELECT date(decided_at, '-6 days', 'weekday 1'), segment, min(999, (CAST(strftime('%s', decided_at) AS INTEGER) - CAST(strftime('%s', submitted_at) AS INTEGER)) / 3600), COUNT(*)
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
SELECT date(submitted_at, '-6 days', 'weekday 1'), segment, status, COUNT(*), SUM(program_units)
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
SELECT org_id, segment, status, COUNT(*), SUM(program_units)
FROM registrations
GROUP BY 1, 2, 3;
