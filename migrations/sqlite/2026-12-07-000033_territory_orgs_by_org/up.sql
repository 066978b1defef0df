-- A partner's registration is judged by the territories its organisation is assigned to
-- (`db::models::territory::as_seen_by`): found by organisation, not by reading every
-- territory's assignments.
CREATE INDEX territory_orgs_org ON territory_orgs (org_id);
