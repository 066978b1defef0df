//! HTTP handlers, one folder per area. Handlers stay thin: parse, call domain rules and
//! models, render. Each handler declares its roles through its `Signed<...>` extractor.

pub mod account;
pub mod actions;
pub mod admin;
pub mod api;
pub mod assets;
pub mod credits;
pub mod dashboard;
pub mod disputes;
pub mod error_page;
pub mod export;
pub mod health;
pub mod layout;
pub mod metrics;
pub mod partner;
pub mod review;
pub mod roe;
pub mod sales;
pub mod view;

use actix_web::http::StatusCode;
use actix_web::http::header::LOCATION;
use actix_web::{HttpResponse, web};
use askama::Template;

use crate::error::AppError;

/// Each area under its own path is a scope, so a request is matched against its area's
/// routes only: actix tries routes in order, and every route with a parameter before the one
/// that matches is a regular expression run (5% of "My deals" when the areas were flat).
/// The pages used most come first.
pub fn configure(cfg: &mut web::ServiceConfig) {
    health::configure(cfg);
    metrics::configure(cfg);
    assets::configure(cfg);
    partner::configure(cfg);
    review::configure(cfg);
    sales::configure(cfg);
    dashboard::configure(cfg);
    api::configure(cfg);
    admin::configure(cfg);
    account::configure(cfg);
    roe::configure(cfg);
}

/// A rendered page.
pub fn render(page: &impl Template) -> Result<HttpResponse, AppError> {
    render_with(StatusCode::OK, page)
}

/// A form shown again with its errors: 422, so clients and tests can tell it was refused.
pub fn render_invalid(page: &impl Template) -> Result<HttpResponse, AppError> {
    render_with(StatusCode::UNPROCESSABLE_ENTITY, page)
}

pub fn render_with(status: StatusCode, page: &impl Template) -> Result<HttpResponse, AppError> {
    Ok(HttpResponse::build(status)
        .content_type("text/html; charset=utf-8")
        .body(page.render()?))
}

/// Post/redirect/get.
pub fn see_other(location: &str) -> HttpResponse {
    HttpResponse::SeeOther()
        .insert_header((LOCATION, location.to_owned()))
        .finish()
}

/// `(value, label)` pairs for a `<select>`.
pub type Options = Vec<(String, String)>;

pub fn options<T: Copy>(
    all: &[T],
    value: fn(T) -> &'static str,
    label: fn(T) -> &'static str,
) -> Options {
    all.iter()
        .map(|t| (value(*t).to_owned(), label(*t).to_owned()))
        .collect()
}

pub async fn not_found() -> Result<HttpResponse, AppError> {
    Err(AppError::NotFound)
}
