//! One's own two-step sign-in: where it stands, setting it up (a QR code and the secret as
//! text, confirmed with a first code), new recovery codes (with the password), turning it off
//! (with the password and a code). Recovery codes are shown once, in the response that made
//! them: they are kept nowhere else but as hashes.

use actix_web::{HttpRequest, HttpResponse, web};
use askama::Template;
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use qrcode::render::svg;
use qrcode::{EcLevel, QrCode};
use serde::Deserialize;

use super::{TWO_STEP_PATH, TWO_STEP_SETUP_PATH};
use crate::auth::guard::{Allowed, AnyRole, Signed, TwoStep, TwoStepSetup};
use crate::auth::{self, password};
use crate::db::models::{login_failure, policy};
use crate::db::{self};
use crate::domain::dates::date;
use crate::domain::errors::FieldErrors;
use crate::domain::throttle;
use crate::domain::two_step::{in_fours, normalize_code, secret_base32, setup_url};
use crate::error::AppError;
use crate::routes::layout::Layout;
use crate::routes::{render, render_invalid, see_other};
use crate::state::AppState;
use crate::workflow::two_step::{self as flow, Answer, Refusal, Setup, TwoStepError};

/// The name authenticator apps list the account under.
const ISSUER: &str = "Truce";

#[derive(Template)]
#[template(path = "account/two_step.html")]
struct TwoStepPage {
    layout: Layout,
    on_since: Option<String>,
    codes_left: i64,
    required: bool,
    /// The turn-off form's code as typed, kept after an error.
    off_code: String,
    errors: FieldErrors,
}

#[derive(Template)]
#[template(path = "account/two_step_setup.html")]
struct SetupPage {
    layout: Layout,
    /// The program requires it, and the user has not set it up: nothing else until done.
    must: bool,
    /// The QR code as an SVG `data:` URL (the CSP allows `data:` images, no inline markup).
    qr: String,
    secret: String,
    code: String,
    errors: FieldErrors,
}

#[derive(Template)]
#[template(path = "account/recovery_codes.html")]
struct RecoveryCodesPage {
    layout: Layout,
    /// Just set up (rather than renewed).
    first: bool,
    codes: Vec<String>,
    /// Where "Continue" goes.
    onward: &'static str,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CodeForm {
    #[serde(default)]
    code: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PasswordForm {
    #[serde(default)]
    renew_password: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TurnOffForm {
    #[serde(default)]
    off_password: String,
    #[serde(default)]
    off_code: String,
}

/// Whether the program requires two-step sign-in of the user's role.
async fn required<R: Allowed>(state: &AppState, signed: &Signed<R>) -> Result<bool, AppError> {
    if signed.two_step == TwoStep::MustSetUp {
        return Ok(true);
    }
    let role = signed.role;
    db::run(&state.pool, move |conn| {
        Ok(policy::current(conn)?.value.two_step_required(role))
    })
    .await
}

async fn overview(
    signed: &Signed<AnyRole>,
    state: &AppState,
    off_code: String,
    errors: FieldErrors,
) -> Result<HttpResponse, AppError> {
    let user_id = signed.user.id.clone();
    let status = db::run(&state.pool, move |conn| Ok(flow::status(conn, &user_id)?)).await?;
    let page = TwoStepPage {
        layout: Layout::signed(signed, TWO_STEP_PATH),
        on_since: status.on_since.map(date),
        codes_left: status.recovery_codes_left,
        required: required(state, signed).await?,
        off_code,
        errors,
    };
    if page.errors.is_empty() {
        render(&page)
    } else {
        render_invalid(&page)
    }
}

pub async fn show(
    signed: Signed<AnyRole>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, AppError> {
    overview(&signed, &state, String::new(), FieldErrors::new()).await
}

fn qr_code(text: &str) -> Result<String, AppError> {
    let code = QrCode::with_error_correction_level(text.as_bytes(), EcLevel::M)
        .map_err(|e| AppError::internal(anyhow::anyhow!("QR code: {e}")))?;
    let image = code
        .render::<svg::Color<'_>>()
        .min_dimensions(200, 200)
        .quiet_zone(true)
        .build();
    Ok(format!(
        "data:image/svg+xml;base64,{}",
        STANDARD.encode(image.as_bytes())
    ))
}

async fn setup_page(
    signed: &Signed<TwoStepSetup>,
    state: &AppState,
    code: String,
    errors: FieldErrors,
) -> Result<HttpResponse, AppError> {
    let (key, user_id, now) = (
        state.seal_key.clone(),
        signed.user.id.clone(),
        state.clock.naive_now(),
    );
    let setup = db::run(&state.pool, move |conn| {
        flow::begin_setup(conn, &key, &user_id, now).map_err(AppError::internal)
    })
    .await?;
    let secret = match setup {
        Setup::AlreadyOn => return Ok(see_other(TWO_STEP_PATH)),
        Setup::Secret(secret) => secret,
    };
    let page = SetupPage {
        layout: Layout::signed(signed, TWO_STEP_PATH),
        must: signed.two_step == TwoStep::MustSetUp,
        qr: qr_code(&setup_url(ISSUER, &signed.user.email, &secret))?,
        secret: in_fours(&secret_base32(&secret)),
        code,
        errors,
    };
    if page.errors.is_empty() {
        render(&page)
    } else {
        render_invalid(&page)
    }
}

pub async fn setup(
    signed: Signed<TwoStepSetup>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, AppError> {
    setup_page(&signed, &state, String::new(), FieldErrors::new()).await
}

/// The first code confirms the setup; the answer is the recovery codes, shown this once.
pub async fn confirm(
    mut signed: Signed<TwoStepSetup>,
    state: web::Data<AppState>,
    form: web::Form<CodeForm>,
) -> Result<HttpResponse, AppError> {
    let code = form.into_inner().code;
    let (key, user_id, now, typed) = (
        state.seal_key.clone(),
        signed.user.id.clone(),
        state.clock.naive_now(),
        code.clone(),
    );
    let confirmed = db::run(&state.pool, move |conn| {
        Ok(flow::confirm_setup(conn, &key, &user_id, &typed, now))
    })
    .await?;
    match confirmed {
        Ok(codes) => {
            tracing::info!(user_id = %signed.user.id, "two-step sign-in turned on");
            signed.two_step = TwoStep::On;
            render(&RecoveryCodesPage {
                layout: Layout::signed(&signed, TWO_STEP_PATH),
                first: true,
                codes,
                onward: signed.role.home_path(),
            })
        }
        Err(TwoStepError::Refused(Refusal::Replayed)) => {
            // Turned on meanwhile, in another tab: that tab showed the recovery codes.
            Ok(see_other(TWO_STEP_PATH))
        }
        Err(TwoStepError::Refused(refusal)) => {
            let mut errors = FieldErrors::new();
            errors.add(
                "code",
                if refusal == Refusal::NotOn {
                    // No setup was started (or it was turned off in another tab meanwhile).
                    "Add Truce to your app with the QR code below, then enter the code it shows."
                } else {
                    refusal.message(&Answer::App(&code))
                },
            );
            setup_page(&signed, &state, code, errors).await
        }
        Err(e) => Err(AppError::internal(e)),
    }
}

/// New recovery codes in place of the old ones, after the password.
pub async fn renew_codes(
    signed: Signed<AnyRole>,
    state: web::Data<AppState>,
    form: web::Form<PasswordForm>,
) -> Result<HttpResponse, AppError> {
    let form = form.into_inner();
    let password_ok = password::verify_blocking(
        state.config.argon2,
        signed.user.password_hash.clone(),
        form.renew_password,
    )
    .await?;
    if !password_ok {
        let mut errors = FieldErrors::new();
        errors.add("renew_password", "This is not your current password.");
        return overview(&signed, &state, String::new(), errors).await;
    }
    let (user_id, now) = (signed.user.id.clone(), state.clock.naive_now());
    let renewed = db::run(&state.pool, move |conn| {
        Ok(flow::renew_recovery_codes(conn, &user_id, now))
    })
    .await?;
    match renewed {
        Ok(codes) => {
            tracing::info!(user_id = %signed.user.id, "recovery codes renewed");
            render(&RecoveryCodesPage {
                layout: Layout::signed(&signed, TWO_STEP_PATH),
                first: false,
                codes,
                onward: TWO_STEP_PATH,
            })
        }
        Err(TwoStepError::Refused(_)) => Ok(see_other(TWO_STEP_PATH)),
        Err(e) => Err(AppError::internal(e)),
    }
}

/// Turns two-step sign-in off: the password and a code from the app (or a recovery code,
/// for a lost phone). Wrong codes count towards the same lockout as at sign-in.
pub async fn turn_off(
    req: HttpRequest,
    signed: Signed<AnyRole>,
    state: web::Data<AppState>,
    form: web::Form<TurnOffForm>,
) -> Result<HttpResponse, AppError> {
    let form = form.into_inner();
    let mut errors = FieldErrors::new();
    let password_ok = password::verify_blocking(
        state.config.argon2,
        signed.user.password_hash.clone(),
        form.off_password.clone(),
    )
    .await?;
    if !password_ok {
        errors.add("off_password", "This is not your current password.");
    }
    if form.off_code.trim().is_empty() {
        errors.add(
            "off_code",
            "Enter the code your authenticator app shows now, or one of your recovery codes.",
        );
    }
    if !errors.is_empty() {
        return overview(&signed, &state, form.off_code, errors).await;
    }
    let addr = crate::auth::client_addr::of(&req, &state.config.trusted_proxies)
        .map(|ip| ip.to_string())
        .unwrap_or_default();
    let now = state.clock.naive_now();
    let key = super::second_step::throttle_key(&signed.user.id);
    let (lookup_key, lookup_addr) = (key.clone(), addr.clone());
    let locked = db::run(&state.pool, move |conn| {
        Ok(login_failure::locked_until(
            conn,
            &lookup_key,
            &lookup_addr,
            now,
        )?)
    })
    .await?;
    if let Some(until) = locked {
        let minutes = throttle::minutes_left(until - now);
        errors.add(
            "off_code",
            format!(
                "Too many wrong codes. Try again in {minutes} minute{}.",
                if minutes == 1 { "" } else { "s" }
            ),
        );
        return overview(&signed, &state, form.off_code, errors).await;
    }
    // Six digits are the app's code; anything else is read as a recovery code.
    let is_app_code = normalize_code(&form.off_code).is_some();
    let (seal_key, user_id, typed) = (
        state.seal_key.clone(),
        signed.user.id.clone(),
        form.off_code.clone(),
    );
    let turned_off = db::run(&state.pool, move |conn| {
        let answer = if is_app_code {
            Answer::App(&typed)
        } else {
            Answer::Recovery(&typed)
        };
        Ok(flow::turn_off(conn, &seal_key, &user_id, answer, now))
    })
    .await?;
    match turned_off {
        Ok(()) => {
            db::run(&state.pool, move |conn| {
                Ok(login_failure::clear_after_sign_in(conn, &key, &addr)?)
            })
            .await?;
            tracing::info!(user_id = %signed.user.id, "two-step sign-in turned off");
            auth::flash(&signed.session, "Two-step sign-in is off.");
            // A role that must use it is sent straight back to set it up (`Signed<R>`).
            Ok(see_other(TWO_STEP_PATH))
        }
        Err(TwoStepError::Refused(Refusal::NotOn)) => Ok(see_other(TWO_STEP_SETUP_PATH)),
        Err(TwoStepError::Refused(refusal)) => {
            if refusal != Refusal::Malformed {
                db::run(&state.pool, move |conn| {
                    Ok(login_failure::record_failure(conn, &key, &addr, now)?)
                })
                .await?;
            }
            let answer = if is_app_code {
                Answer::App(&form.off_code)
            } else {
                Answer::Recovery(&form.off_code)
            };
            errors.add(
                "off_code",
                if refusal == Refusal::Malformed {
                    "Enter the 6-digit code your authenticator app shows now, or one of your \
                     recovery codes (such as 7k2m-q9wx-3hfp-t4rn)."
                } else {
                    refusal.message(&answer)
                },
            );
            overview(&signed, &state, form.off_code.clone(), errors).await
        }
        Err(e) => Err(AppError::internal(e)),
    }
}
