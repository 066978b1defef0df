//! Channel managers' pages (admins may use them too): the review queue ordered by SLA
//! deadline, every registration, and a registration's page with its conflict evidence and
//! the decisions.

mod all;
mod queue;
mod registration;

use actix_web::web;

pub fn configure(cfg: &mut web::ServiceConfig) {
    // The downloads before `/review/{id}`, which would take them for an id.
    cfg.route("/review", web::get().to(queue::show))
        .route("/review/queue.csv", web::get().to(queue::csv))
        .route("/review/registrations", web::get().to(all::list))
        .route("/review/registrations.csv", web::get().to(all::csv))
        .route("/review/{id}", web::get().to(registration::show))
        .route(
            "/review/{id}/assists",
            web::post().to(registration::assign_assist),
        )
        .route(
            "/review/{id}/approve",
            web::post().to(registration::approve),
        )
        .route("/review/{id}/reject", web::post().to(registration::reject))
        .route(
            "/review/{id}/request-info",
            web::post().to(registration::request_info),
        )
        .route(
            "/review/{id}/renewal/approve",
            web::post().to(registration::approve_renewal),
        )
        .route(
            "/review/{id}/renewal/reject",
            web::post().to(registration::reject_renewal),
        )
        .route(
            "/review/{id}/close-won",
            web::post().to(registration::close_won),
        )
        .route(
            "/review/{id}/close-lost",
            web::post().to(registration::close_lost),
        )
        .route(
            "/review/{id}/matches",
            web::post().to(registration::match_again),
        )
        .route(
            "/review/{id}/shared/decline",
            web::post().to(registration::decline_shared),
        )
        .route(
            "/review/{id}/shared/keep",
            web::post().to(registration::keep_shared),
        );
}
