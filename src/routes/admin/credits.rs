//! The credits report: every credit of every deal won, on a page and as CSV.

use actix_web::{HttpResponse, web};
use askama::Template;

use crate::auth::guard::{AdminOnly, Signed};
use crate::db;
use crate::db::models::compensation::{self, Whose};
use crate::error::AppError;
use crate::routes::credits::CreditRow;
use crate::routes::export::{self, Credits};
use crate::routes::layout::Layout;
use crate::routes::render;
use crate::state::AppState;

#[derive(Template)]
#[template(path = "admin/credits.html")]
struct CreditsPage {
    layout: Layout,
    rows: Vec<CreditRow>,
}

pub async fn show(
    signed: Signed<AdminOnly>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, AppError> {
    let listed = db::run(&state.pool, |conn| {
        Ok(compensation::list(conn, Whose::All)?)
    })
    .await?;
    render(&CreditsPage {
        layout: Layout::signed(&signed, "/admin/credits"),
        rows: listed.iter().map(CreditRow::new).collect(),
    })
}

/// Every credit, not only the newest 5,000 the page shows.
pub async fn csv(
    _signed: Signed<AdminOnly>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, AppError> {
    export::download(&state, Credits).await
}
