//! Web CRM import runs: one row per import or dry run started from the admin page. The
//! background worker (`workflow::import_run`) writes its progress after every batch and its
//! report at the end, so the run's page can show either, from any instance, after any reload.
//!
//! A run is `running` until its worker records `done` or `failed`. A worker that dies with its
//! process (a restart, a crash, a kill) records nothing, so a running row that has stayed
//! silent longer than [`SILENCE_LIMIT`] is taken for `interrupted` (see there).

use chrono::{NaiveDateTime, TimeDelta};
use diesel::prelude::*;

use crate::db::DbConnection;
use crate::db::schema::{import_runs, users};

/// Where a run stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum State {
    Running,
    Done,
    /// The file could not be read past its header, or the database refused a batch.
    Failed,
    /// The worker stopped without a word (see [`SILENCE_LIMIT`]).
    Interrupted,
}

impl State {
    pub fn as_str(self) -> &'static str {
        match self {
            State::Running => "running",
            State::Done => "done",
            State::Failed => "failed",
            State::Interrupted => "interrupted",
        }
    }

    /// An unknown value (a newer version's state) reads as failed: the page then says what
    /// it knows instead of refreshing forever.
    pub fn parse(s: &str) -> State {
        match s {
            "running" => State::Running,
            "done" => State::Done,
            "interrupted" => State::Interrupted,
            _ => State::Failed,
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            State::Running => "Running",
            State::Done => "Done",
            State::Failed => "Failed",
            State::Interrupted => "Interrupted",
        }
    }
}

/// How long a running import may go without writing its row before it counts as interrupted.
///
/// Why silence rather than "mark running rows interrupted at start-up": several instances
/// may share one database (and one SQLite file), so an instance that starts cannot tell a
/// run whose worker died from one that another instance is running right now. Silence can be
/// told apart: a live worker writes its row after every batch of 2,000 rows, which takes well
/// under a second (a batch waiting for SQLite's write lock gives up after its 10 s busy
/// timeout), so two minutes without a write means the worker is gone.
///
/// The judgement is made when someone looks (the run's page or the list of runs), by a
/// conditional update, so it needs no job and holds on every instance. Should a worker that
/// was only stalled write again, its row is running again: [`record_progress`],
/// [`finish`] and [`fail`] accept an interrupted row, so the page ends up telling what really
/// happened.
pub const SILENCE_LIMIT: TimeDelta = TimeDelta::minutes(2);

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = import_runs)]
pub struct ImportRun {
    pub id: String,
    pub started_by: String,
    pub file_name: String,
    pub dry_run: bool,
    pub state: String,
    pub rows_done: i64,
    pub rows_total: i64,
    /// The finished report as JSON (`workflow::crm_import::Report`).
    pub report: Option<String>,
    /// What the admin is told about a failure.
    pub error: Option<String>,
    /// After a dry run with valid rows: the stored upload its "Import" button sends.
    pub upload_id: Option<String>,
    pub started_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
    pub finished_at: Option<NaiveDateTime>,
}

impl ImportRun {
    pub fn state(&self) -> State {
        State::parse(&self.state)
    }
}

/// A run as the list of recent runs shows it: without its report.
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = import_runs)]
pub struct Listed {
    pub id: String,
    pub file_name: String,
    pub dry_run: bool,
    pub state: String,
    pub rows_done: i64,
    pub rows_total: i64,
    pub started_at: NaiveDateTime,
    pub finished_at: Option<NaiveDateTime>,
}

impl Listed {
    pub fn state(&self) -> State {
        State::parse(&self.state)
    }
}

/// A run about to start.
pub struct NewRun<'a> {
    pub id: &'a str,
    pub started_by: &'a str,
    pub file_name: &'a str,
    pub dry_run: bool,
}

pub fn insert(conn: &mut DbConnection, run: &NewRun<'_>, now: NaiveDateTime) -> QueryResult<()> {
    diesel::insert_into(import_runs::table)
        .values((
            import_runs::id.eq(run.id),
            import_runs::started_by.eq(run.started_by),
            import_runs::file_name.eq(run.file_name),
            import_runs::dry_run.eq(run.dry_run),
            import_runs::state.eq(State::Running.as_str()),
            import_runs::rows_done.eq(0i64),
            import_runs::rows_total.eq(0i64),
            import_runs::started_at.eq(now),
            import_runs::updated_at.eq(now),
        ))
        .execute(conn)?;
    Ok(())
}

/// The run and the name of the admin who started it. A running run whose worker has been
/// silent past [`SILENCE_LIMIT`] is marked interrupted first.
pub fn find(
    conn: &mut DbConnection,
    id: &str,
    now: NaiveDateTime,
) -> QueryResult<Option<(ImportRun, String)>> {
    let load = |conn: &mut DbConnection| {
        import_runs::table
            .inner_join(users::table)
            .filter(import_runs::id.eq(id))
            .select((ImportRun::as_select(), users::name))
            .first::<(ImportRun, String)>(conn)
            .optional()
    };
    let found = load(conn)?;
    match &found {
        Some((run, _)) if is_silent(run.state(), run.updated_at, now) => {
            interrupt_silent(conn, now)?;
            load(conn)
        }
        _ => Ok(found),
    }
}

/// The newest runs with who started them, newest first; silent ones marked interrupted.
pub fn recent(
    conn: &mut DbConnection,
    limit: i64,
    now: NaiveDateTime,
) -> QueryResult<Vec<(Listed, String)>> {
    let load = |conn: &mut DbConnection| {
        import_runs::table
            .inner_join(users::table)
            .order((import_runs::started_at.desc(), import_runs::id.desc()))
            .limit(limit)
            .select((Listed::as_select(), users::name))
            .load::<(Listed, String)>(conn)
    };
    let rows = load(conn)?;
    // Only the rows' state is read here; updated_at is not listed, so ask the database.
    if rows.iter().any(|(r, _)| r.state() == State::Running) && interrupt_silent(conn, now)? > 0 {
        return load(conn);
    }
    Ok(rows)
}

fn is_silent(state: State, updated_at: NaiveDateTime, now: NaiveDateTime) -> bool {
    state == State::Running && now - updated_at > SILENCE_LIMIT
}

/// Marks every running run whose worker has been silent past [`SILENCE_LIMIT`] as
/// interrupted, finished at its last sign of life. Returns how many.
pub fn interrupt_silent(conn: &mut DbConnection, now: NaiveDateTime) -> QueryResult<usize> {
    diesel::update(
        import_runs::table
            .filter(import_runs::state.eq(State::Running.as_str()))
            .filter(import_runs::updated_at.lt(now - SILENCE_LIMIT)),
    )
    .set((
        import_runs::state.eq(State::Interrupted.as_str()),
        import_runs::finished_at.eq(import_runs::updated_at.nullable()),
    ))
    .execute(conn)
}

/// The rows a worker may still write: its own running row, or one judged interrupted while
/// the worker was only slow.
fn live(
    id: &str,
) -> Box<
    dyn BoxableExpression<
            import_runs::table,
            crate::db::MultiBackend,
            SqlType = diesel::sql_types::Bool,
        >,
> {
    Box::new(
        import_runs::id
            .eq(id.to_owned())
            .and(import_runs::state.eq_any([State::Running.as_str(), State::Interrupted.as_str()])),
    )
}

/// Records `done` of `total` rows (the worker's heartbeat). False when the run is no longer
/// the worker's to write (it is finished).
pub fn record_progress(
    conn: &mut DbConnection,
    id: &str,
    done: u64,
    total: u64,
    now: NaiveDateTime,
) -> QueryResult<bool> {
    let n = diesel::update(import_runs::table.filter(live(id)))
        .set((
            import_runs::state.eq(State::Running.as_str()),
            import_runs::rows_done.eq(count(done)),
            import_runs::rows_total.eq(count(total)),
            import_runs::updated_at.eq(now),
            import_runs::finished_at.eq(None::<NaiveDateTime>),
        ))
        .execute(conn)?;
    Ok(n == 1)
}

/// Records the finished report (JSON) and, after a dry run, the upload kept for its button.
pub fn finish(
    conn: &mut DbConnection,
    id: &str,
    rows: u64,
    report: &str,
    upload_id: Option<&str>,
    now: NaiveDateTime,
) -> QueryResult<bool> {
    let n = diesel::update(import_runs::table.filter(live(id)))
        .set((
            import_runs::state.eq(State::Done.as_str()),
            import_runs::rows_done.eq(count(rows)),
            import_runs::rows_total.eq(count(rows)),
            import_runs::report.eq(report),
            import_runs::upload_id.eq(upload_id),
            import_runs::updated_at.eq(now),
            import_runs::finished_at.eq(now),
        ))
        .execute(conn)?;
    Ok(n == 1)
}

/// Records a failure with the message the admin is shown.
pub fn fail(
    conn: &mut DbConnection,
    id: &str,
    message: &str,
    now: NaiveDateTime,
) -> QueryResult<bool> {
    let n = diesel::update(import_runs::table.filter(live(id)))
        .set((
            import_runs::state.eq(State::Failed.as_str()),
            import_runs::error.eq(message),
            import_runs::updated_at.eq(now),
            import_runs::finished_at.eq(now),
        ))
        .execute(conn)?;
    Ok(n == 1)
}

fn count(n: u64) -> i64 {
    i64::try_from(n).unwrap_or(i64::MAX)
}
