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
    cfg.route("/admin", web::get().to(home::show))
        .route("/admin/accounts", web::get().to(accounts::list))
        .route("/admin/audit", web::get().to(audit::list))
        .route("/admin/audit.csv", web::get().to(audit::csv))
        .route("/admin/accounts/import", web::get().to(import::show))
        .route("/admin/accounts/import", web::post().to(import::upload))
        .route(
            "/admin/accounts/import/{id}",
            web::post().to(import::confirm),
        )
        .route(
            "/admin/accounts/import/runs/{id}",
            web::get().to(import_runs::show),
        )
        .route("/admin/orgs", web::get().to(orgs::list))
        .route("/admin/orgs.csv", web::get().to(orgs::csv))
        .route("/admin/orgs", web::post().to(orgs::create))
        .route("/admin/orgs/new", web::get().to(orgs::new))
        .route("/admin/orgs/{id}/edit", web::get().to(orgs::edit))
        .route("/admin/orgs/{id}", web::post().to(orgs::update))
        .route("/admin/policy", web::get().to(settings::show::<Policy>))
        .route("/admin/policy", web::post().to(settings::save::<Policy>))
        .route(
            "/admin/compensation",
            web::get().to(settings::show::<Rules>),
        )
        .route(
            "/admin/compensation",
            web::post().to(settings::save::<Rules>),
        )
        .route("/admin/credits", web::get().to(credits::show))
        .route("/admin/credits.csv", web::get().to(credits::csv))
        .route("/admin/roe", web::get().to(roe::show))
        .route("/admin/roe", web::post().to(roe::publish))
        .route(
            "/admin/roe/acknowledgements",
            web::get().to(roe::acknowledgements),
        )
        .route(
            "/admin/roe/acknowledgements.csv",
            web::get().to(roe::acknowledgements_csv),
        )
        .route("/admin/roe/versions/{version}", web::get().to(roe::version))
        .route("/admin/roe/knowledge", web::get().to(roe_knowledge::show))
        .route(
            "/admin/roe/knowledge.csv",
            web::get().to(roe_knowledge::csv),
        )
        .route("/admin/territories", web::get().to(territories::list))
        .route("/admin/territories", web::post().to(territories::create))
        .route("/admin/territories/new", web::get().to(territories::new))
        .route(
            "/admin/territories/mode",
            web::post().to(territories::set_mode),
        )
        .route(
            "/admin/territories/{id}/edit",
            web::get().to(territories::edit),
        )
        .route(
            "/admin/territories/{id}",
            web::post().to(territories::update),
        )
        .route("/admin/outbox", web::get().to(outbox::list))
        .route("/admin/system", web::get().to(system::show))
        .route("/admin/outbox/{id}/retry", web::post().to(outbox::retry))
        .route("/admin/webhooks", web::get().to(webhooks::list))
        .route("/admin/webhooks", web::post().to(webhooks::create))
        .route("/admin/webhooks/new", web::get().to(webhooks::new))
        .route("/admin/webhooks/{id}", web::get().to(webhooks::show))
        .route("/admin/webhooks/{id}", web::post().to(webhooks::update))
        .route(
            "/admin/webhooks/{id}/rotate",
            web::post().to(webhooks::rotate),
        )
        .route(
            "/admin/webhooks/{id}/deliveries/{delivery}/redeliver",
            web::post().to(webhooks::redeliver),
        )
        .route("/admin/users", web::get().to(users::list))
        .route("/admin/users.csv", web::get().to(users::csv))
        .route("/admin/users", web::post().to(users::create))
        .route("/admin/users/new", web::get().to(users::new))
        .route("/admin/users/{id}", web::get().to(users::edit))
        .route("/admin/users/{id}", web::post().to(users::update))
        .route("/admin/users/{id}/disable", web::post().to(users::disable))
        .route("/admin/users/{id}/enable", web::post().to(users::enable))
        .route(
            "/admin/users/{id}/two-step/off",
            web::post().to(users::turn_off_two_step),
        )
        .route(
            "/admin/users/{id}/reset-password",
            web::post().to(users::reset_password),
        );
}
