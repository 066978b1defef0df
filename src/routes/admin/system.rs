//! The System page: what an operator checks at a glance (this release, the database, the
//! backups and when the last one was made, whether metrics and jobs run here).

use actix_web::{HttpResponse, web};
use askama::Template;

use crate::auth::guard::{AdminOnly, Signed};
use crate::db::DatabaseUrl;
use crate::db::backup::{self, Stored};
use crate::error::AppError;
use crate::routes::layout::Layout;
use crate::routes::render;
use crate::state::AppState;

/// Backups listed; the folder may hold a year of them.
const SHOWN: usize = 30;

#[derive(Template)]
#[template(path = "admin/system.html")]
struct SystemPage {
    layout: Layout,
    version: &'static str,
    database: String,
    sqlite: bool,
    backups_dir: String,
    backups_keep: u32,
    backups: Vec<Stored>,
    more_backups: usize,
    metrics_on: bool,
    jobs_here: bool,
    jobs_interval_secs: u64,
}

impl SystemPage {
    fn size(&self, bytes: &u64) -> String {
        crate::domain::backup::size(*bytes)
    }

    fn made(&self, s: &Stored) -> String {
        s.made.map_or_else(
            || "—".to_owned(),
            |(at, _)| crate::domain::dates::date_time(at),
        )
    }

    fn reason(&self, s: &Stored) -> &'static str {
        use crate::domain::backup::Reason;
        match s.made.map(|m| m.1) {
            Some(Reason::Daily) => "daily",
            Some(Reason::Manual) => "by hand",
            Some(Reason::BeforeMigration) => "before an upgrade",
            None => "other file",
        }
    }
}

pub async fn show(
    signed: Signed<AdminOnly>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, AppError> {
    let config = &state.config;
    let dir = config.backups_dir();
    let listed = dir.clone();
    let mut backups = web::block(move || backup::list(&listed))
        .await
        .map_err(AppError::internal)?
        .map_err(AppError::internal)?;
    let more_backups = backups.len().saturating_sub(SHOWN);
    backups.truncate(SHOWN);
    let (database, sqlite) = match &config.database_url {
        DatabaseUrl::Sqlite(path) => (format!("SQLite, {path}"), true),
        DatabaseUrl::Postgres(raw) => (
            format!(
                "PostgreSQL on {}",
                url::Url::parse(raw)
                    .ok()
                    .and_then(|u| u.host_str().map(str::to_owned))
                    .unwrap_or_else(|| "(unknown host)".into())
            ),
            false,
        ),
    };
    render(&SystemPage {
        layout: Layout::signed(&signed, "/admin/system"),
        version: env!("CARGO_PKG_VERSION"),
        database,
        sqlite,
        backups_dir: dir.display().to_string(),
        backups_keep: config.backups_keep,
        backups,
        more_backups,
        metrics_on: config.metrics_token_sha256.is_some(),
        jobs_here: config.run_jobs,
        jobs_interval_secs: config.jobs_interval.as_secs(),
    })
}
