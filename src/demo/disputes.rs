//! Disputes: partners contesting one in twenty-five of their declines and rejections (one
//! in three of the last fortnight's).
//! Those raised before the dispute SLA ran out are ruled by the channel team, mostly upheld
//! and now and then with the credit split; the recent ones are open, inside their SLA (as
//! if the sweeps had been running). Rulings that change a registration's state are left to
//! the portal: the load keeps every registration as `states` wrote it.

use chrono::{NaiveDateTime, TimeDelta};
use diesel::prelude::*;
use rand::Rng;

use super::random::{pick, secs};
use super::{Fill, POLICY_VERSION, explain};
use crate::db::models::dispute::{self, OPEN, RESOLVED};
use crate::db::schema::{disputes, registrations};
use crate::db::{self, DbConnection, write_tx};
use crate::domain::dispute::{Reason, RulingOutcome};
use crate::domain::lifecycle::Status;
use crate::domain::money::group_count;

/// One dispute in this many declined or rejected registrations; in this many of those of
/// the last fortnight.
const ONE_IN: u32 = 25;
const RECENT_ONE_IN: u32 = 3;
/// The most recent declines and rejections with an open dispute.
const ALWAYS_OPEN: usize = 6;

const DETAILS: [&str; 5] = [
    "We met their CTO at a trade show in spring and have been running a pilot since.",
    "Our account manager has worked with them for two years; the other registration came \
     after our first proposal.",
    "The prospect asked us for the quote directly; we have the email thread.",
    "We registered this prospect under its former name before the rebrand.",
    "The rejection says they are a direct customer, but their last purchase went through us.",
];

const UPHELD: [&str; 3] = [
    "The first registration was approved before yours was submitted; the decline stands.",
    "The CRM shows an active direct opportunity that predates your registration.",
    "The evidence does not show engagement before the other registration.",
];

#[derive(Insertable)]
#[diesel(table_name = disputes, treat_none_as_default_value = false)]
struct DisputeRow {
    id: String,
    raiser_registration_id: Option<String>,
    other_registration_id: Option<String>,
    raised_by: String,
    raiser_role: &'static str,
    raiser_org_id: Option<String>,
    prospect_name: String,
    reason: Reason,
    details: &'static str,
    status: &'static str,
    raised_at: NaiveDateTime,
    due_at: Option<NaiveDateTime>,
    sla_escalated_at: Option<NaiveDateTime>,
    policy_version: i64,
    roe_version: Option<i64>,
    outcome: Option<RulingOutcome>,
    rationale: Option<&'static str>,
    partner_share_pct: Option<i32>,
    resolved_by: Option<String>,
    resolved_at: Option<NaiveDateTime>,
    search_text: String,
    lock_version: i64,
}

const COLUMNS: usize = 22;

/// Writes the disputes.
pub(super) fn write(
    conn: &mut DbConnection,
    fill: &mut Fill,
    channel_id: &str,
) -> anyhow::Result<()> {
    let now = fill.now;
    let sla = TimeDelta::hours(fill.policy.dispute_sla_hours);
    type Contested = (String, String, String, String, NaiveDateTime);
    let contested: Vec<Contested> = registrations::table
        .filter(registrations::status.eq_any([Status::Declined, Status::Rejected]))
        .order(registrations::id)
        .select((
            registrations::id,
            registrations::org_id,
            registrations::submitted_by,
            registrations::company_name,
            registrations::updated_at,
        ))
        .load(conn)
        .map_err(|e| explain("disputes", e))?;
    let reasons = [
        Reason::RegisteredFirst,
        Reason::RegisteredFirst,
        Reason::ExistingRelationship,
        Reason::Other,
    ];
    let mut rows = Vec::new();
    // The latest first: the most recent few are always contested, and still open, so the
    // disputes queue has work in it whatever the size.
    let mut contested = contested;
    contested.sort_by(|a, b| b.4.cmp(&a.4).then_with(|| a.0.cmp(&b.0)));
    for (n, (id, org_id, user_id, prospect, closed)) in contested.into_iter().enumerate() {
        // Partners contest the last fortnight's more often, and some are still open.
        let recent = now - closed < TimeDelta::days(14);
        let open = n < ALWAYS_OPEN || (recent && fill.rng.random_range(0..2) == 0);
        if n >= ALWAYS_OPEN
            && fill
                .rng
                .random_range(0..if recent { RECENT_ONE_IN } else { ONE_IN })
                != 0
        {
            continue;
        }
        let latest = now - TimeDelta::minutes(5);
        let raised = if open {
            // Inside the SLA still: raised in its last hours.
            let earliest = closed.max(now - sla + TimeDelta::hours(1));
            earliest + secs(&mut fill.rng, TimeDelta::zero(), latest - earliest)
        } else {
            closed + secs(&mut fill.rng, TimeDelta::hours(1), TimeDelta::days(5))
        }
        .min(latest);
        let reason = pick(&mut fill.rng, &reasons);
        let details = pick(&mut fill.rng, &DETAILS);
        let mut row = DisputeRow {
            id: fill.ids.next(&mut fill.rng),
            raiser_registration_id: Some(id),
            other_registration_id: None,
            raised_by: user_id,
            raiser_role: "partner",
            raiser_org_id: Some(org_id),
            search_text: String::new(),
            prospect_name: prospect,
            reason,
            details,
            status: OPEN,
            raised_at: raised,
            due_at: Some(raised + sla),
            sla_escalated_at: None,
            policy_version: POLICY_VERSION,
            roe_version: None,
            outcome: None,
            rationale: None,
            partner_share_pct: None,
            resolved_by: None,
            resolved_at: None,
            lock_version: 0,
        };
        if raised + sla < now {
            // Ruled inside the SLA, one in eight by splitting the credit.
            let split = fill.rng.random_range(0..8) == 0;
            row.status = RESOLVED;
            row.due_at = None;
            row.outcome = Some(if split {
                RulingOutcome::Split
            } else {
                RulingOutcome::Upheld
            });
            row.rationale = Some(if split {
                "Both partners worked the prospect; the credit is split evenly."
            } else {
                pick(&mut fill.rng, &UPHELD)
            });
            row.partner_share_pct = split.then_some(50);
            row.resolved_by = Some(channel_id.to_owned());
            row.resolved_at = Some(raised + secs(&mut fill.rng, TimeDelta::hours(2), sla));
            row.lock_version = 1;
        }
        let mut texts = vec![reason.label(), details, &row.prospect_name];
        texts.extend(row.rationale);
        row.search_text = dispute::search_text(&texts);
        rows.push(row);
    }
    write_tx(conn, |conn| {
        db::insert_rows(conn, disputes::table, COLUMNS, &rows)
    })
    .map_err(|e| explain("disputes", e))?;
    let open = rows.iter().filter(|r| r.status == OPEN).count();
    fill.summary.disputes = rows.len() as u64;
    (fill.progress)(&format!(
        "disputes: {} ({} open)",
        group_count(rows.len() as u64),
        group_count(open as u64)
    ));
    Ok(())
}
