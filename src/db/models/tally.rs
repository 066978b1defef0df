//! The dashboard's rollups: counts of registrations by week, segment, the partner's tier and
//! state (`weekly_outcomes`), by week of decision and hours to it (`weekly_decisions`), the
//! same two per territory (`territory_outcomes`, `territory_decisions`), by organisation
//! and state (`org_outcomes`), and the registrations waiting in the review queue
//! (`review_queue_counts`, [`in_review`]).
//!
//! They equal a recount from `registrations` at every commit ([`recount`]):
//! - every insert and state change of a registration moves its counts in the same
//!   transaction ([`added`], [`moved`]);
//! - a change of an organisation's tier moves its counts to the new tier ([`tier_changed`]);
//! - saving a territory recounts that territory ([`territory_saved`]);
//! - a bulk load that bypasses them calls [`rebuild`].
//!
//! The writes are SQL of their own rather than typed upserts: each reads the partner's tier
//! and the territories covering the prospect in the statement that adds, so a transition
//! costs no extra round trip for them.

use std::collections::BTreeMap;

use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;
use diesel::sql_types::{BigInt, Date, Integer, Text};

use crate::db::DbConnection;
use crate::db::schema::{
    org_outcomes, review_queue_counts, territory_decisions, territory_outcomes, weekly_decisions,
    weekly_outcomes,
};
use crate::domain::dashboard::Slice;
use crate::domain::lifecycle::{Lifecycle, Status};
use crate::domain::org::Tier;
use crate::domain::policy::Segment;

/// What the rollups need of a registration besides its changing state.
#[derive(Debug, Clone, Copy)]
pub struct Counted<'a> {
    pub id: &'a str,
    pub org_id: &'a str,
    pub submitted_at: NaiveDateTime,
    pub segment: Segment,
    pub amount_minor: i64,
    pub program_units: i64,
}

/// One row of `weekly_outcomes`.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Queryable, QueryableByName)]
pub struct OutcomeRow {
    #[diesel(sql_type = Date)]
    pub week: NaiveDate,
    #[diesel(sql_type = Text)]
    pub segment: String,
    #[diesel(sql_type = Text)]
    pub tier: String,
    #[diesel(sql_type = Text)]
    pub status: String,
    #[diesel(sql_type = BigInt)]
    pub registrations: i64,
    #[diesel(sql_type = BigInt)]
    pub program_units: i64,
    #[diesel(sql_type = BigInt)]
    pub won_units: i64,
}

/// One row of `org_outcomes`.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Queryable, QueryableByName)]
pub struct OrgRow {
    #[diesel(sql_type = Text)]
    pub org_id: String,
    #[diesel(sql_type = Text)]
    pub status: String,
    #[diesel(sql_type = BigInt)]
    pub registrations: i64,
    #[diesel(sql_type = BigInt)]
    pub program_units: i64,
}

/// One row of `review_queue_counts`: how many of the registrations of a shard
/// ([`queue_shard`]) wait in the review queue.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Queryable, QueryableByName)]
pub struct QueueRow {
    #[diesel(sql_type = Integer)]
    pub shard: i32,
    #[diesel(sql_type = BigInt)]
    pub items: i64,
}

/// How many rows `review_queue_counts` spreads the queue over.
const QUEUE_SHARDS: u32 = 16;

/// The row of `review_queue_counts` that counts registration `id`: its last character's
/// code point modulo [`QUEUE_SHARDS`], as the dialects' `shard` computes it in SQL.
fn queue_shard(id: &str) -> i32 {
    id.chars()
        .next_back()
        .map_or(0, |c| (c as u32 % QUEUE_SHARDS) as i32)
}

/// How many registrations wait in the review queue (their `review_due_at` is set): the sum
/// of the sixteen rows the transitions keep, not a count of the queue.
pub fn in_review(conn: &mut DbConnection) -> QueryResult<i64> {
    let shards: Vec<i64> = review_queue_counts::table
        .select(review_queue_counts::items)
        .load(conn)?;
    Ok(shards.into_iter().sum())
}

/// One row of `weekly_decisions`.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Queryable, QueryableByName)]
pub struct DecisionRow {
    #[diesel(sql_type = Date)]
    pub week: NaiveDate,
    #[diesel(sql_type = Text)]
    pub segment: String,
    #[diesel(sql_type = Text)]
    pub tier: String,
    #[diesel(sql_type = Integer)]
    pub hours: i32,
    #[diesel(sql_type = BigInt)]
    pub registrations: i64,
}

/// One row of `territory_outcomes`.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Queryable, QueryableByName)]
pub struct TerritoryOutcomeRow {
    #[diesel(sql_type = Text)]
    pub territory_id: String,
    #[diesel(embed)]
    pub row: OutcomeRow,
}

/// One row of `territory_decisions`.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Queryable, QueryableByName)]
pub struct TerritoryDecisionRow {
    #[diesel(sql_type = Text)]
    pub territory_id: String,
    #[diesel(embed)]
    pub row: DecisionRow,
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

// After the macro, which it uses.
mod pending;
pub use pending::Pending;

/// `sql` with its `?` placeholders as this backend numbers them (`$1`, `$2`, ... on
/// PostgreSQL). The statements here hold no `?` but placeholders.
fn placeholders(conn: &DbConnection, sql: &str) -> String {
    numbered(matches!(conn, DbConnection::Pg(_)), sql)
}

fn numbered(pg: bool, sql: &str) -> String {
    match pg {
        false => sql.to_owned(),
        true => {
            let mut out = String::with_capacity(sql.len() + 16);
            let mut n = 0;
            for ch in sql.chars() {
                if ch == '?' {
                    n += 1;
                    out.push('$');
                    out.push_str(&n.to_string());
                } else {
                    out.push(ch);
                }
            }
            out
        }
    }
}

/// The pieces of SQL in which the two backends differ.
struct Dialect {
    /// The Monday of a timestamp column's week, `{}` standing for the column.
    week: &'static str,
    /// Whole hours from submission to decision, at most 999.
    hours: &'static str,
    /// The sum of program units, as a BIGINT.
    units: &'static str,
    /// The sum of what the won ones closed at, in program units, as a BIGINT (as
    /// `domain::dashboard::won_units` computes it).
    won: &'static str,
    /// [`queue_shard`] of the registration `r`.
    shard: &'static str,
}

const SQLITE: Dialect = Dialect {
    week: "date({}, '-6 days', 'weekday 1')",
    hours: "min(999, (CAST(strftime('%s', r.decided_at) AS INTEGER) \
            - CAST(strftime('%s', r.submitted_at) AS INTEGER)) / 3600)",
    units: "SUM(r.program_units)",
    won: "SUM(CASE WHEN r.status = 'won' AND r.amount_minor > 0 \
          THEN COALESCE(r.close_amount_minor, 0) * r.program_units / r.amount_minor ELSE 0 END)",
    shard: "unicode(substr(r.id, -1)) % 16",
};

const POSTGRES: Dialect = Dialect {
    week: "CAST(date_trunc('week', {}) AS DATE)",
    hours: "CAST(LEAST(999, (CAST(EXTRACT(EPOCH FROM date_trunc('second', r.decided_at)) AS BIGINT) \
            - CAST(EXTRACT(EPOCH FROM date_trunc('second', r.submitted_at)) AS BIGINT)) / 3600) \
            AS INTEGER)",
    units: "CAST(SUM(r.program_units) AS BIGINT)",
    won: "CAST(SUM(CASE WHEN r.status = 'won' AND r.amount_minor > 0 \
          THEN COALESCE(r.close_amount_minor, 0) * r.program_units / r.amount_minor ELSE 0 END) \
          AS BIGINT)",
    shard: "ascii(right(r.id, 1)) % 16",
};

fn dialect(conn: &DbConnection) -> &'static Dialect {
    match conn {
        DbConnection::Sqlite(_) => &SQLITE,
        DbConnection::Pg(_) => &POSTGRES,
    }
}

impl Dialect {
    fn week_of(&self, column: &str) -> String {
        self.week.replace("{}", column)
    }
}

/// The registrations each territory covers, as (territory_id, registration_id) rows `m`:
/// one join per kind of place, so each uses its index on `registration_details`. `only`
/// adds a condition on `p` to both (one territory).
fn members(only: &str) -> String {
    format!(
        "(SELECT p.territory_id, d.registration_id FROM territory_places p \
           JOIN registration_details d ON d.country = p.value WHERE p.kind = 'country' {only} \
         UNION ALL \
         SELECT p.territory_id, d.registration_id FROM territory_places p \
           JOIN registration_details d ON d.industry = p.value WHERE p.kind = 'industry' {only}) m"
    )
}

/// The four counts from `registrations r` (joined to `partner_orgs o`), as SELECTs whose
/// columns are the tables' in order. `scope` adds the FROM clause's end and the WHERE
/// clause's conditions; `tier` replaces the partner's tier (`o.tier`) and `sign` multiplies
/// the counts, for moving an organisation's counts between tiers.
struct Counts {
    outcomes: String,
    decisions: String,
    territory_outcomes: String,
    territory_decisions: String,
}

fn counts(d: &Dialect, org_only: bool, territory_only: bool, tier: &str, sign: &str) -> Counts {
    let org = if org_only { "AND r.org_id = ?" } else { "" };
    let places = members(if territory_only {
        "AND p.territory_id = ?"
    } else {
        ""
    });
    let submitted = d.week_of("r.submitted_at");
    let decided = d.week_of("r.decided_at");
    let (hours, units, won) = (d.hours, d.units, d.won);
    // Named, for the recount's `QueryableByName`; an INSERT ignores the names.
    let outcome_cols = |t: &str| {
        format!(
            "{t}{submitted} AS week, r.segment AS segment, {tier} AS tier, r.status AS status, \
             {sign}COUNT(*) AS registrations, {sign}{units} AS program_units, \
             {sign}{won} AS won_units"
        )
    };
    let decision_cols = |t: &str| {
        format!(
            "{t}{decided} AS week, r.segment AS segment, {tier} AS tier, {hours} AS hours, \
             {sign}COUNT(*) AS registrations"
        )
    };
    let plain = "FROM registrations r JOIN partner_orgs o ON o.id = r.org_id";
    let placed = format!(
        "FROM {places} JOIN registrations r ON r.id = m.registration_id \
         JOIN partner_orgs o ON o.id = r.org_id"
    );
    let decided_only = "AND r.decided_at IS NOT NULL";
    Counts {
        outcomes: format!(
            "SELECT {} {plain} WHERE 1 = 1 {org} GROUP BY 1, 2, 3, 4",
            outcome_cols("")
        ),
        decisions: format!(
            "SELECT {} {plain} WHERE 1 = 1 {decided_only} {org} GROUP BY 1, 2, 3, 4",
            decision_cols("")
        ),
        territory_outcomes: format!(
            "SELECT {} {placed} WHERE 1 = 1 {org} GROUP BY 1, 2, 3, 4, 5",
            outcome_cols("m.territory_id AS territory_id, ")
        ),
        territory_decisions: format!(
            "SELECT {} {placed} WHERE 1 = 1 {decided_only} {org} GROUP BY 1, 2, 3, 4, 5",
            decision_cols("m.territory_id AS territory_id, ")
        ),
    }
}

const OUTCOME_COLUMNS: &str =
    "week, segment, tier, status, registrations, program_units, won_units";
const DECISION_COLUMNS: &str = "week, segment, tier, hours, registrations";

/// `INSERT ... ON CONFLICT` adding to the counts of `table` (its key is every column but the
/// counts).
fn adding(table: &str, columns: &str, key: &str, counts: &[&str], select: &str) -> String {
    let set: Vec<String> = counts
        .iter()
        .map(|c| format!("{c} = {table}.{c} + excluded.{c}"))
        .collect();
    format!(
        "INSERT INTO {table} ({columns}) {select} ON CONFLICT ({key}) DO UPDATE SET {}",
        set.join(", ")
    )
}

fn add_outcomes_sql(territory: bool, select: &str) -> String {
    if territory {
        adding(
            "territory_outcomes",
            &format!("territory_id, {OUTCOME_COLUMNS}"),
            "territory_id, week, segment, tier, status",
            &["registrations", "program_units", "won_units"],
            select,
        )
    } else {
        adding(
            "weekly_outcomes",
            OUTCOME_COLUMNS,
            "week, segment, tier, status",
            &["registrations", "program_units", "won_units"],
            select,
        )
    }
}

fn add_decisions_sql(territory: bool, select: &str) -> String {
    if territory {
        adding(
            "territory_decisions",
            &format!("territory_id, {DECISION_COLUMNS}"),
            "territory_id, week, segment, tier, hours",
            &["registrations"],
            select,
        )
    } else {
        adding(
            "weekly_decisions",
            DECISION_COLUMNS,
            "week, segment, tier, hours",
            &["registrations"],
            select,
        )
    }
}

/// A registration was stored in `state` (its details row first: the territories covering
/// it are read from there).
pub fn added(conn: &mut DbConnection, r: &Counted, state: &Lifecycle) -> QueryResult<()> {
    let mut pending = Pending::default();
    pending.added(r, state);
    pending.write(conn)
}

/// A registration moved from `before` to `after`: its counts move with it.
pub fn moved(
    conn: &mut DbConnection,
    r: &Counted,
    before: &Lifecycle,
    after: &Lifecycle,
) -> QueryResult<()> {
    let mut pending = Pending::default();
    pending.moved(r, before, after);
    pending.write(conn)
}

/// One count a move takes a registration out of (sign -1) or into (1).
enum Change<'a> {
    /// The outcome counts of the registration in this state.
    Outcome(&'a Lifecycle, i64),
    /// The decision counts of a decision at this time.
    Decision(NaiveDateTime, i64),
    /// The review queue's count.
    Queue(i64),
}

/// The counts a move from `before` to `after` changes, the ones it leaves first.
fn changes<'a>(before: &'a Lifecycle, after: &'a Lifecycle) -> Vec<Change<'a>> {
    let mut out = Vec::new();
    // A close changes the state and sets the amount in the same transition; a correction of
    // a won deal's amount would move the won counts without a change of state.
    let won_changed = after.status == Status::Won
        && before.status == Status::Won
        && before.close_amount_minor != after.close_amount_minor;
    if before.status != after.status || won_changed {
        out.push(Change::Outcome(before, -1));
        out.push(Change::Outcome(after, 1));
    }
    if before.decided_at != after.decided_at {
        out.extend(before.decided_at.map(|at| Change::Decision(at, -1)));
        out.extend(after.decided_at.map(|at| Change::Decision(at, 1)));
    }
    match (before.review_due_at, after.review_due_at) {
        (Some(_), None) => out.push(Change::Queue(-1)),
        (None, Some(_)) => out.push(Change::Queue(1)),
        _ => {}
    }
    out
}

/// An organisation's tier changed from `from` to `to` (in the caller's transaction, the
/// organisation's row already or not yet updated): its registrations' counts leave the old
/// tier and join the new one.
pub fn tier_changed(
    conn: &mut DbConnection,
    org_id: &str,
    from: Tier,
    to: Tier,
) -> QueryResult<()> {
    if from == to {
        return Ok(());
    }
    let c = counts(dialect(conn), true, false, "?", "? * ");
    let statements = [
        add_outcomes_sql(false, &c.outcomes),
        add_decisions_sql(false, &c.decisions),
        add_outcomes_sql(true, &c.territory_outcomes),
        add_decisions_sql(true, &c.territory_decisions),
    ];
    // The outcome counts bind the sign three times (registrations, units, won), the
    // decisions once.
    for (sql, outcome) in statements.iter().zip([true, false, true, false]) {
        let sql = placeholders(conn, sql);
        for (tier, sign) in [(from, -1_i64), (to, 1)] {
            on_backend!(conn, |c| {
                let q = diesel::sql_query(&sql)
                    .bind::<Text, _>(tier.as_str())
                    .bind::<BigInt, _>(sign);
                if outcome {
                    q.bind::<BigInt, _>(sign)
                        .bind::<BigInt, _>(sign)
                        .bind::<Text, _>(org_id)
                        .execute(c)
                } else {
                    q.bind::<Text, _>(org_id).execute(c)
                }
            })?;
        }
    }
    Ok(())
}

/// A territory was created or its places changed (in the caller's transaction, after its
/// `territory_places`): its counts are recounted.
pub fn territory_saved(conn: &mut DbConnection, territory_id: &str) -> QueryResult<()> {
    diesel::delete(
        territory_outcomes::table.filter(territory_outcomes::territory_id.eq(territory_id)),
    )
    .execute(conn)?;
    diesel::delete(
        territory_decisions::table.filter(territory_decisions::territory_id.eq(territory_id)),
    )
    .execute(conn)?;
    let c = counts(dialect(conn), false, true, "o.tier", "");
    for select in [
        format!(
            "INSERT INTO territory_outcomes (territory_id, {OUTCOME_COLUMNS}) {}",
            c.territory_outcomes
        ),
        format!(
            "INSERT INTO territory_decisions (territory_id, {DECISION_COLUMNS}) {}",
            c.territory_decisions
        ),
    ] {
        let sql = placeholders(conn, &select);
        // `members` names the territory in both of its joins.
        on_backend!(conn, |c| diesel::sql_query(&sql)
            .bind::<Text, _>(territory_id)
            .bind::<Text, _>(territory_id)
            .execute(c))?;
    }
    Ok(())
}

/// Every rollup's rows, in key order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rollups {
    pub outcomes: Vec<OutcomeRow>,
    pub orgs: Vec<OrgRow>,
    pub decisions: Vec<DecisionRow>,
    pub territory_outcomes: Vec<TerritoryOutcomeRow>,
    pub territory_decisions: Vec<TerritoryDecisionRow>,
    pub queue: Vec<QueueRow>,
}

/// The rollups' rows, in key order, without the empty ones a move leaves behind.
pub fn all(conn: &mut DbConnection) -> QueryResult<Rollups> {
    let kept = |table: &str, columns: &str, key: usize| {
        let keys: Vec<String> = (1..=key).map(|i| i.to_string()).collect();
        format!(
            "SELECT {columns} FROM {table} WHERE registrations <> 0 ORDER BY {}",
            keys.join(", ")
        )
    };
    let outcomes = kept("weekly_outcomes", OUTCOME_COLUMNS, 4);
    let decisions = kept("weekly_decisions", DECISION_COLUMNS, 4);
    let orgs = kept(
        "org_outcomes",
        "org_id, status, registrations, program_units",
        2,
    );
    let t_outcomes = kept(
        "territory_outcomes",
        &format!("territory_id, {OUTCOME_COLUMNS}"),
        5,
    );
    let t_decisions = kept(
        "territory_decisions",
        &format!("territory_id, {DECISION_COLUMNS}"),
        5,
    );
    let queue = "SELECT shard, items FROM review_queue_counts WHERE items <> 0 ORDER BY 1";
    Ok(Rollups {
        outcomes: on_backend!(conn, |c| diesel::sql_query(&outcomes).load(c))?,
        orgs: on_backend!(conn, |c| diesel::sql_query(&orgs).load(c))?,
        decisions: on_backend!(conn, |c| diesel::sql_query(&decisions).load(c))?,
        territory_outcomes: on_backend!(conn, |c| diesel::sql_query(&t_outcomes).load(c))?,
        territory_decisions: on_backend!(conn, |c| diesel::sql_query(&t_decisions).load(c))?,
        queue: on_backend!(conn, |c| diesel::sql_query(queue).load(c))?,
    })
}

/// Counting statements of every rollup from `registrations`, whole: the four weekly ones,
/// the organisations' and the queue's.
fn recount_sql(conn: &DbConnection) -> (Counts, &'static str, String) {
    let orgs = "SELECT org_id, status, COUNT(*) AS registrations, \
                CAST(SUM(program_units) AS BIGINT) AS program_units \
                FROM registrations GROUP BY 1, 2";
    let d = dialect(conn);
    let queue = format!(
        "SELECT {} AS shard, COUNT(*) AS items FROM registrations r \
         WHERE r.review_due_at IS NOT NULL GROUP BY 1",
        d.shard
    );
    (counts(d, false, false, "o.tier", ""), orgs, queue)
}

/// The rollups as a recount from `registrations` would have them, in the order of [`all`].
pub fn recount(conn: &mut DbConnection) -> QueryResult<Rollups> {
    let (c, orgs, queue) = recount_sql(conn);
    let order = |sql: &str, key: usize| {
        let keys: Vec<String> = (1..=key).map(|i| i.to_string()).collect();
        format!("{sql} ORDER BY {}", keys.join(", "))
    };
    let outcomes = order(&c.outcomes, 4);
    let decisions = order(&c.decisions, 4);
    let t_outcomes = order(&c.territory_outcomes, 5);
    let t_decisions = order(&c.territory_decisions, 5);
    let orgs = order(orgs, 2);
    let queue = order(&queue, 1);
    Ok(Rollups {
        outcomes: on_backend!(conn, |c| diesel::sql_query(&outcomes).load(c))?,
        orgs: on_backend!(conn, |c| diesel::sql_query(&orgs).load(c))?,
        decisions: on_backend!(conn, |c| diesel::sql_query(&decisions).load(c))?,
        territory_outcomes: on_backend!(conn, |c| diesel::sql_query(&t_outcomes).load(c))?,
        territory_decisions: on_backend!(conn, |c| diesel::sql_query(&t_decisions).load(c))?,
        queue: on_backend!(conn, |c| diesel::sql_query(&queue).load(c))?,
    })
}

/// Replaces the rollups with a recount, in the caller's transaction: after a bulk load
/// (the demo) that wrote registrations without them.
pub fn rebuild(conn: &mut DbConnection) -> QueryResult<()> {
    let (c, orgs, queue) = recount_sql(conn);
    diesel::delete(weekly_outcomes::table).execute(conn)?;
    diesel::delete(weekly_decisions::table).execute(conn)?;
    diesel::delete(org_outcomes::table).execute(conn)?;
    diesel::delete(territory_outcomes::table).execute(conn)?;
    diesel::delete(territory_decisions::table).execute(conn)?;
    diesel::delete(review_queue_counts::table).execute(conn)?;
    for sql in [
        format!(
            "INSERT INTO weekly_outcomes ({OUTCOME_COLUMNS}) {}",
            c.outcomes
        ),
        format!(
            "INSERT INTO weekly_decisions ({DECISION_COLUMNS}) {}",
            c.decisions
        ),
        format!("INSERT INTO org_outcomes (org_id, status, registrations, program_units) {orgs}"),
        format!(
            "INSERT INTO territory_outcomes (territory_id, {OUTCOME_COLUMNS}) {}",
            c.territory_outcomes
        ),
        format!(
            "INSERT INTO territory_decisions (territory_id, {DECISION_COLUMNS}) {}",
            c.territory_decisions
        ),
        format!("INSERT INTO review_queue_counts (shard, items) {queue}"),
    ] {
        diesel::sql_query(sql).execute(conn)?;
    }
    Ok(())
}

/// Sums of a weekly rollup, or of its territory twin when the slice has a territory (the two
/// have the same columns but the territory's id), narrowed to the slice and grouped by the
/// `group` columns: SQL adds the segments and tiers up, so a year of decisions is a few
/// thousand rows read, not the rollup's tens of thousands. `$t` names the table read in the
/// condition.
macro_rules! sliced_sums {
    ($conn:expr, $slice:expr, $weekly:ident | $twin:ident, [$($col:ident),+], [$($sum:literal),+],
     |$t:ident| $cond:expr) => {{
        macro_rules! narrowed {
            ($q:expr) => {{
                let mut q = $q
                    .group_by(($($t::$col),+))
                    .select((
                        $($t::$col,)+
                        $(diesel::dsl::sql::<BigInt>(concat!("CAST(SUM(", $sum, ") AS BIGINT)")),)+
                    ))
                    .into_boxed();
                if let Some(s) = $slice.segment {
                    q = q.filter($t::segment.eq(s.as_str()));
                }
                if let Some(tier) = $slice.tier {
                    q = q.filter($t::tier.eq(tier.as_str()));
                }
                q.load($conn)?
            }};
        }
        match &$slice.territory {
            None => {
                use crate::db::schema::$weekly as $t;
                narrowed!($t::table.filter($cond))
            }
            Some(territory) => {
                use crate::db::schema::$twin as $t;
                narrowed!($t::table
                    .filter($cond)
                    .filter($t::territory_id.eq(&territory.id)))
            }
        }
    }};
}

/// (week, status, registrations, program units, won units).
pub type OutcomeCount = (NaiveDate, String, i64, i64, i64);

/// Outcome counts of the weeks from `first` to `last` (Mondays, both included) in a
/// slice.
pub fn outcomes(
    conn: &mut DbConnection,
    first: NaiveDate,
    last: NaiveDate,
    slice: &Slice,
) -> QueryResult<Vec<OutcomeCount>> {
    let rows: Vec<OutcomeCount> = sliced_sums!(
        conn,
        slice,
        weekly_outcomes | territory_outcomes,
        [week, status],
        ["registrations", "program_units", "won_units"],
        |t| t::week.between(first, last)
    );
    Ok(rows.into_iter().filter(|r| r.2 != 0).collect())
}

/// Decision counts of the weeks from `first` to `last` in a slice: (week, hours,
/// decisions), one row per week and hours.
pub fn decisions(
    conn: &mut DbConnection,
    first: NaiveDate,
    last: NaiveDate,
    slice: &Slice,
) -> QueryResult<Vec<(NaiveDate, i32, i64)>> {
    let rows: Vec<(NaiveDate, i32, i64)> = sliced_sums!(
        conn,
        slice,
        weekly_decisions | territory_decisions,
        [week, hours],
        ["registrations"],
        |t| t::week.between(first, last)
    );
    Ok(rows.into_iter().filter(|r| r.2 != 0).collect())
}

/// Approved registrations of a slice now, whatever week they were submitted, by segment and
/// tier: (segment, tier, registrations, program units). The protected pipeline, and what
/// the commission liability prices.
pub fn approved(
    conn: &mut DbConnection,
    slice: &Slice,
) -> QueryResult<Vec<(String, String, i64, i64)>> {
    let approved = Status::Approved.as_str();
    let rows: Vec<(String, String, i64, i64)> = sliced_sums!(
        conn,
        slice,
        weekly_outcomes | territory_outcomes,
        [segment, tier],
        ["registrations", "program_units"],
        |t| t::status.eq(approved)
    );
    Ok(rows.into_iter().filter(|r| r.2 != 0).collect())
}

/// Every organisation's closed deals (won and lost) now: what the leaderboards rank.
pub fn closed_by_org(conn: &mut DbConnection) -> QueryResult<Vec<OrgRow>> {
    org_outcomes::table
        .filter(org_outcomes::status.eq_any([Status::Won.as_str(), Status::Lost.as_str()]))
        .filter(org_outcomes::registrations.ne(0))
        .load(conn)
}

/// Registrations by status now, every organisation's added up: (status, registrations), in
/// the order of the statuses' names, without the empty ones.
pub fn by_status(conn: &mut DbConnection) -> QueryResult<Vec<(String, i64)>> {
    let rows: Vec<(String, i64)> = org_outcomes::table
        .group_by(org_outcomes::status)
        .select((
            org_outcomes::status,
            diesel::dsl::sql::<BigInt>("CAST(SUM(registrations) AS BIGINT)"),
        ))
        .order(org_outcomes::status)
        .load(conn)?;
    Ok(rows.into_iter().filter(|(_, n)| *n != 0).collect())
}

/// Every organisation's active registrations now (queued, in review, approved): what its
/// cap counts. (org id, active).
pub fn active_by_org(conn: &mut DbConnection) -> QueryResult<Vec<(String, i64)>> {
    let rows: Vec<(String, i64)> = org_outcomes::table
        .filter(org_outcomes::status.eq_any(Status::strs(&Status::ACTIVE)))
        .select((org_outcomes::org_id, org_outcomes::registrations))
        .load(conn)?;
    let mut sums: BTreeMap<String, i64> = Default::default();
    for (org_id, n) in rows {
        *sums.entry(org_id).or_default() += n;
    }
    Ok(sums.into_iter().filter(|(_, n)| *n != 0).collect())
}
