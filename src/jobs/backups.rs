//! The daily backup of the embedded database, when `TRUCE_BACKUPS_KEEP` asks for it: a
//! checked copy in DATA_DIR/backups, then the oldest daily copies beyond the number to keep
//! are removed. PostgreSQL is backed up with its own tools, so nothing runs there.

use std::path::PathBuf;

use chrono::NaiveDateTime;

use crate::config::Config;
use crate::db::backup;
use crate::domain::backup::{Reason, daily_due, daily_to_remove, file_name};

/// Makes today's backup if one is due; returns its path.
pub fn daily(config: &Config, now: NaiveDateTime) -> anyhow::Result<Option<PathBuf>> {
    if config.backups_keep == 0 {
        return Ok(None);
    }
    let Some(source) = backup::sqlite_file(&config.database_url) else {
        return Ok(None);
    };
    let dir = config.backups_dir();
    let stored = backup::list(&dir)?;
    let last = stored
        .iter()
        .filter_map(|s| s.made)
        .filter(|(_, reason)| *reason == Reason::Daily)
        .map(|(at, _)| at)
        .max();
    if !daily_due(last, now) {
        return Ok(None);
    }
    let target = dir.join(file_name(now, Reason::Daily));
    let started = std::time::Instant::now();
    let checked = backup::copy(source, &target, |_| {})?;
    tracing::info!(
        file = %target.display(),
        bytes = checked.bytes,
        elapsed_ms = started.elapsed().as_millis() as u64,
        "daily backup written and checked"
    );
    let mut names: Vec<String> = stored.into_iter().map(|s| s.name).collect();
    names.push(file_name(now, Reason::Daily));
    for old in daily_to_remove(&names, config.backups_keep as usize) {
        let path = dir.join(&old);
        match std::fs::remove_file(&path) {
            Ok(()) => tracing::info!(file = %path.display(), "old daily backup removed"),
            Err(e) => {
                tracing::warn!(file = %path.display(), error = %e, "cannot remove an old daily backup")
            }
        }
    }
    Ok(Some(target))
}
