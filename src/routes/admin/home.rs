//! The admin's home: the program dashboard, then the way to everything an admin sets up.

use actix_web::{HttpResponse, web};
use askama::Template;

use crate::auth::guard::{AdminOnly, Signed};
use crate::db::{self, models::org, models::user};
use crate::domain::money::count_of;
use crate::error::AppError;
use crate::routes::dashboard::{self, DashboardView, Filter};
use crate::routes::layout::Layout;
use crate::routes::render;
use crate::state::AppState;

#[derive(Template)]
#[template(path = "admin/home.html")]
struct Home {
    layout: Layout,
    /// "1 organisation", "2,000 organisations".
    orgs: String,
    users: String,
    d: DashboardView,
}

pub async fn show(
    signed: Signed<AdminOnly>,
    state: web::Data<AppState>,
    filter: web::Query<Filter>,
) -> Result<HttpResponse, AppError> {
    let (org_count, user_count) = db::run(&state.pool, |conn| {
        Ok((org::count(conn)?, user::count(conn)?))
    })
    .await?;
    let d = dashboard::view_of(&state, &filter).await?;
    render(&Home {
        layout: Layout::signed(&signed, "/admin"),
        orgs: count_of(org_count, "organisation", "organisations"),
        users: count_of(user_count, "user", "users"),
        d,
    })
}
