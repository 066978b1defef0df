//! How an [`AppError`] reaches the user: a redirect to sign in, or the error page with the
//! status and a message to act on (a reference id for a 500, whose cause goes to the log).

use actix_web::body::{BoxBody, MessageBody};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::StatusCode;
use actix_web::http::header::{self, HeaderValue};
use actix_web::middleware::Next;
use actix_web::{FromRequest, HttpResponse, ResponseError};
use askama::Template;

use super::layout::Layout;
use crate::auth::guard::{AnyRole, Signed};
use crate::error::AppError;

#[derive(Template, Clone)]
#[template(path = "error.html")]
struct ErrorPage {
    /// An error is rendered without the request, so at first the header shows no user;
    /// [`with_layout`] puts the signed-in user's navigation back.
    layout: Layout,
    title: &'static str,
    message: String,
    reference: Option<String>,
    show_sign_in: bool,
}

impl ErrorPage {
    fn response(&self, status: StatusCode) -> HttpResponse {
        let body = self.render().unwrap_or_else(|_| self.title.to_owned());
        let mut resp = HttpResponse::build(status)
            .content_type("text/html; charset=utf-8")
            .body(body);
        resp.headers_mut()
            .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
        resp
    }
}

/// Error pages of signed-in users keep the header: who is signed in and their navigation,
/// so a 403 or 404 is a page of the portal with a way on, not a dead end. The error's page
/// travels in the response's extensions; the user is looked up only for those responses.
pub async fn with_layout(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<BoxBody>, actix_web::Error> {
    let res = next.call(req).await?.map_into_boxed_body();
    let Some(page) = res.response().extensions().get::<ErrorPage>().cloned() else {
        return Ok(res);
    };
    let status = res.status();
    let Ok(signed) = Signed::<AnyRole>::extract(res.request()).await else {
        return Ok(res);
    };
    let page = ErrorPage {
        layout: Layout::signed(&signed, ""),
        show_sign_in: false,
        ..page
    };
    Ok(res.into_response(page.response(status)))
}

impl ResponseError for AppError {
    fn status_code(&self) -> StatusCode {
        match self {
            Self::NotFound => StatusCode::NOT_FOUND,
            Self::Forbidden | Self::Csrf => StatusCode::FORBIDDEN,
            Self::Unauthenticated { .. } | Self::SecondStepPending | Self::TwoStepSetupRequired => {
                StatusCode::SEE_OTHER
            }
            Self::BadRequest(_) => StatusCode::BAD_REQUEST,
            Self::PayloadTooLarge(_) => StatusCode::PAYLOAD_TOO_LARGE,
            Self::TooManyRequests(_) => StatusCode::TOO_MANY_REQUESTS,
            Self::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    fn error_response(&self) -> HttpResponse {
        let status = self.status_code();
        if let Self::Unauthenticated { next } = self {
            let location = if next.is_empty() || next == "/" {
                "/login".to_owned()
            } else {
                format!("/login?next={}", url_escape(next))
            };
            return HttpResponse::SeeOther()
                .insert_header((header::LOCATION, location))
                .finish();
        }
        let step = match self {
            Self::SecondStepPending => Some(super::account::SECOND_STEP_PATH),
            Self::TwoStepSetupRequired => Some(super::account::TWO_STEP_SETUP_PATH),
            _ => None,
        };
        if let Some(step) = step {
            return HttpResponse::SeeOther()
                .insert_header((header::LOCATION, step))
                .finish();
        }
        let (title, message, reference) = match self {
            Self::Internal(cause) => {
                let reference = crate::ids::short_reference();
                tracing::error!(reference = %reference, error = ?cause, "internal error");
                (
                    "Something went wrong",
                    "The server could not finish this request. Nothing you sent was lost: \
                     go back and try again. If it keeps happening, give an administrator \
                     the reference below."
                        .to_owned(),
                    Some(reference),
                )
            }
            Self::NotFound => (
                "Page not found",
                "There is no page at this address, or you do not have access to it.".to_owned(),
                None,
            ),
            Self::Forbidden => (
                "Access denied",
                "Your role does not give you access to this page. If you need it, ask an \
                 administrator."
                    .to_owned(),
                None,
            ),
            Self::Csrf => (
                "Form expired",
                "This form was open too long or was not sent from this site. Go back, reload \
                 the page and send it again."
                    .to_owned(),
                None,
            ),
            Self::TooManyRequests(m) => ("Too many attempts", m.clone(), None),
            Self::PayloadTooLarge(m) => ("Request too large", m.clone(), None),
            Self::BadRequest(m) => ("The request could not be used", m.clone(), None),
            Self::Unauthenticated { .. } | Self::SecondStepPending | Self::TwoStepSetupRequired => {
                unreachable!("handled above")
            }
        };
        let page = ErrorPage {
            layout: Layout::anonymous(String::new()),
            title,
            message,
            reference,
            show_sign_in: matches!(self, Self::Forbidden | Self::Csrf),
        };
        let mut resp = page.response(status);
        if matches!(self, Self::NotFound | Self::Forbidden) {
            resp.extensions_mut().insert(page);
        }
        resp
    }
}

/// Percent-encodes a local path for a query parameter.
fn url_escape(value: &str) -> String {
    url::form_urlencoded::byte_serialize(value.as_bytes()).collect()
}
