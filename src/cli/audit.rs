//! `truce audit verify`: checks the audit log's hash chain and says what to do when it is
//! broken.

use std::time::{Duration, Instant};

use anyhow::{Context, bail};
use clap::{Args, Subcommand};

use crate::config::{DbArgs, LogFormat};
use crate::db;
use crate::domain::dates::{date_time_seconds, elapsed};
use crate::domain::money::group_count;
use crate::telemetry;
use crate::workflow::audit::verify as check;

#[derive(Debug, Subcommand)]
pub enum AuditCommand {
    /// Check that no audit event was changed, deleted or added outside Truce: walks the
    /// hash chain from the first event to the last (constant memory; progress on standard
    /// error) and prints "N events, chain intact" or the first broken link. Exits with
    /// status 1 when the chain is broken. Safe while the server runs.
    Verify(VerifyArgs),
}

#[derive(Debug, Args)]
pub struct VerifyArgs {
    #[command(flatten)]
    pub db: DbArgs,
}

/// How often a long check says how far it got.
const PROGRESS_EVERY: Duration = Duration::from_secs(3);

pub async fn run(command: AuditCommand) -> anyhow::Result<()> {
    match command {
        AuditCommand::Verify(args) => verify(args).await,
    }
}

async fn verify(args: VerifyArgs) -> anyhow::Result<()> {
    telemetry::init(LogFormat::Text);
    let url = args.db.database_url().map_err(anyhow::Error::msg)?;
    let started = Instant::now();
    let found = actix_web::web::block(move || -> anyhow::Result<_> {
        let pool = db::connect(&url, 1)?;
        let mut conn = pool.get().context("cannot connect to the database")?;
        db::migrate(&mut conn)?;
        let walk = Instant::now();
        let mut last = Instant::now();
        let found = check(&mut conn, |done, total| {
            if last.elapsed() >= PROGRESS_EVERY {
                last = Instant::now();
                let pct = (done * 100).checked_div(total).unwrap_or(100);
                eprintln!(
                    "{} of {} events checked ({pct}%)…",
                    group_count(done),
                    group_count(total)
                );
            }
        })
        .context("cannot read the audit events")?;
        Ok((found, walk.elapsed()))
    })
    .await??;
    let (found, walked) = found;
    match found {
        Ok(intact) => {
            println!(
                "{} events, chain intact ({}).",
                group_count(intact.events),
                elapsed(walked)
            );
            if intact.events > 0 {
                println!(
                    "Event {} ends the chain with hash {}. Keep this line outside this \
                     database: if that event's hash (the hash column of /admin/audit.csv) \
                     ever differs from it, the log was rewritten, even if the chain checks out.",
                    group_count(intact.events),
                    intact.last_hash
                );
            }
            tracing::debug!(total = ?started.elapsed(), "audit chain verified");
            Ok(())
        }
        Err(b) => {
            match &b.event {
                Some(e) => println!(
                    "The audit chain is broken at event {} (id {}, recorded {}): {}.",
                    group_count(u64::try_from(e.seq).unwrap_or(0)),
                    e.id,
                    date_time_seconds(e.at),
                    b.describe()
                ),
                None => println!("The audit chain is broken: {}.", b.describe()),
            }
            println!(
                "The events before it are intact; nothing after it can be trusted until this \
                 is explained."
            );
            bail!(
                "the audit chain is broken. Keep this database as it is (copy it with `truce \
                 backup`, or pg_dump), compare the event with the same one in a backup taken \
                 before it to see what changed, find out who had write access to the \
                 database, and report it to whoever is responsible for security"
            )
        }
    }
}
