//! "My deals": the organisation's registrations, filtered, sorted and keyset-paginated.

use std::sync::Arc;

use actix_web::{HttpResponse, web};
use askama::Template;
use serde::Deserialize;

use crate::auth::guard::{PartnerOnly, Signed};
use crate::db::models::policy;
use crate::db::models::registration::{self, ListQuery, Sort, cursor_after};
use crate::db::{self};
use crate::domain::lifecycle::Status;
use crate::error::AppError;
use crate::routes::dashboard::org::{FiguresMemo, OrgFigures};
use crate::routes::export::{self, Registrations};
use crate::routes::layout::Layout;
use crate::routes::view::{RegistrationView, decode_cursor, encode_cursor, href, query_string};
use crate::routes::{Options, render};
use crate::state::AppState;

pub const PAGE_SIZE: i64 = 25;

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct ListParams {
    pub status: String,
    pub sort: String,
    pub after: String,
}

/// The filter and sort choices for a registration list.
pub struct Filters {
    pub status: String,
    pub sort: String,
    pub statuses: Options,
    pub sorts: Options,
}

impl Filters {
    pub fn new(params: &ListParams) -> (Self, Option<Status>, Sort) {
        let status = Status::parse(&params.status);
        let sort = Sort::parse(&params.sort).unwrap_or(Sort::Newest);
        let mut statuses = vec![(String::new(), "All statuses".to_owned())];
        statuses.extend(
            Status::ALL
                .iter()
                .map(|s| (s.as_str().to_owned(), s.label().to_owned())),
        );
        let filters = Filters {
            status: status.map(Status::as_str).unwrap_or_default().to_owned(),
            sort: sort.as_str().to_owned(),
            statuses,
            sorts: Sort::ALL
                .iter()
                .map(|s| (s.as_str().to_owned(), s.label().to_owned()))
                .collect(),
        };
        (filters, status, sort)
    }

    /// `path` with the chosen filters, such as the list's CSV download.
    pub fn href(&self, path: &str) -> String {
        href(path, &[("status", &self.status), ("sort", &self.sort)])
    }

    /// The link to the page after `last`, keeping the filters.
    pub fn next_href(&self, base: &str, last: &registration::Line, sort: Sort) -> Option<String> {
        let cursor = encode_cursor(&cursor_after(last, sort)?);
        Some(format!(
            "{base}?{}",
            query_string(&[
                ("status", &self.status),
                ("sort", &self.sort),
                ("after", &cursor)
            ])
        ))
    }
}

#[derive(Template)]
#[template(path = "partner/deals.html")]
struct DealsPage {
    layout: Layout,
    org_name: String,
    rows: Vec<RegistrationView>,
    filters: Filters,
    next_href: Option<String>,
    first_href: Option<String>,
    csv_href: String,
    active: i64,
    cap: i64,
    roe_prompt: Option<crate::routes::roe::Prompt>,
    /// The summary strip and chart, on the list's first page only.
    summary: Option<Arc<OrgFigures>>,
}

/// Where "My deals" downloads as CSV.
const CSV_PATH: &str = "/partner/deals.csv";

/// "My deals" as CSV: every registration of the organisation (not one page), with the
/// list's status filter and order.
pub async fn csv(
    signed: Signed<PartnerOnly>,
    state: web::Data<AppState>,
    params: web::Query<ListParams>,
) -> Result<HttpResponse, AppError> {
    let org_id = signed.org_id()?.to_owned();
    let (_, status, sort) = Filters::new(&params);
    export::download(&state, Registrations::of_org(org_id, status, sort)).await
}

pub async fn list(
    signed: Signed<PartnerOnly>,
    state: web::Data<AppState>,
    memo: web::Data<FiguresMemo>,
    params: web::Query<ListParams>,
) -> Result<HttpResponse, AppError> {
    let org = signed.org.clone().ok_or(AppError::Forbidden)?;
    let (filters, status, sort) = Filters::new(&params);
    let after = decode_cursor(&params.after);
    let is_first = after.is_none();
    let now = state.clock.naive_now();
    let org_id = org.id.clone();
    let tier = Some(org.tier());
    // On the list's unfiltered first page only: the other pages stay as fast as before.
    let with_summary = is_first && status.is_none();
    let memo = memo.into_inner();
    let org_row = org.clone();
    let (role, user_id) = (signed.role, signed.user.id.clone());
    // The default view's first page is kept with the summary (`FiguresMemo`).
    let newest_first = with_summary && sort == Sort::Newest;
    let (rows, active, cap, summary, roe_prompt) = db::run(&state.pool, move |conn| {
        let rows = if newest_first {
            memo.newest_lines(conn, &org_row, PAGE_SIZE + 1)?
        } else {
            Arc::new(registration::list_lines(
                conn,
                &ListQuery {
                    org_id: Some(&org_id),
                    status,
                    sort,
                    after,
                    limit: PAGE_SIZE + 1,
                },
            )?)
        };
        let pv = policy::current(conn)?;
        let cap = pv.value.max_active(tier);
        let summary = if with_summary {
            Some(memo.summary(conn, &org_row, pv.version, now)?)
        } else {
            None
        };
        let active = match &summary {
            Some(s) => s.active,
            None => registration::count_in_states(conn, &org_id, &Status::ACTIVE)?,
        };
        let roe_prompt = crate::routes::roe::prompt_in(conn, role, &user_id, now)?;
        Ok((rows, active, cap, summary, roe_prompt))
    })
    .await?;
    let has_more = rows.len() as i64 > PAGE_SIZE;
    let shown = &rows[..rows.len().min(PAGE_SIZE as usize)];
    let next_href = if has_more {
        shown
            .last()
            .and_then(|l| filters.next_href("/partner", l, sort))
    } else {
        None
    };
    let first_href = (!is_first).then(|| filters.href("/partner"));
    render(&DealsPage {
        layout: Layout::signed(&signed, "/partner"),
        org_name: org.name.clone(),
        rows: shown
            .iter()
            .map(|l| RegistrationView::line(l.clone(), now))
            .collect(),
        csv_href: filters.href(CSV_PATH),
        filters,
        next_href,
        first_href,
        active,
        cap,
        roe_prompt,
        summary,
    })
}
