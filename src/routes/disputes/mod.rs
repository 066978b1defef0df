//! Disputes: partners raise them on their own registrations and sales reps on a partner's
//! registration (each sees only their own: a partner their organisation's, a rep those they
//! raised); channel managers and admins rule on them from a queue ordered by SLA deadline
//! and search past rulings.

mod raise;
mod review;
mod view;

pub use view::DisputeView;

use actix_web::web;

/// Registered before the review area, whose `/review/{id}` would otherwise take
/// `/review/disputes`.
pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route(
        "/partner/deals/{id}/dispute",
        web::get().to(raise::partner_form),
    )
    .route(
        "/partner/deals/{id}/dispute",
        web::post().to(raise::partner_raise),
    )
    .route("/partner/disputes", web::get().to(raise::partner_list))
    .route("/partner/disputes/{id}", web::get().to(raise::partner_show))
    .route(
        "/sales/registrations/{id}/dispute",
        web::get().to(raise::sales_form),
    )
    .route(
        "/sales/registrations/{id}/dispute",
        web::post().to(raise::sales_raise),
    )
    .route("/sales/disputes", web::get().to(raise::sales_list))
    .route("/sales/disputes/{id}", web::get().to(raise::sales_show))
    .route("/review/disputes", web::get().to(review::queue))
    .route("/review/disputes/rulings", web::get().to(review::rulings))
    .route("/review/disputes/{id}", web::get().to(review::case))
    .route(
        "/review/disputes/{id}/resolve",
        web::post().to(review::resolve),
    );
}
