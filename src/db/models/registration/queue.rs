//! The review queue as its page reads it: the lines, most urgent first, each with what the
//! matching engine stored for it counted and its open flags counted, in one statement.
//!
//! The matching engine's findings are counted when they are stored
//! (`registration_match_counts`, a join); the active opportunities and the open flags are
//! correlated subqueries, each a range of a primary key. Before, the page
//! read every stored match of its 25 lines (with the matched ids) and the matched accounts'
//! opportunities in two more statements, each with a list of ids: diesel does not keep a
//! statement whose `IN` list varies, so SQLite parsed both again at every request. That was
//! a quarter of the page's work; this statement is prepared once per connection.

use chrono::{NaiveDate, NaiveDateTime};
use diesel::dsl::case_when;
use diesel::prelude::*;

use super::lists::Line;
use crate::db::models::prospect_key::Kind;
use crate::db::schema::{
    direct_opportunities, partner_orgs, registration_flags, registration_match_counts,
    registration_matches, registrations, review_queue_versions,
};
use crate::db::{DbConnection, on_backend};
use crate::domain::lifecycle::Status;

/// How much evidence the engine stored for a line in review, and how many of its flags are
/// open. The review page lists the same rows (`workflow::review_evidence::gather`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
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
    use registration_match_counts as n;
    use registration_matches as m;
    use registrations as r;
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
    // What the engine found is counted when it is stored; a registration it never matched
    // has no counts row. Only a line with CRM accounts can have their opportunities: the
    // others skip that subquery.
    let counted = (
        n::same_prospects.nullable(),
        n::possible_duplicates.nullable(),
        n::accounts.nullable(),
        case_when(n::accounts.nullable().gt(0_i64), opportunities).otherwise(0_i64),
        open_flags,
    );
    // The first page starts after a point before any deadline, so that both pages are one
    // statement type: diesel keeps it prepared, where a boxed query was written out again
    // as SQL at every request to be looked up.
    let (at, id) = after.unwrap_or_else(|| (BEFORE_ANY_DEADLINE, String::new()));
    let rows: Vec<(Line, StoredCounts)> = on_backend!(conn, |c| r::table
        .inner_join(partner_orgs::table)
        .left_join(n::table)
        .filter(r::review_due_at.ge(at))
        .filter(r::review_due_at.gt(at).or(r::id.gt(id)))
        .select((Line::as_select(), counted))
        .order((r::review_due_at.asc(), r::id.asc()))
        .limit(limit)
        .load(c))?;
    Ok(rows
        .into_iter()
        .map(
            |(line, (same, possible, accounts, opportunities, open_flags))| {
                let counted = Counted {
                    same: same.unwrap_or(0),
                    possible: possible.unwrap_or(0),
                    accounts: accounts.unwrap_or(0),
                    opportunities,
                    open_flags,
                };
                (line, counted)
            },
        )
        .collect())
}

/// A line's stored match counts (none when it was never matched), then its active
/// opportunities and open flags.
type StoredCounts = (Option<i64>, Option<i64>, Option<i64>, i64, i64);

/// The version of what the queue's first page shows: raised by the database's triggers in
/// the transaction of every write that can change the page (the migration
/// `000036_review_queue_version`), so two reads that find the same version saw the same
/// page. The sum of its shards (sixteen on PostgreSQL, one on SQLite).
pub fn queue_version(conn: &mut DbConnection) -> QueryResult<i64> {
    let shards: Vec<i64> = on_backend!(conn, |c| review_queue_versions::table
        .select(review_queue_versions::version)
        .load(c))?;
    Ok(shards.into_iter().sum())
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
