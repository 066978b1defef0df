use actix_web::HttpResponse;
use askama::Template;

use crate::auth::guard::{PartnerOnly, Signed};
use crate::error::AppError;
use crate::routes::layout::Layout;
use crate::routes::render;

#[derive(Template)]
#[template(path = "partner/home.html")]
struct Home {
    layout: Layout,
    org_name: String,
    org_admin: bool,
}

pub async fn show(signed: Signed<PartnerOnly>) -> Result<HttpResponse, AppError> {
    render(&Home {
        layout: Layout::signed(&signed, "/partner"),
        org_name: signed
            .org
            .as_ref()
            .map(|o| o.name.clone())
            .unwrap_or_default(),
        org_admin: signed.user.org_admin,
    })
}
