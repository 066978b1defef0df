//! The program dashboard (channel managers and admins): registrations by outcome, approval
//! speed against the SLA and the protected pipeline, for a period and a slice, read from
//! the rollups (`db::models::tally`) so a year of a million registrations is a few hundred
//! rows; and its weekly table as CSV.

mod data;
pub mod org;
mod scorecard;
mod view;

use actix_web::{HttpResponse, web};
use askama::Template;
use serde::Deserialize;

use crate::auth::guard::{Reviewer, Signed};
use crate::db;
use crate::error::AppError;
use crate::routes::export::{self, DashboardWeeks};
use crate::routes::layout::Layout;
use crate::routes::render;
use crate::state::AppState;

pub use data::Data;
pub use data::{Choice, load_weeks as data_weeks, slice_of};
pub use view::DashboardView;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/dashboard", web::get().to(show))
        .route("/dashboard.csv", web::get().to(csv))
        .route("/dashboard/partners/{id}", web::get().to(scorecard::show));
}

/// The period and slice, as the form sends them (all optional).
#[derive(Debug, Default, Deserialize)]
pub struct Filter {
    #[serde(default)]
    pub days: String,
    #[serde(default)]
    pub from: String,
    #[serde(default)]
    pub to: String,
    #[serde(default)]
    pub segment: String,
    #[serde(default)]
    pub tier: String,
    #[serde(default)]
    pub territory: String,
}

#[derive(Template)]
#[template(path = "dashboard/show.html")]
struct Page {
    layout: Layout,
    d: DashboardView,
}

pub async fn show(
    signed: Signed<Reviewer>,
    state: web::Data<AppState>,
    filter: web::Query<Filter>,
) -> Result<HttpResponse, AppError> {
    let d = view_of(&state, &filter).await?;
    render(&Page {
        layout: Layout::signed(&signed, "/dashboard"),
        d,
    })
}

/// The dashboard as the admin's home shows it too.
pub async fn view_of(state: &AppState, filter: &Filter) -> Result<DashboardView, AppError> {
    let choice = data::Choice::read(filter, state.clock.naive_now());
    let now = state.clock.naive_now();
    let loaded = {
        let choice = choice.clone();
        db::run(&state.pool, move |conn| Ok(Data::load(conn, &choice, now)?)).await?
    };
    Ok(DashboardView::new(&choice, &loaded))
}

/// The weekly table of the page's period and slice.
pub async fn csv(
    _signed: Signed<Reviewer>,
    state: web::Data<AppState>,
    filter: web::Query<Filter>,
) -> Result<HttpResponse, AppError> {
    let choice = data::Choice::read(&filter, state.clock.naive_now());
    export::download(
        &state,
        DashboardWeeks {
            weeks: choice.weeks.clone(),
            choice,
        },
    )
    .await
}
