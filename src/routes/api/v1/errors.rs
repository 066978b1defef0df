//! The API's errors: a status, a stable `code` a program can branch on, a message for a
//! person (`error`, as the lock check has always sent it) and, for validation, the fields at
//! fault. Bad input is always a 4xx; a 5xx says only that the server failed, with a
//! reference to its log line.

use actix_web::http::StatusCode;
use actix_web::http::header::{self, HeaderValue};
use actix_web::{HttpResponse, ResponseError};
use serde::Serialize;
use utoipa::ToSchema;

use crate::domain::crm_import::RowError;

/// One field's problem.
#[derive(Debug, Clone, Serialize, ToSchema, PartialEq, Eq)]
pub struct FieldError {
    /// The JSON field at fault, as sent.
    pub field: String,
    pub message: String,
}

impl From<&RowError> for FieldError {
    fn from(e: &RowError) -> Self {
        FieldError {
            field: e.column.clone(),
            message: e.message.clone(),
        }
    }
}

/// Every error the API returns.
#[derive(Debug, Serialize, ToSchema)]
pub struct ErrorBody {
    /// Stable: `unauthorized`, `forbidden_role`, `insufficient_scope`, `bad_request`,
    /// `bad_json`, `bad_cursor`, `bad_idempotency_key`, `not_found`, `wrong_state`,
    /// `conflict`, `validation_failed`, `idempotency_key_reused`,
    /// `rate_limited`, `payload_too_large`, `internal`.
    pub code: &'static str,
    /// What went wrong, for a person.
    pub error: String,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub fields: Vec<FieldError>,
}

#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    #[error("{0}")]
    Unauthorized(&'static str),
    /// 403 with its code (`forbidden_role` or `insufficient_scope`).
    #[error("{1}")]
    Forbidden(&'static str, String),
    /// 400 with its code.
    #[error("{1}")]
    BadRequest(&'static str, String),
    #[error("{0}")]
    NotFound(String),
    /// 409 with its code: not possible in this state, or someone else acted first.
    #[error("{1}")]
    Conflict(&'static str, String),
    /// 422: the request is well-formed but these fields are wrong.
    #[error("{0}")]
    Invalid(String, Vec<FieldError>),
    #[error(
        "this Idempotency-Key was used for a different request; use a new key for a new request"
    )]
    KeyReused,
    #[error("too many requests for this token; wait {0} seconds")]
    RateLimited(u64),
    /// 413: the body is over the API's limit.
    #[error("the request body is over {0} MB; send fewer items a request (bulk takes up to 1,000)")]
    TooLarge(usize),
    #[error("internal error")]
    Internal(#[source] anyhow::Error),
}

impl From<crate::error::AppError> for ApiError {
    fn from(err: crate::error::AppError) -> Self {
        ApiError::Internal(anyhow::anyhow!("{err:?}"))
    }
}

impl From<diesel::result::Error> for ApiError {
    fn from(err: diesel::result::Error) -> Self {
        ApiError::Internal(err.into())
    }
}

impl ApiError {
    pub fn code(&self) -> &'static str {
        match self {
            ApiError::Unauthorized(_) => "unauthorized",
            ApiError::Forbidden(code, _)
            | ApiError::BadRequest(code, _)
            | ApiError::Conflict(code, _) => code,
            ApiError::NotFound(_) => "not_found",
            ApiError::Invalid(..) => "validation_failed",
            ApiError::KeyReused => "idempotency_key_reused",
            ApiError::RateLimited(_) => "rate_limited",
            ApiError::TooLarge(_) => "payload_too_large",
            ApiError::Internal(_) => "internal",
        }
    }

    pub fn bad_request(message: impl Into<String>) -> Self {
        ApiError::BadRequest("bad_request", message.into())
    }

    /// 422 for one field.
    pub fn field(field: &str, message: impl Into<String>) -> Self {
        let message = message.into();
        ApiError::Invalid(
            format!("{field}: {message}"),
            vec![FieldError {
                field: field.to_owned(),
                message,
            }],
        )
    }
}

impl ResponseError for ApiError {
    fn status_code(&self) -> StatusCode {
        match self {
            ApiError::Unauthorized(_) => StatusCode::UNAUTHORIZED,
            ApiError::Forbidden(..) => StatusCode::FORBIDDEN,
            ApiError::BadRequest(..) => StatusCode::BAD_REQUEST,
            ApiError::NotFound(_) => StatusCode::NOT_FOUND,
            ApiError::Conflict(..) => StatusCode::CONFLICT,
            ApiError::Invalid(..) | ApiError::KeyReused => StatusCode::UNPROCESSABLE_ENTITY,
            ApiError::RateLimited(_) => StatusCode::TOO_MANY_REQUESTS,
            ApiError::TooLarge(_) => StatusCode::PAYLOAD_TOO_LARGE,
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
        let fields = match self {
            ApiError::Invalid(_, fields) => fields.clone(),
            _ => Vec::new(),
        };
        let mut resp = HttpResponse::build(self.status_code()).json(ErrorBody {
            code: self.code(),
            error: message,
            fields,
        });
        match self {
            ApiError::Unauthorized(_) => {
                resp.headers_mut().insert(
                    header::WWW_AUTHENTICATE,
                    HeaderValue::from_static("Bearer realm=\"truce\""),
                );
            }
            ApiError::RateLimited(secs) => {
                resp.headers_mut()
                    .insert(header::RETRY_AFTER, HeaderValue::from(*secs));
            }
            _ => {}
        }
        resp
    }
}
