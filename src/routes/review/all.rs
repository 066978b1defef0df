//! Every registration, for channel managers and admins: filter by status, sort, page.

use actix_web::{HttpResponse, web};
use askama::Template;

use crate::auth::guard::{Reviewer, Signed};
use crate::db::models::registration::{self, ListQuery};
use crate::db::{self};
use crate::error::AppError;
use crate::routes::export::{self, Registrations};
use crate::routes::layout::Layout;
use crate::routes::partner::deals::{Filters, ListParams, PAGE_SIZE};
use crate::routes::render;
use crate::routes::view::{RegistrationView, decode_cursor};
use crate::state::AppState;

#[derive(Template)]
#[template(path = "review/all.html")]
struct AllPage {
    layout: Layout,
    rows: Vec<RegistrationView>,
    filters: Filters,
    next_href: Option<String>,
    first_href: Option<String>,
    csv_href: String,
}

/// Where the list downloads as CSV.
const CSV_PATH: &str = "/review/registrations.csv";

/// Every registration as CSV (not one page), with the list's status filter and order.
pub async fn csv(
    _signed: Signed<Reviewer>,
    state: web::Data<AppState>,
    params: web::Query<ListParams>,
) -> Result<HttpResponse, AppError> {
    let (_, status, sort) = Filters::new(&params);
    export::download(&state, Registrations::all(status, sort)).await
}

pub async fn list(
    signed: Signed<Reviewer>,
    state: web::Data<AppState>,
    params: web::Query<ListParams>,
) -> Result<HttpResponse, AppError> {
    let (filters, status, sort) = Filters::new(&params);
    let after = decode_cursor(&params.after);
    let is_first = after.is_none();
    let now = state.clock.naive_now();
    let rows = db::run(&state.pool, move |conn| {
        Ok(registration::list_lines(
            conn,
            &ListQuery {
                org_id: None,
                status,
                sort,
                after,
                limit: PAGE_SIZE + 1,
            },
        )?)
    })
    .await?;
    let has_more = rows.len() as i64 > PAGE_SIZE;
    let shown = &rows[..rows.len().min(PAGE_SIZE as usize)];
    let base = "/review/registrations";
    let next_href = if has_more {
        shown.last().and_then(|l| filters.next_href(base, l, sort))
    } else {
        None
    };
    let first_href = (!is_first).then(|| filters.href(base));
    render(&AllPage {
        layout: Layout::signed(&signed, base),
        rows: rows
            .into_iter()
            .take(PAGE_SIZE as usize)
            .map(|l| RegistrationView::line(l, now))
            .collect(),
        csv_href: filters.href(CSV_PATH),
        filters,
        next_href,
        first_href,
    })
}
