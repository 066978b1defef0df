DROP TABLE assists;
DROP TABLE credits;
DROP TABLE deal_compensations;
DROP TABLE compensation_rule_versions;
