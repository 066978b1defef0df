//! Disputes and their rulings, read-only: what `/review/disputes` shows the channel team.

use actix_web::{HttpResponse, web};
use chrono::NaiveDateTime;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::errors::{ApiError, ErrorBody};
use super::{ApiUser, MAX_BULK};
use crate::db;
use crate::db::models::dispute;
use crate::domain::api::{Operation, decode_cursor, encode_cursor};
use crate::state::AppState;
use crate::workflow::dispute_view::DisputeView;

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct ListParams {
    /// `open` or `resolved`; both when absent.
    status: Option<String>,
    /// `next_cursor` of the previous page.
    cursor: Option<String>,
    /// Page size, 1 to 1000 (default 100).
    limit: Option<i64>,
}

#[derive(Serialize, ToSchema)]
pub struct DisputePage {
    items: Vec<DisputeView>,
    next_cursor: Option<String>,
}

/// Disputes, newest first.
#[utoipa::path(get, path = "/api/v1/disputes", operation_id = "list_disputes", tag = "disputes", params(ListParams),
    security(("bearer" = ["read"])),
    responses(
        (status = 200, body = DisputePage),
        (status = 400, body = ErrorBody), (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody), (status = 429, body = ErrorBody),
    ))]
pub async fn list(
    caller: ApiUser,
    state: web::Data<AppState>,
    params: web::Query<ListParams>,
) -> Result<HttpResponse, ApiError> {
    caller.allow(Operation::ReadDisputes)?;
    let p = params.into_inner();
    let status = match p.status.as_deref() {
        None => None,
        Some(s @ (dispute::OPEN | dispute::RESOLVED)) => Some(s.to_owned()),
        Some(s) => {
            return Err(ApiError::bad_request(format!(
                "'{s}' is not a dispute status: use open or resolved"
            )));
        }
    };
    let after = match p.cursor.as_deref() {
        None => None,
        Some(c) => Some(
            decode_cursor(c, 2)
                .and_then(|parts| Some((parts[0].parse::<NaiveDateTime>().ok()?, parts[1].clone())))
                .ok_or_else(|| {
                    ApiError::BadRequest("bad_cursor", "this cursor is not one we gave".into())
                })?,
        ),
    };
    let limit = p.limit.unwrap_or(100);
    if !(1..=MAX_BULK as i64).contains(&limit) {
        return Err(ApiError::bad_request(format!(
            "limit must be between 1 and {MAX_BULK}"
        )));
    }
    let rows = db::run(&state.pool, move |conn| {
        Ok(dispute::newest(
            conn,
            status.as_deref(),
            after.as_ref(),
            limit,
        )?)
    })
    .await?;
    let next_cursor = (rows.len() as i64 == limit)
        .then(|| rows.last())
        .flatten()
        .map(|d| {
            encode_cursor(&[
                &d.raised_at.format("%Y-%m-%dT%H:%M:%S%.f").to_string(),
                &d.id,
            ])
        });
    let items = rows.into_iter().map(DisputeView::from).collect();
    Ok(HttpResponse::Ok().json(DisputePage { items, next_cursor }))
}

/// One dispute with its ruling.
#[utoipa::path(get, path = "/api/v1/disputes/{id}", operation_id = "get_dispute", tag = "disputes",
    params(("id" = String, Path, description = "The dispute's id")),
    security(("bearer" = ["read"])),
    responses(
        (status = 200, body = DisputeView),
        (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody), (status = 429, body = ErrorBody),
    ))]
pub async fn one(
    caller: ApiUser,
    state: web::Data<AppState>,
    id: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    caller.allow(Operation::ReadDisputes)?;
    let id = id.into_inner();
    let found = db::run(&state.pool, move |conn| Ok(dispute::find(conn, &id)?))
        .await?
        .ok_or_else(|| ApiError::NotFound("no dispute has this id".into()))?;
    Ok(HttpResponse::Ok().json(DisputeView::from(found)))
}
