//! A registration for its reviewer: the partner's fields, the conflict evidence, the
//! timeline, and the decisions its state allows.

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, web};
use askama::Template;

use crate::auth::{self, guard::Reviewer, guard::Signed};
use crate::db::models::{org, policy, registration};
use crate::db::{self};
use crate::domain::errors::FieldErrors;
use crate::domain::lifecycle::Actor;
use crate::domain::policy::Segment;
use crate::error::AppError;
use crate::routes::actions::{self, Action, ActionForm, Outcome};
use crate::routes::layout::Layout;
use crate::routes::view::{Detail, Kept};
use crate::routes::{render_with, see_other};
use crate::startup::AppState;
use crate::workflow::evidence::{self, Evidence};

#[derive(Template)]
#[template(path = "review/registration.html")]
struct ReviewPage {
    layout: Layout,
    d: Detail,
    evidence: Evidence,
    /// What approval would grant under the policy in force.
    window_days: i64,
    policy_version: i64,
    /// Disputes raised with or against this registration, newest first.
    disputes: Vec<crate::routes::disputes::DisputeView>,
    errors: FieldErrors,
    kept: Kept,
    problem: Option<String>,
    /// Why it lies outside the partner's territories (let through in flag mode).
    territory_flag: Option<String>,
}

async fn page(
    signed: &Signed<Reviewer>,
    state: &AppState,
    id: String,
    status: StatusCode,
    errors: FieldErrors,
    kept: Kept,
    problem: Option<String>,
) -> Result<HttpResponse, AppError> {
    let now = state.clock.naive_now();
    let (d, evidence, window_days, policy_version, disputes, territory_flag) =
        db::run(&state.pool, move |conn| {
            let r = registration::find(conn, &id)?.ok_or(AppError::NotFound)?;
            let org_name = org::find(conn, &r.org_id)?
                .map(|o| o.name)
                .unwrap_or_default();
            let pv = policy::current(conn)?;
            let evidence = evidence::gather(conn, &r.id, &pv.policy, now.date())?;
            let segment = Segment::parse(&r.segment).unwrap_or(Segment::Smb);
            let d = Detail::load(conn, &r, &org_name, now, true)?;
            let disputes = crate::db::models::dispute::on_registration(conn, &r.id)?
                .iter()
                .map(|x| crate::routes::disputes::DisputeView::new(x, now))
                .collect();
            let flag = crate::db::models::territory::flags_for(conn, std::slice::from_ref(&r.id))?
                .remove(&r.id);
            Ok((
                d,
                evidence,
                pv.policy.window_days(segment),
                pv.version,
                disputes,
                flag,
            ))
        })
        .await?;
    render_with(
        status,
        &ReviewPage {
            layout: Layout::signed(signed, "/review"),
            d,
            evidence,
            window_days,
            policy_version,
            disputes,
            errors,
            kept,
            problem,
            territory_flag,
        },
    )
}

pub async fn show(
    signed: Signed<Reviewer>,
    state: web::Data<AppState>,
    id: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    page(
        &signed,
        &state,
        id.into_inner(),
        StatusCode::OK,
        FieldErrors::new(),
        Kept::none(),
        None,
    )
    .await
}

async fn act(
    signed: Signed<Reviewer>,
    state: web::Data<AppState>,
    id: String,
    action: Action,
    form: ActionForm,
) -> Result<HttpResponse, AppError> {
    let kept = Kept(form.kept());
    match actions::perform(
        &state,
        signed.user.id.clone(),
        None,
        Actor::Reviewer,
        id.clone(),
        action,
        form,
    )
    .await?
    {
        Outcome::Done(message) => {
            tracing::info!(user = %signed.user.id, registration = %id, ?action, "review action done");
            auth::flash(&signed.session, message);
            Ok(see_other(&format!("/review/{id}")))
        }
        Outcome::Invalid(errors) => {
            page(
                &signed,
                &state,
                id,
                StatusCode::UNPROCESSABLE_ENTITY,
                errors,
                kept,
                None,
            )
            .await
        }
        Outcome::Refused(message) => {
            page(
                &signed,
                &state,
                id,
                StatusCode::CONFLICT,
                FieldErrors::new(),
                kept,
                Some(message),
            )
            .await
        }
    }
}

/// Runs the matching engine for the registration again, for a reviewer who wants today's
/// view of a prospect (the jobs do it by themselves when the CRM accounts change while it
/// awaits review).
pub async fn match_again(
    signed: Signed<Reviewer>,
    state: web::Data<AppState>,
    id: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    let id = id.into_inner();
    let now = state.clock.naive_now();
    let reg_id = id.clone();
    db::run(&state.pool, move |conn| {
        let r = registration::find(conn, &reg_id)?.ok_or(AppError::NotFound)?;
        let thresholds = policy::current(conn)?.policy.thresholds();
        evidence::refresh(conn, &r, &thresholds, now)?;
        Ok(())
    })
    .await?;
    tracing::info!(user = %signed.user.id, registration = %id, "matches checked again");
    auth::flash(&signed.session, "The prospect was matched again just now.");
    Ok(see_other(&format!("/review/{id}#evidence")))
}

macro_rules! review_action {
    ($name:ident, $action:expr) => {
        pub async fn $name(
            signed: Signed<Reviewer>,
            state: web::Data<AppState>,
            id: web::Path<String>,
            form: web::Form<ActionForm>,
        ) -> Result<HttpResponse, AppError> {
            act(signed, state, id.into_inner(), $action, form.into_inner()).await
        }
    };
}

review_action!(approve, Action::Approve);
review_action!(reject, Action::Reject);
review_action!(request_info, Action::RequestInfo);
review_action!(approve_renewal, Action::ApproveRenewal);
review_action!(reject_renewal, Action::RejectRenewal);
review_action!(close_won, Action::CloseWon);
review_action!(close_lost, Action::CloseLost);
