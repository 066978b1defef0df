//! A partner organisation's scorecard, for the channel team: its funnel, win rate, time to
//! close, disputes, cap usage, its registrations by outcome, and where its people stand
//! with the rules of engagement.

use actix_web::{HttpResponse, web};
use askama::Template;

use super::org::OrgFigures;
use crate::auth::guard::{Reviewer, Signed};
use crate::db;
use crate::db::models::org::{self, Org};
use crate::error::AppError;
use crate::routes::layout::Layout;
use crate::routes::render;
use crate::state::AppState;
use crate::workflow::roe::{self as roe_flow, PersonStanding};

#[derive(Template)]
#[template(path = "dashboard/scorecard.html")]
struct Page {
    layout: Layout,
    org: Org,
    f: OrgFigures,
    people: Vec<PersonRow>,
}

pub struct PersonRow {
    pub name: String,
    pub email: String,
    pub acknowledged: String,
    pub accuracy: String,
}

impl PersonRow {
    fn new(p: &PersonStanding) -> Self {
        PersonRow {
            name: p.name.clone(),
            email: p.email.clone(),
            acknowledged: p
                .acknowledged_at
                .map_or("not yet".into(), crate::domain::dates::date_time),
            accuracy: crate::routes::admin::roe::accuracy(p.correct, p.answered),
        }
    }
}

pub async fn show(
    signed: Signed<Reviewer>,
    state: web::Data<AppState>,
    path: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    let id = path.into_inner();
    let now = state.clock.naive_now();
    let (org, f, people) = db::run(&state.pool, move |conn| {
        let org = org::find(conn, &id)?.ok_or(AppError::NotFound)?;
        let f = OrgFigures::load(conn, &org, now)?;
        let people = roe_flow::org_people(conn, &org.id, now)?;
        Ok((org, f, people))
    })
    .await?;
    render(&Page {
        layout: Layout::signed(&signed, "/dashboard"),
        people: people.iter().map(PersonRow::new).collect(),
        org,
        f,
    })
}
