-- Every credit, newest first, a page at a time: the admin's credits report and its CSV
-- export read them in this order (keyset on the time and id).
CREATE INDEX credits_created ON credits (created_at, id);
