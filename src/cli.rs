//! The command line: `truce` (serve), `truce migrate`, `truce user add`, `truce import
//! accounts`, `truce backup`, `truce restore`, `truce audit verify`.

mod audit;
mod backup;

use std::io::{BufRead, IsTerminal};

use anyhow::{Context, bail};
use clap::{Args, Parser, Subcommand};

use crate::auth::password;
use crate::clock::{Clock, SharedClock, SystemClock};
use crate::config::HashParams;
use crate::config::{DbArgs, LogFormat, ServeArgs};
use crate::db::models::{audit as audit_log, org, user};
use crate::db::{self, write_tx};
use crate::domain::audit::{Action, SubjectKind, Who, subject};
use crate::domain::{password_policy, user::validate_user};
use crate::{Application, telemetry};

#[derive(Debug, Parser)]
#[command(
    name = "truce",
    version,
    about = "Truce partner portal: deal registration that ends channel conflict.",
    long_about = "Truce partner portal: deal registration that ends channel conflict.\n\n\
                  Without a command it runs the portal (same as `truce serve`). Every flag \
                  can also be set with the TRUCE_* environment variable shown next to it.",
    args_conflicts_with_subcommands = true
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Option<CliCommand>,

    #[command(flatten)]
    pub serve: ServeArgs,
}

#[derive(Debug, Subcommand)]
pub enum CliCommand {
    /// Run the portal (the default).
    Serve(ServeArgs),
    /// Apply pending database migrations and exit.
    Migrate(DbArgs),
    /// Manage users from the shell.
    #[command(subcommand)]
    User(UserCommand),
    /// Background jobs (email delivery, clean-up).
    #[command(subcommand)]
    Jobs(JobsCommand),
    /// Fill a fresh database with realistic demo data (organisations, users, registrations).
    Demo(crate::demo::DemoArgs),
    /// API tokens for scripts and CRM integrations (the JSON API).
    #[command(subcommand)]
    Token(TokenCommand),
    /// Import data from files.
    #[command(subcommand)]
    Import(ImportCommand),
    /// Copy the embedded database to a file while the server runs, and check the copy.
    Backup(backup::BackupArgs),
    /// Put a backup in place of the embedded database; the server must be stopped.
    Restore(backup::RestoreArgs),
    /// Print the API's OpenAPI 3.1 document (as served at /api/v1/openapi.json).
    Openapi,
    /// The audit log: check its hash chain.
    #[command(subcommand)]
    Audit(audit::AuditCommand),
}

#[derive(Debug, Subcommand)]
pub enum ImportCommand {
    /// Import CRM accounts from a CSV export (Salesforce, HubSpot or the portal's own column
    /// names). Accounts are matched by external id: new ones are added, changed ones updated.
    /// Rows with errors are skipped and listed with their line numbers; the other rows are
    /// imported.
    Accounts(ImportAccountsArgs),
}

#[derive(Debug, Args)]
pub struct ImportAccountsArgs {
    #[command(flatten)]
    pub db: DbArgs,
    /// The CSV file; its first line names the columns.
    pub file: std::path::PathBuf,
    /// Check the file and report what would change, without saving anything.
    #[arg(long)]
    pub dry_run: bool,
}

#[derive(Debug, Subcommand)]
pub enum TokenCommand {
    /// Create a bearer token for a sales, channel or admin user and print it (shown only once).
    Create(TokenCreateArgs),
}

#[derive(Debug, Args)]
pub struct TokenCreateArgs {
    #[command(flatten)]
    pub db: DbArgs,
    /// Email address of the sales, channel or admin user the token acts for.
    #[arg(long)]
    pub email: String,
    /// What the token is for, as listed on the user's API tokens page.
    #[arg(long, default_value = "created on the command line")]
    pub label: String,
    /// Let the token change data too (decisions, CRM accounts); without it, it only reads.
    #[arg(long)]
    pub write: bool,
}

#[derive(Debug, Subcommand)]
pub enum JobsCommand {
    /// Run every job once (deliver due emails, remove expired sessions) and exit.
    RunOnce(ServeArgs),
}

#[derive(Debug, Subcommand)]
pub enum UserCommand {
    /// Add a user; the password is read from standard input (one line).
    Add(UserAddArgs),
}

#[derive(Debug, Args)]
pub struct UserAddArgs {
    #[command(flatten)]
    pub db: DbArgs,
    /// Email address the user signs in with.
    #[arg(long)]
    pub email: String,
    /// partner, sales, channel or admin.
    #[arg(long)]
    pub role: String,
    /// Partner organisation name (partner users only); must exist unless --create-org.
    #[arg(long)]
    pub org: Option<String>,
    /// Create the partner organisation named by --org if it does not exist.
    #[arg(long)]
    pub create_org: bool,
    /// Display name; defaults to the part of the email before '@'.
    #[arg(long)]
    pub name: Option<String>,
    /// Partner users only: may manage their organisation's users.
    #[arg(long)]
    pub org_admin: bool,
}

pub async fn run(cli: Cli) -> anyhow::Result<()> {
    match cli.command {
        None => serve(cli.serve).await,
        Some(CliCommand::Serve(args)) => serve(args).await,
        Some(CliCommand::Migrate(args)) => migrate(args).await,
        Some(CliCommand::User(UserCommand::Add(args))) => add_user(args).await,
        Some(CliCommand::Jobs(JobsCommand::RunOnce(args))) => jobs_once(args).await,
        Some(CliCommand::Demo(args)) => crate::demo::run(args).await,
        Some(CliCommand::Token(TokenCommand::Create(args))) => create_token(args).await,
        Some(CliCommand::Openapi) => {
            println!(
                "{}",
                serde_json::to_string_pretty(crate::routes::api::v1::openapi::spec())?
            );
            Ok(())
        }
        Some(CliCommand::Import(ImportCommand::Accounts(args))) => import_accounts(args).await,
        Some(CliCommand::Backup(args)) => backup::backup(args).await,
        Some(CliCommand::Restore(args)) => backup::restore(args).await,
        Some(CliCommand::Audit(command)) => audit::run(command).await,
    }
}

/// Row errors printed before "and N more".
const PRINTED_ERRORS: usize = 50;

async fn import_accounts(args: ImportAccountsArgs) -> anyhow::Result<()> {
    use crate::domain::money::group_count;
    use crate::workflow::crm_import;

    telemetry::init(LogFormat::Text);
    let url = args.db.database_url().map_err(anyhow::Error::msg)?;
    let path = args.file.clone();
    let dry_run = args.dry_run;
    let now = SystemClock.naive_now();
    let started = std::time::Instant::now();
    let report = actix_web::web::block(move || -> anyhow::Result<crm_import::Report> {
        // The file first: a missing file or a header without the required columns is
        // reported before the database is opened.
        let file = std::fs::File::open(&path)
            .with_context(|| format!("cannot read {}", path.display()))?;
        crate::domain::crm_import::Reader::new(file)
            .with_context(|| format!("cannot import {}", path.display()))?;
        let pool = db::connect(&url, 1)?;
        let mut conn = pool.get().context("cannot connect to the database")?;
        db::migrate(&mut conn)?;
        let mut last_shown = (0u64, std::time::Instant::now());
        crm_import::import_file(&mut conn, &path, dry_run, now, |_, done, total| {
            if done > 0
                && done < total
                && (done - last_shown.0 >= 5_000 || last_shown.1.elapsed().as_secs() >= 1)
            {
                last_shown = (done, std::time::Instant::now());
                eprintln!("{} of {} rows…", group_count(done), group_count(total));
            }
        })
        .with_context(|| format!("cannot import {}", path.display()))
    })
    .await??;
    let r = &report;
    let name = args.file.display();
    let took = crate::domain::dates::elapsed(started.elapsed());
    if r.dry_run {
        println!("Dry run of {name}: nothing was saved ({took}).");
    } else {
        println!("Imported {name} in {took}.");
    }
    let (new, updated) = if r.dry_run {
        ("would be added", "would be updated")
    } else {
        ("added", "updated")
    };
    println!(
        "{} rows read: {} new accounts {new}, {} {updated}, {} unchanged, {} skipped because of errors.",
        group_count(r.rows),
        group_count(r.created),
        group_count(r.updated),
        group_count(r.unchanged),
        group_count(r.invalid_rows),
    );
    println!(
        "Rows with errors are skipped; the other rows {} imported. Accounts are matched by external id.",
        if r.dry_run { "would be" } else { "are" }
    );
    let read: Vec<String> = r
        .columns
        .iter()
        .map(|(field, header)| format!("{} ← \"{header}\"", field.label()))
        .collect();
    println!("Columns read: {}.", read.join(", "));
    if !r.ignored.is_empty() {
        println!("Columns not imported: {}.", r.ignored.join(", "));
    }
    if !r.changes.is_empty() {
        println!(
            "\nChanges (the first {} of {} updated accounts):",
            r.changes.len(),
            group_count(r.updated)
        );
        for c in &r.changes {
            println!(
                "  line {} ({}, {}): {}",
                c.line,
                c.external_id,
                c.name,
                c.describe()
            );
        }
    }
    if r.error_count() > 0 {
        println!("\nErrors:");
        for e in r.errors.iter().take(PRINTED_ERRORS) {
            if e.column.is_empty() {
                println!("  line {}: {}", e.line, e.message);
            } else {
                println!("  line {}, {}: {}", e.line, e.column, e.message);
            }
        }
        let more = r.error_count().saturating_sub(PRINTED_ERRORS as u64);
        if more > 0 {
            println!("  and {} more.", group_count(more));
        }
    }
    if r.rows == 0 {
        bail!("{name} has no data rows: nothing to import");
    }
    if r.valid_rows() == 0 {
        bail!("no row of {name} can be imported: fix the errors listed above and try again");
    }
    if r.dry_run {
        println!("\nRun the command again without --dry-run to import.");
    }
    Ok(())
}

async fn create_token(args: TokenCreateArgs) -> anyhow::Result<()> {
    telemetry::init(LogFormat::Text);
    let url = args.db.database_url().map_err(anyhow::Error::msg)?;
    let now = SystemClock.naive_now();
    let secret = actix_web::web::block(move || -> anyhow::Result<String> {
        let pool = db::connect(&url, 1)?;
        let mut conn = pool.get().context("cannot connect to the database")?;
        db::migrate(&mut conn)?;
        let Some(u) = user::find_by_email(&mut conn, &args.email)? else {
            bail!(
                "no user with email {}: create one first (`truce user add`)",
                args.email
            );
        };
        if u.disabled_at.is_some() {
            bail!(
                "{} is disabled: enable the user in the admin pages first",
                u.email
            );
        }
        if !crate::domain::api::may_hold_tokens(u.role()) {
            bail!(
                "{} is a {} user; API tokens are for sales, channel and admin users",
                u.email,
                u.role
            );
        }
        let (_, secret) = write_tx(&mut conn, |conn| {
            let scopes = if args.write {
                crate::domain::api::Scopes::READ_WRITE
            } else {
                crate::domain::api::Scopes::READ
            };
            let (token, secret) =
                crate::db::models::api_token::create(conn, &u.id, &args.label, scopes, now)?;
            audit_log::record(
                conn,
                &Who::SYSTEM,
                Action::ApiTokenCreated,
                &subject(SubjectKind::ApiToken, &token.id),
                Some(&format!(
                    "{} for {}, on the command line",
                    args.label, u.email
                )),
                now,
            )?;
            Ok::<_, diesel::result::Error>((token, secret))
        })?;
        Ok(secret)
    })
    .await??;
    println!("{secret}");
    eprintln!(
        "Send it as `Authorization: Bearer <token>`. It is shown only this once; revoke it at /account/tokens."
    );
    Ok(())
}

async fn serve(args: ServeArgs) -> anyhow::Result<()> {
    let config = args.validate().map_err(anyhow::Error::msg)?;
    telemetry::init(config.log_format);
    let clock: SharedClock = std::sync::Arc::new(SystemClock);
    let app = Application::build(config, clock).await?;
    tracing::info!(url = %app.base_url(), "Truce is running");
    if let Some(link) = app.setup_link() {
        tracing::warn!("no users yet: a one-time setup link was printed to standard output");
        println!(
            "\nNo users yet. Open this link within 1 hour to create the first administrator:\n\n    {link}\n\n\
             (Restart the server for a new link, or use `truce user add --role admin`.)\n"
        );
    }
    app.run_until_stopped().await?;
    Ok(())
}

async fn jobs_once(args: ServeArgs) -> anyhow::Result<()> {
    let config = args.validate().map_err(anyhow::Error::msg)?;
    telemetry::init(config.log_format);
    let clock: SharedClock = std::sync::Arc::new(SystemClock);
    let report = actix_web::web::block(move || -> anyhow::Result<_> {
        let pool = db::connect(&config.database_url, 2)?;
        db::migrate(&mut *pool.get().context("cannot connect to the database")?)?;
        Ok(crate::jobs::Jobs::new(&config, pool, clock)?.run_once())
    })
    .await??;
    let r = report.registrations;
    println!(
        "Registrations: {} expired, {} reminded, {} SLA breaches escalated.",
        r.expired, r.reminded, r.escalated
    );
    println!(
        "Disputes: {} SLA breaches escalated.",
        report.disputes_escalated
    );
    println!(
        "Flags: the channel managers were emailed about {} registration{} to decide.",
        report.flags_notified,
        if report.flags_notified == 1 { "" } else { "s" }
    );
    println!(
        "Conflict evidence: {} registrations in review matched again after CRM changes.",
        report.matched_again
    );
    println!(
        "Emails: {} sent, {} to retry, {} failed. Expired sessions removed: {}.",
        report.emails.sent, report.emails.retrying, report.emails.failed, report.sessions_removed
    );
    let w = report.webhooks;
    println!(
        "Webhooks: {} delivered, {} to retry, {} endpoint{} turned off for failing. Old idempotency keys removed: {}.",
        w.delivered,
        w.retrying,
        w.disabled,
        if w.disabled == 1 { "" } else { "s" },
        report.idempotency_keys_removed
    );
    if let Some(file) = &report.backup {
        println!("Daily backup written: {}.", file.display());
    }
    if !report.failed.is_empty() {
        anyhow::bail!(
            "these jobs failed (the log above says why; the others ran): {}",
            report.failed.join(", ")
        );
    }
    Ok(())
}

async fn migrate(args: DbArgs) -> anyhow::Result<()> {
    telemetry::init(LogFormat::Text);
    let url = args.database_url().map_err(anyhow::Error::msg)?;
    let applied = actix_web::web::block(move || -> anyhow::Result<usize> {
        let pool = db::connect(&url, 1)?;
        let mut conn = pool.get().context("cannot connect to the database")?;
        db::migrate(&mut conn)
    })
    .await??;
    println!("Database is up to date ({applied} migration(s) applied).");
    Ok(())
}

fn read_password() -> anyhow::Result<String> {
    let stdin = std::io::stdin();
    if stdin.is_terminal() {
        eprint!("Password for the new user (12-128 characters, shown as you type): ");
    }
    let mut line = String::new();
    stdin
        .lock()
        .read_line(&mut line)
        .context("cannot read the password from standard input")?;
    Ok(line.trim_end_matches(['\r', '\n']).to_owned())
}

async fn add_user(args: UserAddArgs) -> anyhow::Result<()> {
    telemetry::init(LogFormat::Text);
    let url = args.db.database_url().map_err(anyhow::Error::msg)?;
    let password = read_password()?;
    if let Err(message) = password_policy::check_new_password(&password, &args.email) {
        bail!("password refused: {message}");
    }
    let name = args
        .name
        .clone()
        .unwrap_or_else(|| args.email.split('@').next().unwrap_or_default().to_owned());
    let hash = password::hash_blocking(HashParams::default(), password).await?;
    let now = SystemClock.naive_now();
    let message = actix_web::web::block(move || -> anyhow::Result<String> {
        let pool = db::connect(&url, 1)?;
        let mut conn = pool.get().context("cannot connect to the database")?;
        db::migrate(&mut conn)?;
        write_tx(&mut conn, |conn| {
            let org_id = match &args.org {
                None => None,
                Some(org_name) => Some(match org::find_by_name(conn, org_name)? {
                    Some(o) => o.id,
                    None if args.create_org => {
                        let fields = crate::domain::org::validate_org(org_name, "registered", "active")
                            .map_err(|e| anyhow::anyhow!("--org: {}", e.get("name").unwrap_or("invalid name")))?;
                        org::insert(conn, &fields, now).map_err(|e| anyhow::anyhow!("cannot create the organisation: {e:?}"))?.id
                    }
                    None => bail!("no partner organisation named '{org_name}': create it in the admin pages, or add --create-org"),
                }),
            };
            let fields = validate_user(
                &args.email,
                &name,
                &args.role,
                org_id.as_deref().unwrap_or(""),
                args.org_admin,
            )
            .map_err(|errors| {
                let all: Vec<String> = errors.iter().map(|(f, m)| format!("--{}: {m}", f.replace('_', "-"))).collect();
                anyhow::anyhow!(all.join("; "))
            })?;
            match user::insert(conn, &fields, Some(&hash), now) {
                Ok(u) => {
                    let org_name = args.org.as_deref().filter(|_| u.org_id.is_some());
                    audit_log::record(
                        conn,
                        &Who::SYSTEM,
                        Action::UserCreated,
                        &subject(SubjectKind::User, &u.id),
                        Some(&format!(
                            "{}, on the command line",
                            crate::domain::user::describe(&u.name, &u.email, u.role, org_name)
                        )),
                        now,
                    )?;
                    Ok(format!("Added {} ({}) with id {}.", u.email, u.role, u.id))
                }
                Err(user::SaveUserError::EmailTaken) => bail!("a user with email {} already exists", fields.email),
                Err(user::SaveUserError::Db(e)) => Err(e.into()),
            }
        })
    })
    .await??;
    println!("{message}");
    Ok(())
}
