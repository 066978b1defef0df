//! Program administration (admins only): the program policy, territories, the rules of engagement, partner organisations, users,
//! the outbox, the CRM account import, webhook endpoints and the audit log.

mod accounts;
pub(crate) mod audit;
mod browse;
mod compensation;
mod credits;
mod home;
mod import;
mod import_paths;
mod import_report;
mod import_runs;
mod orgs;
mod outbox;
pub(crate) mod policy;
pub(crate) mod roe;
mod roe_knowledge;
mod settings;
mod system;
mod territories;
mod users;
mod webhooks;

use actix_web::web;

use crate::domain::compensation::Rules;
use crate::domain::policy::Policy;

pub fn configure(cfg: &mut web::ServiceConfig) {
    // One scope: a request for any other area passes the admin pages with one prefix test
    // instead of trying each of their ~50 patterns (the router and the request log both walk
    // the routes in order).
    let admin = web::scope("/admin")
        .route("", web::get().to(home::show))
        .route("/accounts", web::get().to(accounts::list))
        .route("/audit", web::get().to(audit::list))
        .route("/audit.csv", web::get().to(audit::csv))
        .route("/accounts/import", web::get().to(import::show))
        .route("/accounts/import", web::post().to(import::upload))
        .route("/accounts/import/{id}", web::post().to(import::confirm))
        .route(
            "/accounts/import/runs/{id}",
            web::get().to(import_runs::show),
        )
        .route("/orgs", web::get().to(orgs::list))
        .route("/orgs.csv", web::get().to(orgs::csv))
        .route("/orgs", web::post().to(orgs::create))
        .route("/orgs/new", web::get().to(orgs::new))
        .route("/orgs/{id}/edit", web::get().to(orgs::edit))
        .route("/orgs/{id}", web::post().to(orgs::update))
        .route("/policy", web::get().to(settings::show::<Policy>))
        .route("/policy", web::post().to(settings::save::<Policy>))
        .route("/compensation", web::get().to(settings::show::<Rules>))
        .route("/compensation", web::post().to(settings::save::<Rules>))
        .route("/credits", web::get().to(credits::show))
        .route("/credits.csv", web::get().to(credits::csv))
        .route("/roe", web::get().to(roe::show))
        .route("/roe", web::post().to(roe::publish))
        .route(
            "/roe/acknowledgements",
            web::get().to(roe::acknowledgements),
        )
        .route(
            "/roe/acknowledgements.csv",
            web::get().to(roe::acknowledgements_csv),
        )
        .route("/roe/versions/{version}", web::get().to(roe::version))
        .route("/roe/knowledge", web::get().to(roe_knowledge::show))
        .route("/roe/knowledge.csv", web::get().to(roe_knowledge::csv))
        .route("/territories", web::get().to(territories::list))
        .route("/territories", web::post().to(territories::create))
        .route("/territories/new", web::get().to(territories::new))
        .route("/territories/mode", web::post().to(territories::set_mode))
        .route("/territories/{id}/edit", web::get().to(territories::edit))
        .route("/territories/{id}", web::post().to(territories::update))
        .route("/outbox", web::get().to(outbox::list))
        .route("/system", web::get().to(system::show))
        .route("/outbox/{id}/retry", web::post().to(outbox::retry))
        .route("/webhooks", web::get().to(webhooks::list))
        .route("/webhooks", web::post().to(webhooks::create))
        .route("/webhooks/new", web::get().to(webhooks::new))
        .route("/webhooks/{id}", web::get().to(webhooks::show))
        .route("/webhooks/{id}", web::post().to(webhooks::update))
        .route("/webhooks/{id}/rotate", web::post().to(webhooks::rotate))
        .route(
            "/webhooks/{id}/deliveries/{delivery}/redeliver",
            web::post().to(webhooks::redeliver),
        )
        .route("/users", web::get().to(users::list))
        .route("/users.csv", web::get().to(users::csv))
        .route("/users", web::post().to(users::create))
        .route("/users/new", web::get().to(users::new))
        .route("/users/{id}", web::get().to(users::edit))
        .route("/users/{id}", web::post().to(users::update))
        .route("/users/{id}/disable", web::post().to(users::disable))
        .route("/users/{id}/enable", web::post().to(users::enable))
        .route(
            "/users/{id}/two-step/off",
            web::post().to(users::turn_off_two_step),
        )
        .route(
            "/users/{id}/reset-password",
            web::post().to(users::reset_password),
        );
    cfg.service(admin);
}
