DROP INDEX territory_orgs_org;
