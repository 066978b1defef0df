DROP INDEX credits_created;
