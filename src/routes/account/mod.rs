//! Signing in and out, first-admin setup, one-time password links, password change, API
//! tokens.

mod forgot;
mod login;
mod password;
mod set_password;
mod setup;
mod sso;
mod tokens;

use actix_web::web;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/", web::get().to(login::root))
        .route("/login", web::get().to(login::show))
        .route("/login", web::post().to(login::submit))
        .route("/logout", web::post().to(login::logout))
        .route("/login/sso", web::get().to(sso::start))
        .route(
            crate::auth::oidc::CALLBACK_PATH,
            web::get().to(sso::callback),
        )
        .route("/setup/{token}", web::get().to(setup::show))
        .route("/setup/{token}", web::post().to(setup::submit))
        .route("/password/forgot", web::get().to(forgot::show))
        .route("/password/forgot", web::post().to(forgot::submit))
        .route("/password/set/{token}", web::get().to(set_password::show))
        .route(
            "/password/set/{token}",
            web::post().to(set_password::submit),
        )
        .route("/account/password", web::get().to(password::show))
        .route("/account/password", web::post().to(password::submit))
        .route("/account/tokens", web::get().to(tokens::show))
        .route("/account/tokens", web::post().to(tokens::create))
        .route(
            "/account/tokens/{id}/revoke",
            web::post().to(tokens::revoke),
        );
}

use crate::domain::errors::FieldErrors;
use crate::domain::password_policy;

/// The checks on a new password and its confirmation, shared by setup, links and change.
fn check_new_password(password: &str, confirm: &str, email: &str, errors: &mut FieldErrors) {
    if let Err(message) = password_policy::check_new_password(password, email) {
        errors.add("password", message);
    } else if password != confirm {
        errors.add(
            "password_confirm",
            "The two passwords differ. Type the same password twice.",
        );
    }
}
