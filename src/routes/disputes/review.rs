//! The channel team's side of disputes: the queue by SLA deadline, the whole case on one
//! page with the ruling form, and the search of past rulings.

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, web};
use askama::Template;
use serde::Deserialize;

use crate::auth::guard::{Reviewer, Signed};
use crate::auth::{self};
use crate::db::models::dispute::{self, RulingSearch};
use crate::db::models::{org, policy, user};
use crate::db::{self};
use crate::domain::dispute::RulingOutcome;
use crate::domain::errors::FieldErrors;
use crate::error::AppError;
use crate::routes::export::{self, Disputes};
use crate::routes::layout::Layout;
use crate::routes::view::{Detail, href};
use crate::routes::{Options, options, render, render_with, see_other};
use crate::state::AppState;
use crate::workflow::dispute::{self as flow, Case, DisputeError};
use crate::workflow::review_evidence::{self, ReviewEvidence};

use super::view::DisputeView;

#[derive(Template)]
#[template(path = "disputes/queue.html")]
struct QueuePage {
    layout: Layout,
    items: Vec<DisputeView>,
}

const QUEUE_LIMIT: i64 = 200;

pub async fn queue(
    signed: Signed<Reviewer>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, AppError> {
    let now = state.clock.naive_now();
    let rows = db::run(&state.pool, move |conn| {
        Ok(dispute::queue(conn, None, QUEUE_LIMIT)?)
    })
    .await?;
    render(&QueuePage {
        layout: Layout::signed(&signed, "/review/disputes"),
        items: rows.iter().map(|d| DisputeView::new(d, now)).collect(),
    })
}

/// Every open dispute as CSV, the nearest SLA deadline first.
pub async fn queue_csv(
    _signed: Signed<Reviewer>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, AppError> {
    let now = state.clock.naive_now();
    export::download(&state, Disputes::Open { now }).await
}

/// One registration of the case, as its reviewer sees it.
pub struct Party {
    /// "raiser" or "other": ids on the page stay unique.
    pub key: &'static str,
    pub title: &'static str,
    pub d: Detail,
    pub evidence: ReviewEvidence,
}

#[derive(Debug, Default, Clone, Deserialize)]
#[serde(default)]
pub struct ResolveForm {
    pub outcome: String,
    pub rationale: String,
    pub partner_share_pct: String,
}

#[derive(Template)]
#[template(path = "disputes/case.html")]
struct CasePage {
    layout: Layout,
    d: DisputeView,
    raised_by: String,
    parties: Vec<Party>,
    can_reinstate: bool,
    can_transfer: bool,
    by_rep: bool,
    outcomes: Options,
    form: ResolveForm,
    errors: FieldErrors,
    problem: Option<String>,
}

async fn case_page(
    signed: &Signed<Reviewer>,
    state: &AppState,
    id: String,
    status: StatusCode,
    form: ResolveForm,
    errors: FieldErrors,
    problem: Option<String>,
) -> Result<HttpResponse, AppError> {
    let now = state.clock.naive_now();
    let (case, raised_by, parties) = db::run(&state.pool, move |conn| {
        let case = Case::load(conn, &id)?.ok_or(AppError::NotFound)?;
        let raiser = user::find(conn, &case.dispute.raised_by)?;
        let raiser_org = org::find_opt(conn, case.dispute.raiser_org_id.as_deref())?;
        let raised_by = match (raiser, raiser_org) {
            (Some(u), Some(o)) => format!("{} ({})", u.name, o.name),
            (Some(u), None) => format!("{} (direct sales)", u.name),
            _ => "Unknown".into(),
        };
        let pv = policy::current(conn)?;
        let mut parties = Vec::new();
        for (key, title, reg) in [
            ("raiser", "The raiser's registration", &case.raiser),
            (
                "other",
                if case.dispute.raiser_role == crate::domain::role::Role::Sales.as_str() {
                    "The disputed registration"
                } else {
                    "The registration holding the prospect"
                },
                &case.other,
            ),
        ] {
            let Some(r) = reg else { continue };
            let org_name = org::find(conn, &r.org_id)?
                .map(|o| o.name)
                .unwrap_or_default();
            parties.push(Party {
                key,
                title,
                d: Detail::load(conn, r, &org_name, now, true)?,
                evidence: review_evidence::gather(conn, &r.id, &pv.value, now.date())?,
            });
        }
        Ok((case, raised_by, parties))
    })
    .await?;
    let by_rep = case.dispute.raiser_role == crate::domain::role::Role::Sales.as_str();
    render_with(
        status,
        &CasePage {
            layout: Layout::signed(signed, "/review/disputes"),
            d: DisputeView::new(&case.dispute, now),
            raised_by,
            can_reinstate: case
                .raiser
                .as_ref()
                .is_some_and(|r| flow::reinstatable(r.status())),
            can_transfer: case
                .other
                .as_ref()
                .is_some_and(|r| r.status().holds_prospect()),
            by_rep,
            parties,
            outcomes: std::iter::once((String::new(), "Choose the ruling".to_owned()))
                .chain(options(
                    RulingOutcome::ALL,
                    RulingOutcome::as_str,
                    RulingOutcome::label,
                ))
                .collect(),
            form,
            errors,
            problem,
        },
    )
}

pub async fn case(
    signed: Signed<Reviewer>,
    state: web::Data<AppState>,
    id: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    case_page(
        &signed,
        &state,
        id.into_inner(),
        StatusCode::OK,
        ResolveForm::default(),
        FieldErrors::new(),
        None,
    )
    .await
}

pub async fn resolve(
    signed: Signed<Reviewer>,
    state: web::Data<AppState>,
    id: web::Path<String>,
    form: web::Form<ResolveForm>,
) -> Result<HttpResponse, AppError> {
    let id = id.into_inner();
    let form = form.into_inner();
    let config = state.config.clone();
    let now = state.clock.naive_now();
    let who = signed.who();
    let (dispute_id, f) = (id.clone(), form.clone());
    let result = db::run(&state.pool, move |conn| {
        match flow::resolve(
            conn,
            &config,
            &who,
            &dispute_id,
            &f.outcome,
            &f.rationale,
            &f.partner_share_pct,
            now,
        ) {
            Err(DisputeError::Db(e)) => Err(e.into()),
            Err(DisputeError::NotFound) => Err(AppError::NotFound),
            other => Ok(other),
        }
    })
    .await?;
    match result {
        Ok(d) => {
            tracing::info!(user = %signed.user.id, dispute = %id, outcome = ?d.outcome, "dispute ruled on");
            auth::flash(
                &signed.session,
                "Ruling recorded. Both parties have been emailed the rationale.",
            );
            Ok(see_other(&format!("/review/disputes/{id}")))
        }
        Err(DisputeError::Invalid(errors)) => {
            case_page(
                &signed,
                &state,
                id,
                StatusCode::UNPROCESSABLE_ENTITY,
                form,
                errors,
                None,
            )
            .await
        }
        Err(DisputeError::Refused(message)) => {
            case_page(
                &signed,
                &state,
                id,
                StatusCode::CONFLICT,
                form,
                FieldErrors::new(),
                Some(message),
            )
            .await
        }
        Err(DisputeError::NotFound) => Err(AppError::NotFound),
        Err(DisputeError::Db(e)) => Err(e.into()),
    }
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct RulingsParams {
    q: String,
    outcome: String,
}

impl RulingsParams {
    /// The search as the list and its download run it.
    fn search(&self) -> RulingSearch {
        RulingSearch {
            text: self.q.chars().take(MAX_QUERY).collect(),
            outcome: RulingOutcome::parse(&self.outcome),
        }
    }
}

#[derive(Template)]
#[template(path = "disputes/rulings.html")]
struct RulingsPage {
    layout: Layout,
    q: String,
    outcome: String,
    outcomes: Options,
    items: Vec<DisputeView>,
    csv_href: String,
}

/// The longest search text looked at.
const MAX_QUERY: usize = 200;
const RULINGS_LIMIT: i64 = 100;

/// Every ruling that matches the search as CSV, not only the newest hundred the page shows.
pub async fn rulings_csv(
    _signed: Signed<Reviewer>,
    state: web::Data<AppState>,
    params: web::Query<RulingsParams>,
) -> Result<HttpResponse, AppError> {
    export::download(&state, Disputes::Rulings(params.search())).await
}

pub async fn rulings(
    signed: Signed<Reviewer>,
    state: web::Data<AppState>,
    params: web::Query<RulingsParams>,
) -> Result<HttpResponse, AppError> {
    let search = params.search();
    let q = search.text.clone();
    let outcome = search.outcome;
    let now = state.clock.naive_now();
    let rows = db::run(&state.pool, move |conn| {
        Ok(dispute::rulings(conn, &search, None, RULINGS_LIMIT)?)
    })
    .await?;
    let outcome_code = outcome.map(RulingOutcome::as_str).unwrap_or("").to_owned();
    let csv_href = href(
        "/review/disputes/rulings.csv",
        &[("q", &q), ("outcome", &outcome_code)],
    );
    let mut outcomes = vec![(String::new(), "Any ruling".to_owned())];
    outcomes.extend(options(
        RulingOutcome::ALL,
        RulingOutcome::as_str,
        RulingOutcome::label,
    ));
    render(&RulingsPage {
        layout: Layout::signed(&signed, "/review/disputes/rulings"),
        q,
        outcome: outcome_code,
        outcomes,
        items: rows.iter().map(|d| DisputeView::new(d, now)).collect(),
        csv_href,
    })
}
