//! Partner pages: their deals, registering one, a registration's page and its actions, and
//! their organisation's users (org admins only).

mod deal;
pub mod deals;
mod earnings;
mod org_users;
mod register;

use actix_web::web;

use crate::routes::disputes;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(
        web::scope("/partner")
            .route("", web::get().to(deals::list))
            .route("/deals.csv", web::get().to(deals::csv))
            .route("/earnings", web::get().to(earnings::show))
            .route(
                "/deals/{id}/assists/{assist}/accept",
                web::post().to(deal::accept_assist),
            )
            .route(
                "/deals/{id}/assists/{assist}/decline",
                web::post().to(deal::decline_assist),
            )
            .route("/deals", web::post().to(register::create))
            .route("/deals/new", web::get().to(register::new))
            .route("/deals/availability", web::get().to(register::availability))
            .route("/deals/{id}", web::get().to(deal::show))
            .route("/deals/{id}/withdraw", web::post().to(deal::withdraw))
            .route("/deals/{id}/renew", web::post().to(deal::renew))
            .route("/deals/{id}/answer", web::post().to(deal::answer))
            .route("/deals/{id}/close-won", web::post().to(deal::close_won))
            .route("/deals/{id}/close-lost", web::post().to(deal::close_lost))
            .configure(disputes::partner_routes),
    )
    .route("/org/users", web::get().to(org_users::list))
    .route("/org/users", web::post().to(org_users::create))
    .route("/org/users/new", web::get().to(org_users::new));
}
