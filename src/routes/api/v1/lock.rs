//! `GET /api/v1/lock?name=..&domain=..`: the lock check as JSON (see `routes::sales::view`).

use actix_web::{HttpResponse, web};
use serde::Deserialize;

use super::{ApiError, ApiUser};
use crate::domain::api::Operation;
use crate::state::AppState;

#[derive(Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct Params {
    /// The company's name, as typed.
    #[serde(default)]
    name: String,
    /// A website, domain or email address.
    #[serde(default)]
    domain: String,
}

const MAX_LEN: usize = 300;

/// The lock check: may direct sales pursue this account, and why (see the README's "Lock
/// check for direct sales").
#[utoipa::path(get, path = "/api/v1/lock", tag = "lock check", params(Params),
    security(("bearer" = ["read"])),
    responses(
        (status = 200, description = "The verdict, its best match, other matches and history", body = crate::routes::sales::view::LockView),
        (status = 400, description = "Neither name nor domain, or too long", body = super::errors::ErrorBody),
        (status = 401, description = "No, unknown or revoked token", body = super::errors::ErrorBody),
        (status = 403, description = "Not a sales or admin user", body = super::errors::ErrorBody),
        (status = 429, description = "Rate limit; see Retry-After", body = super::errors::ErrorBody),
    ))]
pub async fn lock(
    caller: ApiUser,
    state: web::Data<AppState>,
    params: web::Query<Params>,
) -> Result<HttpResponse, ApiError> {
    let Params { name, domain } = params.into_inner();
    caller.allow(Operation::LockCheck)?;
    let (name, domain) = (name.trim().to_owned(), domain.trim().to_owned());
    if name.chars().count() > MAX_LEN || domain.chars().count() > MAX_LEN {
        return Err(ApiError::bad_request(format!(
            "name and domain may have at most {MAX_LEN} characters each"
        )));
    }
    let (name, domain) = match (name.is_empty(), domain.is_empty()) {
        (true, true) => {
            return Err(ApiError::bad_request(
                "give a company name (name=...), a website or domain (domain=...), or both",
            ));
        }
        (false, _) => (name, (!domain.is_empty()).then_some(domain)),
        // A domain alone is searched by its own name too ("acme.co.uk" finds "ACME Ltd").
        (true, false) => match crate::domain::lock::search_terms(&domain) {
            Some((label, Some(d))) => (label, Some(d)),
            _ => {
                return Err(ApiError::bad_request(format!(
                    "'{domain}' is not a website or domain; send it as name=... instead"
                )));
            }
        },
    };
    tracing::info!(user_id = %caller.user.id, token_id = %caller.token_id, "API lock check");
    let view = crate::routes::sales::run(&state, name, domain).await?;
    Ok(HttpResponse::Ok().json(view))
}
