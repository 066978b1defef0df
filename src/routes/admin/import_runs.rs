//! The page of one CRM import run: its progress while it runs (refreshing itself, no script),
//! then its report, or what went wrong and what to do next.

use actix_web::{HttpResponse, web};
use askama::Template;

use crate::auth::guard::{AdminOnly, Signed};
use crate::db::models::import_run::{self, ImportRun, State};
use crate::db::{self, models::crm};
use crate::domain::dates::date_time;
use crate::domain::money::group_count;
use crate::error::AppError;
use crate::routes::layout::Layout;
use crate::routes::render;
use crate::state::AppState;
use crate::workflow::crm_import::{BATCH_ROWS, Report};
use crate::workflow::crm_uploads;

use super::import_paths::{PATH, run_path};
use super::import_report::{RunFacts, render_report};

/// How often a running import's page reloads itself.
const REFRESH_SECONDS: u32 = 2;

#[derive(Template)]
#[template(path = "admin/import_run.html")]
struct RunPage {
    layout: Layout,
    file_name: String,
    started: String,
    dry_run: bool,
    state: State,
    /// Seconds between reloads while running; `None` once the run has ended.
    refresh: Option<u32>,
    rows_done: i64,
    rows_total: i64,
    /// "12,000".
    done: String,
    /// "100,000".
    total: String,
    percent: i64,
    error: String,
    /// When the worker was last heard of.
    last_seen: String,
    batch_rows: String,
}

/// A recent run as the list under the form shows it.
pub struct RecentRun {
    pub href: String,
    pub file_name: String,
    pub kind: &'static str,
    pub state: &'static str,
    /// CSS class of the state's badge.
    pub badge: &'static str,
    /// "12,000 of 100,000" while running, "100,000" once done.
    pub rows: String,
    pub started_by: String,
    pub started_at: String,
}

impl RecentRun {
    pub fn new(run: import_run::Listed, started_by: String) -> RecentRun {
        let state = run.state();
        let done = group_count(run.rows_done.max(0) as u64);
        RecentRun {
            href: run_path(&run.id),
            file_name: shown_file_name(&run.file_name),
            kind: if run.dry_run { "Dry run" } else { "Import" },
            state: state.label(),
            badge: match state {
                State::Running => "warn",
                State::Done => "ok",
                State::Failed | State::Interrupted => "bad",
            },
            rows: match state {
                State::Done => done,
                _ if run.rows_total > 0 => {
                    format!("{done} of {}", group_count(run.rows_total as u64))
                }
                _ => done,
            },
            started_by,
            started_at: date_time(run.started_at),
        }
    }
}

/// "the file" when the upload had no name.
pub fn shown_file_name(name: &str) -> String {
    if name.trim().is_empty() {
        "the file".into()
    } else {
        name.to_owned()
    }
}

fn started(run: &ImportRun, by: &str) -> String {
    let mut s = format!("{by}, {}", date_time(run.started_at));
    if let Some(end) = run.finished_at
        && run.state() == State::Done
    {
        let took = (end - run.started_at).to_std().unwrap_or_default();
        s.push_str(&format!("; took {}", crate::domain::dates::elapsed(took)));
    }
    s
}

/// What the page needs, read in one go off the actix threads.
struct Loaded {
    run: ImportRun,
    started_by: String,
    accounts: u64,
    upload_waiting: bool,
}

pub async fn show(
    signed: Signed<AdminOnly>,
    state: web::Data<AppState>,
    id: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    let id = id.into_inner();
    let now = state.clock.naive_now();
    let uploads = crm_uploads::dir(&state.config.data_dir);
    let loaded = db::run(&state.pool, move |conn| {
        let (run, started_by) = import_run::find(conn, &id, now)?.ok_or(AppError::NotFound)?;
        let done = run.state() == State::Done;
        let accounts = if done { crm::count(conn)? as u64 } else { 0 };
        let upload_waiting = run
            .upload_id
            .as_deref()
            .is_some_and(|u| crm_uploads::is_waiting(&uploads, u));
        Ok(Loaded {
            run,
            started_by,
            accounts,
            upload_waiting,
        })
    })
    .await?;
    let run = &loaded.run;
    if run.state() == State::Done {
        match run.report.as_deref().map(serde_json::from_str::<Report>) {
            Some(Ok(report)) => {
                return render_report(
                    &signed,
                    RunFacts {
                        file_name: shown_file_name(&run.file_name),
                        started: started(run, &loaded.started_by),
                        upload_id: run.upload_id.clone().filter(|_| loaded.upload_waiting),
                        accounts: loaded.accounts,
                    },
                    report,
                );
            }
            other => {
                let e = other.and_then(Result::err);
                tracing::error!(run = %run.id, error = ?e, "a finished import's report cannot be read");
                return progress_page(
                    &signed,
                    &loaded,
                    State::Done,
                    "The import finished, but its report cannot be shown (it was stored by \
                     another version of the portal). The lock check finds the imported accounts.",
                );
            }
        }
    }
    let error = run.error.clone().unwrap_or_default();
    progress_page(&signed, &loaded, run.state(), &error)
}

fn progress_page(
    signed: &Signed<AdminOnly>,
    loaded: &Loaded,
    state: State,
    error: &str,
) -> Result<HttpResponse, AppError> {
    let run = &loaded.run;
    let (done, total) = (run.rows_done.max(0), run.rows_total.max(0));
    render(&RunPage {
        layout: Layout::signed(signed, PATH),
        file_name: shown_file_name(&run.file_name),
        started: started(run, &loaded.started_by),
        dry_run: run.dry_run,
        state,
        refresh: (state == State::Running).then_some(REFRESH_SECONDS),
        rows_done: done,
        rows_total: total,
        done: group_count(done as u64),
        total: group_count(total as u64),
        percent: if total > 0 { done * 100 / total } else { 0 },
        error: error.to_owned(),
        last_seen: date_time(run.updated_at),
        batch_rows: group_count(BATCH_ROWS as u64),
    })
}
