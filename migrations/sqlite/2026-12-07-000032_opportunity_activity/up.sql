-- A matched account's direct opportunities are "active" by their last activity. The review
-- queue counts them for each of its lines and the lock check and the review page list them:
-- with the activity date in the index, those read the index alone instead of each
-- opportunity's row (the account's range of this index also serves every lookup by account,
-- so it replaces the index on the account alone).
CREATE INDEX direct_opportunities_account_activity
    ON direct_opportunities (account_id, last_activity_on);
DROP INDEX direct_opportunities_account;
