//! The first administrator: created through the one-time link printed at first start.

use actix_session::Session;
use actix_web::{HttpRequest, HttpResponse, web};
use askama::Template;
use serde::Deserialize;

use super::check_new_password;
use crate::auth::{self, csrf, password};
use crate::db::models::audit;
use crate::db::models::token::{self as tokens, Purpose};
use crate::db::models::user::{self, SaveUserError};
use crate::db::{self, write_tx};
use crate::domain::audit::{Action, SubjectKind, Who, subject};
use crate::domain::errors::FieldErrors;
use crate::domain::role::Role;
use crate::domain::user::{describe, validate_user};
use crate::error::AppError;
use crate::ids;
use crate::routes::layout::Layout;
use crate::routes::{render, render_invalid, see_other};
use crate::state::AppState;

const INVALID: &str = "The setup link has expired or was already used. Restart the server to print a new one (it only does so while no user exists), or create an admin with `truce user add --role admin`.";

#[derive(Template)]
#[template(path = "account/setup.html")]
struct SetupPage {
    layout: Layout,
    token: String,
    form: SetupForm,
    errors: FieldErrors,
}

#[derive(Template)]
#[template(path = "account/link_invalid.html")]
pub(super) struct LinkInvalid {
    pub layout: Layout,
    pub message: &'static str,
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct SetupForm {
    #[serde(default)]
    name: String,
    #[serde(default)]
    email: String,
    #[serde(default)]
    password: String,
    #[serde(default)]
    password_confirm: String,
}

async fn link_is_usable(state: &AppState, secret: &str) -> Result<bool, AppError> {
    let hash = ids::hash(secret);
    let now = state.clock.naive_now();
    db::run(&state.pool, move |conn| {
        Ok(
            tokens::find_usable(conn, &hash, Purpose::Setup, now)?.is_some()
                && user::count(conn)? == 0,
        )
    })
    .await
}

fn invalid(session: &Session) -> Result<HttpResponse, AppError> {
    crate::routes::render_with(
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
    if !link_is_usable(&state, &secret).await? {
        return invalid(&session);
    }
    render(&SetupPage {
        layout: Layout::anonymous(csrf::token(&session)?),
        token: secret,
        form: SetupForm::default(),
        errors: FieldErrors::new(),
    })
}

pub async fn submit(
    req: HttpRequest,
    session: Session,
    state: web::Data<AppState>,
    secret: web::Path<String>,
    form: web::Form<SetupForm>,
) -> Result<HttpResponse, AppError> {
    let secret = secret.into_inner();
    let form = form.into_inner();
    if !link_is_usable(&state, &secret).await? {
        return invalid(&session);
    }
    let (fields, mut errors) =
        match validate_user(&form.email, &form.name, Role::Admin.as_str(), "", false) {
            Ok(f) => (Some(f), FieldErrors::new()),
            Err(e) => (None, e),
        };
    check_new_password(
        &form.password,
        &form.password_confirm,
        &form.email,
        &mut errors,
    );
    let Some(fields) = fields.filter(|_| errors.is_empty()) else {
        return render_invalid(&SetupPage {
            layout: Layout::anonymous(csrf::token(&session)?),
            token: secret,
            form,
            errors,
        });
    };

    let hash = password::hash_blocking(state.config.argon2, form.password.clone()).await?;
    let now = state.clock.naive_now();
    let token_hash = ids::hash(&secret);
    let addr = crate::auth::client_addr::of_request(&req).map(|ip| ip.to_string());
    let created = db::run(&state.pool, move |conn| {
        write_tx(conn, |conn| {
            if !tokens::consume(conn, &token_hash, now)? || user::count(conn)? > 0 {
                return Ok(None);
            }
            match user::insert(conn, &fields, Some(&hash), now) {
                Ok(u) => {
                    // The first administrator creates themselves, through the setup link.
                    audit::record(
                        conn,
                        &Who::user(&u.id, u.role, addr),
                        Action::UserCreated,
                        &subject(SubjectKind::User, &u.id),
                        Some(&format!(
                            "{}, the first administrator, through the setup link",
                            describe(&u.name, &u.email, u.role, None)
                        )),
                        now,
                    )?;
                    Ok(Some(u))
                }
                Err(SaveUserError::EmailTaken) => Ok(None),
                Err(SaveUserError::Db(e)) => Err(AppError::from(e)),
            }
        })
    })
    .await?;
    let Some(admin) = created else {
        return invalid(&session);
    };
    tracing::info!(user_id = %admin.id, "first administrator created through the setup link");
    auth::sign_in(&session, &admin.id)?;
    auth::flash(&session, "Welcome. Your administrator account is ready.");
    Ok(see_other(Role::Admin.home_path()))
}
