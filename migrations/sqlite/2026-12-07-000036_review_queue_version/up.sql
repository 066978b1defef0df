-- A version number of what the review queue's first page shows, raised by the database
-- itself in the transaction of every write that can change that page: its lines
-- (registrations in review, their organisation's name, what the engine stored for them,
-- their flags, the opportunities of their matched accounts) and the registrations waiting
-- for their partner's answer. The page is kept in memory with the version read before it
-- (`workflow::review_queue::QueueMemo`) and read again once the version has moved, on
-- every instance.
--
-- Triggers and not calls in the code: the page reads seven tables that a dozen write paths
-- change (transitions, the sweep, edits, the matching engine, CRM imports and the API,
-- bulk loads), and a path that forgot to raise the version would show reviewers a queue
-- that is no longer true. A trigger cannot be forgotten by the next write path.
--
-- SQLite has one writer at a time, so one row; PostgreSQL's migration has sixteen.
CREATE TABLE review_queue_versions (
    shard INTEGER PRIMARY KEY NOT NULL,
    version BIGINT NOT NULL
);

INSERT INTO review_queue_versions (shard, version) VALUES (0, 0);

-- A registration matters while it is in review (`review_due_at` set) and while it waits
-- for its partner's answer; the sweep's expiries of approved registrations are neither.
CREATE TRIGGER review_queue_registration_inserted AFTER INSERT ON registrations
WHEN NEW.review_due_at IS NOT NULL OR NEW.status = 'info_requested'
BEGIN
    UPDATE review_queue_versions SET version = version + 1;
END;

CREATE TRIGGER review_queue_registration_updated AFTER UPDATE ON registrations
WHEN OLD.review_due_at IS NOT NULL OR NEW.review_due_at IS NOT NULL
    OR OLD.status = 'info_requested' OR NEW.status = 'info_requested'
BEGIN
    UPDATE review_queue_versions SET version = version + 1;
END;

CREATE TRIGGER review_queue_registration_deleted AFTER DELETE ON registrations
BEGIN
    UPDATE review_queue_versions SET version = version + 1;
END;

CREATE TRIGGER review_queue_org_renamed AFTER UPDATE OF name ON partner_orgs
WHEN OLD.name IS NOT NEW.name
BEGIN
    UPDATE review_queue_versions SET version = version + 1;
END;

CREATE TRIGGER review_queue_flag_inserted AFTER INSERT ON registration_flags
BEGIN
    UPDATE review_queue_versions SET version = version + 1;
END;
CREATE TRIGGER review_queue_flag_updated AFTER UPDATE ON registration_flags
BEGIN
    UPDATE review_queue_versions SET version = version + 1;
END;
CREATE TRIGGER review_queue_flag_deleted AFTER DELETE ON registration_flags
BEGIN
    UPDATE review_queue_versions SET version = version + 1;
END;

CREATE TRIGGER review_queue_match_inserted AFTER INSERT ON registration_matches
BEGIN
    UPDATE review_queue_versions SET version = version + 1;
END;
CREATE TRIGGER review_queue_match_updated AFTER UPDATE ON registration_matches
BEGIN
    UPDATE review_queue_versions SET version = version + 1;
END;
CREATE TRIGGER review_queue_match_deleted AFTER DELETE ON registration_matches
BEGIN
    UPDATE review_queue_versions SET version = version + 1;
END;

CREATE TRIGGER review_queue_match_counts_inserted AFTER INSERT ON registration_match_counts
BEGIN
    UPDATE review_queue_versions SET version = version + 1;
END;
CREATE TRIGGER review_queue_match_counts_updated AFTER UPDATE ON registration_match_counts
BEGIN
    UPDATE review_queue_versions SET version = version + 1;
END;
CREATE TRIGGER review_queue_match_counts_deleted AFTER DELETE ON registration_match_counts
BEGIN
    UPDATE review_queue_versions SET version = version + 1;
END;

CREATE TRIGGER review_queue_opportunity_inserted AFTER INSERT ON direct_opportunities
BEGIN
    UPDATE review_queue_versions SET version = version + 1;
END;
CREATE TRIGGER review_queue_opportunity_updated AFTER UPDATE ON direct_opportunities
BEGIN
    UPDATE review_queue_versions SET version = version + 1;
END;
CREATE TRIGGER review_queue_opportunity_deleted AFTER DELETE ON direct_opportunities
BEGIN
    UPDATE review_queue_versions SET version = version + 1;
END;
