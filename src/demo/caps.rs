//! The program policy the demo publishes after its load (version 2, by the admin): caps on
//! active registrations per tier that every partner of the generated volume fits under, with
//! a fifth of headroom, so nobody is over the cap the portal then enforces (the default of 25
//! would be far below what a thousand registrations a partner leave active).

use diesel::dsl::count_star;
use diesel::prelude::*;

use super::{Fill, explain};
use crate::db::models::policy;
use crate::db::schema::{partner_orgs, registrations};
use crate::db::{DbConnection, write_tx};
use crate::domain::lifecycle::Status;
use crate::domain::org::Tier;
use crate::domain::policy::Policy;

/// Caps are rounded up to a multiple of this.
const STEP: i64 = 25;

/// The cap a tier gets for its fullest partner's `active` registrations: a fifth more,
/// rounded up to a multiple of [`STEP`], and never below `default`.
pub(super) fn cap_for(active: i64, default: i64) -> i64 {
    let up = |n: i64, by: i64| (n + by - 1) / by;
    let wanted = active + up(active, 5);
    (up(wanted, STEP) * STEP).max(default)
}

/// Publishes the caps (the summary lists them by tier).
pub(super) fn write(
    conn: &mut DbConnection,
    fill: &mut Fill,
    admin_id: &str,
) -> anyhow::Result<()> {
    let by_org: Vec<(String, i64)> = registrations::table
        .filter(registrations::status.eq_any(Status::ACTIVE))
        .group_by(registrations::org_id)
        .select((registrations::org_id, count_star()))
        .load(conn)
        .map_err(|e| explain("caps", e))?;
    let tiers: std::collections::HashMap<String, String> = partner_orgs::table
        .select((partner_orgs::id, partner_orgs::tier))
        .load::<(String, String)>(conn)
        .map_err(|e| explain("caps", e))?
        .into_iter()
        .collect();
    let active: Vec<(&str, i64)> = by_org
        .iter()
        .filter_map(|(org, n)| Some((tiers.get(org)?.as_str(), *n)))
        .collect();
    let mut value: Policy = fill.policy.clone();
    let default = value.max_active_per_org;
    let mut caps = Vec::new();
    for &tier in Tier::ALL.iter() {
        let fullest = active
            .iter()
            .filter(|(t, _)| *t == tier.as_str())
            .map(|(_, n)| *n)
            .max()
            .unwrap_or(0);
        let cap = cap_for(fullest, default);
        let slot = match tier {
            Tier::Registered => &mut value.max_active_registered,
            Tier::Silver => &mut value.max_active_silver,
            Tier::Gold => &mut value.max_active_gold,
            Tier::Platinum => &mut value.max_active_platinum,
        };
        *slot = (cap != default).then_some(cap);
        caps.push((tier, cap));
    }
    let now = fill.now;
    write_tx(conn, |conn| {
        policy::insert(conn, &value, Some(admin_id), now)
    })
    .map_err(|e| explain("program policy", e))?;
    let listed: Vec<String> = caps
        .iter()
        .map(|(t, n)| format!("{} {n}", t.label()))
        .collect();
    (fill.progress)(&format!(
        "caps on active registrations: {} (policy version 2)",
        listed.join(", ")
    ));
    fill.summary.caps = listed.join(", ");
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::cap_for;

    #[test]
    fn a_cap_leaves_a_fifth_of_headroom_in_steps_of_25() {
        assert_eq!(cap_for(0, 25), 25);
        assert_eq!(cap_for(20, 25), 25);
        assert_eq!(cap_for(21, 25), 50);
        assert_eq!(cap_for(100, 25), 125);
        assert_eq!(cap_for(1_532, 25), 1_850);
    }
}
