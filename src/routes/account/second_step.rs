//! The second step of signing in, after the right password of a user with two-step sign-in:
//! a code from the authenticator app, or one of the recovery codes. Attempts are limited as
//! passwords are (per client address, and per account and address with growing lockouts),
//! counted apart from the password's under the account's own key.

use actix_session::Session;
use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use askama::Template;
use serde::Deserialize;

use super::login::safe_next;
use crate::auth::{self, PendingSignIn, csrf};
use crate::db::models::{audit, login_failure, org, user};
use crate::db::{self};
use crate::domain::audit::{Action, SubjectKind, Who, subject};
use crate::domain::throttle;
use crate::domain::two_step::SECOND_STEP_MINUTES;
use crate::error::AppError;
use crate::routes::layout::Layout;
use crate::routes::{render, render_invalid, render_with, see_other};
use crate::state::AppState;
use crate::workflow::two_step::{self as flow, Answer, Passed, TwoStepError};

#[derive(Template)]
#[template(path = "account/second_step.html")]
struct SecondStepPage {
    layout: Layout,
    /// The recovery-code form rather than the app's.
    recovery: bool,
    /// The code as typed, kept after an error.
    code: String,
    error: Option<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CodeForm {
    #[serde(default)]
    code: String,
}

/// The login-failure key the second step's attempts are counted under: the user's, not
/// their email's, so that codes and passwords have separate counts. No email address has
/// this shape.
pub(super) fn throttle_key(user_id: &str) -> String {
    format!("two-step:{user_id}")
}

/// The half-done sign-in of this session, or where to go without one: back to the password
/// (none, or it took too long).
fn pending(session: &Session, state: &AppState) -> Result<PendingSignIn, HttpResponse> {
    let Some(pending) = auth::pending_sign_in(session) else {
        return Err(see_other("/login"));
    };
    let age = state.clock.naive_now().and_utc().timestamp() - pending.since;
    if !(0..=SECOND_STEP_MINUTES * 60).contains(&age) {
        session.remove(auth::PENDING);
        auth::flash(
            session,
            "Signing in took too long. Enter your email and password again.",
        );
        return Err(see_other("/login"));
    }
    Ok(pending)
}

fn page(
    session: &Session,
    recovery: bool,
    code: String,
    error: Option<&str>,
) -> Result<SecondStepPage, AppError> {
    Ok(SecondStepPage {
        layout: Layout::anonymous_with_flash(csrf::token(session)?, auth::take_flash(session)),
        recovery,
        code,
        error: error.map(str::to_owned),
    })
}

pub async fn show(session: Session, state: web::Data<AppState>) -> Result<HttpResponse, AppError> {
    show_form(session, state, false)
}

pub async fn show_recovery(
    session: Session,
    state: web::Data<AppState>,
) -> Result<HttpResponse, AppError> {
    show_form(session, state, true)
}

fn show_form(
    session: Session,
    state: web::Data<AppState>,
    recovery: bool,
) -> Result<HttpResponse, AppError> {
    if let Err(elsewhere) = pending(&session, &state) {
        return Ok(elsewhere);
    }
    render(&page(&session, recovery, String::new(), None)?)
}

pub async fn submit(
    req: HttpRequest,
    session: Session,
    state: web::Data<AppState>,
    form: web::Form<CodeForm>,
) -> Result<HttpResponse, AppError> {
    check(req, session, state, form.into_inner().code, false).await
}

pub async fn submit_recovery(
    req: HttpRequest,
    session: Session,
    state: web::Data<AppState>,
    form: web::Form<CodeForm>,
) -> Result<HttpResponse, AppError> {
    check(req, session, state, form.into_inner().code, true).await
}

async fn check(
    req: HttpRequest,
    session: Session,
    state: web::Data<AppState>,
    code: String,
    recovery: bool,
) -> Result<HttpResponse, AppError> {
    let pending = match pending(&session, &state) {
        Ok(p) => p,
        Err(elsewhere) => return Ok(elsewhere),
    };
    let client_addr = crate::auth::client_addr::of(&req, &state.config.trusted_proxies);
    if let Some(ip) = client_addr
        && !state.login_limiter.allow(ip)
    {
        tracing::warn!(client = %ip, "sign-in rate limit reached at the second step");
        return render_with(
            StatusCode::TOO_MANY_REQUESTS,
            &page(
                &session,
                recovery,
                code,
                Some("Too many sign-in attempts from your network. Wait a minute, then try again."),
            )?,
        );
    }
    let addr = client_addr.map(|ip| ip.to_string()).unwrap_or_default();
    let now = state.clock.naive_now();
    let key = throttle_key(&pending.user_id);
    let (lookup_key, lookup_addr, user_id) = (key.clone(), addr.clone(), pending.user_id.clone());
    let (locked_until, found) = db::run(&state.pool, move |conn| {
        let locked = login_failure::locked_until(conn, &lookup_key, &lookup_addr, now)?;
        let found = match user::find(conn, &user_id)? {
            Some(u) => {
                let org = org::find_opt(conn, u.org_id.as_deref())?;
                Some((u, org))
            }
            None => None,
        };
        Ok((locked, found))
    })
    .await?;
    // Disabled, suspended or changed (a new password) since the password was checked: the
    // half-done sign-in is void.
    let user = found.filter(|(u, org)| {
        u.disabled_at.is_none()
            && u.updated_at.to_string() == pending.stamp
            && (!u.role().needs_org() || org.as_ref().is_some_and(|o| o.is_active()))
    });
    let Some((user, _)) = user else {
        session.purge();
        return Ok(see_other("/login"));
    };
    if let Some(until) = locked_until {
        let minutes = throttle::minutes_left(until - now);
        return render_with(
            StatusCode::TOO_MANY_REQUESTS,
            &page(
                &session,
                recovery,
                code,
                Some(&format!(
                    "Too many wrong codes. Try again in {minutes} minute{}.",
                    if minutes == 1 { "" } else { "s" }
                )),
            )?,
        );
    }

    let (seal_key, user_id, typed) = (state.seal_key.clone(), user.id.clone(), code.clone());
    let checked = db::run(&state.pool, move |conn| {
        let answer = if recovery {
            Answer::Recovery(&typed)
        } else {
            Answer::App(&typed)
        };
        Ok(flow::check(conn, &seal_key, &user_id, answer, now))
    })
    .await?;
    let answer = if recovery {
        Answer::Recovery(&code)
    } else {
        Answer::App(&code)
    };
    match checked {
        Ok(passed) => {
            let (clear_key, clear_addr) = (key.clone(), addr.clone());
            // The sign-in is complete now (the password alone was not recorded as one); a
            // recovery code's use is recorded by the check itself.
            let with_app = !matches!(passed, Passed::Recovery { .. });
            let who = Who::user(
                &user.id,
                user.role(),
                Some(addr.clone()).filter(|a| !a.is_empty()),
            );
            db::run(&state.pool, move |conn| {
                db::write_tx(conn, |conn| {
                    login_failure::clear_after_sign_in(conn, &clear_key, &clear_addr)?;
                    if with_app {
                        let account = subject(
                            SubjectKind::User,
                            who.user_id.as_deref().unwrap_or_default(),
                        );
                        audit::record(
                            conn,
                            &who,
                            Action::SignedIn,
                            &account,
                            Some("With the password and the authenticator app"),
                            now,
                        )?;
                    }
                    Ok::<_, AppError>(())
                })
            })
            .await?;
            auth::sign_in(&session, &user.id)?;
            if let Passed::Recovery { left } = passed {
                tracing::info!(user_id = %user.id, left, "signed in with a recovery code");
                auth::flash(&session, recovery_notice(left));
            } else {
                tracing::info!(user_id = %user.id, "signed in with two steps");
            }
            let home = user.role().home_path();
            Ok(see_other(safe_next(&pending.next).unwrap_or(home)))
        }
        Err(TwoStepError::Refused(flow::Refusal::NotOn)) => {
            // Turned off since the password (by the user elsewhere): start again.
            session.purge();
            Ok(see_other("/login"))
        }
        Err(TwoStepError::Refused(refusal)) => {
            if refusal != flow::Refusal::Malformed {
                let (fail_key, fail_addr) = (key.clone(), addr.clone());
                let failures = db::run(&state.pool, move |conn| {
                    Ok(login_failure::record_failure(
                        conn, &fail_key, &fail_addr, now,
                    )?)
                })
                .await?;
                tracing::info!(user_id = %user.id, client = %addr, failures, "second step failed");
            }
            render_invalid(&page(
                &session,
                recovery,
                code.clone(),
                Some(refusal.message(&answer)),
            )?)
        }
        Err(TwoStepError::Unopenable(e)) => Err(AppError::internal(e)),
        Err(TwoStepError::Db(e)) => Err(e.into()),
    }
}

/// The notice after a sign-in with a recovery code: how many are left, and what to do.
fn recovery_notice(left: i64) -> String {
    match left {
        0 => "You used your last recovery code. Make new ones now: Two-step sign-in, \
              New recovery codes."
            .to_owned(),
        1 => "You signed in with a recovery code; 1 is left. Make new ones under \
              Two-step sign-in."
            .to_owned(),
        n => format!("You signed in with a recovery code; {n} are left."),
    }
}
