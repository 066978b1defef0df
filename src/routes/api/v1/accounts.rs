//! CRM accounts and direct opportunities, upserted by the CRM's external id: one at a time
//! (`PUT`) or up to [`MAX_BULK`] a request (`POST .../bulk`), each request one transaction
//! with a result per item (`workflow::crm_api`), and deleted by external id.

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::errors::{ApiError, ErrorBody, FieldError};
use super::write::{self, Answer};
use super::{ApiUser, MAX_BULK};
use crate::db::models::{crm, policy};
use crate::domain::api::Operation;
use crate::state::AppState;
use crate::workflow::crm_api::{self, AccountValues, OpportunityValues, Outcome};

/// A CRM account. The whole account is sent: a field left out is cleared.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AccountInput {
    /// The CRM's id; in a bulk item only (the path gives it to `PUT`).
    #[serde(default)]
    external_id: Option<String>,
    name: String,
    /// A domain or URL, such as acme.com.
    #[serde(default)]
    website: Option<String>,
    /// An ISO 3166 code or English name.
    #[serde(default)]
    country: Option<String>,
    #[serde(default)]
    industry: Option<String>,
    /// The owning rep's email.
    #[serde(default)]
    owner_email: Option<String>,
    #[serde(default)]
    named_account: bool,
    #[serde(default)]
    reserved_for_direct: bool,
}

impl AccountInput {
    fn values(self, external_id: String) -> AccountValues {
        AccountValues {
            external_id,
            name: self.name,
            website: self.website,
            country: self.country,
            industry: self.industry,
            owner_email: self.owner_email,
            named_account: self.named_account,
            reserved_for_direct: self.reserved_for_direct,
        }
    }
}

/// A direct opportunity of an account.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct OpportunityInput {
    /// The CRM's id; in a bulk item only (the path gives it to `PUT`).
    #[serde(default)]
    external_id: Option<String>,
    /// The account's external id.
    account_external_id: String,
    owner_email: String,
    /// Prospecting, Qualification, Proposal, Negotiation, Closed Won or Closed Lost.
    stage: String,
    /// In the currency's units, as text: "45000.00".
    amount: String,
    /// One of the program's accepted currencies, e.g. USD.
    currency: String,
    /// YYYY-MM-DD, not in the future.
    last_activity_on: String,
}

impl OpportunityInput {
    fn values(self, external_id: String) -> OpportunityValues {
        OpportunityValues {
            external_id,
            account_external_id: self.account_external_id,
            owner_email: self.owner_email,
            stage: self.stage,
            amount: self.amount,
            currency: self.currency,
            last_activity_on: self.last_activity_on,
        }
    }
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AccountBulk {
    /// At most 1,000.
    items: Vec<AccountInput>,
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct OpportunityBulk {
    /// At most 1,000.
    items: Vec<OpportunityInput>,
}

/// What became of one item.
#[derive(Serialize, ToSchema)]
pub struct ItemResult {
    /// The item's position in `items`, from 0.
    index: usize,
    external_id: String,
    /// `created`, `updated`, `unchanged` or `invalid`.
    result: &'static str,
    /// The portal's id of the record (accounts), absent when invalid.
    #[serde(skip_serializing_if = "Option::is_none")]
    id: Option<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    errors: Vec<FieldError>,
}

#[derive(Serialize, ToSchema)]
pub struct BulkResult {
    created: usize,
    updated: usize,
    unchanged: usize,
    invalid: usize,
    results: Vec<ItemResult>,
}

fn item(index: usize, external_id: String, outcome: Outcome) -> ItemResult {
    let (result, id, errors) = match outcome {
        Outcome::Created(id) => ("created", Some(id), Vec::new()),
        Outcome::Updated(id) => ("updated", Some(id), Vec::new()),
        Outcome::Unchanged(id) => ("unchanged", Some(id), Vec::new()),
        Outcome::Invalid(e) => ("invalid", None, e.iter().map(FieldError::from).collect()),
    };
    ItemResult {
        index,
        external_id,
        result,
        id,
        errors,
    }
}

fn bulk_result(results: Vec<ItemResult>) -> BulkResult {
    let count = |r: &str| results.iter().filter(|i| i.result == r).count();
    BulkResult {
        created: count("created"),
        updated: count("updated"),
        unchanged: count("unchanged"),
        invalid: count("invalid"),
        results,
    }
}

fn check_size(n: usize) -> Result<(), ApiError> {
    if n == 0 || n > MAX_BULK {
        return Err(ApiError::field(
            "items",
            format!("send 1 to {MAX_BULK} items a request (this one has {n})"),
        ));
    }
    Ok(())
}

/// A single item's answer: 201 when created, 200 otherwise, 422 with its fields when invalid.
fn single(external_id: String, outcome: Outcome) -> Result<Answer, ApiError> {
    let status = match &outcome {
        Outcome::Created(_) => StatusCode::CREATED,
        Outcome::Invalid(errors) => {
            let fields: Vec<FieldError> = errors.iter().map(FieldError::from).collect();
            let message = fields
                .iter()
                .map(|f| format!("{}: {}", f.field, f.message))
                .collect::<Vec<_>>()
                .join("; ");
            return Err(ApiError::Invalid(message, fields));
        }
        _ => StatusCode::OK,
    };
    Answer::json(status, &item(0, external_id, outcome))
}

/// Creates or replaces the account with this external id.
#[utoipa::path(put, path = "/api/v1/accounts/{external_id}", operation_id = "put_account", tag = "crm",
    params(("external_id" = String, Path, description = "The CRM's id of the account"),
        ("Idempotency-Key" = Option<String>, Header, description = "Makes a retry safe")),
    request_body = AccountInput,
    security(("bearer" = ["write"])),
    responses(
        (status = 201, description = "Created", body = ItemResult),
        (status = 200, description = "Updated or unchanged", body = ItemResult),
        (status = 400, body = ErrorBody), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 413, body = ErrorBody), (status = 422, description = "Invalid fields", body = ErrorBody), (status = 429, body = ErrorBody),
    ))]
pub async fn put(
    caller: ApiUser,
    state: web::Data<AppState>,
    req: HttpRequest,
    path: web::Path<String>,
    body: web::Bytes,
) -> Result<HttpResponse, ApiError> {
    caller.allow(Operation::WriteCrm)?;
    let external_id = path.into_inner();
    let input: AccountInput = write::parse(&body)?;
    same_external_id(input.external_id.as_deref(), &external_id)?;
    let checked = crm_api::check_account(&input.values(external_id.clone()), 0);
    let now = state.clock.naive_now();
    write::run(&state, &caller, &req, &body, move |conn| {
        let outcome = crm_api::upsert_accounts_in_tx(conn, vec![checked], now)?
            .pop()
            .expect("one outcome per item");
        single(external_id, outcome)
    })
    .await
}

/// Creates or replaces up to 1,000 accounts in one transaction, with a result per item:
/// invalid items are reported and skipped, the others stored.
#[utoipa::path(post, path = "/api/v1/accounts/bulk", operation_id = "bulk_accounts", tag = "crm",
    params(("Idempotency-Key" = Option<String>, Header, description = "Makes a retry safe")),
    request_body = AccountBulk,
    security(("bearer" = ["write"])),
    responses(
        (status = 200, description = "A result per item", body = BulkResult),
        (status = 400, body = ErrorBody), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 413, body = ErrorBody), (status = 422, description = "No items, or too many", body = ErrorBody),
        (status = 429, body = ErrorBody),
    ))]
pub async fn bulk(
    caller: ApiUser,
    state: web::Data<AppState>,
    req: HttpRequest,
    body: web::Bytes,
) -> Result<HttpResponse, ApiError> {
    caller.allow(Operation::WriteCrm)?;
    let input: AccountBulk = write::parse(&body)?;
    check_size(input.items.len())?;
    let mut ids = Vec::with_capacity(input.items.len());
    let checked: Vec<_> = input
        .items
        .into_iter()
        .enumerate()
        .map(|(i, a)| {
            let id = a.external_id.clone().unwrap_or_default();
            let result = crm_api::check_account(&a.values(id.clone()), i as u64);
            ids.push(id);
            result
        })
        .collect();
    let now = state.clock.naive_now();
    tracing::info!(user_id = %caller.user.id, items = ids.len(), "API account upsert");
    write::run(&state, &caller, &req, &body, move |conn| {
        let outcomes = crm_api::upsert_accounts_in_tx(conn, checked, now)?;
        let results = outcomes
            .into_iter()
            .zip(ids)
            .enumerate()
            .map(|(i, (o, id))| item(i, id.trim().to_owned(), o))
            .collect();
        Answer::json(StatusCode::OK, &bulk_result(results))
    })
    .await
}

/// Deletes the account with this external id, with its direct opportunities.
#[utoipa::path(delete, path = "/api/v1/accounts/{external_id}", operation_id = "delete_account", tag = "crm",
    params(("external_id" = String, Path, description = "The CRM's id of the account"),
        ("Idempotency-Key" = Option<String>, Header, description = "Makes a retry safe")),
    security(("bearer" = ["write"])),
    responses(
        (status = 204, description = "Deleted"),
        (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody), (status = 429, body = ErrorBody),
    ))]
pub async fn delete(
    caller: ApiUser,
    state: web::Data<AppState>,
    req: HttpRequest,
    path: web::Path<String>,
    body: web::Bytes,
) -> Result<HttpResponse, ApiError> {
    caller.allow(Operation::WriteCrm)?;
    let external_id = path.into_inner();
    write::run(&state, &caller, &req, &body, move |conn| {
        crate::db::lock_keys(conn, &["crm-import".to_owned()])?;
        if crm::delete_by_external_id(conn, &external_id)? {
            Ok(Answer::no_content())
        } else {
            Err(ApiError::NotFound("no account has this external id".into()))
        }
    })
    .await
}

async fn upsert_opportunities(
    state: &AppState,
    caller: &ApiUser,
    req: &HttpRequest,
    body: &web::Bytes,
    items: Vec<OpportunityValues>,
    single_item: bool,
) -> Result<HttpResponse, ApiError> {
    let now = state.clock.naive_now();
    let today = now.date();
    write::run(state, caller, req, body, move |conn| {
        let policy = policy::current(conn)?.value;
        let outcomes = crm_api::upsert_opportunities_in_tx(conn, &items, &policy, today, now)?;
        let mut results: Vec<(String, Outcome)> = items
            .into_iter()
            .map(|o| o.external_id.trim().to_owned())
            .zip(outcomes)
            .collect();
        if single_item {
            let (id, outcome) = results.pop().expect("one outcome per item");
            return single(id, outcome);
        }
        let results = results
            .into_iter()
            .enumerate()
            .map(|(i, (id, o))| item(i, id, o))
            .collect();
        Answer::json(StatusCode::OK, &bulk_result(results))
    })
    .await
}

/// Creates or replaces the direct opportunity with this external id.
#[utoipa::path(put, path = "/api/v1/opportunities/{external_id}", tag = "crm",
    params(("external_id" = String, Path, description = "The CRM's id of the opportunity"),
        ("Idempotency-Key" = Option<String>, Header, description = "Makes a retry safe")),
    request_body = OpportunityInput,
    security(("bearer" = ["write"])),
    responses(
        (status = 201, description = "Created", body = ItemResult),
        (status = 200, description = "Updated", body = ItemResult),
        (status = 400, body = ErrorBody), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 413, body = ErrorBody), (status = 422, description = "Invalid fields", body = ErrorBody), (status = 429, body = ErrorBody),
    ))]
pub async fn put_opportunity(
    caller: ApiUser,
    state: web::Data<AppState>,
    req: HttpRequest,
    path: web::Path<String>,
    body: web::Bytes,
) -> Result<HttpResponse, ApiError> {
    caller.allow(Operation::WriteCrm)?;
    let external_id = path.into_inner();
    let input: OpportunityInput = write::parse(&body)?;
    same_external_id(input.external_id.as_deref(), &external_id)?;
    let items = vec![input.values(external_id)];
    upsert_opportunities(&state, &caller, &req, &body, items, true).await
}

/// Creates or replaces up to 1,000 direct opportunities in one transaction, with a result
/// per item.
#[utoipa::path(post, path = "/api/v1/opportunities/bulk", tag = "crm",
    params(("Idempotency-Key" = Option<String>, Header, description = "Makes a retry safe")),
    request_body = OpportunityBulk,
    security(("bearer" = ["write"])),
    responses(
        (status = 200, description = "A result per item", body = BulkResult),
        (status = 400, body = ErrorBody), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 413, body = ErrorBody), (status = 422, body = ErrorBody), (status = 429, body = ErrorBody),
    ))]
pub async fn bulk_opportunities(
    caller: ApiUser,
    state: web::Data<AppState>,
    req: HttpRequest,
    body: web::Bytes,
) -> Result<HttpResponse, ApiError> {
    caller.allow(Operation::WriteCrm)?;
    let input: OpportunityBulk = write::parse(&body)?;
    check_size(input.items.len())?;
    let items = input
        .items
        .into_iter()
        .map(|o| {
            let id = o.external_id.clone().unwrap_or_default();
            o.values(id)
        })
        .collect();
    upsert_opportunities(&state, &caller, &req, &body, items, false).await
}

/// Deletes the direct opportunity with this external id.
#[utoipa::path(delete, path = "/api/v1/opportunities/{external_id}", tag = "crm",
    params(("external_id" = String, Path, description = "The CRM's id of the opportunity"),
        ("Idempotency-Key" = Option<String>, Header, description = "Makes a retry safe")),
    security(("bearer" = ["write"])),
    responses(
        (status = 204, description = "Deleted"),
        (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody), (status = 429, body = ErrorBody),
    ))]
pub async fn delete_opportunity(
    caller: ApiUser,
    state: web::Data<AppState>,
    req: HttpRequest,
    path: web::Path<String>,
    body: web::Bytes,
) -> Result<HttpResponse, ApiError> {
    caller.allow(Operation::WriteCrm)?;
    let external_id = path.into_inner();
    write::run(&state, &caller, &req, &body, move |conn| {
        if crm::delete_opportunity(conn, &external_id)? {
            Ok(Answer::no_content())
        } else {
            Err(ApiError::NotFound(
                "no opportunity has this external id".into(),
            ))
        }
    })
    .await
}

/// A body may repeat the path's external id, but not name another one.
fn same_external_id(in_body: Option<&str>, in_path: &str) -> Result<(), ApiError> {
    if in_body.is_some_and(|e| e.trim() != in_path.trim()) {
        return Err(ApiError::field(
            "external_id",
            "differs from the path's; leave it out or send the same",
        ));
    }
    Ok(())
}
