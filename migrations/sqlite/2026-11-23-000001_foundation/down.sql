DROP TABLE app_secrets;
DROP TABLE login_failures;
DROP TABLE one_time_tokens;
DROP TABLE sessions;
DROP TABLE users;
DROP TABLE partner_orgs;
