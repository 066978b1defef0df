-- The dashboard's partner-tier and territory filters.
--
-- A territory covers countries (geographic) or industries (vertical), and an admin may
-- edit it at any time, so its registrations cannot be keyed once and for all. Its
-- countries and industries become rows (`territory_places`), which rollups and filters can
-- join, and each territory gets rollups of its own, rebuilt in the transaction that saves
-- it. A partner's tier is its organisation's tier now: changing it moves the
-- organisation's counts to the new tier in the same transaction.

CREATE TABLE territory_places (
    territory_id TEXT NOT NULL REFERENCES territories (id),
    kind TEXT NOT NULL,       -- 'country' (an upper-case ISO code) or 'industry'
    value TEXT NOT NULL,
    PRIMARY KEY (kind, value, territory_id)
);

INSERT INTO territory_places (territory_id, kind, value)
SELECT DISTINCT t.id, 'country', c
FROM territories t, unnest(string_to_array(trim(t.countries), ' ')) AS c
WHERE t.kind = 'geographic' AND c <> '';

INSERT INTO territory_places (territory_id, kind, value)
SELECT DISTINCT t.id, 'industry', i
FROM territories t, unnest(string_to_array(t.industries, E'\n')) AS i
WHERE t.kind = 'vertical' AND i <> '';

-- A territory's registrations, found from the places it covers.
CREATE INDEX registration_details_country ON registration_details (country);
CREATE INDEX registration_details_industry ON registration_details (industry);

-- The commission liability is priced by tier and segment, which the weekly rollups now
-- hold: the rollup by organisation and segment that priced it goes.
DROP TABLE org_segment_outcomes;

DROP TABLE weekly_outcomes;
CREATE TABLE weekly_outcomes (
    week DATE NOT NULL,
    segment TEXT NOT NULL,
    tier TEXT NOT NULL,
    status TEXT NOT NULL,
    registrations BIGINT NOT NULL,
    program_units BIGINT NOT NULL,
    -- What the won ones closed at, in program units (at the rate each was registered at).
    won_units BIGINT NOT NULL,
    PRIMARY KEY (week, segment, tier, status)
);
INSERT INTO weekly_outcomes
    (week, segment, tier, status, registrations, program_units, won_units)
SELECT CAST(date_trunc('week', r.submitted_at) AS DATE), r.segment, o.tier, r.status,
       COUNT(*), CAST(SUM(r.program_units) AS BIGINT),
       CAST(SUM(CASE WHEN r.status = 'won' AND r.amount_minor > 0
                THEN COALESCE(r.close_amount_minor, 0) * r.program_units / r.amount_minor
                ELSE 0 END) AS BIGINT)
FROM registrations r JOIN partner_orgs o ON o.id = r.org_id
GROUP BY 1, 2, 3, 4;

DROP TABLE weekly_decisions;
CREATE TABLE weekly_decisions (
    week DATE NOT NULL,
    segment TEXT NOT NULL,
    tier TEXT NOT NULL,
    hours INTEGER NOT NULL,
    registrations BIGINT NOT NULL,
    PRIMARY KEY (week, segment, tier, hours)
);
INSERT INTO weekly_decisions (week, segment, tier, hours, registrations)
SELECT CAST(date_trunc('week', r.decided_at) AS DATE), r.segment, o.tier,
       CAST(LEAST(999, (CAST(EXTRACT(EPOCH FROM date_trunc('second', r.decided_at)) AS BIGINT)
            - CAST(EXTRACT(EPOCH FROM date_trunc('second', r.submitted_at)) AS BIGINT)) / 3600)
            AS INTEGER),
       COUNT(*)
FROM registrations r JOIN partner_orgs o ON o.id = r.org_id
WHERE r.decided_at IS NOT NULL
GROUP BY 1, 2, 3, 4;

CREATE TABLE territory_outcomes (
    territory_id TEXT NOT NULL REFERENCES territories (id),
    week DATE NOT NULL,
    segment TEXT NOT NULL,
    tier TEXT NOT NULL,
    status TEXT NOT NULL,
    registrations BIGINT NOT NULL,
    program_units BIGINT NOT NULL,
    won_units BIGINT NOT NULL,
    PRIMARY KEY (territory_id, week, segment, tier, status)
);
INSERT INTO territory_outcomes
    (territory_id, week, segment, tier, status, registrations, program_units, won_units)
SELECT m.territory_id, CAST(date_trunc('week', r.submitted_at) AS DATE), r.segment, o.tier,
       r.status, COUNT(*), CAST(SUM(r.program_units) AS BIGINT),
       CAST(SUM(CASE WHEN r.status = 'won' AND r.amount_minor > 0
                THEN COALESCE(r.close_amount_minor, 0) * r.program_units / r.amount_minor
                ELSE 0 END) AS BIGINT)
FROM (SELECT p.territory_id, d.registration_id FROM territory_places p
      JOIN registration_details d ON d.country = p.value WHERE p.kind = 'country'
      UNION ALL
      SELECT p.territory_id, d.registration_id FROM territory_places p
      JOIN registration_details d ON d.industry = p.value WHERE p.kind = 'industry') m
JOIN registrations r ON r.id = m.registration_id
JOIN partner_orgs o ON o.id = r.org_id
GROUP BY 1, 2, 3, 4, 5;

CREATE TABLE territory_decisions (
    territory_id TEXT NOT NULL REFERENCES territories (id),
    week DATE NOT NULL,
    segment TEXT NOT NULL,
    tier TEXT NOT NULL,
    hours INTEGER NOT NULL,
    registrations BIGINT NOT NULL,
    PRIMARY KEY (territory_id, week, segment, tier, hours)
);
INSERT INTO territory_decisions (territory_id, week, segment, tier, hours, registrations)
SELECT m.territory_id, CAST(date_trunc('week', r.decided_at) AS DATE), r.segment, o.tier,
       CAST(LEAST(999, (CAST(EXTRACT(EPOCH FROM date_trunc('second', r.decided_at)) AS BIGINT)
            - CAST(EXTRACT(EPOCH FROM date_trunc('second', r.submitted_at)) AS BIGINT)) / 3600)
            AS INTEGER),
       COUNT(*)
FROM (SELECT p.territory_id, d.registration_id FROM territory_places p
      JOIN registration_details d ON d.country = p.value WHERE p.kind = 'country'
      UNION ALL
      SELECT p.territory_id, d.registration_id FROM territory_places p
      JOIN registration_details d ON d.industry = p.value WHERE p.kind = 'industry') m
JOIN registrations r ON r.id = m.registration_id
JOIN partner_orgs o ON o.id = r.org_id
WHERE r.decided_at IS NOT NULL
GROUP BY 1, 2, 3, 4, 5;
