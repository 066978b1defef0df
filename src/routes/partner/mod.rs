//! Partner pages: their deals, and their organisation's users (org admins only).

mod home;
mod org_users;

use actix_web::web;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/partner", web::get().to(home::show))
        .route("/org/users", web::get().to(org_users::list))
        .route("/org/users", web::post().to(org_users::create))
        .route("/org/users/new", web::get().to(org_users::new));
}
