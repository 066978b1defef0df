//! The sales home: the lock check a rep runs before pursuing an account, and the CRM
//! account pages where reps log their direct opportunities.

mod accounts;
mod assist;
mod credits;
pub mod view;

use actix_web::{HttpResponse, web};
use askama::Template;
use serde::Deserialize;

use crate::auth::guard::{LockCheckers, Signed};
use crate::db::{self, models::policy};
use crate::domain::lock::search_terms;
use crate::error::AppError;
use crate::routes::disputes;
use crate::routes::layout::Layout;
use crate::routes::render;
use crate::state::AppState;
use crate::workflow::lock_check;

use view::LockView;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(
        web::scope("/sales")
            .route("", web::get().to(home))
            .route("/credits", web::get().to(credits::show))
            .route("/registrations/{id}/assist", web::get().to(assist::show))
            .route("/registrations/{id}/assist", web::post().to(assist::ask))
            .route("/accounts/{id}", web::get().to(accounts::show))
            .route(
                "/accounts/{id}/opportunities",
                web::post().to(accounts::log_opportunity),
            )
            .route(
                "/opportunities/{id}/activity",
                web::post().to(accounts::record_activity),
            )
            .configure(disputes::sales_routes),
    );
}

#[derive(Deserialize)]
struct Search {
    #[serde(default)]
    q: String,
}

/// The longest search text looked at; a company name or a URL fits.
const MAX_QUERY: usize = 300;

#[derive(Template)]
#[template(path = "sales/home.html")]
struct Home {
    layout: Layout,
    q: String,
    error: Option<&'static str>,
    result: Option<LockView>,
    roe_prompt: Option<crate::routes::roe::Prompt>,
    /// Sales reps (not admins) may dispute a partner's registration found by the check.
    can_dispute: bool,
}

async fn home(
    signed: Signed<LockCheckers>,
    state: web::Data<AppState>,
    search: web::Query<Search>,
) -> Result<HttpResponse, AppError> {
    let q = search.into_inner().q;
    let roe_prompt = crate::routes::roe::prompt(&signed, &state).await?;
    let mut page = Home {
        layout: Layout::signed(&signed, "/sales"),
        q: q.clone(),
        error: None,
        result: None,
        roe_prompt,
        can_dispute: signed.role == crate::domain::role::Role::Sales,
    };
    if q.chars().count() > MAX_QUERY {
        page.error =
            Some("That is too long for a company name or a website: shorten it to 300 characters.");
        return render(&page);
    }
    if let Some((name, domain)) = search_terms(&q) {
        page.result = Some(run(&state, name, domain).await?);
    } else if !q.is_empty() {
        page.error = Some("Type a company name, a website or an email address to check.");
    }
    render(&page)
}

/// Runs a lock check now, for the page and the API alike.
pub async fn run(
    state: &AppState,
    name: String,
    domain: Option<String>,
) -> Result<LockView, AppError> {
    let now = state.clock.naive_now();
    db::run(&state.pool, move |conn| {
        let policy = policy::current(conn)?.value;
        let check = lock_check::check(
            conn,
            &name,
            domain.as_deref(),
            &policy,
            &policy.thresholds(),
            now,
        )?;
        Ok(LockView::new(&name, domain.as_deref(), check, now))
    })
    .await
}
