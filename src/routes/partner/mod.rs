//! Partner pages: their deals, registering one, a registration's page and its actions, and
//! their organisation's users (org admins only).

mod deal;
pub mod deals;
mod earnings;
mod org_users;
mod register;

use actix_web::web;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/partner", web::get().to(deals::list))
        .route("/partner/deals.csv", web::get().to(deals::csv))
        .route("/partner/earnings", web::get().to(earnings::show))
        .route(
            "/partner/deals/{id}/assists/{assist}/accept",
            web::post().to(deal::accept_assist),
        )
        .route(
            "/partner/deals/{id}/assists/{assist}/decline",
            web::post().to(deal::decline_assist),
        )
        .route("/partner/deals", web::post().to(register::create))
        .route("/partner/deals/new", web::get().to(register::new))
        .route(
            "/partner/deals/availability",
            web::get().to(register::availability),
        )
        .route("/partner/deals/{id}", web::get().to(deal::show))
        .route(
            "/partner/deals/{id}/withdraw",
            web::post().to(deal::withdraw),
        )
        .route("/partner/deals/{id}/renew", web::post().to(deal::renew))
        .route("/partner/deals/{id}/answer", web::post().to(deal::answer))
        .route(
            "/partner/deals/{id}/close-won",
            web::post().to(deal::close_won),
        )
        .route(
            "/partner/deals/{id}/close-lost",
            web::post().to(deal::close_lost),
        )
        .route("/org/users", web::get().to(org_users::list))
        .route("/org/users", web::post().to(org_users::create))
        .route("/org/users/new", web::get().to(org_users::new));
}
