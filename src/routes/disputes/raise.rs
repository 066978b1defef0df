//! Raising a dispute, and the raiser's own disputes: a partner's organisation's, or those a
//! sales rep raised. Anything else is not found (and logged), as for registrations.

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, web};
use askama::Template;
use serde::Deserialize;

use crate::auth::guard::{Allowed, PartnerOnly, SalesOnly, Signed};
use crate::auth::{self};
use crate::db::models::dispute;
use crate::db::models::registration::Registration;
use crate::db::{self, models::org};
use crate::domain::dispute::{Raiser, Reason};
use crate::domain::errors::FieldErrors;
use crate::error::AppError;
use crate::routes::layout::Layout;
use crate::routes::view::RegistrationView;
use crate::routes::{Options, options, render, render_with, see_other};
use crate::state::AppState;
use crate::workflow::dispute::{self as flow, DisputeError, RaisedBy};

use super::view::DisputeView;

#[derive(Debug, Default, Clone, Deserialize)]
#[serde(default)]
pub struct RaiseForm {
    pub reason: String,
    pub details: String,
}

#[derive(Template)]
#[template(path = "disputes/raise.html")]
struct RaisePage {
    layout: Layout,
    reg: RegistrationView,
    action: String,
    back: String,
    by_rep: bool,
    /// The dispute SLA under the policy in force.
    sla_hours: i64,
    reasons: Options,
    form: RaiseForm,
    errors: FieldErrors,
    problem: Option<String>,
}

#[derive(Template)]
#[template(path = "disputes/mine.html")]
struct MinePage {
    layout: Layout,
    items: Vec<DisputeView>,
    base: &'static str,
    by_rep: bool,
}

#[derive(Template)]
#[template(path = "disputes/show.html")]
struct ShowPage {
    layout: Layout,
    d: DisputeView,
    back: &'static str,
    registration_href: Option<String>,
}

/// The two sides that raise disputes, as the type of the signed-in user's role: a partner
/// (scoped by its organisation) and a sales rep (by who raised it). One handler serves both.
pub trait Side: Allowed + 'static {
    const RAISER: Raiser;
    /// Where this side's disputes are listed (and the navigation entry).
    const LIST: &'static str;
    /// The registration's own page for this side, if it has one.
    fn registration_href(id: &str) -> Option<String>;
    /// Where the raise form posts, and the way back from it.
    fn paths(id: &str) -> (String, String);
}

impl Side for PartnerOnly {
    const RAISER: Raiser = Raiser::Partner;
    const LIST: &'static str = "/partner/disputes";

    fn registration_href(id: &str) -> Option<String> {
        Some(format!("/partner/deals/{id}"))
    }

    fn paths(id: &str) -> (String, String) {
        (
            format!("/partner/deals/{id}/dispute"),
            format!("/partner/deals/{id}"),
        )
    }
}

impl Side for SalesOnly {
    const RAISER: Raiser = Raiser::Sales;
    const LIST: &'static str = "/sales/disputes";

    fn registration_href(_: &str) -> Option<String> {
        None
    }

    fn paths(id: &str) -> (String, String) {
        (
            format!("/sales/registrations/{id}/dispute"),
            "/sales".into(),
        )
    }
}

/// Who is raising, from the signed-in user: a partner is scoped by their organisation.
fn raised_by<S: Side>(signed: &Signed<S>) -> Result<(String, Option<String>), AppError> {
    let org = match S::RAISER {
        Raiser::Partner => Some(signed.org_id()?.to_owned()),
        Raiser::Sales => None,
    };
    Ok((signed.user.id.clone(), org))
}

/// The raise form as it is shown again: what was typed, and why it was not taken.
struct Shown {
    status: StatusCode,
    form: RaiseForm,
    errors: FieldErrors,
    problem: Option<String>,
}

impl Shown {
    fn blank() -> Self {
        Shown {
            status: StatusCode::OK,
            form: RaiseForm::default(),
            errors: FieldErrors::new(),
            problem: None,
        }
    }
}

async fn form_page<S: Side>(
    signed: &Signed<S>,
    state: &AppState,
    id: String,
    shown: Shown,
) -> Result<HttpResponse, AppError> {
    let (user_id, org_id) = raised_by(signed)?;
    let who = signed.who();
    let now = state.clock.naive_now();
    let reg_id = id.clone();
    let (reg, refused, sla_hours) = db::run(&state.pool, move |conn| {
        let by = RaisedBy {
            who: &who,
            raiser: S::RAISER,
            org_id: org_id.as_deref(),
        };
        let (reg, refused): (Registration, Option<String>) =
            match flow::disputable(conn, by, &reg_id) {
                Ok(reg) => (reg, None),
                Err(DisputeError::Refused(message)) => {
                    let reg = match &org_id {
                        Some(org) => crate::db::models::registration::find_in_org(conn, &reg_id, org)?,
                        None => crate::db::models::registration::find(conn, &reg_id)?,
                    }
                    .ok_or(AppError::NotFound)?;
                    (reg, Some(message))
                }
                Err(DisputeError::NotFound) => {
                    tracing::warn!(user = %user_id, registration = %reg_id, "dispute asked for on a registration outside the user's reach (or none)");
                    return Err(AppError::NotFound);
                }
                Err(DisputeError::Db(e)) => return Err(e.into()),
                // `disputable` checks no form; nothing to show.
                Err(DisputeError::Invalid(_)) => return Err(AppError::NotFound),
            };
        let org_name = org::find(conn, &reg.org_id)?
            .map(|o| o.name)
            .unwrap_or_default();
        let sla_hours = crate::db::models::policy::current(conn)?
            .value
            .dispute_sla_hours;
        Ok((RegistrationView::new(&reg, &org_name, now), refused, sla_hours))
    })
    .await?;
    let (action, back) = S::paths(&id);
    let status = if refused.is_some() && shown.status == StatusCode::OK {
        StatusCode::CONFLICT
    } else {
        shown.status
    };
    render_with(
        status,
        &RaisePage {
            layout: Layout::signed(signed, S::LIST),
            reg,
            action,
            back,
            by_rep: S::RAISER == Raiser::Sales,
            sla_hours,
            reasons: std::iter::once((String::new(), "Choose a reason".to_owned()))
                .chain(options(Reason::ALL, Reason::as_str, Reason::label))
                .collect(),
            form: shown.form,
            errors: shown.errors,
            problem: shown.problem.or(refused),
        },
    )
}

/// The raise form.
pub async fn form<S: Side>(
    signed: Signed<S>,
    state: web::Data<AppState>,
    id: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    form_page(&signed, &state, id.into_inner(), Shown::blank()).await
}

/// Raises the dispute, or shows the form again with what is wrong.
pub async fn submit<S: Side>(
    signed: Signed<S>,
    state: web::Data<AppState>,
    id: web::Path<String>,
    form: web::Form<RaiseForm>,
) -> Result<HttpResponse, AppError> {
    let (id, form) = (id.into_inner(), form.into_inner());
    let (user_id, org_id) = raised_by(&signed)?;
    let config = state.config.clone();
    let now = state.clock.naive_now();
    let (reg_id, f) = (id.clone(), form.clone());
    let log_user = user_id.clone();
    let who = signed.who();
    let result = db::run(&state.pool, move |conn| {
        let by = RaisedBy {
            who: &who,
            raiser: S::RAISER,
            org_id: org_id.as_deref(),
        };
        match flow::raise(conn, &config, by, &reg_id, &f.reason, &f.details, now) {
            Err(DisputeError::Db(e)) => Err(e.into()),
            other => Ok(other),
        }
    })
    .await?;
    let again = |status, errors, problem| Shown {
        status,
        form: form.clone(),
        errors,
        problem,
    };
    match result {
        Ok(dispute_id) => {
            tracing::info!(user = %log_user, registration = %id, dispute = %dispute_id, "dispute raised");
            auth::flash(
                &signed.session,
                "Your dispute was sent to the channel team. We will email you their ruling.",
            );
            Ok(see_other(&format!("{}/{dispute_id}", S::LIST)))
        }
        Err(DisputeError::Invalid(errors)) => {
            let shown = again(StatusCode::UNPROCESSABLE_ENTITY, errors, None);
            form_page(&signed, &state, id, shown).await
        }
        Err(DisputeError::Refused(message)) => {
            let shown = again(StatusCode::CONFLICT, FieldErrors::new(), Some(message));
            form_page(&signed, &state, id, shown).await
        }
        Err(DisputeError::NotFound) => {
            tracing::warn!(user = %log_user, registration = %id, "dispute raised on a registration outside the user's reach (or none)");
            Err(AppError::NotFound)
        }
        Err(DisputeError::Db(e)) => Err(e.into()),
    }
}

const LIST_LIMIT: i64 = 200;

/// The side's own disputes: a partner's organisation's, or those the rep raised.
pub async fn list<S: Side>(
    signed: Signed<S>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, AppError> {
    let (user_id, org_id) = raised_by(&signed)?;
    let now = state.clock.naive_now();
    let rows = db::run(&state.pool, move |conn| {
        Ok(match org_id {
            Some(org) => dispute::of_org(conn, &org, LIST_LIMIT)?,
            None => dispute::raised_by(conn, &user_id, LIST_LIMIT)?,
        })
    })
    .await?;
    render(&MinePage {
        layout: Layout::signed(&signed, S::LIST),
        items: rows.iter().map(|d| DisputeView::new(d, now)).collect(),
        base: S::LIST,
        by_rep: S::RAISER == Raiser::Sales,
    })
}

/// One of the side's own disputes; any other is not found (and logged).
pub async fn show<S: Side>(
    signed: Signed<S>,
    state: web::Data<AppState>,
    id: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    let (user_id, org_id) = raised_by(&signed)?;
    let id = id.into_inner();
    let now = state.clock.naive_now();
    let d = db::run(&state.pool, move |conn| {
        let found = dispute::find(conn, &id)?.filter(|d| match &org_id {
            Some(org) => d.raiser_org_id.as_deref() == Some(org.as_str()),
            None => d.raised_by == user_id,
        });
        found.ok_or_else(|| {
            tracing::warn!(user = %user_id, dispute = %id, "dispute asked for outside the user's reach (or none)");
            AppError::NotFound
        })
    })
    .await?;
    render(&ShowPage {
        layout: Layout::signed(&signed, S::LIST),
        registration_href: d
            .raiser_registration_id
            .as_deref()
            .and_then(S::registration_href),
        d: DisputeView::new(&d, now),
        back: S::LIST,
    })
}
