//! "Sign in with your company account": the redirect to the company's OpenID provider and
//! its answer. The protocol is `auth::oidc`'s, who may sign in `domain::sso`'s; this page
//! keeps the sign-in in progress in the session, looks the user up and signs them in.

use actix_session::Session;
use actix_web::http::StatusCode;
use actix_web::http::header::LOCATION;
use actix_web::{HttpRequest, HttpResponse, web};
use serde::Deserialize;

use super::login::{self, NextQuery};
use crate::auth::oidc::{Identity, Pending};
use crate::auth::{self, csrf};
use crate::db::{self, models::audit, models::user};
use crate::domain::audit::{Action, SubjectKind, Who, subject};
use crate::domain::sso::{Refusal, email_allowed, may_use_sso, still_pending};
use crate::domain::user::{normalize_email, validate_user};
use crate::error::AppError;
use crate::routes::render_with;
use crate::state::AppState;

/// The session key of the sign-in in progress.
const PENDING: &str = "sso";

/// The provider's answer. Not `deny_unknown_fields`: providers add their own (`iss`,
/// `session_state`).
#[derive(Deserialize)]
pub struct Answer {
    code: Option<String>,
    state: Option<String>,
    error: Option<String>,
}

/// The sign-in page again, with why nobody was signed in.
fn refuse(
    session: &Session,
    state: &AppState,
    refusal: &Refusal,
) -> Result<HttpResponse, AppError> {
    tracing::warn!(refusal = ?refusal, "company sign-in refused");
    let status = match refusal {
        Refusal::Unreachable => StatusCode::SERVICE_UNAVAILABLE,
        Refusal::NoAccount(_) | Refusal::Disabled | Refusal::NotStaff | Refusal::EmailDomain(_) => {
            StatusCode::FORBIDDEN
        }
        _ => StatusCode::BAD_REQUEST,
    };
    let page = login::LoginPage::with_error(csrf::token(session)?, state, refusal.message());
    render_with(status, &page)
}

/// Sends the browser to the company's provider.
pub async fn start(
    session: Session,
    state: web::Data<AppState>,
    query: web::Query<NextQuery>,
) -> Result<HttpResponse, AppError> {
    let Some(sso) = &state.sso else {
        return Err(AppError::NotFound);
    };
    match sso.start(&query.into_inner().next).await {
        Ok((url, pending)) => {
            session
                .insert(PENDING, pending)
                .map_err(AppError::internal)?;
            Ok(HttpResponse::SeeOther()
                .insert_header((LOCATION, url))
                .finish())
        }
        Err(refusal) => refuse(&session, &state, &refusal),
    }
}

/// The provider's answer: checks it and signs the user in.
pub async fn callback(
    req: HttpRequest,
    session: Session,
    state: web::Data<AppState>,
    answer: web::Query<Answer>,
) -> Result<HttpResponse, AppError> {
    let client_addr = crate::auth::client_addr::of_request(&req).map(|ip| ip.to_string());
    let Some(sso) = &state.sso else {
        return Err(AppError::NotFound);
    };
    // Taken out whatever happens next: an answer is used once.
    let pending = session.remove_as::<Pending>(PENDING).and_then(Result::ok);
    let answer = answer.into_inner();
    let identity = match check(sso, &state, pending.as_ref(), &answer).await {
        Ok(identity) => identity,
        Err(refusal) => return refuse(&session, &state, &refusal),
    };
    let email = normalize_email(&identity.email);
    if !email_allowed(&email, &sso.settings().email_domains) {
        return refuse(&session, &state, &Refusal::EmailDomain(email));
    }
    let create = sso.settings().create_role;
    let now = state.clock.naive_now();
    let (lookup, name) = (email.clone(), identity.name.clone());
    let found = db::run(&state.pool, move |conn| {
        if let Some(u) = user::find_by_email(conn, &lookup)? {
            return Ok(Some(u));
        }
        let Some(role) = create else {
            return Ok(None);
        };
        let name = name.unwrap_or_else(|| lookup.clone());
        let fields = validate_user(&lookup, &name, role.as_str(), "", false)
            .map_err(|e| AppError::internal(anyhow::anyhow!("{e:?}")))?;
        let created = user::insert(conn, &fields, None, now)
            .map_err(|e| AppError::internal(anyhow::anyhow!("{e:?}")))?;
        tracing::info!(user_id = %created.id, role = role.as_str(), "user created by a company sign-in");
        Ok(Some(created))
    })
    .await?;
    let Some(user) = found else {
        return refuse(&session, &state, &Refusal::NoAccount(email));
    };
    if user.disabled_at.is_some() {
        return refuse(&session, &state, &Refusal::Disabled);
    }
    if !may_use_sso(user.role()) {
        return refuse(&session, &state, &Refusal::NotStaff);
    }
    let who = Who::user(&user.id, user.role(), client_addr);
    let account = subject(SubjectKind::User, &user.id);
    db::run(&state.pool, move |conn| {
        Ok(audit::record(
            conn,
            &who,
            Action::SignedIn,
            &account,
            Some("With the company account (single sign-on)"),
            now,
        )?)
    })
    .await?;
    auth::sign_in_with_company(&session, &user.id)?;
    tracing::info!(user_id = %user.id, subject = %identity.subject, "signed in with the company account");
    let home = user.role().home_path();
    let next = pending.map(|p| p.next).unwrap_or_default();
    Ok(crate::routes::see_other(
        login::safe_next(&next).unwrap_or(home),
    ))
}

/// The answer belongs to the sign-in started in this browser, in time, and carries a code
/// that the provider exchanges for a valid ID token.
async fn check(
    sso: &crate::auth::oidc::Sso,
    state: &AppState,
    pending: Option<&Pending>,
    answer: &Answer,
) -> Result<Identity, Refusal> {
    let pending = pending.ok_or(Refusal::NotStarted)?;
    if answer.state.as_deref() != Some(pending.state.as_str()) {
        return Err(Refusal::NotStarted);
    }
    if let Some(error) = &answer.error {
        return Err(Refusal::Provider(error.clone()));
    }
    if !still_pending(pending.started_at, state.clock.naive_now()) {
        return Err(Refusal::Expired);
    }
    let code = answer.code.as_deref().ok_or(Refusal::Invalid)?;
    sso.finish(pending, code).await
}

#[cfg(test)]
mod tests {
    #[test]
    fn role_codes_used_for_created_users_are_valid() {
        for role in [
            crate::domain::role::Role::Sales,
            crate::domain::role::Role::Channel,
        ] {
            assert!(
                crate::domain::user::validate_user("a@example.com", "A", role.as_str(), "", false)
                    .is_ok()
            );
        }
    }
}
