//! Registrations for a CRM: the change feed (filters, keyset cursor), one registration with
//! its timeline and the matching engine's evidence, and the channel team's decisions, run
//! by `workflow::transition::act_in_tx` as the review page's buttons are.

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use chrono::{NaiveDate, NaiveDateTime};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::errors::{ApiError, ErrorBody};
use super::write::{self, Answer};
use super::{ApiUser, MAX_BULK};
use crate::db::models::registration::{self, ChangedQuery, Listed};
use crate::db::models::registration_match;
use crate::db::{self, DbConnection};
use crate::domain::api::{Operation, decode_cursor, encode_cursor};
use crate::domain::audit::Who;
use crate::domain::lifecycle::{Actor, Command, Refusal, Status};
use crate::state::AppState;
use crate::workflow::registration_view::RegistrationSummary;
use crate::workflow::transition::{ActError, Acting, Scope, act_in_tx, record_decision};

const DEFAULT_LIMIT: i64 = 100;

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct ListParams {
    /// Only this status: pending, queued, info_requested, approved, rejected, withdrawn,
    /// won, lost, expired.
    status: Option<String>,
    /// Only this partner organisation's (its id).
    org: Option<String>,
    /// Only those changed at or after this time (UTC, e.g. 2026-12-01T00:00:00).
    updated_since: Option<NaiveDateTime>,
    /// `next_cursor` of the previous page.
    cursor: Option<String>,
    /// Page size, 1 to 1000 (default 100).
    limit: Option<i64>,
}

#[derive(Serialize, ToSchema)]
pub struct RegistrationPage {
    items: Vec<RegistrationSummary>,
    /// Pass as `cursor` for the next page; absent on the last page.
    next_cursor: Option<String>,
}

/// Registrations in the order they last changed, oldest change first: a sync asks with
/// `updated_since` (or its last cursor) and follows `next_cursor`.
#[utoipa::path(get, path = "/api/v1/registrations", operation_id = "list_registrations", tag = "registrations", params(ListParams),
    security(("bearer" = ["read"])),
    responses(
        (status = 200, body = RegistrationPage),
        (status = 400, description = "Bad filter or cursor", body = ErrorBody),
        (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 429, body = ErrorBody),
    ))]
pub async fn list(
    caller: ApiUser,
    state: web::Data<AppState>,
    params: web::Query<ListParams>,
) -> Result<HttpResponse, ApiError> {
    caller.allow(Operation::ReadRegistrations)?;
    let p = params.into_inner();
    let status =
        match p.status.as_deref() {
            None => None,
            Some(s) => Some(Status::parse(s).ok_or_else(|| {
                ApiError::bad_request(format!("'{s}' is not a registration status"))
            })?),
        };
    let after = match p.cursor.as_deref() {
        None => None,
        Some(c) => Some(
            decode_cursor(c, 2)
                .and_then(|parts| {
                    let at = parts[0].parse::<NaiveDateTime>().ok()?;
                    Some((at, parts[1].clone()))
                })
                .ok_or_else(|| {
                    ApiError::BadRequest("bad_cursor", "this cursor is not one we gave".into())
                })?,
        ),
    };
    let limit = p.limit.unwrap_or(DEFAULT_LIMIT);
    if !(1..=MAX_BULK as i64).contains(&limit) {
        return Err(ApiError::bad_request(format!(
            "limit must be between 1 and {MAX_BULK}"
        )));
    }
    let rows: Vec<Listed> = db::run(&state.pool, move |conn| {
        Ok(registration::changed(
            conn,
            &ChangedQuery {
                status,
                org_id: p.org.as_deref(),
                since: p.updated_since,
                after,
                limit,
            },
        )?)
    })
    .await?;
    let next_cursor = (rows.len() as i64 == limit)
        .then(|| rows.last())
        .flatten()
        .map(|l| {
            let r = &l.registration;
            encode_cursor(&[
                &r.updated_at.format("%Y-%m-%dT%H:%M:%S%.f").to_string(),
                &r.id,
            ])
        });
    let items = rows
        .into_iter()
        .map(|l| RegistrationSummary::of(l.registration, l.org_name))
        .collect();
    Ok(HttpResponse::Ok().json(RegistrationPage { items, next_cursor }))
}

#[derive(Serialize, ToSchema)]
pub struct Details {
    website: String,
    country: String,
    industry: String,
    contact_name: String,
    contact_email: String,
    contact_phone: String,
    expected_close: NaiveDate,
    relationship: String,
}

/// One entry of the timeline (the audit trail): who moved it from what to what, and why.
#[derive(Serialize, ToSchema)]
pub struct TimelineEntry {
    at: NaiveDateTime,
    kind: String,
    from_status: Option<String>,
    to_status: String,
    note: Option<String>,
    policy_version: i64,
    /// The person; absent for the system (sweeps, SLA escalation).
    actor_name: Option<String>,
    actor_role: Option<String>,
}

/// What the matching engine found for this registration, as the reviewer sees it.
#[derive(Serialize, ToSchema)]
pub struct Evidence {
    /// `account` or `registration`.
    kind: String,
    other_id: String,
    /// 0 to 100.
    score: i32,
    same_prospect: bool,
    evidence: String,
}

#[derive(Serialize, ToSchema)]
pub struct RegistrationDetail {
    #[serde(flatten)]
    summary: RegistrationSummary,
    details: Details,
    timeline: Vec<TimelineEntry>,
    evidence: Vec<Evidence>,
}

fn detail(conn: &mut DbConnection, id: &str) -> Result<Option<RegistrationDetail>, ApiError> {
    let Some(r) = registration::find(conn, id)? else {
        return Ok(None);
    };
    let org_name = crate::db::models::org::find(conn, &r.org_id)?
        .map(|o| o.name)
        .unwrap_or_default();
    let d = registration::details(conn, id)?;
    let timeline = registration::events(conn, id)?
        .into_iter()
        .map(|e| TimelineEntry {
            at: e.at,
            kind: e.kind.as_str().to_owned(),
            from_status: e.from_status.map(|s| s.as_str().to_owned()),
            to_status: e.to_status.as_str().to_owned(),
            note: e.note,
            policy_version: e.policy_version,
            actor_name: e.actor_name,
            actor_role: e.actor_role.map(|r| r.as_str().to_owned()),
        })
        .collect();
    let evidence = registration_match::of(conn, &[id.to_owned()])?
        .into_iter()
        .map(|(_, f)| Evidence {
            kind: f.kind.as_str().to_owned(),
            other_id: f.other_id,
            score: f.score,
            same_prospect: f.same_prospect,
            evidence: f.evidence,
        })
        .collect();
    Ok(Some(RegistrationDetail {
        summary: RegistrationSummary::of(r, org_name),
        details: Details {
            website: d.website,
            country: d.country,
            industry: d.industry,
            contact_name: d.contact_name,
            contact_email: d.contact_email,
            contact_phone: d.contact_phone,
            expected_close: d.expected_close,
            relationship: d.relationship,
        },
        timeline,
        evidence,
    }))
}

fn not_found() -> ApiError {
    ApiError::NotFound("no registration has this id".into())
}

/// One registration with its details, timeline and the matching engine's evidence.
#[utoipa::path(get, path = "/api/v1/registrations/{id}", operation_id = "get_registration", tag = "registrations",
    params(("id" = String, Path, description = "The registration's id")),
    security(("bearer" = ["read"])),
    responses(
        (status = 200, body = RegistrationDetail),
        (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody), (status = 429, body = ErrorBody),
    ))]
pub async fn one(
    caller: ApiUser,
    state: web::Data<AppState>,
    id: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    caller.allow(Operation::ReadRegistrations)?;
    let id = id.into_inner();
    let found = db::run(&state.pool, move |conn| Ok(detail(conn, &id)))
        .await??
        .ok_or_else(not_found)?;
    Ok(HttpResponse::Ok().json(found))
}

/// The body of a rejection.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RejectBody {
    /// Sent to the partner.
    reason: String,
}

/// The body of a request for information.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RequestInfoBody {
    /// Sent to the partner; the SLA clock pauses until they answer.
    question: String,
}

/// Runs a decision as the review page does, and answers with the registration after it.
async fn decide(
    caller: ApiUser,
    state: web::Data<AppState>,
    req: HttpRequest,
    body: web::Bytes,
    id: String,
    command: Command,
    field: &'static str,
) -> Result<HttpResponse, ApiError> {
    caller.allow(Operation::DecideRegistration)?;
    let config = state.config.clone();
    let now = state.clock.naive_now();
    let user_id = caller.user.id.clone();
    tracing::info!(user_id = %user_id, token_id = %caller.token_id, registration = %id, "API decision");
    // In the audit log as the token's user, from where the request came.
    let who = Who::user(
        &user_id,
        caller.user.role(),
        crate::auth::client_addr::of_request(&req).map(|ip| ip.to_string()),
    );
    write::run(&state, &caller, &req, &body, move |conn| {
        let acting = Acting {
            who: &who,
            actor: Actor::Reviewer,
            scope: Scope::Any,
        };
        match act_in_tx(conn, &config, &id, acting, command, now) {
            Ok((reg, t)) => record_decision(conn, acting, &reg, &t, now)?,
            Err(ActError::NotFound) => return Err(not_found()),
            Err(ActError::Db(e)) => return Err(e.into()),
            Err(ActError::Refused(Refusal::Field { message, .. })) => {
                return Err(ApiError::field(field, message));
            }
            Err(ActError::Refused(r)) => return Err(ApiError::Conflict("wrong_state", r.to_string())),
            Err(ActError::Conflict) => {
                return Err(ApiError::Conflict(
                    "conflict",
                    "someone else changed this registration at the same moment; read it again before deciding".into(),
                ));
            }
        }
        let after = detail(conn, &id)?.ok_or_else(not_found)?;
        Answer::json(StatusCode::OK, &after)
    })
    .await
}

/// Approves a registration in review: the prospect is protected for the segment's window.
#[utoipa::path(post, path = "/api/v1/registrations/{id}/approve", tag = "decisions",
    params(("id" = String, Path, description = "The registration's id"),
        ("Idempotency-Key" = Option<String>, Header, description = "Makes a retry safe")),
    security(("bearer" = ["write"])),
    responses(
        (status = 200, description = "The registration after the decision", body = RegistrationDetail),
        (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 409, description = "Not possible in its state, or changed meanwhile", body = ErrorBody),
        (status = 422, body = ErrorBody), (status = 429, body = ErrorBody),
    ))]
pub async fn approve(
    caller: ApiUser,
    state: web::Data<AppState>,
    req: HttpRequest,
    id: web::Path<String>,
    body: web::Bytes,
) -> Result<HttpResponse, ApiError> {
    let id = id.into_inner();
    decide(caller, state, req, body, id, Command::Approve, "body").await
}

/// Rejects a registration in review, with the reason sent to the partner.
#[utoipa::path(post, path = "/api/v1/registrations/{id}/reject", tag = "decisions",
    params(("id" = String, Path, description = "The registration's id"),
        ("Idempotency-Key" = Option<String>, Header, description = "Makes a retry safe")),
    request_body = RejectBody,
    security(("bearer" = ["write"])),
    responses(
        (status = 200, description = "The registration after the decision", body = RegistrationDetail),
        (status = 400, body = ErrorBody), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody), (status = 409, body = ErrorBody),
        (status = 422, description = "No reason", body = ErrorBody), (status = 429, body = ErrorBody),
    ))]
pub async fn reject(
    caller: ApiUser,
    state: web::Data<AppState>,
    req: HttpRequest,
    id: web::Path<String>,
    body: web::Bytes,
) -> Result<HttpResponse, ApiError> {
    caller.allow(Operation::DecideRegistration)?;
    let b: RejectBody = write::parse(&body)?;
    let command = Command::Reject { reason: b.reason };
    decide(caller, state, req, body, id.into_inner(), command, "reason").await
}

/// Asks the partner a question; the SLA clock pauses until they answer.
#[utoipa::path(post, path = "/api/v1/registrations/{id}/request-info", tag = "decisions",
    params(("id" = String, Path, description = "The registration's id"),
        ("Idempotency-Key" = Option<String>, Header, description = "Makes a retry safe")),
    request_body = RequestInfoBody,
    security(("bearer" = ["write"])),
    responses(
        (status = 200, description = "The registration after the request", body = RegistrationDetail),
        (status = 400, body = ErrorBody), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody), (status = 409, body = ErrorBody),
        (status = 422, description = "No question", body = ErrorBody), (status = 429, body = ErrorBody),
    ))]
pub async fn request_info(
    caller: ApiUser,
    state: web::Data<AppState>,
    req: HttpRequest,
    id: web::Path<String>,
    body: web::Bytes,
) -> Result<HttpResponse, ApiError> {
    caller.allow(Operation::DecideRegistration)?;
    let b: RequestInfoBody = write::parse(&body)?;
    let command = Command::RequestInfo {
        question: b.question,
    };
    decide(
        caller,
        state,
        req,
        body,
        id.into_inner(),
        command,
        "question",
    )
    .await
}
