//! Changing one's own password: needs the current one, and ends every other session.

use actix_web::{HttpResponse, web};
use askama::Template;
use serde::Deserialize;

use super::check_new_password;
use crate::auth::guard::{AnyRole, Signed};
use crate::auth::{self, password};
use crate::db::models::{audit, session as sessions, user};
use crate::db::{self, write_tx};
use crate::domain::audit::{Action, SubjectKind, subject};
use crate::domain::errors::FieldErrors;
use crate::error::AppError;
use crate::routes::layout::Layout;
use crate::routes::{render, render_invalid, see_other};
use crate::state::AppState;

#[derive(Template)]
#[template(path = "account/password.html")]
struct PasswordPage {
    layout: Layout,
    errors: FieldErrors,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ChangePasswordForm {
    #[serde(default)]
    current_password: String,
    #[serde(default)]
    password: String,
    #[serde(default)]
    password_confirm: String,
}

pub async fn show(signed: Signed<AnyRole>) -> Result<HttpResponse, AppError> {
    render(&PasswordPage {
        layout: Layout::signed(&signed, "/account/password"),
        errors: FieldErrors::new(),
    })
}

pub async fn submit(
    signed: Signed<AnyRole>,
    state: web::Data<AppState>,
    form: web::Form<ChangePasswordForm>,
) -> Result<HttpResponse, AppError> {
    let form = form.into_inner();
    let mut errors = FieldErrors::new();
    let current_ok = password::verify_blocking(
        state.config.argon2,
        signed.user.password_hash.clone(),
        form.current_password.clone(),
    )
    .await?;
    if !current_ok {
        errors.add("current_password", "This is not your current password.");
    }
    check_new_password(
        &form.password,
        &form.password_confirm,
        &signed.user.email,
        &mut errors,
    );
    if errors.is_empty() && form.password == form.current_password {
        errors.add(
            "password",
            "Choose a password different from the current one.",
        );
    }
    if !errors.is_empty() {
        return render_invalid(&PasswordPage {
            layout: Layout::signed(&signed, "/account/password"),
            errors,
        });
    }
    let hash = password::hash_blocking(state.config.argon2, form.password).await?;
    let now = state.clock.naive_now();
    let user_id = signed.user.id.clone();
    let who = signed.who();
    db::run(&state.pool, move |conn| {
        write_tx(conn, |conn| {
            user::set_password_hash(conn, &user_id, &hash, now)?;
            // Every session ends, this one included; renewing below gives this browser a
            // fresh session that keeps the user signed in.
            sessions::delete_for_user(conn, &user_id)?;
            audit::record(
                conn,
                &who,
                Action::PasswordChanged,
                &subject(SubjectKind::User, &user_id),
                Some("Signed out everywhere else"),
                now,
            )?;
            Ok::<_, AppError>(())
        })
    })
    .await?;
    auth::sign_in(&signed.session, &signed.user.id)?;
    auth::flash(
        &signed.session,
        "Password changed. You were signed out everywhere else.",
    );
    tracing::info!(user_id = %signed.user.id, "password changed; other sessions ended");
    Ok(see_other(signed.role.home_path()))
}
