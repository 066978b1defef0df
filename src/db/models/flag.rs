//! The flags left on registrations for the reviewer (`domain::flag`): one of each kind per
//! registration, emailed to the channel managers once, resolved by a decision.

use std::collections::HashMap;

use chrono::NaiveDateTime;
use diesel::prelude::*;

use crate::db::DbConnection;
use crate::db::schema::registration_flags;
use crate::domain::flag::FlagKind;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Flag {
    pub registration_id: String,
    pub kind: FlagKind,
    pub message: String,
    /// The other registration it is about (the one that keeps a shared prospect).
    pub other_id: Option<String>,
    pub created_at: NaiveDateTime,
    pub resolved_at: Option<NaiveDateTime>,
}

type Row = (
    String,
    FlagKind,
    String,
    Option<String>,
    NaiveDateTime,
    Option<NaiveDateTime>,
);

const COLUMNS: (
    registration_flags::registration_id,
    registration_flags::kind,
    registration_flags::message,
    registration_flags::other_id,
    registration_flags::created_at,
    registration_flags::resolved_at,
) = (
    registration_flags::registration_id,
    registration_flags::kind,
    registration_flags::message,
    registration_flags::other_id,
    registration_flags::created_at,
    registration_flags::resolved_at,
);

fn from_row((registration_id, kind, message, other_id, created_at, resolved_at): Row) -> Flag {
    Flag {
        kind,
        registration_id,
        message,
        other_id,
        created_at,
        resolved_at,
    }
}

pub struct NewFlag<'a> {
    pub registration_id: &'a str,
    pub kind: FlagKind,
    pub message: &'a str,
    pub other_id: Option<&'a str>,
}

/// Adds flags. `notified` says the channel managers need no email of their own for them
/// (the registration's own "to review" email already went out with the same transaction).
pub fn insert(
    conn: &mut DbConnection,
    flags: &[NewFlag],
    notified: bool,
    now: NaiveDateTime,
) -> QueryResult<()> {
    for f in flags {
        diesel::insert_into(registration_flags::table)
            .values((
                registration_flags::registration_id.eq(f.registration_id),
                registration_flags::kind.eq(f.kind),
                registration_flags::message.eq(f.message),
                registration_flags::other_id.eq(f.other_id),
                registration_flags::created_at.eq(now),
                registration_flags::notified_at.eq(notified.then_some(now)),
            ))
            .execute(conn)?;
    }
    Ok(())
}

/// The unresolved flags of these registrations, by registration id, in kind order.
pub fn open_for(
    conn: &mut DbConnection,
    ids: &[String],
) -> QueryResult<HashMap<String, Vec<Flag>>> {
    if ids.is_empty() {
        return Ok(HashMap::new());
    }
    let rows: Vec<Row> = registration_flags::table
        .filter(registration_flags::registration_id.eq_any(ids))
        .filter(registration_flags::resolved_at.is_null())
        .order((
            registration_flags::registration_id,
            registration_flags::kind,
        ))
        .select(COLUMNS)
        .load(conn)?;
    let mut out: HashMap<String, Vec<Flag>> = HashMap::new();
    for flag in rows.into_iter().map(from_row) {
        out.entry(flag.registration_id.clone())
            .or_default()
            .push(flag);
    }
    Ok(out)
}

/// Every flag of one registration, resolved or not, oldest first.
pub fn of(conn: &mut DbConnection, registration_id: &str) -> QueryResult<Vec<Flag>> {
    let rows: Vec<Row> = registration_flags::table
        .filter(registration_flags::registration_id.eq(registration_id))
        .order(registration_flags::created_at)
        .select(COLUMNS)
        .load(conn)?;
    Ok(rows.into_iter().map(from_row).collect())
}

/// Unresolved flags of `kind`, oldest first: what waits for a decision. The review queue
/// asks at every request, so on the backend's own connection, whose statement cache keeps
/// it prepared (through `DbConnection` its SQL was written out again each time, more than
/// the lookup itself cost when there are none).
pub fn open_of_kind(conn: &mut DbConnection, kind: FlagKind, limit: i64) -> QueryResult<Vec<Flag>> {
    let rows: Vec<Row> = crate::db::on_backend!(conn, |c| registration_flags::table
        .filter(registration_flags::kind.eq(kind))
        .filter(registration_flags::resolved_at.is_null())
        .order((
            registration_flags::created_at,
            registration_flags::registration_id,
        ))
        .limit(limit)
        .select(COLUMNS)
        .load(c))?;
    Ok(rows.into_iter().map(from_row).collect())
}

/// Flags nobody was emailed about yet, oldest first.
pub fn unnotified(conn: &mut DbConnection, limit: i64) -> QueryResult<Vec<Flag>> {
    let rows: Vec<Row> = registration_flags::table
        .filter(registration_flags::notified_at.is_null())
        .filter(registration_flags::resolved_at.is_null())
        .order((
            registration_flags::created_at,
            registration_flags::registration_id,
        ))
        .limit(limit)
        .select(COLUMNS)
        .load(conn)?;
    Ok(rows.into_iter().map(from_row).collect())
}

/// Claims a flag's email: true for the one caller (of several instances) that gets to send it.
pub fn mark_notified(
    conn: &mut DbConnection,
    registration_id: &str,
    kind: FlagKind,
    now: NaiveDateTime,
) -> QueryResult<bool> {
    let n = diesel::update(
        registration_flags::table
            .filter(registration_flags::registration_id.eq(registration_id))
            .filter(registration_flags::kind.eq(kind))
            .filter(registration_flags::notified_at.is_null()),
    )
    .set(registration_flags::notified_at.eq(now))
    .execute(conn)?;
    Ok(n == 1)
}

/// Marks a flag decided; false if it was not open (decided by someone else meanwhile).
pub fn resolve(
    conn: &mut DbConnection,
    registration_id: &str,
    kind: FlagKind,
    by: Option<&str>,
    now: NaiveDateTime,
) -> QueryResult<bool> {
    let n = diesel::update(
        registration_flags::table
            .filter(registration_flags::registration_id.eq(registration_id))
            .filter(registration_flags::kind.eq(kind))
            .filter(registration_flags::resolved_at.is_null()),
    )
    .set((
        registration_flags::resolved_at.eq(now),
        registration_flags::resolved_by.eq(by),
    ))
    .execute(conn)?;
    Ok(n == 1)
}
