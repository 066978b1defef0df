-- How many registrations wait in the review queue (`review_due_at` set), kept by
-- `db::models::tally` in the transaction of every insert and state change, as the
-- dashboard's rollups are: the queue's "3,500 items waiting" read 3,500 index entries at
-- every request, a fifth of the page.
--
-- Sixteen rows, a registration's by the last character of its id: on PostgreSQL an
-- updated row stays locked until its transaction commits, and one row would make every
-- submission and decision wait for the one before it.
CREATE TABLE review_queue_counts (
    shard INTEGER PRIMARY KEY NOT NULL,
    items BIGINT NOT NULL
);

INSERT INTO review_queue_counts (shard, items)
SELECT unicode(substr(id, -1)) % 16, COUNT(*)
FROM registrations
WHERE review_due_at IS NOT NULL
GROUP BY 1;
