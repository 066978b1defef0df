DROP TABLE audit_events;
DROP TABLE roe_answers;
DROP TABLE roe_rechecks;
DROP TABLE roe_acknowledgements;
DROP TABLE roe_versions;
