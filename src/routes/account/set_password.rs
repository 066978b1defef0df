//! Set-password links: an invited user chooses their first password, or a user whose
//! password an admin reset chooses a new one.

use actix_session::Session;
use actix_web::{HttpRequest, HttpResponse, web};
use askama::Template;
use serde::Deserialize;

use super::check_new_password;
use super::setup::LinkInvalid;
use crate::auth::{self, PendingSignIn, csrf, password};
use crate::db::models::token::{self as tokens, Purpose};
use crate::db::models::{audit, login_failure, session as sessions, two_step, user};
use crate::db::{self, write_tx};
use crate::domain::audit::{Action, SubjectKind, Who, subject};
use crate::domain::errors::FieldErrors;
use crate::error::AppError;
use crate::ids;
use crate::routes::layout::Layout;
use crate::routes::{render, render_invalid, render_with, see_other};
use crate::state::AppState;

const INVALID: &str = "This sign-in link has expired or was already used. Ask your administrator (or your organisation's admin) for a new one.";

#[derive(Template)]
#[template(path = "account/set_password.html")]
struct SetPasswordPage {
    layout: Layout,
    token: String,
    email: String,
    errors: FieldErrors,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SetPasswordForm {
    #[serde(default)]
    password: String,
    #[serde(default)]
    password_confirm: String,
}

async fn link_owner(state: &AppState, secret: &str) -> Result<Option<user::User>, AppError> {
    let hash = ids::hash(secret);
    let now = state.clock.naive_now();
    db::run(&state.pool, move |conn| {
        let Some(found) = tokens::find_usable(conn, &hash, Purpose::SetPassword, now)? else {
            return Ok(None);
        };
        match found.user_id {
            Some(uid) => Ok(user::find(conn, &uid)?),
            None => Ok(None),
        }
    })
    .await
}

fn invalid(session: &Session) -> Result<HttpResponse, AppError> {
    render_with(
        actix_web::http::StatusCode::NOT_FOUND,
        &LinkInvalid {
            layout: Layout::anonymous(csrf::token(session)?),
            message: INVALID,
        },
    )
}

pub async fn show(
    session: Session,
    state: web::Data<AppState>,
    secret: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    let secret = secret.into_inner();
    let Some(owner) = link_owner(&state, &secret).await? else {
        return invalid(&session);
    };
    render(&SetPasswordPage {
        layout: Layout::anonymous(csrf::token(&session)?),
        token: secret,
        email: owner.email,
        errors: FieldErrors::new(),
    })
}

pub async fn submit(
    req: HttpRequest,
    session: Session,
    state: web::Data<AppState>,
    secret: web::Path<String>,
    form: web::Form<SetPasswordForm>,
) -> Result<HttpResponse, AppError> {
    let secret = secret.into_inner();
    let Some(owner) = link_owner(&state, &secret).await? else {
        return invalid(&session);
    };
    let mut errors = FieldErrors::new();
    check_new_password(
        &form.password,
        &form.password_confirm,
        &owner.email,
        &mut errors,
    );
    if !errors.is_empty() {
        return render_invalid(&SetPasswordPage {
            layout: Layout::anonymous(csrf::token(&session)?),
            token: secret,
            email: owner.email,
            errors,
        });
    }
    let hash = password::hash_blocking(state.config.argon2, form.password.clone()).await?;
    let now = state.clock.naive_now();
    let token_hash = ids::hash(&secret);
    let (user_id, email) = (owner.id.clone(), owner.email.clone());
    // The link proves who this is, though nobody is signed in yet.
    let who = Who::user(
        &owner.id,
        owner.role(),
        crate::auth::client_addr::of_request(&req).map(|ip| ip.to_string()),
    );
    let how = if owner.password_hash.is_none() {
        "First password, through the invitation"
    } else {
        "New password, through a reset link"
    };
    let saved = db::run(&state.pool, move |conn| {
        write_tx(conn, |conn| {
            if !tokens::consume(conn, &token_hash, now)? {
                return Ok(None);
            }
            user::set_password_hash(conn, &user_id, &hash, now)?;
            sessions::delete_for_user(conn, &user_id)?;
            login_failure::clear(conn, &email)?;
            audit::record(
                conn,
                &who,
                Action::PasswordSet,
                &subject(SubjectKind::User, &user_id),
                Some(how),
                now,
            )?;
            // The stamp as stored (PostgreSQL keeps microseconds of `now`).
            let stamp = user::find(conn, &user_id)?.map(|u| u.updated_at.to_string());
            let two_step_on = two_step::enabled_since(conn, &user_id)?.is_some();
            Ok::<_, AppError>(Some((stamp.unwrap_or_default(), two_step_on)))
        })
    })
    .await?;
    let Some((stamp, two_step_on)) = saved else {
        return invalid(&session);
    };
    tracing::info!(user_id = %owner.id, "password set through a one-time link");
    if two_step_on {
        // The link proves the mailbox, not the phone: the second step is still due.
        auth::await_second_step(
            &session,
            &PendingSignIn {
                user_id: owner.id.clone(),
                since: now.and_utc().timestamp(),
                stamp,
                next: String::new(),
            },
        )?;
        auth::flash(
            &session,
            "Your password is saved. Enter the code from your authenticator app to finish signing in.",
        );
        return Ok(see_other(super::SECOND_STEP_PATH));
    }
    // The link proved the email address and the user just chose the password: sign them in.
    auth::sign_in(&session, &owner.id)?;
    auth::flash(&session, "Your password is saved and you are signed in.");
    Ok(see_other(owner.role().home_path()))
}
