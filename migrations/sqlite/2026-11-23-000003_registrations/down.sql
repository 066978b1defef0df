DROP TABLE direct_opportunities;
DROP TABLE crm_accounts;
DROP TABLE registration_events;
DROP TABLE registration_details;
DROP TABLE registrations;
DROP TABLE policy_versions;
