//! The CRM account import page: upload a CSV export, see what a dry run would change, then
//! import the same file without uploading it again.
//!
//! An upload is streamed to a temporary file in `DATA_DIR/imports/` (never held in memory)
//! and refused past [`MAX_UPLOAD_BYTES`]. After a dry run the complete file is renamed to
//! `<random id>.csv` there, so the "Import" button names a file that is whole; it is removed
//! once imported, and any left behind are removed after [`KEEP_UPLOADS`].

use std::io::Write;
use std::path::{Path, PathBuf};

use actix_multipart::Multipart;
use actix_web::http::StatusCode;
use actix_web::http::header::CONTENT_LENGTH;
use actix_web::{HttpRequest, HttpResponse, web};
use askama::Template;
use futures_util::StreamExt;

use crate::auth::guard::{AdminOnly, Signed};
use crate::auth::token;
use crate::db::{self, models::crm};
use crate::domain::crm_import::Field;
use crate::domain::money::group_count;
use crate::error::AppError;
use crate::routes::layout::Layout;
use crate::routes::{render, render_with};
use crate::startup::AppState;
use crate::workflow::crm_import::{self, ImportError, Report};

/// The largest file the page accepts (about 400,000 typical rows).
pub const MAX_UPLOAD_BYTES: usize = 50 * 1024 * 1024;
/// How long a dry-run upload waits for its "Import" button.
const KEEP_UPLOADS: std::time::Duration = std::time::Duration::from_secs(24 * 3600);
/// Row errors listed on the page; the rest are counted.
const SHOWN_ERRORS: usize = 200;
const PATH: &str = "/admin/accounts/import";

/// One row of the accepted-headers table.
pub struct HeaderHelp {
    pub field: &'static str,
    pub headers: String,
    pub values: &'static str,
    pub required: bool,
}

fn header_help() -> Vec<HeaderHelp> {
    Field::ALL
        .iter()
        .map(|f| HeaderHelp {
            field: f.canonical(),
            headers: f
                .headers()
                .iter()
                .map(|h| format!("“{h}”"))
                .collect::<Vec<_>>()
                .join(", "),
            values: match f {
                Field::ExternalId => "The CRM's id of the account; up to 100 characters.",
                Field::Name => "Up to 200 characters.",
                Field::Website => "A domain or URL (acme.com, https://www.acme.com/about).",
                Field::Country => "ISO code (DE) or English name (Germany).",
                Field::Industry => "Free text, up to 100 characters.",
                Field::OwnerEmail => "The direct rep's email address.",
                Field::NamedAccount | Field::ReservedForDirect => {
                    "yes/no, true/false, 1/0, x; empty is no."
                }
            },
            required: f.required(),
        })
        .collect()
}

#[derive(Template)]
#[template(path = "admin/import.html")]
struct FormPage {
    layout: Layout,
    accounts: String,
    error: Option<String>,
    max_mb: usize,
    help: Vec<HeaderHelp>,
}

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
    dry_run: bool,
    /// `(label, count)` in the order shown.
    counts: Vec<(&'static str, String)>,
    valid_rows: String,
    can_import: bool,
    /// The stored upload the "Import" button sends, after a dry run.
    upload_id: Option<String>,
    columns: Vec<(String, String)>,
    ignored: String,
    updated: String,
    changes: Vec<ChangeRow>,
    errors: Vec<ErrorRow>,
    more_errors: String,
    accounts: String,
}

async fn account_count(state: &AppState) -> Result<String, AppError> {
    let n = db::run(&state.pool, |conn| Ok(crm::count(conn)?)).await?;
    Ok(group_count(n as u64))
}

async fn form_page(
    signed: &Signed<AdminOnly>,
    state: &AppState,
    status: StatusCode,
    error: Option<String>,
) -> Result<HttpResponse, AppError> {
    render_with(
        status,
        &FormPage {
            layout: Layout::signed(signed, PATH),
            accounts: account_count(state).await?,
            error,
            max_mb: MAX_UPLOAD_BYTES / (1024 * 1024),
            help: header_help(),
        },
    )
}

pub async fn show(
    signed: Signed<AdminOnly>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, AppError> {
    form_page(&signed, &state, StatusCode::OK, None).await
}

fn uploads_dir(state: &AppState) -> PathBuf {
    state.config.data_dir.join("imports")
}

/// An upload id as [`token::generate`] makes them; anything else names no file.
fn is_upload_id(id: &str) -> bool {
    id.len() == 43
        && id
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

fn stored_upload(dir: &Path, id: &str) -> PathBuf {
    dir.join(format!("{id}.csv"))
}

/// Removes dry-run uploads nobody imported. Best effort: a file that cannot be removed now
/// is tried again next time.
fn remove_stale_uploads(dir: &Path) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let stale = entry
            .metadata()
            .and_then(|m| m.modified())
            .ok()
            .and_then(|t| t.elapsed().ok())
            .is_some_and(|age| age > KEEP_UPLOADS);
        if stale {
            let _ = std::fs::remove_file(entry.path());
        }
    }
}

/// What the upload form sent.
struct Upload {
    file: Option<(tempfile::NamedTempFile, String, usize)>,
    dry_run: bool,
}

enum UploadError {
    TooLarge,
    Broken,
    Io(std::io::Error),
}

async fn receive(mut form: Multipart, dir: &Path) -> Result<Upload, UploadError> {
    let mut upload = Upload {
        file: None,
        dry_run: false,
    };
    while let Some(field) = form.next().await {
        let mut field = field.map_err(|_| UploadError::Broken)?;
        match field.name() {
            Some("file") if upload.file.is_none() => {
                let name = field
                    .content_disposition()
                    .and_then(|d| d.get_filename())
                    .unwrap_or("")
                    .to_owned();
                let tmp = tempfile::Builder::new()
                    .prefix("upload-")
                    .suffix(".part")
                    .tempfile_in(dir)
                    .map_err(UploadError::Io)?;
                let mut out = std::io::BufWriter::with_capacity(256 * 1024, tmp);
                let mut size = 0usize;
                while let Some(chunk) = field.next().await {
                    let chunk = chunk.map_err(|_| UploadError::Broken)?;
                    size += chunk.len();
                    if size > MAX_UPLOAD_BYTES {
                        return Err(UploadError::TooLarge);
                    }
                    out.write_all(&chunk).map_err(UploadError::Io)?;
                }
                let tmp = out
                    .into_inner()
                    .map_err(|e| UploadError::Io(e.into_error()))?;
                upload.file = Some((tmp, name, size));
            }
            Some("dry_run") => {
                upload.dry_run = true;
                while let Some(chunk) = field.next().await {
                    chunk.map_err(|_| UploadError::Broken)?;
                }
            }
            _ => {
                // Other fields (a CSRF token sent in the body, say) are read past.
                while let Some(chunk) = field.next().await {
                    chunk.map_err(|_| UploadError::Broken)?;
                }
            }
        }
    }
    Ok(upload)
}

fn too_large_message() -> String {
    format!(
        "The file is larger than {} MB, the most this page accepts. Split it into smaller \
         files, each with the header line, and import them one after another, or use \
         `truce import accounts FILE.csv` on the server.",
        MAX_UPLOAD_BYTES / (1024 * 1024)
    )
}

/// Runs the import (or dry run) of a file off the worker threads.
async fn run_import(
    state: &AppState,
    path: PathBuf,
    dry_run: bool,
) -> Result<Result<Report, ImportError>, AppError> {
    let now = state.clock.naive_now();
    db::run(&state.pool, move |conn| {
        Ok(crm_import::import_file(
            conn,
            &path,
            dry_run,
            now,
            |_, _| {},
        ))
    })
    .await
}

pub async fn upload(
    signed: Signed<AdminOnly>,
    state: web::Data<AppState>,
    req: HttpRequest,
    form: Multipart,
) -> Result<HttpResponse, AppError> {
    let is_upload = req
        .headers()
        .get(actix_web::http::header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.to_ascii_lowercase().starts_with("multipart/form-data"));
    if !is_upload {
        return form_page(
            &signed,
            &state,
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            Some(
                "Choose the file with the form below: this address takes file uploads only.".into(),
            ),
        )
        .await;
    }
    let declared = req
        .headers()
        .get(CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<usize>().ok());
    if declared.is_some_and(|n| n > MAX_UPLOAD_BYTES + 64 * 1024) {
        return form_page(
            &signed,
            &state,
            StatusCode::PAYLOAD_TOO_LARGE,
            Some(too_large_message()),
        )
        .await;
    }
    let dir = uploads_dir(&state);
    std::fs::create_dir_all(&dir).map_err(AppError::internal)?;
    let received = receive(form, &dir).await;
    let upload = match received {
        Ok(u) => u,
        Err(UploadError::TooLarge) => {
            return form_page(
                &signed,
                &state,
                StatusCode::PAYLOAD_TOO_LARGE,
                Some(too_large_message()),
            )
            .await;
        }
        Err(UploadError::Broken) => {
            return form_page(
                &signed,
                &state,
                StatusCode::BAD_REQUEST,
                Some("The upload was interrupted before the whole file arrived. Try again.".into()),
            )
            .await;
        }
        Err(UploadError::Io(e)) => return Err(AppError::internal(e)),
    };
    let Some((tmp, file_name, size)) = upload.file.filter(|(_, _, size)| *size > 0) else {
        return form_page(
            &signed,
            &state,
            StatusCode::UNPROCESSABLE_ENTITY,
            Some("Choose a CSV file to import: the upload held no file, or an empty one.".into()),
        )
        .await;
    };
    let dry_run = upload.dry_run;
    tracing::info!(admin = %signed.user.id, bytes = size, dry_run, "CRM import uploaded");
    let outcome = run_import(&state, tmp.path().to_owned(), dry_run).await?;
    let report = match outcome {
        Ok(report) => report,
        Err(e) => return import_failed(&signed, &state, e).await,
    };
    let mut upload_id = None;
    if dry_run && report.valid_rows() > 0 {
        let id = token::generate();
        let dir2 = dir.clone();
        let target = stored_upload(&dir, &id);
        web::block(move || {
            remove_stale_uploads(&dir2);
            tmp.persist(target)
        })
        .await
        .map_err(AppError::internal)?
        .map_err(|e| AppError::internal(e.error))?;
        upload_id = Some(id);
    }
    result_page(&signed, &state, file_name, report, upload_id).await
}

#[derive(serde::Deserialize)]
pub struct ConfirmForm {
    #[serde(default)]
    file_name: String,
}

/// Imports a file checked by a dry run, then removes it.
pub async fn confirm(
    signed: Signed<AdminOnly>,
    state: web::Data<AppState>,
    id: web::Path<String>,
    form: web::Form<ConfirmForm>,
) -> Result<HttpResponse, AppError> {
    let id = id.into_inner();
    let path = stored_upload(&uploads_dir(&state), &id);
    if !is_upload_id(&id) || !path.exists() {
        return form_page(
            &signed,
            &state,
            StatusCode::NOT_FOUND,
            Some(
                "That upload is no longer here: it was imported already, or it waited more \
                 than a day. Upload the file again."
                    .into(),
            ),
        )
        .await;
    }
    tracing::info!(admin = %signed.user.id, "CRM import confirmed after a dry run");
    let outcome = run_import(&state, path.clone(), false).await?;
    let _ = std::fs::remove_file(&path);
    match outcome {
        Ok(report) => result_page(&signed, &state, form.into_inner().file_name, report, None).await,
        Err(e) => import_failed(&signed, &state, e).await,
    }
}

async fn import_failed(
    signed: &Signed<AdminOnly>,
    state: &AppState,
    e: ImportError,
) -> Result<HttpResponse, AppError> {
    let status = match &e {
        ImportError::File(_) => StatusCode::UNPROCESSABLE_ENTITY,
        ImportError::Database { error, .. } => {
            tracing::error!(admin = %signed.user.id, error = ?error, "CRM import failed");
            StatusCode::INTERNAL_SERVER_ERROR
        }
    };
    let message = match &e {
        ImportError::File(inner) => inner.to_string(),
        ImportError::Database { saved, .. } => format!(
            "The database refused part of the import. The first {} rows were saved; importing \
             the file again is safe and finishes the job. If it keeps failing, the server log \
             has the cause.",
            group_count(*saved)
        ),
    };
    form_page(signed, state, status, Some(message)).await
}

async fn result_page(
    signed: &Signed<AdminOnly>,
    state: &AppState,
    file_name: String,
    r: Report,
    upload_id: Option<String>,
) -> Result<HttpResponse, AppError> {
    let (new, updated) = if r.dry_run {
        ("New accounts to add", "Accounts to update")
    } else {
        ("New accounts added", "Accounts updated")
    };
    let shown = r.errors.len().min(SHOWN_ERRORS);
    let more_errors = r.error_count() - shown as u64;
    render(&ResultPage {
        layout: Layout::signed(signed, PATH),
        file_name: if file_name.is_empty() {
            "the file".into()
        } else {
            file_name
        },
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
        upload_id,
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
            .take(SHOWN_ERRORS)
            .map(|e| ErrorRow {
                line: e.line,
                column: e.column,
                message: e.message,
            })
            .collect(),
        more_errors: group_count(more_errors),
        accounts: account_count(state).await?,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_generated_ids_name_an_upload() {
        assert!(is_upload_id(&token::generate()));
        assert!(!is_upload_id("../../etc/passwd"));
        assert!(!is_upload_id(&format!("{}/", &token::generate()[..42])));
        assert!(!is_upload_id(""));
    }
}
