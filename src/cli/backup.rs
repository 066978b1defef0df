//! `truce backup` and `truce restore`: the operator's side of `db::backup`.

use std::path::PathBuf;
use std::time::Instant;

use anyhow::bail;
use clap::Args;

use crate::clock::{Clock, SystemClock};
use crate::config::{DbArgs, LogFormat};
use crate::db::DatabaseUrl;
use crate::db::backup::{self, Checked, Progress};
use crate::domain::backup::size;
use crate::domain::dates::elapsed;
use crate::domain::money::group_count;
use crate::telemetry;

#[derive(Debug, Args)]
pub struct BackupArgs {
    #[command(flatten)]
    pub db: DbArgs,
    /// The file to write; it must not exist yet. Safe while the server runs.
    #[arg(long)]
    pub to: PathBuf,
}

#[derive(Debug, Args)]
pub struct RestoreArgs {
    #[command(flatten)]
    pub db: DbArgs,
    /// A backup written by `truce backup` (or by the server in DATA_DIR/backups).
    pub file: PathBuf,
    /// Replace the database even if it has changes newer than the backup (it is kept
    /// beside the restored one, not deleted).
    #[arg(long)]
    pub force: bool,
}

pub async fn backup(args: BackupArgs) -> anyhow::Result<()> {
    telemetry::init(LogFormat::Text);
    let url = args.db.database_url().map_err(anyhow::Error::msg)?;
    let Some(source) = backup::sqlite_file(&url).map(PathBuf::from) else {
        println!(
            "This database is PostgreSQL: back it up with PostgreSQL's own tool, which copies \
             it consistently while the server runs:\n\n    {}\n\n\
             Restore such a file with:\n\n    {}\n",
            pg_dump_command(&url, &args.to),
            pg_restore_command(&url, &args.to)
        );
        bail!("no backup written: run the pg_dump command above");
    };
    let target = args.to.clone();
    eprintln!("Backing up {} to {}…", source.display(), target.display());
    let started = Instant::now();
    let checked = actix_web::web::block(move || {
        let mut last = Instant::now();
        backup::copy(&source, &target, |progress| match progress {
            Progress::Written(bytes) if last.elapsed().as_secs() >= 2 => {
                last = Instant::now();
                eprintln!(
                    "  {} written ({})…",
                    size(bytes),
                    elapsed(started.elapsed())
                );
            }
            Progress::Written(_) => {}
            Progress::Checking => eprintln!(
                "  copied in {}; checking the copy (every page and index)…",
                elapsed(started.elapsed())
            ),
        })
    })
    .await??;
    println!(
        "Wrote {} ({}) in {}; SQLite's integrity check found no problem.",
        args.to.display(),
        size(checked.bytes),
        elapsed(started.elapsed())
    );
    print_contents(&checked);
    println!(
        "Restore it into a stopped data dir with `truce restore {}`.",
        args.to.display()
    );
    Ok(())
}

pub async fn restore(args: RestoreArgs) -> anyhow::Result<()> {
    telemetry::init(LogFormat::Text);
    let url = args.db.database_url().map_err(anyhow::Error::msg)?;
    let Some(target) = backup::sqlite_file(&url).map(PathBuf::from) else {
        println!(
            "This database is PostgreSQL: restore a pg_dump file with PostgreSQL's own tool, \
             with every Truce instance stopped:\n\n    {}\n",
            pg_restore_command(&url, &args.file)
        );
        bail!("nothing restored: run the pg_restore command above");
    };
    let file = args.file.clone();
    let force = args.force;
    let now = SystemClock.naive_now();
    let shown_target = target.clone();
    // A large backup takes a while to check (about 100 s for 4 GB): say what is going on.
    eprintln!(
        "Checking {} (every page and index) before it replaces anything…",
        args.file.display()
    );
    let restored =
        actix_web::web::block(move || backup::restore(&file, &target, force, now)).await??;
    println!(
        "Restored {} into {} ({}); SQLite's integrity check found no problem.",
        args.file.display(),
        shown_target.display(),
        size(restored.backup.bytes)
    );
    print_contents(&restored.backup);
    match &restored.kept {
        Some(kept) => println!(
            "The database that was there is kept as {}; delete it once the restored one serves \
             as expected.",
            kept.display()
        ),
        None => println!("There was no database there before."),
    }
    println!(
        "Start the server now: it applies any migrations this release adds (backing the \
         database up first)."
    );
    Ok(())
}

fn print_contents(checked: &Checked) {
    let rows: Vec<String> = checked
        .rows
        .iter()
        .map(|(table, n)| format!("{table} {}", group_count(u64::try_from(*n).unwrap_or(0))))
        .collect();
    println!("Rows: {}.", rows.join(", "));
    println!(
        "Schema version {}; last change recorded {}.",
        checked
            .snapshot
            .schema_version
            .as_deref()
            .unwrap_or("(none)"),
        checked
            .snapshot
            .last_change
            .map_or("(none)".to_owned(), |at| format!(
                "{} UTC",
                at.format("%Y-%m-%d %H:%M:%S")
            ))
    );
}

/// The URL as it may be shown: without its password.
fn shown_url(url: &DatabaseUrl) -> String {
    let DatabaseUrl::Postgres(raw) = url else {
        return String::new();
    };
    match url::Url::parse(raw) {
        Ok(mut u) if u.password().is_some() => {
            let _ = u.set_password(Some("PASSWORD"));
            u.to_string()
        }
        _ => raw.clone(),
    }
}

fn pg_dump_command(url: &DatabaseUrl, to: &std::path::Path) -> String {
    format!(
        "pg_dump --format=custom --file='{}' '{}'",
        to.display(),
        shown_url(url)
    )
}

fn pg_restore_command(url: &DatabaseUrl, from: &std::path::Path) -> String {
    format!(
        "pg_restore --clean --if-exists --no-owner --dbname='{}' '{}'",
        shown_url(url),
        from.display()
    )
}
