-- The audit log companies ask for (issue #18): who (and with which role, from which client
-- address) did what to which record, tamper-evident.
--
-- Every event gets a place in one sequence and stores the SHA-256 of its fields and of the
-- event before it (`prev_hash`, `hash`). `truce audit verify` walks the sequence and names
-- the first link that does not hold. The hashes are computed by Rust
-- (`domain::audit::hash`), the one function that also checks them: SQLite has no SHA-256 in
-- SQL, and a second implementation in PostgreSQL's SQL could drift from it.
ALTER TABLE audit_events ADD COLUMN actor_role TEXT;
ALTER TABLE audit_events ADD COLUMN client_addr TEXT;
-- NULL only for rows written outside the chain (by hand, or by an older release still
-- running during an upgrade); verify reports them.
ALTER TABLE audit_events ADD COLUMN seq BIGINT;
ALTER TABLE audit_events ADD COLUMN prev_hash TEXT;
ALTER TABLE audit_events ADD COLUMN hash TEXT;

-- The events already recorded join the chain first, oldest first; their hashes are
-- computed at the next start (`db::models::audit::seal_backfill`, inside `db::migrate`),
-- before anything else is written.
UPDATE audit_events SET seq = numbered.n
FROM (SELECT id, ROW_NUMBER() OVER (ORDER BY at, id) AS n FROM audit_events) AS numbered
WHERE numbered.id = audit_events.id;

CREATE UNIQUE INDEX audit_events_seq ON audit_events (seq);
-- The admin page's filters, each read newest first.
CREATE INDEX audit_events_actor ON audit_events (actor_id, seq);
CREATE INDEX audit_events_action ON audit_events (action, seq);
DROP INDEX audit_events_subject;
CREATE INDEX audit_events_subject ON audit_events (subject, seq);
-- Times never run backwards along the chain (`domain::audit::recorded_at`), so a date
-- range is a range of sequence numbers, found at its two ends through this index.
DROP INDEX audit_events_at;
CREATE INDEX audit_events_at ON audit_events (at, seq);

-- The chain head: the last sequence number given out, its event's hash and time. Every
-- writer updates this one row inside its own transaction before it inserts its event, so
-- writers take their turns through the chain (see `db::models::audit::record`). `hash` is
-- NULL until the backfilled events are hashed; `at` is NULL while there is no event.
CREATE TABLE audit_chain (
    id INTEGER PRIMARY KEY NOT NULL CHECK (id = 1),
    seq BIGINT NOT NULL,
    hash TEXT,
    at TIMESTAMP
);
INSERT INTO audit_chain (id, seq, hash, at) SELECT 1, COUNT(*), NULL, MAX(at) FROM audit_events;
