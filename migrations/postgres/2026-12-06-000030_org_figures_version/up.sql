-- A partner organisation's figures (the summary on "My deals": counts, cap, expiring,
-- commission, disputes, the weekly chart) change only with its registrations, its disputes
-- and its own row. Each such write raises this number in its transaction, so a cached
-- summary is known to be current by the organisation row the page reads anyway, on every
-- instance, without recomputing it.
ALTER TABLE partner_orgs ADD COLUMN figures_version BIGINT NOT NULL DEFAULT 0;
