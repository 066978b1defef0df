//! "Forgot password?": emails a one-hour link. The page says the same thing whether or not
//! the address has an account, so it cannot be used to find out who has one.

use actix_session::Session;
use actix_web::{HttpRequest, HttpResponse, web};
use askama::Template;
use serde::Deserialize;

use crate::auth::csrf;
use crate::db::models::token::{self as tokens, Purpose};
use crate::db::models::{audit, org, user};
use crate::db::{self, write_tx};
use crate::domain::audit::{Action, SubjectKind, Who, subject};
use crate::domain::errors::FieldErrors;
use crate::domain::user::{is_plausible_email, normalize_email};
use crate::error::AppError;
use crate::routes::layout::Layout;
use crate::routes::{render, render_invalid, render_with};
use crate::state::AppState;
use crate::workflow::links::{self, LinkReason};

#[derive(Template)]
#[template(path = "account/forgot.html")]
struct ForgotPage {
    layout: Layout,
    email: String,
    sent_to: Option<String>,
    errors: FieldErrors,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ForgotForm {
    #[serde(default)]
    email: String,
}

pub async fn show(session: Session) -> Result<HttpResponse, AppError> {
    render(&ForgotPage {
        layout: Layout::anonymous(csrf::token(&session)?),
        email: String::new(),
        sent_to: None,
        errors: FieldErrors::new(),
    })
}

pub async fn submit(
    req: HttpRequest,
    session: Session,
    state: web::Data<AppState>,
    form: web::Form<ForgotForm>,
) -> Result<HttpResponse, AppError> {
    let email = normalize_email(&form.email);
    let page = |sent_to: Option<String>, errors: FieldErrors| -> Result<ForgotPage, AppError> {
        Ok(ForgotPage {
            layout: Layout::anonymous(csrf::token(&session)?),
            email: form.email.clone(),
            sent_to,
            errors,
        })
    };
    if !is_plausible_email(&email) {
        let mut errors = FieldErrors::new();
        errors.add("email", "Enter an email address like name@example.com.");
        return render_invalid(&page(None, errors)?);
    }
    let client_addr = crate::auth::client_addr::of(&req, &state.config.trusted_proxies);
    // Shares the sign-in budget per address: both let a stranger make the server work.
    if let Some(addr) = client_addr
        && !state.login_limiter.allow(addr)
    {
        let mut errors = FieldErrors::new();
        errors.add(
            "email",
            "Too many requests from your network. Wait a minute, then try again.",
        );
        return render_with(
            actix_web::http::StatusCode::TOO_MANY_REQUESTS,
            &page(None, errors)?,
        );
    }
    let now = state.clock.naive_now();
    let app = state.clone();
    let lookup = email.clone();
    let who = Who::anonymous(client_addr.map(|ip| ip.to_string()));
    let sent = db::run(&state.pool, move |conn| {
        write_tx(conn, |conn| {
            let Some(owner) = user::find_by_email(conn, &lookup)? else {
                return Ok(false);
            };
            if owner.disabled_at.is_some() {
                return Ok(false);
            }
            // One email per account every few minutes, however often someone asks.
            let last = tokens::latest_issued(conn, Purpose::SetPassword, &owner.id)?;
            if last.is_some_and(|at| now - at < links::RESEND_COOLDOWN) {
                return Ok(false);
            }
            if owner.password_hash.is_none() {
                // Still invited: a fresh invitation (7 days), not a one-hour reset that would
                // cut the invitation short.
                let org_name = org::find_opt(conn, owner.org_id.as_deref())?.map(|o| o.name);
                links::invite(conn, &app.config, &owner, org_name, now)?;
            } else {
                links::send_password_link(conn, &app.config, &owner, LinkReason::Forgotten, now)?;
            }
            audit::record(
                conn,
                &who,
                Action::PasswordResetRequested,
                &subject(SubjectKind::User, &owner.id),
                Some(&owner.email),
                now,
            )?;
            Ok::<_, AppError>(true)
        })
    })
    .await?;
    tracing::info!(link_sent = sent, "password reset requested");
    render(&page(Some(email), FieldErrors::new())?)
}
