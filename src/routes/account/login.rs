use actix_session::Session;
use actix_web::{HttpRequest, HttpResponse, web};
use askama::Template;
use serde::Deserialize;

use super::{SECOND_STEP_PATH, TWO_STEP_SETUP_PATH};
use crate::auth::guard::{AnyRole, Signed};
use crate::auth::{self, PendingSignIn, csrf, password};
use crate::db::models::{audit, login_failure, org, policy, two_step, user};
use crate::db::{self, write_tx};
use crate::domain::audit::{Action, SubjectKind, Who, subject};
use crate::domain::{throttle, user::normalize_email};
use crate::error::AppError;
use crate::routes::layout::Layout;
use crate::routes::{render, render_invalid, render_with, see_other};
use crate::state::AppState;

const GENERIC_FAILURE: &str =
    "That email and password do not match an active account. Check both and try again.";

#[derive(Template)]
#[template(path = "account/login.html")]
pub(super) struct LoginPage {
    layout: Layout,
    email: String,
    next: String,
    error: Option<String>,
    /// Offer "Sign in with your company account".
    sso: bool,
}

impl LoginPage {
    /// The page with an error above the form (a refused company sign-in).
    pub(super) fn with_error(csrf: String, state: &AppState, error: String) -> Self {
        Self {
            layout: Layout::anonymous(csrf),
            email: String::new(),
            next: String::new(),
            error: Some(error),
            sso: state.sso.is_some(),
        }
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NextQuery {
    #[serde(default)]
    pub(super) next: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LoginForm {
    #[serde(default)]
    email: String,
    #[serde(default)]
    password: String,
    #[serde(default)]
    next: String,
}

/// Only local paths are followed after sign-in, never another site.
/// Browsers drop tabs and new lines and read `\` as `/`, so `/\t/evil.example` would be
/// `//evil.example`: any control character or backslash disqualifies the path.
pub(super) fn safe_next(next: &str) -> Option<&str> {
    let plain = !next.chars().any(|c| c.is_control() || c == '\\');
    (plain && next.starts_with('/') && !next.starts_with("//")).then_some(next)
}

/// Where a visitor who is signed in, or half way, goes instead of the sign-in form.
fn onward(signed: Result<Signed<AnyRole>, AppError>) -> Option<HttpResponse> {
    match signed {
        Ok(s) => Some(see_other(s.role.home_path())),
        Err(AppError::SecondStepPending) => Some(see_other(SECOND_STEP_PATH)),
        Err(AppError::TwoStepSetupRequired) => Some(see_other(TWO_STEP_SETUP_PATH)),
        Err(_) => None,
    }
}

pub async fn root(signed: Result<Signed<AnyRole>, AppError>) -> HttpResponse {
    onward(signed).unwrap_or_else(|| see_other("/login"))
}

pub async fn show(
    session: Session,
    state: web::Data<AppState>,
    signed: Result<Signed<AnyRole>, AppError>,
    query: web::Query<NextQuery>,
) -> Result<HttpResponse, AppError> {
    if let Some(to) = onward(signed) {
        return Ok(to);
    }
    let flash = auth::take_flash(&session);
    render(&LoginPage {
        layout: Layout::anonymous_with_flash(csrf::token(&session)?, flash),
        email: String::new(),
        next: query.into_inner().next,
        error: None,
        sso: state.sso.is_some(),
    })
}

pub async fn submit(
    req: HttpRequest,
    session: Session,
    state: web::Data<AppState>,
    form: web::Form<LoginForm>,
) -> Result<HttpResponse, AppError> {
    let form = form.into_inner();
    let email = normalize_email(&form.email);
    let client_addr = crate::auth::client_addr::of(&req, &state.config.trusted_proxies);
    let page = |error: &str| -> Result<LoginPage, AppError> {
        Ok(LoginPage {
            layout: Layout::anonymous(csrf::token(&session)?),
            email: form.email.clone(),
            next: form.next.clone(),
            error: Some(error.to_owned()),
            sso: state.sso.is_some(),
        })
    };

    if let Some(ip) = client_addr
        && !state.login_limiter.allow(ip)
    {
        tracing::warn!(client = %ip, "sign-in rate limit reached");
        return render_with(
            actix_web::http::StatusCode::TOO_MANY_REQUESTS,
            &page("Too many sign-in attempts from your network. Wait a minute, then try again.")?,
        );
    }
    if email.is_empty() || form.password.is_empty() {
        return render_invalid(&page("Enter your email and your password.")?);
    }

    let addr = client_addr.map(|ip| ip.to_string()).unwrap_or_default();
    let now = state.clock.naive_now();
    let (lookup_email, lookup_addr) = (email.clone(), addr.clone());
    let (locked_until, found) = db::run(&state.pool, move |conn| {
        let locked = login_failure::locked_until(conn, &lookup_email, &lookup_addr, now)?;
        let found = match user::find_by_email(conn, &lookup_email)? {
            Some(u) => {
                let org = org::find_opt(conn, u.org_id.as_deref())?;
                Some((u, org))
            }
            None => None,
        };
        Ok((locked, found))
    })
    .await?;

    let failed = FailedSignIn {
        who: Who::anonymous(client_addr.map(|ip| ip.to_string())),
        email: email.clone(),
        account: found.as_ref().map(|(u, _)| u.id.clone()),
        now,
    };
    if let Some(until) = locked_until {
        failed
            .record(&state, "Locked out after repeated failures.")
            .await?;
        let minutes = throttle::minutes_left(until - now);
        return render_with(
            actix_web::http::StatusCode::TOO_MANY_REQUESTS,
            &page(&format!(
                "Too many failed attempts for this account. Try again in {minutes} minute{}.",
                if minutes == 1 { "" } else { "s" }
            ))?,
        );
    }

    let stored_hash = found.as_ref().and_then(|(u, _)| u.password_hash.clone());
    let password_ok =
        password::verify_blocking(state.config.argon2, stored_hash, form.password.clone()).await?;
    let reason = failure_reason(found.as_ref(), password_ok);
    let usable = found.filter(|(u, org)| {
        u.disabled_at.is_none()
            && (!u.role().needs_org() || org.as_ref().is_some_and(|o| o.is_active()))
    });
    let user = match usable {
        Some((u, _)) if password_ok => u,
        _ => {
            let (fail_email, fail_addr) = (email.clone(), addr.clone());
            let failures = db::run(&state.pool, move |conn| {
                write_tx(conn, |conn| {
                    let failures =
                        login_failure::record_failure(conn, &fail_email, &fail_addr, now)?;
                    failed.write(conn, reason)?;
                    Ok::<_, AppError>(failures)
                })
            })
            .await?;
            tracing::info!(client = %addr, failures, "sign-in failed");
            return render_invalid(&page(GENERIC_FAILURE)?);
        }
    };

    let (clear_email, clear_addr, user_id) = (email.clone(), addr.clone(), user.id.clone());
    let role = user.role();
    let who = Who::user(&user.id, role, client_addr.map(|ip| ip.to_string()));
    let (two_step_on, must_set_up) = db::run(&state.pool, move |conn| {
        write_tx(conn, |conn| {
            login_failure::clear_after_sign_in(conn, &clear_email, &clear_addr)?;
            let on = two_step::enabled_since(conn, &user_id)?.is_some();
            let required = !on && policy::current(conn)?.value.two_step_required(role);
            // With two-step on, the sign-in is recorded when its second step is done.
            if !on {
                let account = subject(SubjectKind::User, &user_id);
                audit::record(conn, &who, Action::SignedIn, &account, None, now)?;
            }
            Ok::<_, AppError>((on, required))
        })
    })
    .await?;
    if two_step_on {
        // The password alone signs nobody in: the session holds the half-done sign-in.
        auth::await_second_step(
            &session,
            &PendingSignIn {
                user_id: user.id.clone(),
                since: now.and_utc().timestamp(),
                stamp: user.updated_at.to_string(),
                next: form.next,
            },
        )?;
        tracing::info!(user_id = %user.id, "password accepted; the second step is due");
        return Ok(see_other(SECOND_STEP_PATH));
    }
    auth::sign_in(&session, &user.id)?;
    tracing::info!(user_id = %user.id, "signed in");
    if must_set_up {
        // Every other page would send them there too (`Signed<R>`); go straight away.
        return Ok(see_other(TWO_STEP_SETUP_PATH));
    }
    let home = user.role().home_path();
    Ok(see_other(safe_next(&form.next).unwrap_or(home)))
}

pub async fn logout(
    req: HttpRequest,
    session: Session,
    state: web::Data<AppState>,
) -> Result<HttpResponse, AppError> {
    if let Some(user_id) = auth::signed_in_user_id(&session) {
        tracing::info!(user_id = %user_id, "signed out");
        // The role is read from the user's row as the event is written.
        let who = Who {
            user_id: Some(user_id.clone()),
            role: None,
            client_addr: crate::auth::client_addr::of_request(&req).map(|ip| ip.to_string()),
        };
        let now = state.clock.naive_now();
        db::run(&state.pool, move |conn| {
            let account = subject(SubjectKind::User, &user_id);
            Ok(audit::record(
                conn,
                &who,
                Action::SignedOut,
                &account,
                None,
                now,
            )?)
        })
        .await?;
    }
    session.purge();
    Ok(see_other("/login"))
}

/// A failed sign-in as the audit log records it: from the client's address, nobody signed
/// in, the email typed (never the password), on the account it names if there is one.
#[derive(Clone)]
struct FailedSignIn {
    who: Who,
    email: String,
    account: Option<String>,
    now: chrono::NaiveDateTime,
}

impl FailedSignIn {
    fn write(&self, conn: &mut db::DbConnection, reason: &str) -> diesel::QueryResult<()> {
        // An address is at most 254 characters; whatever else was typed is cut there.
        let typed: String = self.email.chars().take(254).collect();
        audit::record(
            conn,
            &self.who,
            Action::SignInFailed,
            &subject(
                SubjectKind::User,
                self.account.as_deref().unwrap_or_default(),
            ),
            Some(&format!("Email: {typed}. {reason}")),
            self.now,
        )
    }

    async fn record(&self, state: &AppState, reason: &'static str) -> Result<(), AppError> {
        let failed = self.clone();
        db::run(&state.pool, move |conn| Ok(failed.write(conn, reason)?)).await
    }
}

/// Why a sign-in failed, for the audit log only: the person signing in always reads the
/// same message, so it cannot tell them which accounts exist.
fn failure_reason(
    found: Option<&(user::User, Option<org::Org>)>,
    password_ok: bool,
) -> &'static str {
    match found {
        None => "No account has this email.",
        Some((u, _)) if u.password_hash.is_none() => "The account has no password yet (invited).",
        Some(_) if !password_ok => "Wrong password.",
        Some((u, _)) if u.disabled_at.is_some() => "The account is disabled.",
        Some(_) => "The partner organisation is suspended.",
    }
}

#[cfg(test)]
mod tests {
    use super::safe_next;

    #[test]
    fn only_local_paths_are_followed() {
        assert_eq!(safe_next("/admin/users"), Some("/admin/users"));
        assert_eq!(safe_next("//evil.example"), None);
        assert_eq!(safe_next("/\\evil.example"), None);
        assert_eq!(safe_next("/\t/evil.example"), None);
        assert_eq!(safe_next("/\n/evil.example"), None);
        assert_eq!(safe_next("/admin\\..\\x"), None);
        assert_eq!(safe_next("https://evil.example"), None);
        assert_eq!(safe_next(""), None);
    }
}
