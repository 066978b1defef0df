//! Credits at close: a deal closed won gets its compensation computed and stored in the
//! close's own transaction, under the rules version in force at that moment.

use chrono::NaiveDateTime;
use diesel::QueryResult;

use crate::db::DbConnection;
use crate::db::models::registration::Registration;
use crate::db::models::{assist, compensation, org};
use crate::domain::compensation::{self as rules, ClosedDeal, Credit};
use crate::domain::lifecycle::Lifecycle;

/// Whether closing at `now` is inside the protection window. The window's last moment still
/// counts (expiry happens at the window end, not before).
pub fn within_window(state: &Lifecycle, now: NaiveDateTime) -> bool {
    state.protection_ends_at.is_some_and(|ends| now <= ends)
}

/// What the deal would earn: used at close (with the final amount) and in the approval
/// preview (with the estimated amount and the reps assisting so far).
pub fn compute(
    conn: &mut DbConnection,
    reg: &Registration,
    amount_minor: i64,
    within: bool,
    rules: &rules::Rules,
) -> QueryResult<(Vec<Credit>, bool)> {
    let tier = org::find(conn, &reg.org_id)?.map(|o| o.tier());
    let reps = assist::active_reps(conn, &reg.id)?;
    let territories = crate::db::models::territory::as_seen_by(conn, Some(&reg.org_id))?;
    let territory = if territories.is_empty() {
        None
    } else {
        let d = crate::db::models::registration::details(conn, &reg.id)?;
        crate::domain::territory::double_credit_switch(&territories, &d.country, &d.industry)
    };
    let deal = ClosedDeal {
        org_id: &reg.org_id,
        tier,
        segment: reg.segment(),
        amount_minor,
        within_window: within,
        assisting_reps: &reps,
        territory_double_credit: territory,
    };
    let double = rules.double_credit(reg.segment(), territory);
    Ok((rules::credits(rules, &deal), double))
}

/// Records the compensation of a deal that was just closed won (`before` is its state just
/// before the close).
pub fn on_close_won(
    conn: &mut DbConnection,
    reg: &Registration,
    before: &Lifecycle,
    amount_minor: i64,
    now: NaiveDateTime,
) -> QueryResult<()> {
    let rv = compensation::current(conn)?;
    let within = within_window(before, now);
    let (lines, double) = compute(conn, reg, amount_minor, within, &rv.value)?;
    compensation::record(
        conn,
        &reg.id,
        &reg.currency,
        rv.version,
        within,
        double,
        &lines,
        now,
    )
}
