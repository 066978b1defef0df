DROP TABLE weekly_decisions;
DROP TABLE org_outcomes;
DROP TABLE weekly_outcomes;
