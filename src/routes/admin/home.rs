use actix_web::{HttpResponse, web};
use askama::Template;

use crate::auth::guard::{AdminOnly, Signed};
use crate::db::{self, models::org, models::user};
use crate::error::AppError;
use crate::routes::layout::Layout;
use crate::routes::render;
use crate::state::AppState;

#[derive(Template)]
#[template(path = "admin/home.html")]
struct Home {
    layout: Layout,
    org_count: usize,
    user_count: i64,
}

pub async fn show(
    signed: Signed<AdminOnly>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, AppError> {
    let (org_count, user_count) = db::run(&state.pool, |conn| {
        Ok((org::list(conn)?.len(), user::count(conn)?))
    })
    .await?;
    render(&Home {
        layout: Layout::signed(&signed, "/admin"),
        org_count,
        user_count,
    })
}
