//! "My credits": the quota credit a rep earned on partner deals won while assisting.

use actix_web::{HttpResponse, web};
use askama::Template;

use crate::auth::guard::{SalesOnly, Signed};
use crate::db;
use crate::db::models::compensation::{self, Whose};
use crate::error::AppError;
use crate::routes::credits::CreditRow;
use crate::routes::layout::Layout;
use crate::routes::render;
use crate::state::AppState;

#[derive(Template)]
#[template(path = "sales/credits.html")]
struct CreditsPage {
    layout: Layout,
    rows: Vec<CreditRow>,
}

pub async fn show(
    signed: Signed<SalesOnly>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, AppError> {
    let me = signed.user.id.clone();
    let listed = db::run(&state.pool, move |conn| {
        Ok(compensation::list(conn, Whose::User(&me))?)
    })
    .await?;
    render(&CreditsPage {
        layout: Layout::signed(&signed, "/sales/credits"),
        rows: listed.iter().map(CreditRow::new).collect(),
    })
}
