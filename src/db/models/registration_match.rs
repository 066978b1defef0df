//! What the matching engine found for each registration, stored so that the review queue
//! counts and the review page lists the same findings without running the engine per row.
//! `workflow::matching` decides what to store and when.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use crate::db::DbConnection;
use crate::db::schema::{
    registration_match_counts, registration_match_runs, registration_matches, registrations,
};

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
    store_counts(
        conn,
        registration_id,
        found.iter().map(|f| (f.kind, f.same_prospect)),
    )?;
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
    insert_row(conn, registration_id, found)?;
    recount(conn, registration_id)
}

/// Removes every match with the record `other_id` (a CRM account being deleted), and
/// recounts the registrations that had one.
pub fn delete_with(conn: &mut DbConnection, other_id: &str) -> QueryResult<()> {
    let registration_ids: Vec<String> = registration_matches::table
        .filter(registration_matches::other_id.eq(other_id))
        .select(registration_matches::registration_id)
        .load(conn)?;
    diesel::delete(registration_matches::table.filter(registration_matches::other_id.eq(other_id)))
        .execute(conn)?;
    for id in registration_ids {
        recount(conn, &id)?;
    }
    Ok(())
}

/// Counts what is stored for `registration_id` again, after a change of one of its matches.
fn recount(conn: &mut DbConnection, registration_id: &str) -> QueryResult<()> {
    let rows: Vec<(String, bool)> = registration_matches::table
        .filter(registration_matches::registration_id.eq(registration_id))
        .select((
            registration_matches::kind,
            registration_matches::same_prospect,
        ))
        .load(conn)?;
    store_counts(
        conn,
        registration_id,
        rows.iter().map(|(kind, same)| (Kind::parse(kind), *same)),
    )
}

/// Stores the counts of `registration_id`'s matches, given as (kind, same prospect), in
/// `registration_match_counts`: the review queue reads them there rather than counting
/// each line's matches (three index seeks a line).
fn store_counts(
    conn: &mut DbConnection,
    registration_id: &str,
    matches: impl Iterator<Item = (Kind, bool)>,
) -> QueryResult<()> {
    use registration_match_counts as c;
    let (mut same, mut possible, mut accounts) = (0_i64, 0_i64, 0_i64);
    for (kind, same_prospect) in matches {
        match (kind, same_prospect) {
            (Kind::Registration, true) => same += 1,
            (Kind::Registration, false) => possible += 1,
            (Kind::Account, _) => accounts += 1,
        }
    }
    let row = (
        c::registration_id.eq(registration_id),
        c::same_prospects.eq(same),
        c::possible_duplicates.eq(possible),
        c::accounts.eq(accounts),
    );
    crate::db::on_backend!(conn, |conn| diesel::insert_into(c::table)
        .values(row)
        .on_conflict(c::registration_id)
        .do_update()
        .set((
            c::same_prospects.eq(same),
            c::possible_duplicates.eq(possible),
            c::accounts.eq(accounts),
        ))
        .execute(conn))?;
    Ok(())
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
