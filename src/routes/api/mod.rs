//! The JSON API, for scripts and CRM integrations: `GET /api/v1/lock`. Callers authenticate
//! with a bearer token (issued at `/account/tokens` or by `truce token create`); errors come
//! back as JSON `{"error": "..."}` with the matching status.

mod lock;

use std::future::Future;
use std::pin::Pin;

use actix_web::http::StatusCode;
use actix_web::http::header::{self, HeaderValue};
use actix_web::{FromRequest, HttpRequest, HttpResponse, ResponseError, dev::Payload, web};

use crate::db::{self, models::api_token, models::user};
use crate::domain::role::Role;
use crate::state::AppState;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/api/v1/lock", web::get().to(lock::lock));
}

#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    #[error("{0}")]
    Unauthorized(&'static str),
    #[error("this token's user may not use the lock check (sales and admin users only)")]
    Forbidden,
    #[error("{0}")]
    BadRequest(String),
    #[error("internal error")]
    Internal(#[source] anyhow::Error),
}

impl From<crate::error::AppError> for ApiError {
    fn from(err: crate::error::AppError) -> Self {
        ApiError::Internal(anyhow::anyhow!("{err:?}"))
    }
}

impl ResponseError for ApiError {
    fn status_code(&self) -> StatusCode {
        match self {
            ApiError::Unauthorized(_) => StatusCode::UNAUTHORIZED,
            ApiError::Forbidden => StatusCode::FORBIDDEN,
            ApiError::BadRequest(_) => StatusCode::BAD_REQUEST,
            ApiError::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    fn error_response(&self) -> HttpResponse {
        let message = match self {
            ApiError::Internal(cause) => {
                let reference = crate::ids::short_reference();
                tracing::error!(reference = %reference, error = ?cause, "internal error in the API");
                format!(
                    "the server could not answer; try again, or give an administrator the reference {reference}"
                )
            }
            other => other.to_string(),
        };
        let mut resp =
            HttpResponse::build(self.status_code()).json(serde_json::json!({ "error": message }));
        if matches!(self, ApiError::Unauthorized(_)) {
            resp.headers_mut().insert(
                header::WWW_AUTHENTICATE,
                HeaderValue::from_static("Bearer realm=\"truce\""),
            );
        }
        resp
    }
}

/// The user a valid bearer token belongs to, allowed to use the lock check.
pub struct ApiUser {
    pub user: user::User,
    pub token_id: String,
}

impl FromRequest for ApiUser {
    type Error = ApiError;
    type Future = Pin<Box<dyn Future<Output = Result<Self, ApiError>>>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let state = req.app_data::<web::Data<AppState>>().cloned();
        let secret = req
            .headers()
            .get(header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| {
                v.strip_prefix("Bearer ")
                    .or_else(|| v.strip_prefix("bearer "))
            })
            .map(|s| s.trim().to_owned());
        let route = req.match_pattern().unwrap_or_default();
        Box::pin(async move {
            let state = state.ok_or_else(|| ApiError::Internal(anyhow::anyhow!("no app state")))?;
            let Some(secret) = secret else {
                return Err(ApiError::Unauthorized(
                    "send a bearer token: Authorization: Bearer <token> (create one at /account/tokens)",
                ));
            };
            let now = state.clock.naive_now();
            let found = db::run(&state.pool, move |conn| {
                let Some(token) = api_token::authenticate(conn, &secret, now)? else {
                    return Ok(None);
                };
                Ok(user::find(conn, &token.user_id)?.map(|u| (u, token.id)))
            })
            .await?;
            let Some((user, token_id)) = found else {
                tracing::warn!(route = %route, "API access refused: unknown or revoked token");
                return Err(ApiError::Unauthorized(
                    "this token is unknown or was revoked; create a new one at /account/tokens",
                ));
            };
            if user.disabled_at.is_some() {
                tracing::warn!(user_id = %user.id, route = %route, "API access refused: user disabled");
                return Err(ApiError::Unauthorized("this token's user is disabled"));
            }
            if !matches!(user.role(), Role::Sales | Role::Admin) {
                tracing::warn!(user_id = %user.id, route = %route, "API access refused: role not allowed");
                return Err(ApiError::Forbidden);
            }
            Ok(ApiUser { user, token_id })
        })
    }
}
