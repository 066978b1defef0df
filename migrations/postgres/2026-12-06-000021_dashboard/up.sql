-- The program dashboard's rollups. Each is a count of registrations by a key computed from
-- the registration row alone, kept in the same transaction as every insert and state
-- change (`db::models::tally`), so the dashboard reads a few hundred rows instead of
-- aggregating a million, and a recount from `registrations` always gives the same table.

-- Registrations by the week they were submitted (its Monday, UTC), segment and status now.
CREATE TABLE weekly_outcomes (
    week DATE NOT NULL,
    segment TEXT NOT NULL,
    status TEXT NOT NULL,
    registrations BIGINT NOT NULL,
    program_units BIGINT NOT NULL,
    PRIMARY KEY (week, segment, status)
);

-- Registrations by partner organisation and status now, whatever their week: the
-- leaderboard's counts (a few rows per organisation).
CREATE TABLE org_outcomes (
    org_id TEXT NOT NULL REFERENCES partner_orgs (id),
    status TEXT NOT NULL,
    registrations BIGINT NOT NULL,
    program_units BIGINT NOT NULL,
    PRIMARY KEY (org_id, status)
);

-- Decided registrations by the week of their decision, segment and whole hours from
-- submission to decision (at most 999: "999 hours or more").
CREATE TABLE weekly_decisions (
    week DATE NOT NULL,
    segment TEXT NOT NULL,
    hours INTEGER NOT NULL,
    registrations BIGINT NOT NULL,
    PRIMARY KEY (week, segment, hours)
);

INSERT INTO weekly_outcomes (week, segment, status, registrations, program_units)
SELECT CAST(date_trunc('week', submitted_at) AS DATE), segment, status, COUNT(*),
       SUM(program_units)
FROM registrations
GROUP BY 1, 2, 3;

INSERT INTO weekly_decisions (week, segment, hours, registrations)
SELECT CAST(date_trunc('week', decided_at) AS DATE), segment,
       CAST(LEAST(999, (CAST(EXTRACT(EPOCH FROM date_trunc('second', decided_at)) AS BIGINT)
                 - CAST(EXTRACT(EPOCH FROM date_trunc('second', submitted_at)) AS BIGINT)) / 3600)
            AS INTEGER),
       COUNT(*)
FROM registrations
WHERE decided_at IS NOT NULL
GROUP BY 1, 2, 3;

INSERT INTO org_outcomes (org_id, status, registrations, program_units)
SELECT org_id, status, COUNT(*), SUM(program_units)
FROM registrations
GROUP BY 1, 2;
