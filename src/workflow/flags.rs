//! Telling the channel managers about flags nobody emailed them about: those left by the
//! start-up key rebuild (`db::models::prospect_identity`), which runs before there is a mail
//! configuration to hand. The job runner calls [`notify_unnotified`]; each flag's email is
//! claimed with a conditional update, so several instances send it once.

use chrono::NaiveDateTime;
use diesel::QueryResult;

use crate::config::Config;
use crate::db::models::{flag, registration};
use crate::db::{DbConnection, write_tx};

/// Flags read per pass of the loop.
const BATCH: i64 = 50;

/// Emails the channel managers one notice per flag not yet notified. Returns how many.
pub fn notify_unnotified(
    conn: &mut DbConnection,
    config: &Config,
    now: NaiveDateTime,
) -> QueryResult<usize> {
    let mut sent = 0;
    loop {
        let flags = flag::unnotified(conn, BATCH)?;
        if flags.is_empty() {
            return Ok(sent);
        }
        for f in &flags {
            let told = write_tx(conn, |conn| -> QueryResult<bool> {
                if !flag::mark_notified(conn, &f.registration_id, f.kind, now)? {
                    return Ok(false);
                }
                let Some(reg) = registration::find(conn, &f.registration_id)? else {
                    return Ok(false);
                };
                super::notify::flagged(conn, config, &reg, f, now)?;
                Ok(true)
            })?;
            sent += usize::from(told);
        }
    }
}
