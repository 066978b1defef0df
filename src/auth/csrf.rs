//! CSRF protection with a synchronizer token: one random token per session, sent back by
//! every form as the hidden field `csrf_token` (or the `X-CSRF-Token` header) and checked
//! here, centrally, for every state-changing request. Handlers never see the field.
//!
//! A file upload (`multipart/form-data`) cannot be read here without buffering the whole
//! file, and an HTML form cannot set a header, so an upload form sends the token in its
//! action's query string (`?csrf_token=...`), accepted for multipart requests only. The URL
//! does not leak it: every response sends `Referrer-Policy: no-referrer`, and request logs
//! name the route pattern, never the path or query.

use actix_session::{Session, SessionExt};
use actix_web::body::{EitherBody, MessageBody};
use actix_web::dev::{Payload, ServiceRequest, ServiceResponse};
use actix_web::http::{Method, header};
use actix_web::middleware::Next;
use actix_web::web::Bytes;

use crate::error::AppError;
use crate::ids;

pub const FIELD: &str = "csrf_token";
const SESSION_KEY: &str = "csrf";
const HEADER: &str = "x-csrf-token";

/// The session's token, created on first use.
pub fn token(session: &Session) -> Result<String, AppError> {
    if let Ok(Some(existing)) = session.get::<String>(SESSION_KEY) {
        return Ok(existing);
    }
    rotate(session)
}

/// Replaces the token (at sign-in, so a token seen before sign-in is worthless after).
pub fn rotate(session: &Session) -> Result<String, AppError> {
    let fresh = ids::generate();
    session
        .insert(SESSION_KEY, &fresh)
        .map_err(AppError::internal)?;
    Ok(fresh)
}

fn is_safe(method: &Method) -> bool {
    matches!(
        *method,
        Method::GET | Method::HEAD | Method::OPTIONS | Method::TRACE
    )
}

/// Splits `csrf_token=...` out of an urlencoded body, leaving every other byte as sent.
fn strip_token(body: &[u8]) -> (Option<String>, Vec<u8>) {
    let mut found = None;
    let mut rest: Vec<&[u8]> = Vec::new();
    for pair in body.split(|b| *b == b'&') {
        let prefix = b"csrf_token=";
        if found.is_none() && pair.starts_with(prefix) {
            let raw = &pair[prefix.len()..];
            let decoded: String = url::form_urlencoded::parse(&[b"v=", raw].concat())
                .next()
                .map(|(_, v)| v.into_owned())
                .unwrap_or_default();
            found = Some(decoded);
        } else if !pair.is_empty() {
            rest.push(pair);
        }
    }
    (found, rest.join(&b'&'))
}

/// The `csrf_token` parameter of a query string, decoded.
fn query_token(query: &str) -> Option<String> {
    url::form_urlencoded::parse(query.as_bytes())
        .find(|(key, _)| key == FIELD)
        .map(|(_, value)| value.into_owned())
}

/// True if every field of an urlencoded body decodes to valid UTF-8. The form extractor
/// would replace invalid bytes silently; a user's input must never change without a word.
fn is_utf8_form(body: &[u8]) -> bool {
    let mut decoded = Vec::with_capacity(body.len());
    let mut i = 0;
    while i < body.len() {
        match body[i] {
            b'%' if i + 2 < body.len() => {
                let hex = std::str::from_utf8(&body[i + 1..i + 3]).ok();
                match hex.and_then(|h| u8::from_str_radix(h, 16).ok()) {
                    Some(byte) => {
                        decoded.push(byte);
                        i += 3;
                        continue;
                    }
                    None => decoded.push(b'%'),
                }
            }
            b'+' => decoded.push(b' '),
            other => decoded.push(other),
        }
        i += 1;
    }
    decoded
        .split(|b| *b == b'&' || *b == b'=')
        .all(|part| std::str::from_utf8(part).is_ok())
}

pub async fn guard(
    mut req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<EitherBody<impl MessageBody>>, actix_web::Error> {
    match check(&mut req).await {
        Ok(()) => Ok(next.call(req).await?.map_into_left_body()),
        // Answered here as a response, not returned as an error: an error would pass the
        // header middleware by and reach the client without the security headers.
        Err(refusal) => Ok(req.error_response(refusal).map_into_right_body()),
    }
}

/// Whether the request may go on; reads (and puts back) a form's body to find the token.
async fn check(req: &mut ServiceRequest) -> Result<(), AppError> {
    if is_safe(req.method()) {
        return Ok(());
    }
    // The JSON API authenticates by a bearer token only, which a browser never adds to a
    // cross-site request by itself, and never reads the session: there is nothing to forge.
    if req.path().starts_with("/api/") {
        return Ok(());
    }
    let expected = req.get_session().get::<String>(SESSION_KEY).ok().flatten();
    let content_type = req
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_ascii_lowercase();
    let is_form = content_type.starts_with("application/x-www-form-urlencoded");
    let is_upload = content_type.starts_with("multipart/form-data");

    let mut sent = req
        .headers()
        .get(HEADER)
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    if is_form {
        let body = req.extract::<Bytes>().await.map_err(|e| {
            let too_large = e
                .as_error::<actix_web::error::PayloadError>()
                .is_some_and(|p| matches!(p, actix_web::error::PayloadError::Overflow));
            if too_large {
                AppError::PayloadTooLarge(
                    "This form is larger than the portal accepts (64 KiB). Shorten the longest \
                     text and send it again."
                        .into(),
                )
            } else {
                AppError::bad_request("The form could not be read. Reload the page and try again.")
            }
        })?;
        if !is_utf8_form(&body) {
            return Err(AppError::bad_request(
                "The form contained characters that are not valid text (UTF-8). Retype the text instead of pasting it, and send the form again.",
            ));
        }
        let (field, rest) = strip_token(&body);
        if sent.is_none() {
            sent = field;
        }
        req.set_payload(Payload::from(Bytes::from(rest)));
    }
    if is_upload && sent.is_none() {
        sent = query_token(req.query_string());
    }

    let ok = matches!((&expected, &sent), (Some(e), Some(s)) if ids::constant_time_eq(e.as_bytes(), s.as_bytes()));
    if !ok {
        tracing::warn!(
            method = %req.method(),
            route = %crate::telemetry::route_of(req.request()).unwrap_or_default(),
            had_session_token = expected.is_some(),
            sent_token = sent.is_some(),
            "CSRF check failed; request refused"
        );
        return Err(AppError::Csrf);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::{is_utf8_form, query_token, strip_token};

    #[test]
    fn an_upload_token_is_read_from_the_query_string() {
        assert_eq!(query_token("csrf_token=a-b_c").as_deref(), Some("a-b_c"));
        assert_eq!(
            query_token("x=1&csrf_token=x%2By&csrf_token=second").as_deref(),
            Some("x+y")
        );
        assert_eq!(query_token("x=1"), None);
        assert_eq!(query_token(""), None);
    }

    #[test]
    fn forms_with_invalid_utf8_are_recognised() {
        assert!(is_utf8_form(b"name=Caf%C3%A9+Ltd&tier=gold"));
        assert!(is_utf8_form(b"a=100%25&b=%"));
        assert!(!is_utf8_form(b"name=%FF%FE+Org"));
        assert!(!is_utf8_form(b"name=\xff"));
    }

    #[test]
    fn token_is_removed_and_other_fields_kept_byte_for_byte() {
        let (token, rest) = strip_token(b"a=1&csrf_token=x%2By&b=%FF%20");
        assert_eq!(token.as_deref(), Some("x+y"));
        assert_eq!(rest, b"a=1&b=%FF%20");
        let (token, rest) = strip_token(b"a=1");
        assert_eq!(token, None);
        assert_eq!(rest, b"a=1");
    }
}
