//! Disputes: partners raise them on their own registrations and sales reps on a partner's
//! registration (each sees only their own: a partner their organisation's, a rep those they
//! raised); channel managers and admins rule on them from a queue ordered by SLA deadline
//! and search past rulings.

mod raise;
mod review;
mod view;

pub use view::DisputeView;

use actix_web::web;

use crate::auth::guard::{PartnerOnly, SalesOnly};

/// A partner's disputes, inside the `/partner` scope.
pub fn partner_routes(cfg: &mut web::ServiceConfig) {
    cfg.route(
        "/deals/{id}/dispute",
        web::get().to(raise::form::<PartnerOnly>),
    )
    .route(
        "/deals/{id}/dispute",
        web::post().to(raise::submit::<PartnerOnly>),
    )
    .route("/disputes", web::get().to(raise::list::<PartnerOnly>))
    .route("/disputes/{id}", web::get().to(raise::show::<PartnerOnly>));
}

/// A sales rep's disputes, inside the `/sales` scope.
pub fn sales_routes(cfg: &mut web::ServiceConfig) {
    cfg.route(
        "/registrations/{id}/dispute",
        web::get().to(raise::form::<SalesOnly>),
    )
    .route(
        "/registrations/{id}/dispute",
        web::post().to(raise::submit::<SalesOnly>),
    )
    .route("/disputes", web::get().to(raise::list::<SalesOnly>))
    .route("/disputes/{id}", web::get().to(raise::show::<SalesOnly>));
}

/// The channel team's disputes, inside the `/review` scope and before its `/{id}`, which
/// would otherwise take `/review/disputes` for a registration.
pub fn review_routes(cfg: &mut web::ServiceConfig) {
    cfg.route("/disputes", web::get().to(review::queue))
        .route("/disputes.csv", web::get().to(review::queue_csv))
        .route("/disputes/rulings", web::get().to(review::rulings))
        .route("/disputes/rulings.csv", web::get().to(review::rulings_csv))
        .route("/disputes/{id}", web::get().to(review::case))
        .route("/disputes/{id}/resolve", web::post().to(review::resolve));
}
