//! "Earnings": the organisation's deals closed won, with the commission each earned (or why
//! it earned none), in the deal's currency.

use actix_web::{HttpResponse, web};
use askama::Template;

use crate::auth::guard::{PartnerOnly, Signed};
use crate::db;
use crate::db::models::compensation::{self, Whose};
use crate::domain::dates::date;
use crate::domain::money::format_amount;
use crate::error::AppError;
use crate::routes::layout::Layout;
use crate::routes::render;
use crate::state::AppState;

pub struct EarningRow {
    pub id: String,
    pub prospect: String,
    pub deal: String,
    pub closed: String,
    pub commission: String,
    pub status: &'static str,
    pub rules_version: Option<i64>,
}

#[derive(Template)]
#[template(path = "partner/earnings.html")]
struct EarningsPage {
    layout: Layout,
    rows: Vec<EarningRow>,
}

pub async fn show(
    signed: Signed<PartnerOnly>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, AppError> {
    let org = signed.org_id()?.to_owned();
    let (won, credits) = db::run(&state.pool, move |conn| {
        Ok((
            compensation::won_in_org(conn, &org)?,
            compensation::list(conn, Whose::Org(&org))?,
        ))
    })
    .await?;
    let rows = won
        .iter()
        .map(|w| {
            let commission = credits
                .iter()
                .find(|c| c.registration_id == w.registration_id);
            let (commission, status) = match (commission, w.within_window) {
                (Some(c), _) => (
                    format_amount(c.amount_minor, &c.currency),
                    "Earned: won inside the protection window",
                ),
                (None, Some(0)) => (
                    format_amount(0, &w.currency),
                    "No commission: won after the protection window ended",
                ),
                _ => (
                    String::new(),
                    "Not computed (closed before compensation rules existed)",
                ),
            };
            EarningRow {
                id: w.registration_id.clone(),
                prospect: w.company_name.clone(),
                deal: w
                    .close_amount_minor
                    .map(|a| format_amount(a, &w.currency))
                    .unwrap_or_default(),
                closed: w
                    .close_date
                    .map(crate::domain::dates::day)
                    .unwrap_or_else(|| w.protection_ends_at.map(date).unwrap_or_default()),
                commission,
                status,
                rules_version: w.rules_version,
            }
        })
        .collect();
    render(&EarningsPage {
        layout: Layout::signed(&signed, "/partner/earnings"),
        rows,
    })
}
