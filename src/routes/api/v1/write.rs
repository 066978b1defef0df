//! How every write runs: the JSON body parsed with errors the caller can act on, the work in
//! one write transaction, and an `Idempotency-Key` honoured: the first answer is stored in
//! that same transaction, so a retry gets it back and changes nothing, and the key sent with
//! a different request is refused (422 `idempotency_key_reused`).

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use serde::Serialize;
use serde::de::DeserializeOwned;

use super::auth::ApiUser;
use super::errors::ApiError;
use crate::db::models::idempotency::{self, Stored};
use crate::db::{self, DbConnection, write_tx};
use crate::state::AppState;

pub const IDEMPOTENCY_HEADER: &str = "Idempotency-Key";
const MAX_KEY: usize = 255;

/// The body as `T`, or 400 `bad_json` saying where it went wrong.
pub fn parse<T: DeserializeOwned>(body: &[u8]) -> Result<T, ApiError> {
    serde_json::from_slice(body).map_err(|e| {
        ApiError::BadRequest(
            "bad_json",
            format!("the body is not the JSON this call takes: {e}"),
        )
    })
}

/// The Idempotency-Key header, if sent: 1 to 255 visible ASCII characters.
fn key_of(req: &HttpRequest) -> Result<Option<String>, ApiError> {
    let Some(value) = req.headers().get(IDEMPOTENCY_HEADER) else {
        return Ok(None);
    };
    let key = value.to_str().unwrap_or("").trim();
    if key.is_empty() || key.len() > MAX_KEY || !key.chars().all(|c| c.is_ascii_graphic()) {
        return Err(ApiError::BadRequest(
            "bad_idempotency_key",
            format!(
                "Idempotency-Key must be 1 to {MAX_KEY} visible ASCII characters, such as a UUID"
            ),
        ));
    }
    Ok(Some(key.to_owned()))
}

/// What a write answers: a status and a JSON body (none for 204).
pub struct Answer {
    pub status: StatusCode,
    pub body: Option<String>,
}

impl Answer {
    pub fn json(status: StatusCode, value: &impl Serialize) -> Result<Answer, ApiError> {
        Ok(Answer {
            status,
            body: Some(serde_json::to_string(value).map_err(|e| ApiError::Internal(e.into()))?),
        })
    }

    pub fn no_content() -> Answer {
        Answer {
            status: StatusCode::NO_CONTENT,
            body: None,
        }
    }

    fn response(self, replayed: bool) -> HttpResponse {
        let mut resp = HttpResponse::build(self.status);
        if replayed {
            resp.insert_header(("Idempotency-Replayed", "true"));
        }
        match self.body {
            Some(body) => resp.content_type("application/json").body(body),
            None => resp.finish(),
        }
    }
}

/// Runs `work` in one write transaction, honouring the request's Idempotency-Key. An error
/// from `work` rolls everything back and is not stored: a retry runs it again.
pub async fn run(
    state: &AppState,
    caller: &ApiUser,
    req: &HttpRequest,
    body: &web::Bytes,
    work: impl FnOnce(&mut DbConnection) -> Result<Answer, ApiError> + Send + 'static,
) -> Result<HttpResponse, ApiError> {
    let key = key_of(req)?;
    let request_hash = crate::ids::hash(&format!(
        "{} {}\n{}",
        req.method(),
        req.uri(),
        String::from_utf8_lossy(body)
    ));
    let token_id = caller.token_id.clone();
    let now = state.clock.naive_now();
    let (k, t, h) = (key.clone(), token_id.clone(), request_hash.clone());
    let result = db::run(&state.pool, move |conn| {
        Ok(write_tx(conn, |conn| -> Result<(Answer, bool), ApiError> {
            if let Some(key) = &k
                && let Some(stored) = idempotency::find(conn, &t, key)?
            {
                return Ok((replay(stored, &h)?, true));
            }
            let answer = work(conn)?;
            if let Some(key) = &k {
                let stored = Stored {
                    request_hash: h.clone(),
                    status: i32::from(answer.status.as_u16()),
                    body: answer.body.clone().unwrap_or_default(),
                };
                idempotency::insert(conn, &t, key, &stored, now)?;
            }
            Ok((answer, false))
        }))
    })
    .await?;
    match result {
        Ok((answer, replayed)) => Ok(answer.response(replayed)),
        // The same key raced in from another request: the first one's answer is stored now.
        Err(ApiError::Internal(cause)) if key.is_some() && is_unique_violation(&cause) => {
            let (k, t) = (key.clone().unwrap_or_default(), token_id);
            let stored = db::run(&state.pool, move |conn| {
                Ok(idempotency::find(conn, &t, &k)?)
            })
            .await?;
            match stored {
                Some(s) => Ok(replay(s, &request_hash)?.response(true)),
                None => Err(ApiError::Conflict(
                    "conflict",
                    "the request met another change at the same moment; send it again".into(),
                )),
            }
        }
        Err(e) => Err(e),
    }
}

fn is_unique_violation(cause: &anyhow::Error) -> bool {
    use diesel::result::{DatabaseErrorKind, Error};
    matches!(
        cause.downcast_ref::<Error>(),
        Some(Error::DatabaseError(DatabaseErrorKind::UniqueViolation, _))
    )
}

fn replay(stored: Stored, request_hash: &str) -> Result<Answer, ApiError> {
    if stored.request_hash != request_hash {
        return Err(ApiError::KeyReused);
    }
    let status = u16::try_from(stored.status)
        .ok()
        .and_then(|s| StatusCode::from_u16(s).ok())
        .unwrap_or(StatusCode::OK);
    Ok(Answer {
        status,
        body: (status != StatusCode::NO_CONTENT).then_some(stored.body),
    })
}
