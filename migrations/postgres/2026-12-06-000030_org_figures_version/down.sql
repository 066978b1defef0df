ALTER TABLE partner_orgs DROP COLUMN figures_version;
