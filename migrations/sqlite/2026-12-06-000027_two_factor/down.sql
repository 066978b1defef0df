DROP TABLE two_step_recovery_codes;
DROP TABLE two_step_secrets;
