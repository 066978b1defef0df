//! `/metrics` for Prometheus: off unless TRUCE_METRICS_TOKEN is set, then only for a scraper
//! that presents the token. Queue sizes and request counts tell outsiders how the program is
//! used, so they are not public.

use actix_web::http::header::{AUTHORIZATION, WWW_AUTHENTICATE};
use actix_web::{HttpRequest, HttpResponse, web};

use crate::config::token_digest;
use crate::db;
use crate::db::models::gauges;
use crate::error::AppError;
use crate::metrics::Metrics;
use crate::state::AppState;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/metrics", web::get().to(metrics));
}

async fn metrics(
    req: HttpRequest,
    state: web::Data<AppState>,
    metrics: web::Data<Metrics>,
) -> Result<HttpResponse, AppError> {
    let Some(expected) = state.config.metrics_token_sha256 else {
        return Err(AppError::NotFound);
    };
    let presented = req
        .headers()
        .get(AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "));
    // Digests compare in the same time whatever the token: no guessing it byte by byte.
    if presented.map(token_digest) != Some(expected) {
        return Ok(HttpResponse::Unauthorized()
            .insert_header((WWW_AUTHENTICATE, "Bearer"))
            .content_type("text/plain; charset=utf-8")
            .body(
                "Send the metrics token (TRUCE_METRICS_TOKEN) as `Authorization: Bearer TOKEN`.\n",
            ));
    }
    let now = state.clock.naive_now();
    let read = db::run(&state.pool, move |conn| {
        gauges::read(conn, now).map_err(AppError::from)
    })
    .await?;
    Ok(HttpResponse::Ok()
        .content_type("text/plain; version=0.0.4; charset=utf-8")
        .body(metrics.render(&read)))
}
