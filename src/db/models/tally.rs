//! The dashboard's rollups (`weekly_outcomes`, `org_outcomes`, `org_segment_outcomes`,
//! `weekly_decisions`): counts of registrations
//! by a key computed from the registration row alone. Every insert and state change of a
//! registration moves its counts in the same transaction ([`added`], [`moved`]), so the
//! rollups equal a recount from `registrations` at every commit ([`recount`]); a bulk load
//! that bypasses them calls [`rebuild`].

use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;
use diesel::upsert::excluded;

use crate::db::DbConnection;
use crate::db::schema::{org_outcomes, org_segment_outcomes, weekly_decisions, weekly_outcomes};
use crate::domain::dashboard::{decision_hours, week_of};
use crate::domain::lifecycle::{Lifecycle, Status};
use crate::domain::policy::Segment;

/// What the rollups need of a registration besides its changing state.
#[derive(Debug, Clone, Copy)]
pub struct Counted<'a> {
    pub org_id: &'a str,
    pub submitted_at: NaiveDateTime,
    pub segment: Segment,
    pub program_units: i64,
}

/// One row of `weekly_outcomes`.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Queryable, QueryableByName)]
pub struct OutcomeRow {
    #[diesel(sql_type = diesel::sql_types::Date)]
    pub week: NaiveDate,
    #[diesel(sql_type = diesel::sql_types::Text)]
    pub segment: String,
    #[diesel(sql_type = diesel::sql_types::Text)]
    pub status: String,
    #[diesel(sql_type = diesel::sql_types::BigInt)]
    pub registrations: i64,
    #[diesel(sql_type = diesel::sql_types::BigInt)]
    pub program_units: i64,
}

/// One row of `org_outcomes`.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Queryable, QueryableByName)]
pub struct OrgRow {
    #[diesel(sql_type = diesel::sql_types::Text)]
    pub org_id: String,
    #[diesel(sql_type = diesel::sql_types::Text)]
    pub status: String,
    #[diesel(sql_type = diesel::sql_types::BigInt)]
    pub registrations: i64,
    #[diesel(sql_type = diesel::sql_types::BigInt)]
    pub program_units: i64,
}

/// One row of `org_segment_outcomes`.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Queryable, QueryableByName)]
pub struct OrgSegmentRow {
    #[diesel(sql_type = diesel::sql_types::Text)]
    pub org_id: String,
    #[diesel(sql_type = diesel::sql_types::Text)]
    pub segment: String,
    #[diesel(sql_type = diesel::sql_types::Text)]
    pub status: String,
    #[diesel(sql_type = diesel::sql_types::BigInt)]
    pub registrations: i64,
    #[diesel(sql_type = diesel::sql_types::BigInt)]
    pub program_units: i64,
}

/// One row of `weekly_decisions`.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Queryable, QueryableByName)]
pub struct DecisionRow {
    #[diesel(sql_type = diesel::sql_types::Date)]
    pub week: NaiveDate,
    #[diesel(sql_type = diesel::sql_types::Text)]
    pub segment: String,
    #[diesel(sql_type = diesel::sql_types::Integer)]
    pub hours: i32,
    #[diesel(sql_type = diesel::sql_types::BigInt)]
    pub registrations: i64,
}

/// The same statement on either backend's connection (the upsert is typed per backend).
macro_rules! on_backend {
    ($conn:expr, |$c:ident| $body:expr) => {
        match $conn {
            DbConnection::Sqlite($c) => $body,
            DbConnection::Pg($c) => $body,
        }
    };
}

fn add_outcome(conn: &mut DbConnection, r: &Counted, status: Status, sign: i64) -> QueryResult<()> {
    let row = (
        weekly_outcomes::week.eq(week_of(r.submitted_at.date())),
        weekly_outcomes::segment.eq(r.segment.as_str()),
        weekly_outcomes::status.eq(status.as_str()),
        weekly_outcomes::registrations.eq(sign),
        weekly_outcomes::program_units.eq(sign * r.program_units),
    );
    on_backend!(conn, |c| diesel::insert_into(weekly_outcomes::table)
        .values(row)
        .on_conflict((
            weekly_outcomes::week,
            weekly_outcomes::segment,
            weekly_outcomes::status
        ))
        .do_update()
        .set((
            weekly_outcomes::registrations
                .eq(weekly_outcomes::registrations + excluded(weekly_outcomes::registrations)),
            weekly_outcomes::program_units
                .eq(weekly_outcomes::program_units + excluded(weekly_outcomes::program_units)),
        ))
        .execute(c))?;
    let row = (
        org_outcomes::org_id.eq(r.org_id),
        org_outcomes::status.eq(status.as_str()),
        org_outcomes::registrations.eq(sign),
        org_outcomes::program_units.eq(sign * r.program_units),
    );
    on_backend!(conn, |c| diesel::insert_into(org_outcomes::table)
        .values(row)
        .on_conflict((org_outcomes::org_id, org_outcomes::status))
        .do_update()
        .set((
            org_outcomes::registrations
                .eq(org_outcomes::registrations + excluded(org_outcomes::registrations)),
            org_outcomes::program_units
                .eq(org_outcomes::program_units + excluded(org_outcomes::program_units)),
        ))
        .execute(c))?;
    let row = (
        org_segment_outcomes::org_id.eq(r.org_id),
        org_segment_outcomes::segment.eq(r.segment.as_str()),
        org_segment_outcomes::status.eq(status.as_str()),
        org_segment_outcomes::registrations.eq(sign),
        org_segment_outcomes::program_units.eq(sign * r.program_units),
    );
    on_backend!(conn, |c| diesel::insert_into(org_segment_outcomes::table)
        .values(row)
        .on_conflict((
            org_segment_outcomes::status,
            org_segment_outcomes::org_id,
            org_segment_outcomes::segment
        ))
        .do_update()
        .set((
            org_segment_outcomes::registrations
                .eq(org_segment_outcomes::registrations
                    + excluded(org_segment_outcomes::registrations)),
            org_segment_outcomes::program_units
                .eq(org_segment_outcomes::program_units
                    + excluded(org_segment_outcomes::program_units)),
        ))
        .execute(c))?;
    Ok(())
}

fn add_decision(
    conn: &mut DbConnection,
    r: &Counted,
    decided_at: NaiveDateTime,
    sign: i64,
) -> QueryResult<()> {
    let row = (
        weekly_decisions::week.eq(week_of(decided_at.date())),
        weekly_decisions::segment.eq(r.segment.as_str()),
        weekly_decisions::hours.eq(decision_hours(r.submitted_at, decided_at)),
        weekly_decisions::registrations.eq(sign),
    );
    on_backend!(conn, |c| diesel::insert_into(weekly_decisions::table)
        .values(row)
        .on_conflict((
            weekly_decisions::week,
            weekly_decisions::segment,
            weekly_decisions::hours
        ))
        .do_update()
        .set(
            weekly_decisions::registrations
                .eq(weekly_decisions::registrations + excluded(weekly_decisions::registrations)),
        )
        .execute(c))?;
    Ok(())
}

/// A registration was stored in `state`.
pub fn added(conn: &mut DbConnection, r: &Counted, state: &Lifecycle) -> QueryResult<()> {
    add_outcome(conn, r, state.status, 1)?;
    if let Some(at) = state.decided_at {
        add_decision(conn, r, at, 1)?;
    }
    Ok(())
}

/// A registration moved from `before` to `after`: its counts move with it.
pub fn moved(
    conn: &mut DbConnection,
    r: &Counted,
    before: &Lifecycle,
    after: &Lifecycle,
) -> QueryResult<()> {
    if before.status != after.status {
        add_outcome(conn, r, before.status, -1)?;
        add_outcome(conn, r, after.status, 1)?;
    }
    if before.decided_at != after.decided_at {
        if let Some(at) = before.decided_at {
            add_decision(conn, r, at, -1)?;
        }
        if let Some(at) = after.decided_at {
            add_decision(conn, r, at, 1)?;
        }
    }
    Ok(())
}

/// Every rollup's rows, in key order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rollups {
    pub outcomes: Vec<OutcomeRow>,
    pub orgs: Vec<OrgRow>,
    pub org_segments: Vec<OrgSegmentRow>,
    pub decisions: Vec<DecisionRow>,
}

/// The rollups' rows, in key order, without the empty ones a move leaves behind.
pub fn all(conn: &mut DbConnection) -> QueryResult<Rollups> {
    let outcomes = weekly_outcomes::table
        .filter(weekly_outcomes::registrations.ne(0))
        .order((
            weekly_outcomes::week,
            weekly_outcomes::segment,
            weekly_outcomes::status,
        ))
        .select((
            weekly_outcomes::week,
            weekly_outcomes::segment,
            weekly_outcomes::status,
            weekly_outcomes::registrations,
            weekly_outcomes::program_units,
        ))
        .load(conn)?;
    let decisions = weekly_decisions::table
        .filter(weekly_decisions::registrations.ne(0))
        .order((
            weekly_decisions::week,
            weekly_decisions::segment,
            weekly_decisions::hours,
        ))
        .load(conn)?;
    let orgs = org_outcomes::table
        .filter(org_outcomes::registrations.ne(0))
        .order((org_outcomes::org_id, org_outcomes::status))
        .load(conn)?;
    let org_segments = org_segment_outcomes::table
        .filter(org_segment_outcomes::registrations.ne(0))
        .order((
            org_segment_outcomes::org_id,
            org_segment_outcomes::segment,
            org_segment_outcomes::status,
        ))
        .select((
            org_segment_outcomes::org_id,
            org_segment_outcomes::segment,
            org_segment_outcomes::status,
            org_segment_outcomes::registrations,
            org_segment_outcomes::program_units,
        ))
        .load(conn)?;
    Ok(Rollups {
        outcomes,
        orgs,
        org_segments,
        decisions,
    })
}

/// The statements that count the rollups from `registrations` (the migration's, too).
struct Recount {
    outcomes: &'static str,
    orgs: &'static str,
    org_segments: &'static str,
    decisions: &'static str,
}

const SQLITE: Recount = Recount {
    outcomes: "SELECT date(submitted_at, '-6 days', 'weekday 1') AS week, segment, status, \
               COUNT(*) AS registrations, SUM(program_units) AS program_units \
               FROM registrations GROUP BY 1, 2, 3 ORDER BY 1, 2, 3",
    orgs: "SELECT org_id, status, COUNT(*) AS registrations, SUM(program_units) AS program_units \
           FROM registrations GROUP BY 1, 2 ORDER BY 1, 2",
    org_segments: "SELECT org_id, segment, status, COUNT(*) AS registrations, \
                   SUM(program_units) AS program_units \
                   FROM registrations GROUP BY 1, 2, 3 ORDER BY 1, 2, 3",
    decisions: "SELECT date(decided_at, '-6 days', 'weekday 1') AS week, segment, \
                min(999, (CAST(strftime('%s', decided_at) AS INTEGER) \
                 - CAST(strftime('%s', submitted_at) AS INTEGER)) / 3600) AS hours, \
                COUNT(*) AS registrations \
                FROM registrations WHERE decided_at IS NOT NULL \
                GROUP BY 1, 2, 3 ORDER BY 1, 2, 3",
};

const POSTGRES: Recount = Recount {
    outcomes: "SELECT CAST(date_trunc('week', submitted_at) AS DATE) AS week, segment, status, \
               COUNT(*) AS registrations, CAST(SUM(program_units) AS BIGINT) AS program_units \
               FROM registrations GROUP BY 1, 2, 3 ORDER BY 1, 2, 3",
    orgs: "SELECT org_id, status, COUNT(*) AS registrations, \
           CAST(SUM(program_units) AS BIGINT) AS program_units \
           FROM registrations GROUP BY 1, 2 ORDER BY 1, 2",
    org_segments: "SELECT org_id, segment, status, COUNT(*) AS registrations, \
                   CAST(SUM(program_units) AS BIGINT) AS program_units \
                   FROM registrations GROUP BY 1, 2, 3 ORDER BY 1, 2, 3",
    decisions: "SELECT CAST(date_trunc('week', decided_at) AS DATE) AS week, segment, \
                CAST(LEAST(999, (CAST(EXTRACT(EPOCH FROM date_trunc('second', decided_at)) AS BIGINT) \
                 - CAST(EXTRACT(EPOCH FROM date_trunc('second', submitted_at)) AS BIGINT)) / 3600) \
                 AS INTEGER) AS hours, \
                COUNT(*) AS registrations \
                FROM registrations WHERE decided_at IS NOT NULL \
                GROUP BY 1, 2, 3 ORDER BY 1, 2, 3",
};

/// The rollups as a recount from `registrations` would have them, in the order of [`all`].
pub fn recount(conn: &mut DbConnection) -> QueryResult<Rollups> {
    let sql = match conn {
        DbConnection::Sqlite(_) => &SQLITE,
        DbConnection::Pg(_) => &POSTGRES,
    };
    let outcomes = on_backend!(conn, |c| diesel::sql_query(sql.outcomes).load(c))?;
    let orgs = on_backend!(conn, |c| diesel::sql_query(sql.orgs).load(c))?;
    let org_segments = on_backend!(conn, |c| diesel::sql_query(sql.org_segments).load(c))?;
    let decisions = on_backend!(conn, |c| diesel::sql_query(sql.decisions).load(c))?;
    Ok(Rollups {
        outcomes,
        orgs,
        org_segments,
        decisions,
    })
}

/// Replaces the rollups with a recount, in the caller's transaction: after a bulk load
/// (the demo) that wrote registrations without them.
pub fn rebuild(conn: &mut DbConnection) -> QueryResult<()> {
    let sql = match conn {
        DbConnection::Sqlite(_) => &SQLITE,
        DbConnection::Pg(_) => &POSTGRES,
    };
    diesel::delete(weekly_outcomes::table).execute(conn)?;
    diesel::delete(weekly_decisions::table).execute(conn)?;
    diesel::delete(org_outcomes::table).execute(conn)?;
    diesel::delete(org_segment_outcomes::table).execute(conn)?;
    let strip = |s: &str| {
        s.rsplit_once(" ORDER BY")
            .map_or(s.to_owned(), |(a, _)| a.to_owned())
    };
    diesel::sql_query(format!(
        "INSERT INTO weekly_outcomes (week, segment, status, registrations, program_units) {}",
        strip(sql.outcomes)
    ))
    .execute(conn)?;
    diesel::sql_query(format!(
        "INSERT INTO org_outcomes (org_id, status, registrations, program_units) {}",
        strip(sql.orgs)
    ))
    .execute(conn)?;
    diesel::sql_query(format!(
        "INSERT INTO org_segment_outcomes (org_id, segment, status, registrations, program_units) {}",
        strip(sql.org_segments)
    ))
    .execute(conn)?;
    diesel::sql_query(format!(
        "INSERT INTO weekly_decisions (week, segment, hours, registrations) {}",
        strip(sql.decisions)
    ))
    .execute(conn)?;
    Ok(())
}

/// Outcome counts of the weeks from `first` to `last` (Mondays, both included), summed
/// over the segments or of one: (week, status, registrations, program units).
pub fn outcomes(
    conn: &mut DbConnection,
    first: NaiveDate,
    last: NaiveDate,
    segment: Option<Segment>,
) -> QueryResult<Vec<(NaiveDate, String, i64, i64)>> {
    let mut q = weekly_outcomes::table
        .filter(weekly_outcomes::week.between(first, last))
        .select((
            weekly_outcomes::week,
            weekly_outcomes::status,
            weekly_outcomes::registrations,
            weekly_outcomes::program_units,
        ))
        .into_boxed();
    if let Some(s) = segment {
        q = q.filter(weekly_outcomes::segment.eq(s.as_str()));
    }
    sum_by_key(q.load::<(NaiveDate, String, i64, i64)>(conn)?)
}

fn sum_by_key(
    rows: Vec<(NaiveDate, String, i64, i64)>,
) -> QueryResult<Vec<(NaiveDate, String, i64, i64)>> {
    let mut sums: std::collections::BTreeMap<(NaiveDate, String), (i64, i64)> =
        std::collections::BTreeMap::new();
    for (week, status, n, units) in rows {
        let e = sums.entry((week, status)).or_default();
        e.0 += n;
        e.1 += units;
    }
    Ok(sums
        .into_iter()
        .map(|((w, s), (n, u))| (w, s, n, u))
        .collect())
}

/// Decision counts of the weeks from `first` to `last`: (week, hours, decisions).
pub fn decisions(
    conn: &mut DbConnection,
    first: NaiveDate,
    last: NaiveDate,
    segment: Option<Segment>,
) -> QueryResult<Vec<(NaiveDate, i32, i64)>> {
    let mut q = weekly_decisions::table
        .filter(weekly_decisions::week.between(first, last))
        .filter(weekly_decisions::registrations.ne(0))
        .select((
            weekly_decisions::week,
            weekly_decisions::hours,
            weekly_decisions::registrations,
        ))
        .into_boxed();
    if let Some(s) = segment {
        q = q.filter(weekly_decisions::segment.eq(s.as_str()));
    }
    q.load(conn)
}

/// Approved registrations now, whatever week they were submitted: (segment, count, units).
pub fn approved_by_segment(conn: &mut DbConnection) -> QueryResult<Vec<(String, i64, i64)>> {
    let rows: Vec<(String, i64, i64)> = weekly_outcomes::table
        .filter(weekly_outcomes::status.eq(Status::Approved.as_str()))
        .select((
            weekly_outcomes::segment,
            weekly_outcomes::registrations,
            weekly_outcomes::program_units,
        ))
        .load(conn)?;
    let mut sums: std::collections::BTreeMap<String, (i64, i64)> = Default::default();
    for (segment, n, units) in rows {
        let e = sums.entry(segment).or_default();
        e.0 += n;
        e.1 += units;
    }
    Ok(sums.into_iter().map(|(s, (n, u))| (s, n, u)).collect())
}

/// Every organisation's closed deals (won and lost) now: what the leaderboards rank.
pub fn closed_by_org(conn: &mut DbConnection) -> QueryResult<Vec<OrgRow>> {
    org_outcomes::table
        .filter(org_outcomes::status.eq_any([Status::Won.as_str(), Status::Lost.as_str()]))
        .filter(org_outcomes::registrations.ne(0))
        .load(conn)
}

/// Every organisation's active registrations now (queued, in review, approved): what its
/// cap counts. (org id, active).
pub fn active_by_org(conn: &mut DbConnection) -> QueryResult<Vec<(String, i64)>> {
    let rows: Vec<(String, i64)> = org_outcomes::table
        .filter(org_outcomes::status.eq_any(Status::strs(&Status::ACTIVE)))
        .select((org_outcomes::org_id, org_outcomes::registrations))
        .load(conn)?;
    let mut sums: std::collections::BTreeMap<String, i64> = Default::default();
    for (org_id, n) in rows {
        *sums.entry(org_id).or_default() += n;
    }
    Ok(sums.into_iter().filter(|(_, n)| *n != 0).collect())
}

/// Every organisation's approved registrations now, by segment: (org id, segment,
/// registrations, program units). What the commission liability prices.
pub fn approved_by_org(conn: &mut DbConnection) -> QueryResult<Vec<(String, String, i64, i64)>> {
    org_segment_outcomes::table
        .filter(org_segment_outcomes::status.eq(Status::Approved.as_str()))
        .filter(org_segment_outcomes::registrations.ne(0))
        .select((
            org_segment_outcomes::org_id,
            org_segment_outcomes::segment,
            org_segment_outcomes::registrations,
            org_segment_outcomes::program_units,
        ))
        .load(conn)
}
