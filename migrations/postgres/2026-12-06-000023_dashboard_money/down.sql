DROP INDEX disputes_raised;
DROP INDEX credits_created_amounts;
DROP TABLE org_segment_outcomes;
