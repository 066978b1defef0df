use actix_web::{HttpResponse, web};
use askama::Template;

use crate::auth::guard::{SalesOnly, Signed};
use crate::error::AppError;
use crate::routes::layout::Layout;
use crate::routes::render;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/sales", web::get().to(home));
}

#[derive(Template)]
#[template(path = "sales/home.html")]
struct Home {
    layout: Layout,
}

async fn home(signed: Signed<SalesOnly>) -> Result<HttpResponse, AppError> {
    render(&Home {
        layout: Layout::signed(&signed, "/sales"),
    })
}
