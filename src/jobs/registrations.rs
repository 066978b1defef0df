//! The registration sweeps: expire approved registrations whose window ended, remind
//! partners before it ends, and escalate reviews past their SLA. Each works in short write
//! transactions (at most [`BATCH`] rows on SQLite, holding the lock about [`BATCH_BUDGET`] in all,
//! commit included), and changes each row only if it is still due, so the sweeps are
//! idempotent, safe to run on several instances at once, and never hold the write lock long
//! enough to stall the pages.

use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use chrono::{NaiveDateTime, TimeDelta};

use crate::config::Config;
use crate::db::models::{policy, registration};
use crate::db::{self, DbConnection, write_tx};
use crate::domain::lifecycle::Command;
use crate::workflow::transition::{ActError, BatchInput, system_batch};

/// Rows fetched per write transaction on SQLite, whose one write lock every page's write
/// waits for: a batch takes about [`BATCH_BUDGET`].
pub const BATCH: i64 = 100;

/// Rows fetched per transaction on PostgreSQL, where a batch locks only its own rows and
/// their prospect keys and holds up no page: larger batches share out what each costs
/// whatever its size (selecting the next ids, reading the rows, the policy, the gathered
/// writes' statements, the commit), and raise each organisation's figures version once for
/// more of its rows, so fewer summaries are recomputed while the sweep runs. A user acting
/// on one of the batch's rows waits for the batch, about 0.2 s.
pub const BATCH_SHARED: i64 = 500;

fn batch_rows(conn: &DbConnection) -> i64 {
    if db::single_writer(conn) {
        BATCH
    } else {
        BATCH_SHARED
    }
}

/// How long one transaction may hold the write lock, its commit included: a batch stops
/// taking rows when the time spent plus the commit its rows are expected to need (see
/// [`Pace`]) reaches it; the rows it did not reach stay due for the next one. Pages wait at
/// most about this long for the write lock.
pub const BATCH_BUDGET: Duration = Duration::from_millis(40);

/// What the commit of one changed row is taken to cost before a sweep has measured any: on
/// SQLite at a million registrations, writing a row's pages (the row, its index entries,
/// its audit event and email) to the WAL took 0.1–0.7 ms.
const COMMIT_PER_ROW: Duration = Duration::from_micros(500);

/// The commit cost per row, learned from the sweep's own commits: the slowest recent one
/// counts most, so a slow disk shrinks the batches at once and they grow back slowly.
#[derive(Debug, Clone, Copy)]
struct Pace {
    commit_per_row: Duration,
}

impl Default for Pace {
    fn default() -> Self {
        Pace {
            commit_per_row: COMMIT_PER_ROW,
        }
    }
}

impl Pace {
    /// Whether a batch that has held the lock for `held` with `rows` changed may take
    /// another row.
    fn more(&self, held: Duration, rows: usize) -> bool {
        let rows = u32::try_from(rows + 1).unwrap_or(u32::MAX);
        held + self.commit_per_row.saturating_mul(rows) < BATCH_BUDGET
    }

    fn learn(&mut self, timing: &BatchTiming) {
        let Some(rows) = u32::try_from(timing.rows).ok().filter(|&r| r > 0) else {
            return;
        };
        let seen = timing.commit / rows;
        self.commit_per_row = if seen > self.commit_per_row {
            seen
        } else {
            (self.commit_per_row * 7 + seen) / 8
        };
    }
}

/// How often the SQLite WAL is checkpointed while a sweep runs.
const CHECKPOINT_EVERY: Duration = Duration::from_secs(1);

#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct SweepReport {
    pub expired: usize,
    pub reminded: usize,
    pub escalated: usize,
    /// The batch that held its write transaction open longest (from the lock to the end of
    /// its commit).
    pub longest_batch: BatchTiming,
}

/// Where one batch's time under the write lock went.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct BatchTiming {
    /// Rows the batch changed.
    pub rows: usize,
    /// From the lock to the end of the last row's work.
    pub work: Duration,
    /// The COMMIT (on SQLite, writing the transaction's pages to the WAL).
    pub commit: Duration,
}

impl BatchTiming {
    pub fn held(&self) -> Duration {
        self.work + self.commit
    }
}

impl std::fmt::Display for BatchTiming {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{} ms ({} rows, {} ms work, {} ms commit)",
            self.held().as_millis(),
            self.rows,
            self.work.as_millis(),
            self.commit.as_millis()
        )
    }
}

impl SweepReport {
    pub fn is_empty(&self) -> bool {
        self.expired == 0 && self.reminded == 0 && self.escalated == 0
    }
}

/// Runs all three sweeps until nothing is due. `progress` is told after every batch.
pub fn sweep(
    conn: &mut DbConnection,
    config: &Config,
    now: NaiveDateTime,
    progress: &mut dyn FnMut(&SweepReport),
) -> anyhow::Result<SweepReport> {
    if !db::single_writer(conn) {
        return sweep_all(conn, config, now, progress);
    }
    // The sweep's commits do not checkpoint (each would wait for it); a second connection
    // checkpoints beside the sweep instead. Switched back on whatever happens, as the
    // connection returns to the pool.
    db::auto_checkpoint(conn, false)?;
    db::bulk_cache(conn, Some(256))?;
    let stop = AtomicBool::new(false);
    let result = std::thread::scope(|scope| {
        scope.spawn(|| checkpoint_until(&config.database_url, &stop));
        let result = sweep_all(conn, config, now, progress);
        stop.store(true, Ordering::Relaxed);
        result
    });
    let restored = db::auto_checkpoint(conn, true)
        .and_then(|()| db::bulk_cache(conn, None))
        .and_then(|()| db::checkpoint(conn));
    let out = result?;
    restored?;
    Ok(out)
}

/// Checkpoints the SQLite WAL every [`CHECKPOINT_EVERY`] on its own connection until `stop`,
/// so that copying the sweep's pages into the database overlaps the sweep's work. A failure
/// is logged and ends the checkpoints; the sweep's last checkpoint then catches up.
fn checkpoint_until(url: &db::DatabaseUrl, stop: &AtomicBool) {
    let mut conn = match db::open(url) {
        Ok(conn) => conn,
        Err(e) => {
            tracing::warn!(error = %e, "no checkpoint connection; checkpointing after the sweep");
            return;
        }
    };
    let mut last = Instant::now();
    while !stop.load(Ordering::Relaxed) {
        std::thread::sleep(Duration::from_millis(50));
        if last.elapsed() >= CHECKPOINT_EVERY {
            if let Err(e) = db::checkpoint(&mut conn) {
                tracing::warn!(error = %e, "checkpoint failed; checkpointing after the sweep");
                return;
            }
            last = Instant::now();
        }
    }
}

fn sweep_all(
    conn: &mut DbConnection,
    config: &Config,
    now: NaiveDateTime,
    progress: &mut dyn FnMut(&SweepReport),
) -> anyhow::Result<SweepReport> {
    let mut out = SweepReport::default();
    let mut pace = Pace::default();
    let reminder_days = policy::current(conn)?.value.reminder_days;
    let horizon = now + TimeDelta::days(reminder_days);
    let rows = batch_rows(conn);
    drain(
        conn,
        config,
        now,
        &mut out,
        &mut pace,
        progress,
        || Command::Expire,
        |o| &mut o.expired,
        |c| registration::ids_expiring_by(c, now, rows),
    )?;
    drain(
        conn,
        config,
        now,
        &mut out,
        &mut pace,
        progress,
        || Command::SendReminder,
        |o| &mut o.reminded,
        |c| registration::ids_due_for_reminder(c, now, horizon, rows),
    )?;
    drain(
        conn,
        config,
        now,
        &mut out,
        &mut pace,
        progress,
        || Command::EscalateSla,
        |o| &mut o.escalated,
        |c| registration::ids_overdue(c, now, rows),
    )?;
    Ok(out)
}

/// Applies `command` to batches of due ids until none are left. A batch in which nothing
/// was done means another instance got there first; it carries on, so this one stops.
#[expect(
    clippy::too_many_arguments,
    reason = "one sweep's parts: what to select, do and count"
)]
fn drain(
    conn: &mut DbConnection,
    config: &Config,
    now: NaiveDateTime,
    out: &mut SweepReport,
    pace: &mut Pace,
    progress: &mut dyn FnMut(&SweepReport),
    command: fn() -> Command,
    tally: fn(&mut SweepReport) -> &mut usize,
    select: impl Fn(&mut DbConnection) -> diesel::QueryResult<Vec<String>>,
) -> anyhow::Result<()> {
    loop {
        let ids = select(conn)?;
        if ids.is_empty() {
            return Ok(());
        }
        let timing = batch(conn, config, &ids, command, now, pace)?;
        pace.learn(&timing);
        if timing.held() > out.longest_batch.held() {
            out.longest_batch = timing;
        }
        let done = timing.rows;
        *tally(out) += done;
        progress(out);
        if done == 0 {
            return Ok(());
        }
    }
}

/// Applies one system command to the ids in one transaction, until the ids or the
/// [`BATCH_BUDGET`] run out; rows another instance already handled are refused by the domain
/// rule and skipped.
fn batch(
    conn: &mut DbConnection,
    config: &Config,
    ids: &[String],
    command: fn() -> Command,
    now: NaiveDateTime,
    pace: &Pace,
) -> anyhow::Result<BatchTiming> {
    // Everything the batch only reads is read before the lock is taken.
    let mut input = BatchInput::read(conn, ids)?;
    // Only SQLite has one write lock for the whole database: PostgreSQL's batch locks its
    // own rows and prospect keys, holds up no page, and is held to [`BATCH_SHARED`] rows alone.
    let single_writer = db::single_writer(conn);
    // The lock is held from BEGIN IMMEDIATE's return to the end of COMMIT; waiting for it
    // (behind another writer) does not count.
    let mut locked_at = Instant::now();
    let mut worked_at = locked_at;
    let done = write_tx(conn, |conn| -> Result<usize, ActError> {
        locked_at = Instant::now();
        let pv = policy::current(conn)?;
        let done = system_batch(conn, config, &mut input, command, now, &pv, |rows| {
            !single_writer || pace.more(locked_at.elapsed(), rows)
        });
        worked_at = Instant::now();
        done
    })?;
    Ok(BatchTiming {
        rows: done,
        work: worked_at - locked_at,
        commit: worked_at.elapsed(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn timing(rows: usize, commit_ms: u64) -> BatchTiming {
        BatchTiming {
            rows,
            work: Duration::from_millis(20),
            commit: Duration::from_millis(commit_ms),
        }
    }

    #[test]
    fn a_batch_leaves_room_for_its_commit() {
        let pace = Pace {
            commit_per_row: Duration::from_millis(1),
        };
        // 10 ms spent, 28 rows done: with a 29th, 10 + 29 ms of commit stays under 40 ms.
        assert!(pace.more(Duration::from_millis(10), 28));
        assert!(!pace.more(Duration::from_millis(10), 29));
        // Nothing fits once the time alone is spent.
        assert!(!pace.more(BATCH_BUDGET, 0));
    }

    #[test]
    fn a_slow_commit_shrinks_the_batches_at_once_and_they_grow_back_slowly() {
        let mut pace = Pace::default();
        pace.learn(&timing(50, 100)); // 2 ms a row
        assert_eq!(pace.commit_per_row, Duration::from_millis(2));
        pace.learn(&timing(100, 0));
        assert_eq!(pace.commit_per_row, Duration::from_micros(1750));
        // A batch that changed nothing teaches nothing.
        pace.learn(&timing(0, 500));
        assert_eq!(pace.commit_per_row, Duration::from_micros(1750));
    }
}
