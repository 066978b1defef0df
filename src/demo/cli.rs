//! `truce demo`: its flags, and the run that checks them, hashes the one password, loads
//! the data off the async runtime and prints the summary.

use anyhow::{Context, bail};
use clap::Args;

use super::summary::print_summary;
use super::{DEFAULT_PASSWORD, EMAIL_DOMAIN, Spec, Summary, generate};
use crate::auth::password;
use crate::clock::{Clock, SystemClock};
use crate::config::{DbArgs, HashParams, LogFormat};
use crate::db;
use crate::db::models::policy;
use crate::domain::money::group_count;

/// `--small`: (registrations, organisations).
const SMALL: (u64, u64) = (3_000, 50);

#[derive(Debug, Clone, Args)]
pub struct DemoArgs {
    #[command(flatten)]
    pub db: DbArgs,
    /// A quick look: 3,000 registrations of 50 partner organisations, in a second or two.
    #[arg(long, conflicts_with_all = ["registrations", "orgs"])]
    pub small: bool,
    /// Registrations to create.
    #[arg(long, required_unless_present = "small")]
    pub registrations: Option<u64>,
    /// Partner organisations, one partner user each. Default: 2,000.
    #[arg(long)]
    pub orgs: Option<u64>,
    /// Registrations of the first organisation (partner1@demo.truce.test).
    /// Default: 10,000, at most half of --registrations.
    #[arg(long)]
    pub big_org: Option<u64>,
    /// Approved registrations whose protection has ended, for the expiry sweep.
    /// Default: 100,000, at most a tenth of --registrations.
    #[arg(long)]
    pub due: Option<u64>,
    /// CRM accounts (about one in two with direct opportunities).
    /// Default: one per 200 registrations, between 100 and 5,000.
    #[arg(long)]
    pub accounts: Option<u64>,
    /// Password of every demo user.
    #[arg(long, default_value = DEFAULT_PASSWORD)]
    pub password: String,
    /// Seed of the random choices; the same seed gives the same names and amounts.
    #[arg(long, default_value_t = 2026)]
    pub seed: u64,
}

/// `truce demo`.
pub async fn run(args: DemoArgs) -> anyhow::Result<()> {
    crate::telemetry::init(LogFormat::Text);
    let url = args.db.database_url().map_err(anyhow::Error::msg)?;
    let (registrations, orgs) = match args.small {
        true => (SMALL.0, SMALL.1),
        false => (
            args.registrations.unwrap_or(SMALL.0),
            args.orgs.unwrap_or(2_000),
        ),
    };
    let spec = Spec::new(registrations, orgs, args.big_org, args.due, args.seed)
        .map_err(anyhow::Error::msg)?;
    if args
        .accounts
        .is_some_and(|n| !(1..=10_000_000).contains(&n))
    {
        bail!("--accounts must be between 1 and 10,000,000");
    }
    let spec = Spec {
        accounts: args.accounts,
        ..spec
    };
    if let Err(message) = crate::domain::password_policy::check_new_password(
        &args.password,
        &format!("admin@{EMAIL_DOMAIN}"),
    ) {
        bail!("--password refused: {message}");
    }
    // One hash for every demo user: argon2 is slow on purpose.
    let hash = password::hash_blocking(HashParams::default(), args.password.clone()).await?;
    let now = SystemClock.naive_now();
    eprintln!(
        "Generating {} registrations for {} partner organisations into {} ...",
        group_count(spec.registrations),
        group_count(spec.orgs),
        match &url {
            db::DatabaseUrl::Sqlite(path) => path.clone(),
            db::DatabaseUrl::Postgres(_) => "PostgreSQL".into(),
        }
    );
    let run_spec = spec.clone();
    let summary = actix_web::web::block(move || -> anyhow::Result<Summary> {
        let pool = db::connect(&url, 1)?;
        let mut conn = pool
            .get()
            .context("cannot connect to the database; check --database-url")?;
        db::migrate(&mut conn)?;
        policy::ensure_initial(&mut conn, now)?;
        generate(&mut conn, &run_spec, &hash, now, &mut |line| {
            eprintln!("{line}")
        })
    })
    .await??;
    print_summary(&spec, &summary, &args.password);
    Ok(())
}
