//! One partner organisation's figures, read from its own registrations (the organisation
//! indexes bound every query to at most its few thousand rows) and its credits.

use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;

use crate::db::DbConnection;
use crate::db::schema::{credits, disputes, org_outcomes, registrations};
use crate::domain::dispute::RulingOutcome;
use crate::domain::lifecycle::Status;

/// How many of the organisation's registrations are in each state: from the rollup
/// (`org_outcomes`, a row per state), not a count of its thousands of registrations.
pub fn status_counts(conn: &mut DbConnection, org_id: &str) -> QueryResult<Vec<(Status, i64)>> {
    org_outcomes::table
        .filter(org_outcomes::org_id.eq(org_id))
        .filter(org_outcomes::registrations.ne(0))
        .select((org_outcomes::status, org_outcomes::registrations))
        .load(conn)
}

/// The organisation's registrations submitted since `since`: when, and their state now.
pub fn submitted_since(
    conn: &mut DbConnection,
    org_id: &str,
    since: NaiveDateTime,
) -> QueryResult<Vec<(NaiveDateTime, Status)>> {
    registrations::table
        .filter(registrations::org_id.eq(org_id))
        .filter(registrations::submitted_at.ge(since))
        .select((registrations::submitted_at, registrations::status))
        .load(conn)
}

/// The organisation's won deals: when each was submitted and closed.
pub fn won(
    conn: &mut DbConnection,
    org_id: &str,
) -> QueryResult<Vec<(NaiveDateTime, Option<NaiveDateTime>)>> {
    registrations::table
        .filter(registrations::org_id.eq(org_id))
        .filter(registrations::status.eq(Status::Won))
        .select((registrations::submitted_at, registrations::closed_at))
        .load(conn)
}

/// The organisation's approved registrations whose protection ends after `from`, by `until`.
///
/// The state is checked here, not in SQL: asked for `status = 'approved'` too, SQLite reads
/// every approved registration of the program ending in the window (the state-and-end
/// index) instead of the organisation's own few (90 ms instead of under one at a million).
pub fn expiring(
    conn: &mut DbConnection,
    org_id: &str,
    from: NaiveDateTime,
    until: NaiveDateTime,
) -> QueryResult<i64> {
    let states: Vec<Status> = registrations::table
        .filter(registrations::org_id.eq(org_id))
        .filter(registrations::protection_ends_at.gt(from))
        .filter(registrations::protection_ends_at.le(until))
        .select(registrations::status)
        .load(conn)?;
    Ok(states.iter().filter(|s| **s == Status::Approved).count() as i64)
}

/// The organisation's commission credited since `since`, per currency: (currency, minor).
pub fn commission_since(
    conn: &mut DbConnection,
    org_id: &str,
    since: NaiveDate,
) -> QueryResult<Vec<(String, i64)>> {
    let rows: Vec<(String, i64)> = credits::table
        .filter(credits::org_id.eq(org_id))
        .filter(credits::created_at.ge(since.and_time(chrono::NaiveTime::MIN)))
        .select((credits::currency, credits::amount_minor))
        .load(conn)?;
    let mut sums: std::collections::BTreeMap<String, i64> = Default::default();
    for (currency, minor) in rows {
        *sums.entry(currency).or_default() += minor;
    }
    Ok(sums.into_iter().collect())
}

/// Disputes raised by the organisation, and those raised by others against one of its
/// registrations, by ruling (`None`: not ruled yet): (raised by it, raised against it).
pub fn disputes(conn: &mut DbConnection, org_id: &str) -> QueryResult<(Rulings, Rulings)> {
    let raised = disputes::table
        .filter(disputes::raiser_org_id.eq(org_id))
        .group_by(disputes::outcome)
        .select((disputes::outcome, diesel::dsl::count_star()))
        .load(conn)?;
    let against = disputes::table
        .filter(disputes::other_org_id.eq(org_id))
        .group_by(disputes::outcome)
        .select((disputes::outcome, diesel::dsl::count_star()))
        .load(conn)?;
    Ok((raised, against))
}

/// Disputes by ruling: (ruling, how many).
pub type Rulings = Vec<(Option<RulingOutcome>, i64)>;
