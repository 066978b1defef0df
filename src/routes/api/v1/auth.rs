//! The bearer-token extractor: who is calling, with which scopes, within the token's rate
//! limit. What the caller may do is each handler's `allow` call, against `domain::api`.

use std::future::Future;
use std::pin::Pin;

use actix_web::http::header;
use actix_web::{FromRequest, HttpRequest, dev::Payload, web};

use super::errors::ApiError;
use crate::db::{self, models::api_token, models::user};
use crate::domain::api::{Denied, Operation, Scopes, permits};
use crate::state::AppState;

/// The user a valid bearer token belongs to, and the token's scopes.
pub struct ApiUser {
    pub user: user::User,
    pub token_id: String,
    pub scopes: Scopes,
}

impl ApiUser {
    /// Refuses with 403 unless both the role and the token's scopes allow `op`.
    pub fn allow(&self, op: Operation) -> Result<(), ApiError> {
        match permits(op, self.user.role(), self.scopes) {
            Ok(()) => Ok(()),
            Err(Denied::Role) => {
                tracing::warn!(user_id = %self.user.id, ?op, "API access refused: role not allowed");
                Err(ApiError::Forbidden(
                    "forbidden_role",
                    format!("this token's user may not do this (for {} only)", op.who()),
                ))
            }
            Err(Denied::Scope(scope)) => {
                tracing::warn!(user_id = %self.user.id, ?op, "API access refused: scope missing");
                Err(ApiError::Forbidden(
                    "insufficient_scope",
                    format!(
                        "this token lacks the {} scope; create a token with read and write access at /account/tokens",
                        scope.as_str()
                    ),
                ))
            }
        }
    }
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
        let route = crate::telemetry::route_of(req).unwrap_or_default();
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
                Ok(user::find(conn, &token.user_id)?.map(|u| (u, token)))
            })
            .await?;
            let Some((user, token)) = found else {
                tracing::warn!(route = %route, "API access refused: unknown or revoked token");
                return Err(ApiError::Unauthorized(
                    "this token is unknown or was revoked; create a new one at /account/tokens",
                ));
            };
            if user.disabled_at.is_some() {
                tracing::warn!(user_id = %user.id, route = %route, "API access refused: user disabled");
                return Err(ApiError::Unauthorized("this token's user is disabled"));
            }
            // After authentication, so an unknown token cannot use up a real one's budget.
            if let Err(wait) = state.api_limiter.check(&token.id) {
                tracing::warn!(token_id = %token.id, route = %route, "API request refused: rate limit");
                return Err(ApiError::RateLimited(
                    wait.as_secs_f64().ceil().max(1.0) as u64
                ));
            }
            Ok(ApiUser {
                scopes: token.scopes(),
                user,
                token_id: token.id,
            })
        })
    }
}
