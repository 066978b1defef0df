//! Signing in and out (with the second step of two-step sign-in), first-admin setup,
//! one-time password links, password change, two-step sign-in, API tokens.

mod forgot;
mod login;
mod password;
mod second_step;
mod set_password;
mod setup;
mod sso;
mod tokens;
mod two_step;

use actix_web::web;

/// The second step of a sign-in: the code from the authenticator app.
pub const SECOND_STEP_PATH: &str = "/login/code";
/// The second step with a recovery code instead.
pub const RECOVERY_STEP_PATH: &str = "/login/recovery";
/// One's own two-step sign-in.
pub const TWO_STEP_PATH: &str = "/account/two-step";
/// Setting up two-step sign-in, where a user the program requires it of is sent.
pub const TWO_STEP_SETUP_PATH: &str = "/account/two-step/setup";

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
        .route(SECOND_STEP_PATH, web::get().to(second_step::show))
        .route(SECOND_STEP_PATH, web::post().to(second_step::submit))
        .route(
            RECOVERY_STEP_PATH,
            web::get().to(second_step::show_recovery),
        )
        .route(
            RECOVERY_STEP_PATH,
            web::post().to(second_step::submit_recovery),
        )
        .route(TWO_STEP_PATH, web::get().to(two_step::show))
        .route(TWO_STEP_SETUP_PATH, web::get().to(two_step::setup))
        .route(TWO_STEP_SETUP_PATH, web::post().to(two_step::confirm))
        .route(
            "/account/two-step/recovery-codes",
            web::post().to(two_step::renew_codes),
        )
        .route("/account/two-step/off", web::post().to(two_step::turn_off))
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
