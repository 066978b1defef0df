//! The compensation rules the demo's won deals were paid under: the defaults (version 1)
//! from the program's start, then version 2, published eighteen months ago, with rates by
//! tier, a lower rate for enterprise deals and double credit on them (the assisting rep
//! gets full quota credit), so the history shows a real change and the earnings both.

use chrono::{NaiveDateTime, TimeDelta};
use diesel::prelude::*;

use super::{Fill, explain};
use crate::db::models::compensation;
use crate::db::schema::{compensation_rule_versions, policy_versions};
use crate::db::{DbConnection, write_tx};
use crate::domain::compensation::{RateRule, Rules};
use crate::domain::org::Tier;
use crate::domain::policy::Segment;

/// How long before the generation the program started: older than every organisation.
const PROGRAM_AGE: TimeDelta = TimeDelta::days(4 * 365 + 1);
/// How long before the generation version 2 of the rules was published.
const V2_AGE: TimeDelta = TimeDelta::days(540);

/// The rules a deal closed at some time was computed under.
pub(super) struct Versions {
    v1: Rules,
    v2: Rules,
    v2_number: i64,
    v2_from: NaiveDateTime,
}

impl Versions {
    /// (version, rules) in force at `at`.
    pub(super) fn at(&self, at: NaiveDateTime) -> (i64, &Rules) {
        if at < self.v2_from {
            (1, &self.v1)
        } else {
            (self.v2_number, &self.v2)
        }
    }
}

fn rule(tier: Option<Tier>, segment: Option<Segment>, bp: i64) -> RateRule {
    RateRule {
        tier: tier.map(|t| t.as_str().to_owned()),
        segment: segment.map(|s| s.as_str().to_owned()),
        bp,
    }
}

/// Version 2: better rates for the higher tiers, enterprise deals (where the direct team
/// co-sells) at a lower rate but with double credit.
fn version_2() -> Rules {
    Rules {
        default_commission_bp: 1_000,
        commission_rules: vec![
            rule(Some(Tier::Gold), None, 1_200),
            rule(Some(Tier::Platinum), None, 1_500),
            rule(None, Some(Segment::Enterprise), 800),
            rule(Some(Tier::Platinum), Some(Segment::Enterprise), 1_200),
        ],
        assist_credit_bp: 5_000,
        double_credit_segments: vec![Segment::Enterprise.as_str().to_owned()],
    }
}

/// Dates the versions written when the database was created (the policy's and the rules'
/// version 1) back to the program's start, where the demo's history begins, and publishes
/// the rules' version 2.
pub(super) fn write(
    conn: &mut DbConnection,
    fill: &mut Fill,
    admin_id: &str,
) -> anyhow::Result<Versions> {
    let started = fill.now - PROGRAM_AGE;
    let v2_from = fill.now - V2_AGE;
    let v2 = version_2();
    let v2_number = write_tx(conn, |conn| -> diesel::QueryResult<i64> {
        compensation::ensure_initial(conn, started)?;
        diesel::update(policy_versions::table.find(1_i64))
            .set(policy_versions::created_at.eq(started))
            .execute(conn)?;
        diesel::update(compensation_rule_versions::table.find(1_i64))
            .set(compensation_rule_versions::created_at.eq(started))
            .execute(conn)?;
        compensation::insert(conn, &v2, Some(admin_id), v2_from)
    })
    .map_err(|e| explain("compensation rules", e))?;
    (fill.progress)(
        "compensation rules: version 2 (rates by tier, double credit on enterprise deals)",
    );
    Ok(Versions {
        v1: Rules::default(),
        v2,
        v2_number,
        v2_from,
    })
}
