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

/// Registered before the review area, whose `/review/{id}` would otherwise take
/// `/review/disputes`.
pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route(
        "/partner/deals/{id}/dispute",
        web::get().to(raise::form::<PartnerOnly>),
    )
    .route(
        "/partner/deals/{id}/dispute",
        web::post().to(raise::submit::<PartnerOnly>),
    )
    .route(
        "/partner/disputes",
        web::get().to(raise::list::<PartnerOnly>),
    )
    .route(
        "/partner/disputes/{id}",
        web::get().to(raise::show::<PartnerOnly>),
    )
    .route(
        "/sales/registrations/{id}/dispute",
        web::get().to(raise::form::<SalesOnly>),
    )
    .route(
        "/sales/registrations/{id}/dispute",
        web::post().to(raise::submit::<SalesOnly>),
    )
    .route("/sales/disputes", web::get().to(raise::list::<SalesOnly>))
    .route(
        "/sales/disputes/{id}",
        web::get().to(raise::show::<SalesOnly>),
    )
    .route("/review/disputes", web::get().to(review::queue))
    .route("/review/disputes.csv", web::get().to(review::queue_csv))
    .route("/review/disputes/rulings", web::get().to(review::rulings))
    .route(
        "/review/disputes/rulings.csv",
        web::get().to(review::rulings_csv),
    )
    .route("/review/disputes/{id}", web::get().to(review::case))
    .route(
        "/review/disputes/{id}/resolve",
        web::post().to(review::resolve),
    );
}
