//! The registration sweeps: expire approved registrations whose window ended, remind
//! partners before it ends, and escalate reviews past their SLA. Each works in small
//! batches, one short write transaction per batch, and changes each row only if it is still
//! due, so the sweeps are idempotent, safe to run on several instances at once, and never
//! hold the write lock long enough to stall the pages.

use std::time::{Duration, Instant};

use chrono::{NaiveDateTime, TimeDelta};

use crate::config::Config;
use crate::db::models::{policy, registration};
use crate::db::{DbConnection, write_tx};
use crate::domain::lifecycle::Command;
use crate::workflow::transition::{ActError, Acting, act_under_policy};

/// Rows per write transaction: small enough that one batch holds the SQLite write lock for
/// tens of milliseconds, large enough that a big sweep does not crawl.
pub const BATCH: i64 = 200;

#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Outcome {
    pub expired: usize,
    pub reminded: usize,
    pub escalated: usize,
    /// The longest a single batch held its write transaction open.
    pub longest_batch: Duration,
}

impl Outcome {
    pub fn is_empty(&self) -> bool {
        self.expired == 0 && self.reminded == 0 && self.escalated == 0
    }
}

/// Runs all three sweeps until nothing is due. `progress` is told after every batch.
pub fn sweep(
    conn: &mut DbConnection,
    config: &Config,
    now: NaiveDateTime,
    progress: &mut dyn FnMut(&Outcome),
) -> anyhow::Result<Outcome> {
    let mut out = Outcome::default();
    let reminder_days = policy::current(conn)?.policy.reminder_days;
    let horizon = now + TimeDelta::days(reminder_days);
    drain(
        conn,
        config,
        now,
        &mut out,
        progress,
        || Command::Expire,
        |o| &mut o.expired,
        |c| registration::ids_expiring_by(c, now, BATCH),
    )?;
    drain(
        conn,
        config,
        now,
        &mut out,
        progress,
        || Command::SendReminder,
        |o| &mut o.reminded,
        |c| registration::ids_due_for_reminder(c, now, horizon, BATCH),
    )?;
    drain(
        conn,
        config,
        now,
        &mut out,
        progress,
        || Command::EscalateSla,
        |o| &mut o.escalated,
        |c| registration::ids_overdue(c, now, BATCH),
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
    out: &mut Outcome,
    progress: &mut dyn FnMut(&Outcome),
    command: fn() -> Command,
    tally: fn(&mut Outcome) -> &mut usize,
    select: impl Fn(&mut DbConnection) -> diesel::QueryResult<Vec<String>>,
) -> anyhow::Result<()> {
    loop {
        let ids = select(conn)?;
        if ids.is_empty() {
            return Ok(());
        }
        let done = batch(conn, config, &ids, command, now, &mut out.longest_batch)?;
        *tally(out) += done;
        progress(out);
        if done == 0 {
            return Ok(());
        }
    }
}

/// Applies one system command to each id in one transaction; rows another instance already
/// handled are refused by the domain rule and skipped.
fn batch(
    conn: &mut DbConnection,
    config: &Config,
    ids: &[String],
    command: fn() -> Command,
    now: NaiveDateTime,
    longest: &mut Duration,
) -> anyhow::Result<usize> {
    let started = Instant::now();
    let done = write_tx(conn, |conn| -> Result<usize, ActError> {
        let pv = policy::current(conn)?;
        let mut done = 0;
        for id in ids {
            match act_under_policy(conn, config, id, Acting::SYSTEM, command(), now, &pv) {
                Ok(_) => done += 1,
                Err(ActError::Refused(_) | ActError::NotFound) => {}
                Err(e) => return Err(e),
            }
        }
        Ok(done)
    })?;
    *longest = (*longest).max(started.elapsed());
    Ok(done)
}
