//! The review queue as its page reads it: the lines, most urgent first, each with what the
//! matching engine stored for it counted and its open flags counted, in one statement.
//!
//! The counts are correlated subqueries, each a range of a primary key. Before, the page
//! read every stored match of its 25 lines (with the matched ids) and the matched accounts'
//! opportunities in two more statements, each with a list of ids: diesel does not keep a
//! statement whose `IN` list varies, so SQLite parsed both again at every request. That was
//! a quarter of the page's work; this statement is prepared once per connection.

use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;

use super::lists::Line;
use crate::db::models::prospect_key::Kind;
use crate::db::schema::{
    direct_opportunities, partner_orgs, registration_flags, registration_matches, registrations,
};
use crate::db::{DbConnection, on_backend};
use crate::domain::lifecycle::Status;

/// How much evidence the engine stored for a line in review, and how many of its flags are
/// open. The review page lists the same rows (`workflow::review_evidence::gather`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Queryable)]
pub struct Counted {
    /// Registrations found as the same prospect.
    pub same: i64,
    /// Registrations found as possible duplicates.
    pub possible: i64,
    /// CRM accounts found.
    pub accounts: i64,
    /// Direct opportunities of those accounts active on or after the day asked for.
    pub opportunities: i64,
    pub open_flags: i64,
}

/// A point in time before every review deadline: where the queue's first page starts.
const BEFORE_ANY_DEADLINE: NaiveDateTime = NaiveDate::from_ymd_opt(1, 1, 1)
    .expect("1 January of the year 1 is a date")
    .and_time(chrono::NaiveTime::MIN);

/// The review queue after `after` (its `review_due_at` and id), `limit` lines, each counted
/// (see [`Counted`]); an opportunity counts as active when its last activity is on or after
/// `active_since`.
pub fn review_queue(
    conn: &mut DbConnection,
    after: Option<(NaiveDateTime, String)>,
    limit: i64,
    active_since: NaiveDate,
) -> QueryResult<Vec<(Line, Counted)>> {
    use direct_opportunities as o;
    use registration_flags as f;
    use registration_matches as m;
    use registrations as r;
    let registrations_found = |same: bool| {
        m::table
            .filter(m::registration_id.eq(r::id))
            .filter(m::kind.eq(Kind::Registration.as_str()))
            .filter(m::same_prospect.eq(same))
            .count()
            .single_value()
            .assume_not_null()
    };
    let accounts = m::table
        .filter(m::registration_id.eq(r::id))
        .filter(m::kind.eq(Kind::Account.as_str()))
        .count()
        .single_value()
        .assume_not_null();
    let opportunities = m::table
        .inner_join(o::table.on(o::account_id.eq(m::other_id)))
        .filter(m::registration_id.eq(r::id))
        .filter(m::kind.eq(Kind::Account.as_str()))
        .filter(o::last_activity_on.ge(active_since))
        .count()
        .single_value()
        .assume_not_null();
    let open_flags = f::table
        .filter(f::registration_id.eq(r::id))
        .filter(f::resolved_at.is_null())
        .count()
        .single_value()
        .assume_not_null();
    let counted = (
        registrations_found(true),
        registrations_found(false),
        accounts,
        opportunities,
        open_flags,
    );
    // The first page starts after a point before any deadline, so that both pages are one
    // statement type: diesel keeps it prepared, where a boxed query was written out again
    // as SQL at every request to be looked up.
    let (at, id) = after.unwrap_or_else(|| (BEFORE_ANY_DEADLINE, String::new()));
    on_backend!(conn, |c| r::table
        .inner_join(partner_orgs::table)
        .filter(r::review_due_at.ge(at))
        .filter(r::review_due_at.gt(at).or(r::id.gt(id)))
        .select((Line::as_select(), counted))
        .order((r::review_due_at.asc(), r::id.asc()))
        .limit(limit)
        .load(c))
}

/// A registration waiting for its partner's answer, as the queue lists it: a link and whose.
#[derive(Debug, Clone, PartialEq, Queryable)]
pub struct Waiting {
    pub id: String,
    pub company_name: String,
    pub org_name: String,
}

/// Registrations waiting for a partner's answer, the oldest registration first (the order of
/// an existing index: no sort of every open question). Only what the list shows is read:
/// decoding whole lines was a fifth of the queue's work when it listed fifty.
pub fn waiting_for_partner(conn: &mut DbConnection, limit: i64) -> QueryResult<Vec<Waiting>> {
    on_backend!(conn, |c| registrations::table
        .inner_join(partner_orgs::table)
        .filter(registrations::status.eq(Status::InfoRequested))
        .order((registrations::submitted_at.asc(), registrations::id.asc()))
        .limit(limit)
        .select((
            registrations::id,
            registrations::company_name,
            partner_orgs::name
        ))
        .load(c))
}
