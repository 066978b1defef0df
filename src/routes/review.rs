use actix_web::{HttpResponse, web};
use askama::Template;

use crate::auth::guard::{ChannelOnly, Signed};
use crate::error::AppError;
use crate::routes::layout::Layout;
use crate::routes::render;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/review", web::get().to(home));
}

#[derive(Template)]
#[template(path = "review/home.html")]
struct Home {
    layout: Layout,
}

async fn home(signed: Signed<ChannelOnly>) -> Result<HttpResponse, AppError> {
    render(&Home {
        layout: Layout::signed(&signed, "/review"),
    })
}
