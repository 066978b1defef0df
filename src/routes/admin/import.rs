//! The CRM account import page: upload a CSV export, then follow the import (or its dry
//! run) on its run's page (`import_runs`), which shows the progress and then the report. After
//! a dry run, its "Import" button imports the same file without uploading it again.
//!
//! An upload is streamed to a temporary file in `DATA_DIR/imports/` (never held in memory)
//! and refused past [`MAX_UPLOAD_BYTES`]; its header is checked before the run starts, so a
//! file that cannot be imported at all is refused at once with the form (see
//! `workflow::crm_uploads` for what is kept there and for how long).

use std::io::Write;
use std::path::Path;

use actix_multipart::Multipart;
use actix_web::http::StatusCode;
use actix_web::http::header::CONTENT_LENGTH;
use actix_web::{HttpRequest, HttpResponse, web};
use askama::Template;
use futures_util::StreamExt;

use crate::auth::guard::{AdminOnly, Signed};
use crate::db::models::import_run;
use crate::db::{self, models::crm};
use crate::domain::crm_import::Field;
use crate::error::AppError;
use crate::routes::layout::Layout;
use crate::routes::{render_with, see_other};
use crate::state::AppState;
use crate::workflow::crm_import;
use crate::workflow::crm_uploads;
use crate::workflow::import_run::Job;

use super::import_paths::{PATH, run_path};
use super::import_runs::RecentRun;

/// The largest file the page accepts (about 400,000 typical rows).
pub const MAX_UPLOAD_BYTES: usize = 50 * 1024 * 1024;
/// Runs listed under the form.
const RECENT_RUNS: i64 = 10;
/// The longest file name kept with a run.
const MAX_FILE_NAME: usize = 200;

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
    runs: Vec<RecentRun>,
}

async fn form_page(
    signed: &Signed<AdminOnly>,
    state: &AppState,
    status: StatusCode,
    error: Option<String>,
) -> Result<HttpResponse, AppError> {
    let now = state.clock.naive_now();
    let (accounts, runs) = db::run(&state.pool, move |conn| {
        Ok((
            crm::count(conn)?,
            import_run::recent(conn, RECENT_RUNS, now)?,
        ))
    })
    .await?;
    render_with(
        status,
        &FormPage {
            layout: Layout::signed(signed, PATH),
            accounts: crate::domain::money::count_of(accounts, "account", "accounts"),
            error,
            max_mb: MAX_UPLOAD_BYTES / (1024 * 1024),
            help: header_help(),
            runs: runs
                .into_iter()
                .map(|(run, by)| RecentRun::new(run, by))
                .collect(),
        },
    )
}

pub async fn show(
    signed: Signed<AdminOnly>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, AppError> {
    form_page(&signed, &state, StatusCode::OK, None).await
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

/// Records a run for the file and starts its worker; returns the run page's address.
async fn start_run(
    signed: &Signed<AdminOnly>,
    state: &AppState,
    file_name: &str,
    file: tempfile::TempPath,
    dry_run: bool,
) -> Result<String, AppError> {
    let job = Job {
        started_by: signed.user.id.clone(),
        file_name: file_name.trim().chars().take(MAX_FILE_NAME).collect(),
        file,
        dry_run,
        uploads: crm_uploads::dir(&state.config.data_dir),
    };
    let (pool, clock) = (state.pool.clone(), state.clock.clone());
    let id = db::run(&state.pool, move |conn| {
        crate::workflow::import_run::start(conn, &pool, &clock, job).map_err(AppError::internal)
    })
    .await?;
    Ok(run_path(&id))
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
    let dir = crm_uploads::dir(&state.config.data_dir);
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
    // A file that cannot be imported at all (no header, not UTF-8, no id or name column) is
    // refused here, with the form, instead of on a run page.
    let file = tmp.into_temp_path();
    let (file, checked) = web::block(move || {
        let checked = crm_import::check_header(&file);
        (file, checked)
    })
    .await
    .map_err(AppError::internal)?;
    if let Err(e) = checked {
        return form_page(
            &signed,
            &state,
            StatusCode::UNPROCESSABLE_ENTITY,
            Some(e.to_string()),
        )
        .await;
    }
    tracing::info!(admin = %signed.user.id, bytes = size, dry_run, "CRM import uploaded");
    let location = start_run(&signed, &state, &file_name, file, dry_run).await?;
    Ok(see_other(&location))
}

#[derive(serde::Deserialize)]
pub struct ConfirmForm {
    #[serde(default)]
    file_name: String,
}

/// Imports a file checked by a dry run (and removes it once imported).
pub async fn confirm(
    signed: Signed<AdminOnly>,
    state: web::Data<AppState>,
    id: web::Path<String>,
    form: web::Form<ConfirmForm>,
) -> Result<HttpResponse, AppError> {
    let id = id.into_inner();
    let dir = crm_uploads::dir(&state.config.data_dir);
    let claimed = web::block(move || crm_uploads::claim(&dir, &id))
        .await
        .map_err(AppError::internal)?
        .map_err(AppError::internal)?;
    let Some(file) = claimed else {
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
    };
    tracing::info!(admin = %signed.user.id, "CRM import confirmed after a dry run");
    let location = start_run(&signed, &state, &form.file_name, file, false).await?;
    Ok(see_other(&location))
}
