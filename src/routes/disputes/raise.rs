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

/// Who is raising, from the signed-in user: a partner is scoped by their organisation.
fn raised_by<R: Allowed>(
    signed: &Signed<R>,
    raiser: Raiser,
) -> Result<(String, Option<String>), AppError> {
    let org = match raiser {
        Raiser::Partner => Some(signed.org_id()?.to_owned()),
        Raiser::Sales => None,
    };
    Ok((signed.user.id.clone(), org))
}

fn paths(raiser: Raiser, id: &str) -> (String, String) {
    match raiser {
        Raiser::Partner => (
            format!("/partner/deals/{id}/dispute"),
            format!("/partner/deals/{id}"),
        ),
        Raiser::Sales => (
            format!("/sales/registrations/{id}/dispute"),
            "/sales".into(),
        ),
    }
}

#[expect(
    clippy::too_many_arguments,
    reason = "one page's parts, as the handlers have them"
)]
async fn form_page<R: Allowed>(
    signed: &Signed<R>,
    state: &AppState,
    raiser: Raiser,
    id: String,
    status: StatusCode,
    form: RaiseForm,
    errors: FieldErrors,
    problem: Option<String>,
) -> Result<HttpResponse, AppError> {
    let (user_id, org_id) = raised_by(signed, raiser)?;
    let now = state.clock.naive_now();
    let reg_id = id.clone();
    let (reg, refused, sla_hours) = db::run(&state.pool, move |conn| {
        let by = RaisedBy {
            user_id: &user_id,
            raiser,
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
            .policy
            .dispute_sla_hours;
        Ok((RegistrationView::new(&reg, &org_name, now), refused, sla_hours))
    })
    .await?;
    let (action, back) = paths(raiser, &id);
    let status = if refused.is_some() && status == StatusCode::OK {
        StatusCode::CONFLICT
    } else {
        status
    };
    render_with(
        status,
        &RaisePage {
            layout: Layout::signed(
                signed,
                if raiser == Raiser::Partner {
                    "/partner/disputes"
                } else {
                    "/sales/disputes"
                },
            ),
            reg,
            action,
            back,
            by_rep: raiser == Raiser::Sales,
            sla_hours,
            reasons: std::iter::once((String::new(), "Choose a reason".to_owned()))
                .chain(options(Reason::ALL, Reason::as_str, Reason::label))
                .collect(),
            form,
            errors,
            problem: problem.or(refused),
        },
    )
}

async fn raise<R: Allowed>(
    signed: Signed<R>,
    state: web::Data<AppState>,
    raiser: Raiser,
    id: String,
    form: RaiseForm,
) -> Result<HttpResponse, AppError> {
    let (user_id, org_id) = raised_by(&signed, raiser)?;
    let config = state.config.clone();
    let now = state.clock.naive_now();
    let (reg_id, f) = (id.clone(), form.clone());
    let log_user = user_id.clone();
    let result = db::run(&state.pool, move |conn| {
        let by = RaisedBy {
            user_id: &user_id,
            raiser,
            org_id: org_id.as_deref(),
        };
        match flow::raise(conn, &config, by, &reg_id, &f.reason, &f.details, now) {
            Err(DisputeError::Db(e)) => Err(e.into()),
            other => Ok(other),
        }
    })
    .await?;
    match result {
        Ok(dispute_id) => {
            tracing::info!(user = %log_user, registration = %id, dispute = %dispute_id, "dispute raised");
            auth::flash(
                &signed.session,
                "Your dispute was sent to the channel team. We will email you their ruling.",
            );
            let base = if raiser == Raiser::Partner {
                "/partner/disputes"
            } else {
                "/sales/disputes"
            };
            Ok(see_other(&format!("{base}/{dispute_id}")))
        }
        Err(DisputeError::Invalid(errors)) => {
            form_page(
                &signed,
                &state,
                raiser,
                id,
                StatusCode::UNPROCESSABLE_ENTITY,
                form,
                errors,
                None,
            )
            .await
        }
        Err(DisputeError::Refused(message)) => {
            form_page(
                &signed,
                &state,
                raiser,
                id,
                StatusCode::CONFLICT,
                form,
                FieldErrors::new(),
                Some(message),
            )
            .await
        }
        Err(DisputeError::NotFound) => {
            tracing::warn!(user = %log_user, registration = %id, "dispute raised on a registration outside the user's reach (or none)");
            Err(AppError::NotFound)
        }
        Err(DisputeError::Db(e)) => Err(e.into()),
    }
}

pub async fn partner_form(
    signed: Signed<PartnerOnly>,
    state: web::Data<AppState>,
    id: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    form_page(
        &signed,
        &state,
        Raiser::Partner,
        id.into_inner(),
        StatusCode::OK,
        RaiseForm::default(),
        FieldErrors::new(),
        None,
    )
    .await
}

pub async fn partner_raise(
    signed: Signed<PartnerOnly>,
    state: web::Data<AppState>,
    id: web::Path<String>,
    form: web::Form<RaiseForm>,
) -> Result<HttpResponse, AppError> {
    raise(
        signed,
        state,
        Raiser::Partner,
        id.into_inner(),
        form.into_inner(),
    )
    .await
}

pub async fn sales_form(
    signed: Signed<SalesOnly>,
    state: web::Data<AppState>,
    id: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    form_page(
        &signed,
        &state,
        Raiser::Sales,
        id.into_inner(),
        StatusCode::OK,
        RaiseForm::default(),
        FieldErrors::new(),
        None,
    )
    .await
}

pub async fn sales_raise(
    signed: Signed<SalesOnly>,
    state: web::Data<AppState>,
    id: web::Path<String>,
    form: web::Form<RaiseForm>,
) -> Result<HttpResponse, AppError> {
    raise(
        signed,
        state,
        Raiser::Sales,
        id.into_inner(),
        form.into_inner(),
    )
    .await
}

const LIST_LIMIT: i64 = 200;

pub async fn partner_list(
    signed: Signed<PartnerOnly>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, AppError> {
    let org_id = signed.org_id()?.to_owned();
    let now = state.clock.naive_now();
    let rows = db::run(&state.pool, move |conn| {
        Ok(dispute::of_org(conn, &org_id, LIST_LIMIT)?)
    })
    .await?;
    render(&MinePage {
        layout: Layout::signed(&signed, "/partner/disputes"),
        items: rows.iter().map(|d| DisputeView::new(d, now)).collect(),
        base: "/partner/disputes",
        by_rep: false,
    })
}

pub async fn sales_list(
    signed: Signed<SalesOnly>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, AppError> {
    let user_id = signed.user.id.clone();
    let now = state.clock.naive_now();
    let rows = db::run(&state.pool, move |conn| {
        Ok(dispute::raised_by(conn, &user_id, LIST_LIMIT)?)
    })
    .await?;
    render(&MinePage {
        layout: Layout::signed(&signed, "/sales/disputes"),
        items: rows.iter().map(|d| DisputeView::new(d, now)).collect(),
        base: "/sales/disputes",
        by_rep: true,
    })
}

pub async fn partner_show(
    signed: Signed<PartnerOnly>,
    state: web::Data<AppState>,
    id: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    let org_id = signed.org_id()?.to_owned();
    let id = id.into_inner();
    let now = state.clock.naive_now();
    let user_id = signed.user.id.clone();
    let d = db::run(&state.pool, move |conn| {
        match dispute::find(conn, &id)? {
            Some(d) if d.raiser_org_id.as_deref() == Some(org_id.as_str()) => Ok(d),
            _ => {
                tracing::warn!(user = %user_id, dispute = %id, "partner asked for a dispute outside their organisation (or none)");
                Err(AppError::NotFound)
            }
        }
    })
    .await?;
    render(&ShowPage {
        layout: Layout::signed(&signed, "/partner/disputes"),
        registration_href: d
            .raiser_registration_id
            .as_ref()
            .map(|r| format!("/partner/deals/{r}")),
        d: DisputeView::new(&d, now),
        back: "/partner/disputes",
    })
}

pub async fn sales_show(
    signed: Signed<SalesOnly>,
    state: web::Data<AppState>,
    id: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    let id = id.into_inner();
    let now = state.clock.naive_now();
    let user_id = signed.user.id.clone();
    let d = db::run(&state.pool, move |conn| {
        match dispute::find(conn, &id)? {
            Some(d) if d.raised_by == user_id => Ok(d),
            _ => {
                tracing::warn!(user = %user_id, dispute = %id, "sales rep asked for a dispute they did not raise (or none)");
                Err(AppError::NotFound)
            }
        }
    })
    .await?;
    render(&ShowPage {
        layout: Layout::signed(&signed, "/sales/disputes"),
        registration_href: None,
        d: DisputeView::new(&d, now),
        back: "/sales/disputes",
    })
}
