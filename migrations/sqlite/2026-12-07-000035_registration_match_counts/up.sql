-- What the matching engine stored for each registration, counted: the review queue shows
-- each line's same-prospect registrations, possible duplicates and CRM accounts, and
-- counting them per line was three index seeks a line. Every write of
-- `registration_matches` recounts its registration here in the same transaction
-- (`db::models::registration_match`).
CREATE TABLE registration_match_counts (
    registration_id TEXT PRIMARY KEY NOT NULL REFERENCES registrations (id),
    same_prospects BIGINT NOT NULL,
    possible_duplicates BIGINT NOT NULL,
    accounts BIGINT NOT NULL
);

INSERT INTO registration_match_counts
    (registration_id, same_prospects, possible_duplicates, accounts)
SELECT registration_id,
       SUM(CASE WHEN kind = 'registration' AND same_prospect THEN 1 ELSE 0 END),
       SUM(CASE WHEN kind = 'registration' AND NOT same_prospect THEN 1 ELSE 0 END),
       SUM(CASE WHEN kind = 'account' THEN 1 ELSE 0 END)
FROM registration_matches
GROUP BY registration_id;
