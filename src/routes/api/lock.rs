//! `GET /api/v1/lock?name=..&domain=..`: the lock check as JSON (see `routes::sales::view`).

use actix_web::{HttpResponse, web};
use serde::Deserialize;

use super::{ApiError, ApiUser};
use crate::state::AppState;

#[derive(Deserialize)]
pub struct Params {
    #[serde(default)]
    name: String,
    #[serde(default)]
    domain: String,
}

const MAX_LEN: usize = 300;

pub async fn lock(
    caller: ApiUser,
    state: web::Data<AppState>,
    params: web::Query<Params>,
) -> Result<HttpResponse, ApiError> {
    let Params { name, domain } = params.into_inner();
    let (name, domain) = (name.trim().to_owned(), domain.trim().to_owned());
    if name.chars().count() > MAX_LEN || domain.chars().count() > MAX_LEN {
        return Err(ApiError::BadRequest(format!(
            "name and domain may have at most {MAX_LEN} characters each"
        )));
    }
    let (name, domain) = match (name.is_empty(), domain.is_empty()) {
        (true, true) => {
            return Err(ApiError::BadRequest(
                "give a company name (name=...), a website or domain (domain=...), or both".into(),
            ));
        }
        (false, _) => (name, (!domain.is_empty()).then_some(domain)),
        // A domain alone is searched by its own name too ("acme.co.uk" finds "ACME Ltd").
        (true, false) => match crate::domain::lock::search_terms(&domain) {
            Some((label, Some(d))) => (label, Some(d)),
            _ => {
                return Err(ApiError::BadRequest(format!(
                    "'{domain}' is not a website or domain; send it as name=... instead"
                )));
            }
        },
    };
    tracing::info!(user_id = %caller.user.id, token_id = %caller.token_id, "API lock check");
    let view = crate::routes::sales::run(&state, name, domain).await?;
    Ok(HttpResponse::Ok().json(view))
}
