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
    loop {
        let ids = registration::ids_expiring_by(conn, now, BATCH)?;
        if ids.is_empty() {
            break;
        }
        let done = batch(
            conn,
            config,
            &ids,
            || Command::Expire,
            now,
            &mut out.longest_batch,
        )?;
        out.expired += done;
        progress(&out);
        if done == 0 {
            // Another instance expired this batch first; it will carry on.
            break;
        }
    }
    let mut skip = 0;
    loop {
        // The reminder goes N days before the end; rows already reminded are skipped by the
        // domain rule, so the scan moves on past them.
        let horizon = now + TimeDelta::days(reminder_days);
        let ids = registration::ids_due_for_reminder(conn, horizon, BATCH, skip)?;
        if ids.is_empty() {
            break;
        }
        let done = batch(
            conn,
            config,
            &ids,
            || Command::SendReminder,
            now,
            &mut out.longest_batch,
        )?;
        out.reminded += done;
        progress(&out);
        if done == 0 {
            skip += BATCH;
        }
    }
    loop {
        let ids = registration::ids_overdue(conn, now, BATCH)?;
        if ids.is_empty() {
            break;
        }
        let done = batch(
            conn,
            config,
            &ids,
            || Command::EscalateSla,
            now,
            &mut out.longest_batch,
        )?;
        out.escalated += done;
        progress(&out);
        if done == 0 {
            break;
        }
    }
    Ok(out)
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
