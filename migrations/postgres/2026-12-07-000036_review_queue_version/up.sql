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
-- Sixteen rows, a transaction's by its id, and raised once a transaction, when it commits
-- (deferred constraint triggers): an updated row stays locked until its transaction ends,
-- so a row raised in the middle of a transaction would make concurrent writers wait for
-- each other, and could close a circle of waits with the rows they lock after it.
CREATE TABLE review_queue_versions (
    shard INTEGER PRIMARY KEY NOT NULL,
    version BIGINT NOT NULL
);

INSERT INTO review_queue_versions (shard, version)
SELECT shard, 0 FROM generate_series(0, 15) AS shard;

CREATE FUNCTION review_queue_changed() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    tx TEXT := txid_current()::text;
BEGIN
    -- Once a transaction: a matching run stores dozens of rows.
    IF current_setting('truce.review_queue_raised', true) IS DISTINCT FROM tx THEN
        PERFORM set_config('truce.review_queue_raised', tx, true);
        UPDATE review_queue_versions SET version = version + 1
        WHERE shard = txid_current() % 16;
    END IF;
    RETURN NULL;
END
$$;

-- A registration matters while it is in review (`review_due_at` set) and while it waits
-- for its partner's answer; the sweep's expiries of approved registrations are neither.
CREATE CONSTRAINT TRIGGER review_queue_registration_inserted
AFTER INSERT ON registrations DEFERRABLE INITIALLY DEFERRED FOR EACH ROW
WHEN (NEW.review_due_at IS NOT NULL OR NEW.status = 'info_requested')
EXECUTE FUNCTION review_queue_changed();

CREATE CONSTRAINT TRIGGER review_queue_registration_updated
AFTER UPDATE ON registrations DEFERRABLE INITIALLY DEFERRED FOR EACH ROW
WHEN (OLD.review_due_at IS NOT NULL OR NEW.review_due_at IS NOT NULL
      OR OLD.status = 'info_requested' OR NEW.status = 'info_requested')
EXECUTE FUNCTION review_queue_changed();

CREATE CONSTRAINT TRIGGER review_queue_registration_deleted
AFTER DELETE ON registrations DEFERRABLE INITIALLY DEFERRED FOR EACH ROW
EXECUTE FUNCTION review_queue_changed();

CREATE CONSTRAINT TRIGGER review_queue_org_renamed
AFTER UPDATE ON partner_orgs DEFERRABLE INITIALLY DEFERRED FOR EACH ROW
WHEN (OLD.name IS DISTINCT FROM NEW.name)
EXECUTE FUNCTION review_queue_changed();

CREATE CONSTRAINT TRIGGER review_queue_flag_changed
AFTER INSERT OR UPDATE OR DELETE ON registration_flags DEFERRABLE INITIALLY DEFERRED
FOR EACH ROW EXECUTE FUNCTION review_queue_changed();

CREATE CONSTRAINT TRIGGER review_queue_match_changed
AFTER INSERT OR UPDATE OR DELETE ON registration_matches DEFERRABLE INITIALLY DEFERRED
FOR EACH ROW EXECUTE FUNCTION review_queue_changed();

CREATE CONSTRAINT TRIGGER review_queue_match_counts_changed
AFTER INSERT OR UPDATE OR DELETE ON registration_match_counts DEFERRABLE INITIALLY DEFERRED
FOR EACH ROW EXECUTE FUNCTION review_queue_changed();

CREATE CONSTRAINT TRIGGER review_queue_opportunity_changed
AFTER INSERT OR UPDATE OR DELETE ON direct_opportunities DEFERRABLE INITIALLY DEFERRED
FOR EACH ROW EXECUTE FUNCTION review_queue_changed();
