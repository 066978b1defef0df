//! Count moves gathered and written together: every rollup's share of any number of
//! registrations' moves in one statement a rollup (three for the outcomes, two for the
//! decisions), whatever the number of registrations. A single transition writes its own
//! moves at once ([`super::moved`]); a sweep's batch gathers all of its rows' moves and
//! writes them before it commits, since on PostgreSQL each statement is a round trip and a
//! row's six had been most of what an expiry cost.

use chrono::{NaiveDate, NaiveDateTime};
use diesel::QueryResult;
use diesel::backend::Backend;
use diesel::prelude::*;
use diesel::query_builder::{BoxedSqlQuery, SqlQuery};
use diesel::serialize::ToSql;
use diesel::sql_types::{BigInt, Date, HasSqlType, Integer, Text};

use super::{
    Change, Counted, QUEUE_SHARDS, add_decisions_sql, add_outcomes_sql, adding, changes, numbered,
    queue_shard,
};
use crate::db::DbConnection;
use crate::db::schema::review_queue_counts;
use crate::domain::dashboard::{decision_hours, week_of, won_units};
use crate::domain::lifecycle::{Lifecycle, Status};

/// One registration's share of the outcome counts of a week, segment and state.
struct OutcomeMove {
    week: NaiveDate,
    segment: &'static str,
    status: &'static str,
    sign: i64,
    units: i64,
    won: i64,
    org_id: String,
    registration_id: String,
}

/// One registration's share of the decision counts of a week, segment and hours to decide.
struct DecisionMove {
    week: NaiveDate,
    segment: &'static str,
    hours: i32,
    sign: i64,
    org_id: String,
    registration_id: String,
}

/// Moves not yet written. Every one must be written ([`Pending::write`]) in the transaction
/// that changed the registrations, before it commits: the rollups equal a recount at every
/// commit.
#[derive(Default)]
pub struct Pending {
    outcomes: Vec<OutcomeMove>,
    decisions: Vec<DecisionMove>,
    /// The review queue's count, by shard: what the moves add up to.
    queue: [i64; QUEUE_SHARDS as usize],
}

impl Pending {
    /// A registration was stored in `state`.
    pub fn added(&mut self, r: &Counted, state: &Lifecycle) {
        self.outcome(r, state, 1);
        if let Some(at) = state.decided_at {
            self.decision(r, at, 1);
        }
        if state.review_due_at.is_some() {
            self.queued(r, 1);
        }
    }

    /// A registration moved from `before` to `after`.
    pub fn moved(&mut self, r: &Counted, before: &Lifecycle, after: &Lifecycle) {
        for change in changes(before, after) {
            match change {
                Change::Outcome(state, sign) => self.outcome(r, state, sign),
                Change::Decision(at, sign) => self.decision(r, at, sign),
                Change::Queue(sign) => self.queued(r, sign),
            }
        }
    }

    fn queued(&mut self, r: &Counted, sign: i64) {
        self.queue[queue_shard(r.id) as usize] += sign;
    }

    fn outcome(&mut self, r: &Counted, state: &Lifecycle, sign: i64) {
        let won = match state.status {
            Status::Won => won_units(state.close_amount_minor, r.amount_minor, r.program_units),
            _ => 0,
        };
        self.outcomes.push(OutcomeMove {
            week: week_of(r.submitted_at.date()),
            segment: r.segment.as_str(),
            status: state.status.as_str(),
            sign,
            units: sign * r.program_units,
            won: sign * won,
            org_id: r.org_id.to_owned(),
            registration_id: r.id.to_owned(),
        });
    }

    fn decision(&mut self, r: &Counted, decided_at: NaiveDateTime, sign: i64) {
        self.decisions.push(DecisionMove {
            week: week_of(decided_at.date()),
            segment: r.segment.as_str(),
            hours: decision_hours(r.submitted_at, decided_at),
            sign,
            org_id: r.org_id.to_owned(),
            registration_id: r.id.to_owned(),
        });
    }

    /// Writes the moves gathered so far, in the caller's transaction, and forgets them.
    pub fn write(&mut self, conn: &mut DbConnection) -> QueryResult<()> {
        let pg = matches!(conn, DbConnection::Pg(_));
        let outcomes = std::mem::take(&mut self.outcomes);
        let decisions = std::mem::take(&mut self.decisions);
        let queue = std::mem::take(&mut self.queue);
        // The chunks keep every statement under SQLite's limit of bound values.
        for chunk in outcomes.chunks(CHUNK) {
            let values = values(chunk.len(), 8);
            for sql in outcome_statements(&values) {
                let sql = numbered(pg, &sql);
                on_backend!(conn, |c| bind_outcomes(
                    diesel::sql_query(sql).into_boxed(),
                    chunk
                )
                .execute(c))?;
            }
        }
        for chunk in decisions.chunks(CHUNK) {
            let values = values(chunk.len(), 6);
            for sql in decision_statements(&values) {
                let sql = numbered(pg, &sql);
                on_backend!(conn, |c| bind_decisions(
                    diesel::sql_query(sql).into_boxed(),
                    chunk
                )
                .execute(c))?;
            }
        }
        // Most moves leave the queue alone (an expiry, a close): no statement then. The
        // shards go in ascending order, so two batches lock them in the same order.
        for (shard, items) in queue.into_iter().enumerate().filter(|(_, n)| *n != 0) {
            use review_queue_counts as q;
            let row = (q::shard.eq(shard as i32), q::items.eq(items));
            on_backend!(conn, |c| diesel::insert_into(q::table)
                .values(row)
                .on_conflict(q::shard)
                .do_update()
                .set(q::items.eq(q::items + diesel::upsert::excluded(q::items)))
                .execute(c))?;
        }
        Ok(())
    }
}

/// Moves per statement: 8 values each, far under SQLite's 32,766.
const CHUNK: usize = 1_000;

/// `(VALUES (?, ...), ...) v`: `rows` rows of `columns` placeholders, whose columns both
/// backends name `column1`, `column2`, ...
fn values(rows: usize, columns: usize) -> String {
    let row = format!("({})", vec!["?"; columns].join(", "));
    format!("(VALUES {}) v", vec![row; rows].join(", "))
}

/// The territories covering the registration `v.column{reg}` (its prospect's country or
/// industry), and its partner's organisation `v.column{org}`.
fn covered(values: &str, org: u8, reg: u8) -> String {
    format!(
        "FROM {values} \
         JOIN registration_details d ON d.registration_id = v.column{reg} \
         JOIN territory_places p \
           ON (p.kind = 'country' AND p.value = d.country) \
           OR (p.kind = 'industry' AND p.value = d.industry) \
         JOIN partner_orgs o ON o.id = v.column{org}"
    )
}

/// The statements adding outcome moves `(week, segment, status, sign, units, won, org,
/// registration)` to the weekly, territory and organisation counts. Each sums its moves by
/// its own key in SQL: moves of two organisations of one tier meet in one weekly row, and a
/// PostgreSQL upsert may touch a row once a statement. (The WHERE keeps SQLite from reading
/// the upsert's ON as the join's.)
fn outcome_statements(values: &str) -> [String; 3] {
    let sums = "CAST(SUM(v.column4) AS BIGINT), CAST(SUM(v.column5) AS BIGINT), \
                CAST(SUM(v.column6) AS BIGINT)";
    [
        add_outcomes_sql(
            false,
            &format!(
                "SELECT v.column1, v.column2, o.tier, v.column3, {sums} FROM {values} \
                 JOIN partner_orgs o ON o.id = v.column7 WHERE 1 = 1 GROUP BY 1, 2, 3, 4"
            ),
        ),
        add_outcomes_sql(
            true,
            &format!(
                "SELECT p.territory_id, v.column1, v.column2, o.tier, v.column3, {sums} {} \
                 WHERE 1 = 1 GROUP BY 1, 2, 3, 4, 5",
                covered(values, 7, 8)
            ),
        ),
        adding(
            "org_outcomes",
            "org_id, status, registrations, program_units",
            "org_id, status",
            &["registrations", "program_units"],
            &format!(
                "SELECT v.column7, v.column3, CAST(SUM(v.column4) AS BIGINT), \
                 CAST(SUM(v.column5) AS BIGINT) FROM {values} WHERE 1 = 1 GROUP BY 1, 2"
            ),
        ),
    ]
}

/// The statements adding decision moves `(week, segment, hours, sign, org, registration)`
/// to the weekly and territory counts.
fn decision_statements(values: &str) -> [String; 2] {
    let sum = "CAST(SUM(v.column4) AS BIGINT)";
    [
        add_decisions_sql(
            false,
            &format!(
                "SELECT v.column1, v.column2, o.tier, v.column3, {sum} FROM {values} \
                 JOIN partner_orgs o ON o.id = v.column5 WHERE 1 = 1 GROUP BY 1, 2, 3, 4"
            ),
        ),
        add_decisions_sql(
            true,
            &format!(
                "SELECT p.territory_id, v.column1, v.column2, o.tier, v.column3, {sum} {} \
                 WHERE 1 = 1 GROUP BY 1, 2, 3, 4, 5",
                covered(values, 5, 6)
            ),
        ),
    ]
}

fn bind_outcomes<'a, DB>(
    mut q: BoxedSqlQuery<'a, DB, SqlQuery>,
    moves: &'a [OutcomeMove],
) -> BoxedSqlQuery<'a, DB, SqlQuery>
where
    DB: Backend + HasSqlType<Date> + HasSqlType<Text> + HasSqlType<BigInt>,
    NaiveDate: ToSql<Date, DB>,
    str: ToSql<Text, DB>,
    i64: ToSql<BigInt, DB>,
{
    for m in moves {
        q = q
            .bind::<Date, _>(m.week)
            .bind::<Text, _>(m.segment)
            .bind::<Text, _>(m.status)
            .bind::<BigInt, _>(m.sign)
            .bind::<BigInt, _>(m.units)
            .bind::<BigInt, _>(m.won)
            .bind::<Text, _>(m.org_id.as_str())
            .bind::<Text, _>(m.registration_id.as_str());
    }
    q
}

fn bind_decisions<'a, DB>(
    mut q: BoxedSqlQuery<'a, DB, SqlQuery>,
    moves: &'a [DecisionMove],
) -> BoxedSqlQuery<'a, DB, SqlQuery>
where
    DB: Backend + HasSqlType<Date> + HasSqlType<Text> + HasSqlType<BigInt> + HasSqlType<Integer>,
    NaiveDate: ToSql<Date, DB>,
    str: ToSql<Text, DB>,
    i64: ToSql<BigInt, DB>,
    i32: ToSql<Integer, DB>,
{
    for m in moves {
        q = q
            .bind::<Date, _>(m.week)
            .bind::<Text, _>(m.segment)
            .bind::<Integer, _>(m.hours)
            .bind::<BigInt, _>(m.sign)
            .bind::<Text, _>(m.org_id.as_str())
            .bind::<Text, _>(m.registration_id.as_str());
    }
    q
}
