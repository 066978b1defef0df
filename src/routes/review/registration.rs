//! A registration for its reviewer: the partner's fields, the conflict evidence, the
//! timeline, and the decisions its state allows.

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, web};
use askama::Template;

use crate::auth::{self, guard::Reviewer, guard::Signed};
use crate::db::models::{org, policy, registration};
use crate::db::{self};
use crate::domain::errors::FieldErrors;
use crate::domain::flag::FlagKind;
use crate::domain::lifecycle::Actor;
use crate::error::AppError;
use crate::routes::actions::{self, Action, ActionForm, ActionResult};
use crate::routes::layout::Layout;
use crate::routes::view::{Detail, Kept};
use crate::routes::{render_with, see_other};
use crate::state::AppState;
use crate::workflow::matching;
use crate::workflow::review_evidence::{self, ReviewEvidence};

#[derive(Template)]
#[template(path = "review/registration.html")]
struct ReviewPage {
    layout: Layout,
    d: Detail,
    evidence: ReviewEvidence,
    /// What approval would grant under the policy in force.
    window_days: i64,
    policy_version: i64,
    /// Disputes raised with or against this registration, newest first.
    disputes: Vec<crate::routes::disputes::DisputeView>,
    errors: FieldErrors,
    kept: Kept,
    problem: Option<String>,
    /// What the reviewer must weigh besides the evidence (outside territory, another
    /// partner's customer, a shared prospect), resolved ones included.
    flags: Vec<FlagView>,
    /// What the deal will cost if won inside its window, under the rules in force.
    preview: Option<CostPreview>,
    /// Once this one is decided: the most urgent registration still waiting in the queue
    /// (id, prospect), so the reviewer goes on without going back to the list.
    next: Option<(String, String)>,
}

/// A flag as the review page shows it.
pub struct FlagView {
    pub kind: FlagKind,
    pub message: String,
    /// The registration it is about, with its name.
    pub other: Option<(String, String)>,
    pub resolved: bool,
}

impl FlagView {
    /// A shared prospect still waiting for the decision this page offers.
    pub fn needs_decision(&self) -> bool {
        self.kind == FlagKind::SharedProspect && !self.resolved
    }
}

fn flag_views(conn: &mut crate::db::DbConnection, id: &str) -> diesel::QueryResult<Vec<FlagView>> {
    let flags = crate::db::models::flag::of(conn, id)?;
    let others: Vec<String> = flags.iter().filter_map(|f| f.other_id.clone()).collect();
    let names = registration::find_many(conn, &others)?;
    Ok(flags
        .into_iter()
        .map(|f| FlagView {
            other: f.other_id.as_ref().and_then(|o| {
                names
                    .iter()
                    .find(|r| r.id == *o)
                    .map(|r| (r.id.clone(), r.company_name.clone()))
            }),
            kind: f.kind,
            message: f.message,
            resolved: f.resolved_at.is_some(),
        })
        .collect())
}

/// The approval cost preview: partner commission plus rep credit, on the estimated amount.
pub struct CostPreview {
    pub rules_version: i64,
    pub commission_rate: String,
    pub commission_source: &'static str,
    pub commission: String,
    pub double_credit: bool,
    pub rep_rate: String,
    /// Credit one assisting rep would get.
    pub per_rep: String,
    /// Reps assisting now, each with their credit.
    pub reps: Vec<(String, String)>,
    pub total: String,
}

fn preview(
    conn: &mut crate::db::DbConnection,
    r: &registration::Registration,
) -> diesel::QueryResult<CostPreview> {
    use crate::db::models::{assist, compensation};
    use crate::domain::compensation::{Beneficiary, FULL_BP, apply_bp, format_bp};
    use crate::domain::money::format_amount;
    let rv = compensation::current(conn)?;
    let (lines, double) =
        crate::workflow::compensation::compute(conn, r, r.amount_minor, true, &rv.value)?;
    let tier = org::find(conn, &r.org_id)?.map(|o| o.tier());
    let (bp, source) = rv.value.commission_bp(tier, r.segment());
    let rep_bp = if double {
        FULL_BP
    } else {
        rv.value.assist_credit_bp
    };
    let names: Vec<(String, String)> = assist::for_registration(conn, &r.id)?
        .into_iter()
        .map(|a| (a.rep_id, a.rep_name))
        .collect();
    let total: i64 = lines.iter().map(|c| c.amount_minor).sum();
    Ok(CostPreview {
        rules_version: rv.version,
        commission_rate: format_bp(bp),
        commission_source: source.label(),
        commission: format_amount(apply_bp(r.amount_minor, bp), &r.currency),
        double_credit: double,
        rep_rate: format_bp(rep_bp),
        per_rep: format_amount(apply_bp(r.amount_minor, rep_bp), &r.currency),
        reps: lines
            .iter()
            .filter_map(|c| match &c.beneficiary {
                Beneficiary::Rep(id) => Some((
                    names
                        .iter()
                        .find(|(rid, _)| rid == id)
                        .map(|(_, n)| n.clone())
                        .unwrap_or_default(),
                    format_amount(c.amount_minor, &r.currency),
                )),
                Beneficiary::Org(_) => None,
            })
            .collect(),
        total: format_amount(total, &r.currency),
    })
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
    let (d, evidence, window_days, policy_version, disputes, flags, preview, next) =
        db::run(&state.pool, move |conn| {
            let r = registration::find(conn, &id)?.ok_or(AppError::NotFound)?;
            let org_name = org::find(conn, &r.org_id)?
                .map(|o| o.name)
                .unwrap_or_default();
            let pv = policy::current(conn)?;
            let evidence = review_evidence::gather(conn, &r.id, &pv.value, now.date())?;
            let segment = r.segment;
            let d = Detail::load(conn, &r, &org_name, now, true)?;
            let disputes = crate::db::models::dispute::on_registration(conn, &r.id)?
                .iter()
                .map(|x| crate::routes::disputes::DisputeView::new(x, now))
                .collect();
            let flags = flag_views(conn, &r.id)?;
            let preview = matches!(
                r.status(),
                crate::domain::lifecycle::Status::Pending
                    | crate::domain::lifecycle::Status::InfoRequested
                    | crate::domain::lifecycle::Status::Queued
                    | crate::domain::lifecycle::Status::Approved
            )
            .then(|| preview(conn, &r))
            .transpose()?;
            let next = if r.state.review_due_at.is_none() {
                // Which comes next only: the evidence counted with it is not shown.
                registration::review_queue(conn, None, 1, now.date())?
                    .into_iter()
                    .next()
                    .map(|(l, _)| (l.id, l.company_name))
            } else {
                None
            };
            Ok((
                d,
                evidence,
                pv.value.window_days(segment),
                pv.version,
                disputes,
                flags,
                preview,
                next,
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
            flags,
            preview,
            next,
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
        signed.who(),
        None,
        Actor::Reviewer,
        id.clone(),
        action,
        form,
    )
    .await?
    {
        ActionResult::Done(message) => {
            tracing::info!(user = %signed.user.id, registration = %id, ?action, "review action done");
            auth::flash(&signed.session, message);
            Ok(see_other(&format!("/review/{id}")))
        }
        ActionResult::Invalid(errors) => {
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
        ActionResult::Refused(message) => {
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
        let thresholds = policy::current(conn)?.value.thresholds();
        matching::refresh(conn, &r, &thresholds, now)?;
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
review_action!(decline_shared, Action::DeclineShared);
review_action!(keep_shared, Action::KeepShared);

#[derive(serde::Deserialize)]
pub struct AssignForm {
    #[serde(default)]
    rep_email: String,
}

/// The channel team puts a rep on an approved registration directly.
pub async fn assign_assist(
    signed: Signed<Reviewer>,
    state: web::Data<AppState>,
    id: web::Path<String>,
    form: web::Form<AssignForm>,
) -> Result<HttpResponse, AppError> {
    use crate::workflow::assist::{AssistError, assign};
    let id = id.into_inner();
    let email = form.into_inner().rep_email;
    let now = state.clock.naive_now();
    let config = state.config.clone();
    let by = signed.user.id.clone();
    let (rid, e) = (id.clone(), email.clone());
    let result = db::run(&state.pool, move |conn| {
        Ok(assign(conn, &config, &rid, &e, &by, now))
    })
    .await?;
    match result {
        Ok(()) => {
            tracing::info!(user = %signed.user.id, registration = %id, "rep assigned to assist");
            auth::flash(
                &signed.session,
                "The rep is assigned to assist; the rep and the partner were emailed.",
            );
            Ok(see_other(&format!("/review/{id}")))
        }
        Err(AssistError::NotFound) => Err(AppError::NotFound),
        Err(AssistError::Refused(message)) => {
            let mut errors = FieldErrors::new();
            errors.add("rep_email", message);
            let mut kept = Kept::none();
            kept.0.insert("rep_email", email);
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
        Err(AssistError::MustAcknowledge(_)) => Err(AppError::Forbidden),
        Err(AssistError::Db(e)) => Err(e.into()),
    }
}
