//! The CRM accounts the import keeps (`/admin/accounts`): a page at a time, found by the
//! beginning of a name or by a website, with who owns each, whether direct sales keeps it
//! and its direct opportunities.

use actix_web::{HttpResponse, web};
use askama::Template;

use crate::auth::guard::{AdminOnly, Signed};
use crate::db;
use crate::db::models::crm::Account;
use crate::db::models::crm_list;
use crate::domain::dates::day;
use crate::domain::registration::country_name;
use crate::error::AppError;
use crate::routes::admin::browse::{self, Browse, Pager};
use crate::routes::layout::Layout;
use crate::routes::render;
use crate::state::AppState;

/// An account as a row of the list.
pub struct AccountRow {
    pub name: String,
    pub website: String,
    pub external_id: String,
    /// "Germany" (or the code as imported, when it names no country).
    pub country: String,
    pub industry: String,
    pub owner: String,
    pub named: bool,
    pub reserved: bool,
    /// "2 (last activity 3 Nov 2026)", or "None".
    pub opportunities: String,
}

#[derive(Template)]
#[template(path = "admin/accounts.html")]
struct ListPage {
    layout: Layout,
    accounts: Vec<AccountRow>,
    pager: Pager,
}

pub async fn list(
    signed: Signed<AdminOnly>,
    state: web::Data<AppState>,
    browse: web::Query<Browse>,
) -> Result<HttpResponse, AppError> {
    let browse = browse.into_inner();
    let (q, after, limit) = (browse.q.clone(), browse.after.clone(), browse.limit());
    let (mut page, counts) = db::run(&state.pool, move |conn| {
        let after = (!after.is_empty()).then_some(after.as_str());
        let mut page = crm_list::search_page(conn, &q, after, limit)?;
        // The row past the page only says whether there is a next one.
        page.truncate(browse::PAGE as usize + 1);
        let ids: Vec<String> = page.iter().map(|a| a.id.clone()).collect();
        let counts = crm_list::opportunity_counts(conn, &ids)?;
        Ok((page, counts))
    })
    .await?;
    let pager = browse::page(
        "/admin/accounts",
        "CRM accounts",
        &browse,
        &mut page,
        crm_list::cursor,
    );
    let accounts = page
        .into_iter()
        .map(|a: Account| {
            let opportunities = match counts.get(&a.id) {
                Some((n, Some(last))) => format!("{n} (last activity {})", day(*last)),
                Some((n, None)) => n.to_string(),
                None => "None".into(),
            };
            let country = a.country.clone().unwrap_or_default();
            AccountRow {
                country: country_name(&country).map_or(country, str::to_owned),
                industry: a.industry.clone().unwrap_or_default(),
                owner: a.owner_email.clone().unwrap_or_default(),
                named: a.named_account,
                reserved: a.reserved_for_direct,
                website: a.website.clone().unwrap_or_default(),
                external_id: a.external_id.clone().unwrap_or_default(),
                name: a.name,
                opportunities,
            }
        })
        .collect();
    render(&ListPage {
        layout: Layout::signed(&signed, "/admin/accounts"),
        accounts,
        pager,
    })
}
