//! Channel managers' pages (admins may use them too): the review queue ordered by SLA
//! deadline, every registration, and a registration's page with its conflict evidence and
//! the decisions.

mod all;
mod queue;
mod registration;

use actix_web::web;

use crate::routes::disputes;

pub fn configure(cfg: &mut web::ServiceConfig) {
    // The downloads and the disputes before `/{id}`, which would take them for an id.
    cfg.service(
        web::scope("/review")
            .route("", web::get().to(queue::show))
            .route("/queue.csv", web::get().to(queue::csv))
            .route("/registrations", web::get().to(all::list))
            .route("/registrations.csv", web::get().to(all::csv))
            .configure(disputes::review_routes)
            .route("/{id}", web::get().to(registration::show))
            .route("/{id}/assists", web::post().to(registration::assign_assist))
            .route("/{id}/approve", web::post().to(registration::approve))
            .route("/{id}/reject", web::post().to(registration::reject))
            .route(
                "/{id}/request-info",
                web::post().to(registration::request_info),
            )
            .route(
                "/{id}/renewal/approve",
                web::post().to(registration::approve_renewal),
            )
            .route(
                "/{id}/renewal/reject",
                web::post().to(registration::reject_renewal),
            )
            .route("/{id}/close-won", web::post().to(registration::close_won))
            .route("/{id}/close-lost", web::post().to(registration::close_lost))
            .route("/{id}/matches", web::post().to(registration::match_again))
            .route(
                "/{id}/shared/decline",
                web::post().to(registration::decline_shared),
            )
            .route(
                "/{id}/shared/keep",
                web::post().to(registration::keep_shared),
            ),
    );
}
