//! Static files, embedded in the binary so a deployment is one file.

use actix_web::http::header::{CACHE_CONTROL, CONTENT_TYPE};
use actix_web::{HttpResponse, web};

const APP_CSS: &str = include_str!("../../static/app.css");
const REGISTER_JS: &str = include_str!("../../static/register.js");
const PICKER_JS: &str = include_str!("../../static/picker.js");
const FAVICON_SVG: &str = include_str!("../../static/favicon.svg");

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/static/app.css", web::get().to(app_css))
        .route("/static/register.js", web::get().to(register_js))
        .route("/static/picker.js", web::get().to(picker_js))
        .route("/static/favicon.svg", web::get().to(favicon))
        // Browsers ask for this path whatever the page links; an SVG is what they get.
        .route("/favicon.ico", web::get().to(favicon));
}

async fn favicon() -> HttpResponse {
    HttpResponse::Ok()
        .insert_header((CONTENT_TYPE, "image/svg+xml"))
        .insert_header((CACHE_CONTROL, "public, max-age=86400"))
        .body(FAVICON_SVG)
}

async fn app_css() -> HttpResponse {
    HttpResponse::Ok()
        .insert_header((CONTENT_TYPE, "text/css; charset=utf-8"))
        .insert_header((CACHE_CONTROL, "public, max-age=3600"))
        .body(APP_CSS)
}

async fn register_js() -> HttpResponse {
    script(REGISTER_JS)
}

async fn picker_js() -> HttpResponse {
    script(PICKER_JS)
}

fn script(body: &'static str) -> HttpResponse {
    HttpResponse::Ok()
        .insert_header((CONTENT_TYPE, "text/javascript; charset=utf-8"))
        .insert_header((CACHE_CONTROL, "public, max-age=3600"))
        .body(body)
}
