//! The credits report: every credit of every deal won, on a page and as CSV.

use actix_web::http::header::{CONTENT_DISPOSITION, CONTENT_TYPE};
use actix_web::{HttpResponse, web};
use askama::Template;

use crate::auth::guard::{AdminOnly, Signed};
use crate::db;
use crate::db::models::compensation::{self, Whose};
use crate::error::AppError;
use crate::routes::credits::CreditRow;
use crate::routes::layout::Layout;
use crate::routes::render;
use crate::state::AppState;

#[derive(Template)]
#[template(path = "admin/credits.html")]
struct CreditsPage {
    layout: Layout,
    rows: Vec<CreditRow>,
}

async fn load(state: &AppState) -> Result<Vec<CreditRow>, AppError> {
    let listed = db::run(&state.pool, |conn| {
        Ok(compensation::list(conn, Whose::All)?)
    })
    .await?;
    Ok(listed.iter().map(CreditRow::new).collect())
}

pub async fn show(
    signed: Signed<AdminOnly>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, AppError> {
    let rows = load(&state).await?;
    render(&CreditsPage {
        layout: Layout::signed(&signed, "/admin/credits"),
        rows,
    })
}

/// The same rows as CSV. Amounts are given both in minor units (exact, for systems) and as a
/// decimal in the deal's currency (for people); never as floating point.
pub async fn csv(
    _signed: Signed<AdminOnly>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, AppError> {
    let rows = load(&state).await?;
    let mut w = csv::Writer::from_writer(Vec::new());
    let fail = |e: csv::Error| AppError::internal(anyhow::Error::new(e));
    w.write_record([
        "credit_id",
        "registration_id",
        "prospect",
        "beneficiary_type",
        "beneficiary",
        "kind",
        "rate_bp",
        "amount_minor",
        "amount",
        "currency",
        "rules_version",
        "credited_at",
    ])
    .map_err(fail)?;
    for r in &rows {
        w.write_record([
            r.id.as_str(),
            &r.registration_id,
            &r.prospect,
            r.beneficiary_type,
            &r.beneficiary,
            &r.kind_code,
            &r.bp.to_string(),
            &r.amount_minor.to_string(),
            &r.amount_plain,
            &r.currency,
            &r.rules_version.to_string(),
            &r.credited_at,
        ])
        .map_err(fail)?;
    }
    let body = w
        .into_inner()
        .map_err(|e| AppError::internal(anyhow::anyhow!("csv: {e}")))?;
    Ok(HttpResponse::Ok()
        .insert_header((CONTENT_TYPE, "text/csv; charset=utf-8"))
        .insert_header((CONTENT_DISPOSITION, "attachment; filename=\"credits.csv\""))
        .body(body))
}
