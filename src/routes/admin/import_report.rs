//! The report of a finished CRM import or dry run, as its run's page shows it: the counts,
//! the columns read, the first changes and the row errors with their line numbers.

use actix_web::HttpResponse;
use askama::Template;

use crate::auth::guard::{AdminOnly, Signed};
use crate::domain::money::group_count;
use crate::error::AppError;
use crate::routes::layout::Layout;
use crate::routes::render;
use crate::workflow::crm_import::Report;

use super::import_paths::PATH;

pub struct ErrorRow {
    pub line: u64,
    pub column: String,
    pub message: String,
}

pub struct ChangeRow {
    pub line: u64,
    pub external_id: String,
    pub name: String,
    pub changes: Vec<String>,
}

#[derive(Template)]
#[template(path = "admin/import_result.html")]
struct ResultPage {
    layout: Layout,
    file_name: String,
    /// "Ada Admin, 23 Nov 2026, 14:05 UTC; took 24.1 s".
    started: String,
    dry_run: bool,
    /// `(label, count)` in the order shown.
    counts: Vec<(&'static str, String)>,
    valid_rows: String,
    can_import: bool,
    /// The stored upload the "Import" button sends, after a dry run, while it is kept.
    upload_id: Option<String>,
    columns: Vec<(String, String)>,
    ignored: String,
    updated: String,
    changes: Vec<ChangeRow>,
    errors: Vec<ErrorRow>,
    more_errors: String,
    accounts: String,
}

/// What the page says about the run besides its report.
pub struct RunFacts {
    pub file_name: String,
    pub started: String,
    /// The dry run's upload, when it still waits for its button.
    pub upload_id: Option<String>,
    pub accounts: u64,
}

pub fn render_report(
    signed: &Signed<AdminOnly>,
    run: RunFacts,
    r: Report,
) -> Result<HttpResponse, AppError> {
    let (new, updated) = if r.dry_run {
        ("New accounts to add", "Accounts to update")
    } else {
        ("New accounts added", "Accounts updated")
    };
    let more_errors = r.error_count() - r.errors.len() as u64;
    render(&ResultPage {
        layout: Layout::signed(signed, PATH),
        file_name: run.file_name,
        started: run.started,
        dry_run: r.dry_run,
        counts: vec![
            ("Rows read", group_count(r.rows)),
            (new, group_count(r.created)),
            (updated, group_count(r.updated)),
            ("Unchanged", group_count(r.unchanged)),
            (
                "Rows skipped because of errors",
                group_count(r.invalid_rows),
            ),
        ],
        valid_rows: group_count(r.valid_rows()),
        can_import: r.valid_rows() > 0,
        upload_id: run.upload_id,
        columns: r
            .columns
            .iter()
            .map(|(f, h)| (f.canonical().to_owned(), h.clone()))
            .collect(),
        ignored: r.ignored.join(", "),
        updated: group_count(r.updated),
        changes: r
            .changes
            .iter()
            .map(|c| ChangeRow {
                line: c.line,
                external_id: c.external_id.clone(),
                name: c.name.clone(),
                changes: c
                    .fields
                    .iter()
                    .map(|f| format!("{}: {} → {}", f.field.label(), f.before, f.after))
                    .collect(),
            })
            .collect(),
        errors: r
            .errors
            .into_iter()
            .map(|e| ErrorRow {
                line: e.line,
                column: e.column,
                message: e.message,
            })
            .collect(),
        more_errors: group_count(more_errors),
        accounts: group_count(run.accounts),
    })
}
