//! What the matching engine found for each registration, stored so that the review queue
//! counts and the review page lists the same findings without running the engine per row.
//! `workflow::matching` decides what to store and when.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use crate::db::DbConnection;
use crate::db::schema::{registration_match_runs, registration_matches, registrations};

pub use super::prospect_key::Kind;

/// One match of a registration with another record.
#[derive(Debug, Clone, PartialEq)]
pub struct Found {
    pub kind: Kind,
    pub other_id: String,
    /// 0–100.
    pub score: i32,
    pub same_prospect: bool,
    pub evidence: String,
}

#[derive(Queryable, Selectable)]
#[diesel(table_name = registration_matches)]
struct Row {
    registration_id: String,
    kind: String,
    other_id: String,
    score: i32,
    same_prospect: bool,
    evidence: String,
}

impl Row {
    fn found(self) -> (String, Found) {
        (
            self.registration_id,
            Found {
                kind: Kind::parse(&self.kind),
                other_id: self.other_id,
                score: self.score,
                same_prospect: self.same_prospect,
                evidence: self.evidence,
            },
        )
    }
}

/// Replaces what was found for `registration_id`, and records when and against which
/// [`super::prospect_key::accounts_epoch`].
pub fn replace(
    conn: &mut DbConnection,
    registration_id: &str,
    found: &[Found],
    accounts_epoch: i64,
    now: NaiveDateTime,
) -> QueryResult<()> {
    diesel::delete(
        registration_matches::table
            .filter(registration_matches::registration_id.eq(registration_id)),
    )
    .execute(conn)?;
    for f in found {
        insert_row(conn, registration_id, f)?;
    }
    diesel::delete(
        registration_match_runs::table
            .filter(registration_match_runs::registration_id.eq(registration_id)),
    )
    .execute(conn)?;
    diesel::insert_into(registration_match_runs::table)
        .values((
            registration_match_runs::registration_id.eq(registration_id),
            registration_match_runs::matched_at.eq(now),
            registration_match_runs::accounts_epoch.eq(accounts_epoch),
        ))
        .execute(conn)?;
    Ok(())
}

/// Adds (or updates) one match of `registration_id`: a later registration found it.
pub fn upsert(conn: &mut DbConnection, registration_id: &str, found: &Found) -> QueryResult<()> {
    diesel::delete(
        registration_matches::table
            .filter(registration_matches::registration_id.eq(registration_id))
            .filter(registration_matches::kind.eq(found.kind.as_str()))
            .filter(registration_matches::other_id.eq(&found.other_id)),
    )
    .execute(conn)?;
    insert_row(conn, registration_id, found)
}

fn insert_row(conn: &mut DbConnection, registration_id: &str, f: &Found) -> QueryResult<()> {
    diesel::insert_into(registration_matches::table)
        .values((
            registration_matches::registration_id.eq(registration_id),
            registration_matches::kind.eq(f.kind.as_str()),
            registration_matches::other_id.eq(&f.other_id),
            registration_matches::score.eq(f.score),
            registration_matches::same_prospect.eq(f.same_prospect),
            registration_matches::evidence.eq(&f.evidence),
        ))
        .execute(conn)?;
    Ok(())
}

/// What was found for each of `ids`, strongest first, as `(registration id, match)`.
pub fn of(conn: &mut DbConnection, ids: &[String]) -> QueryResult<Vec<(String, Found)>> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    let rows: Vec<Row> = registration_matches::table
        .filter(registration_matches::registration_id.eq_any(ids))
        .order((
            registration_matches::registration_id.asc(),
            registration_matches::score.desc(),
            registration_matches::other_id.asc(),
        ))
        .select(Row::as_select())
        .load(conn)?;
    Ok(rows.into_iter().map(Row::found).collect())
}

/// When the matches of `registration_id` were found, if ever.
pub fn matched_at(
    conn: &mut DbConnection,
    registration_id: &str,
) -> QueryResult<Option<NaiveDateTime>> {
    registration_match_runs::table
        .filter(registration_match_runs::registration_id.eq(registration_id))
        .select(registration_match_runs::matched_at)
        .first(conn)
        .optional()
}

/// Registrations in review whose matches were never found, or found before the accounts
/// changed (`accounts_epoch`), most urgent first.
pub fn stale_in_review(
    conn: &mut DbConnection,
    accounts_epoch: i64,
    limit: i64,
) -> QueryResult<Vec<String>> {
    registrations::table
        .left_join(registration_match_runs::table)
        .filter(registrations::review_due_at.is_not_null())
        .filter(
            registration_match_runs::accounts_epoch
                .is_null()
                .or(registration_match_runs::accounts_epoch.lt(accounts_epoch)),
        )
        .order((registrations::review_due_at.asc(), registrations::id.asc()))
        .select(registrations::id)
        .limit(limit)
        .load(conn)
}
