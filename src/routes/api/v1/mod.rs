//! `/api/v1`: the lock check, registrations and the channel team's decisions, CRM accounts
//! and direct opportunities, disputes and rulings, and the OpenAPI document describing them.
//!
//! The routes are declared once, in [`routes!`], which both registers them and lists them in
//! [`ROUTES`]: the test that every route is in the OpenAPI document reads that list, so a
//! route cannot be served without being documented.

mod accounts;
mod auth;
mod disputes;
mod docs;
pub mod errors;
mod lock;
pub mod openapi;
mod registrations;
mod write;

use actix_web::ResponseError;
use actix_web::dev::ServiceResponse;
use actix_web::http::StatusCode;
use actix_web::middleware::{ErrorHandlerResponse, ErrorHandlers};
use actix_web::{HttpResponse, web};

pub use auth::ApiUser;
pub use errors::ApiError;

/// Largest request body: a bulk request of 1,000 accounts with long values fits.
const MAX_BODY: usize = 4 * 1024 * 1024;
/// Items a bulk request may carry; larger syncs send several requests.
pub const MAX_BULK: usize = 1_000;

macro_rules! routes {
    ($( $method:ident $path:literal => $handler:path ),* $(,)?) => {
        /// Every `(method, path)` this API serves, as registered.
        pub const ROUTES: &[(&str, &str)] = &[$((stringify!($method), concat!("/api/v1", $path))),*];

        fn register(scope: actix_web::Scope) -> actix_web::Scope {
            scope$(.route($path, web::$method().to($handler)))*
        }
    };
}

routes! {
    get "/lock" => lock::lock,
    get "/registrations" => registrations::list,
    get "/registrations/{id}" => registrations::one,
    post "/registrations/{id}/approve" => registrations::approve,
    post "/registrations/{id}/reject" => registrations::reject,
    post "/registrations/{id}/request-info" => registrations::request_info,
    put "/accounts/{external_id}" => accounts::put,
    delete "/accounts/{external_id}" => accounts::delete,
    post "/accounts/bulk" => accounts::bulk,
    put "/opportunities/{external_id}" => accounts::put_opportunity,
    delete "/opportunities/{external_id}" => accounts::delete_opportunity,
    post "/opportunities/bulk" => accounts::bulk_opportunities,
    get "/disputes" => disputes::list,
    get "/disputes/{id}" => disputes::one,
    get "/openapi.json" => openapi::document,
    get "/docs" => docs::page,
}

pub fn configure(cfg: &mut web::ServiceConfig) {
    let scope = web::scope("/api/v1")
        // A larger body is refused by actix with 413 before a handler runs; the answer is
        // made JSON like every other error of the API.
        .app_data(web::PayloadConfig::new(MAX_BODY))
        .app_data(web::QueryConfig::default().error_handler(|err, _| {
            ApiError::bad_request(format!("bad query parameters: {err}")).into()
        }))
        .app_data(
            web::PathConfig::default()
                .error_handler(|err, _| ApiError::bad_request(format!("bad path: {err}")).into()),
        )
        .default_service(web::to(not_found));
    let too_large = ErrorHandlers::new().handler(StatusCode::PAYLOAD_TOO_LARGE, |res| {
        let (req, _) = res.into_parts();
        let json = ApiError::TooLarge(MAX_BODY / (1024 * 1024)).error_response();
        Ok(ErrorHandlerResponse::Response(
            ServiceResponse::new(req, json).map_into_right_body(),
        ))
    });
    cfg.service(register(scope).wrap(too_large));
}

async fn not_found() -> Result<HttpResponse, ApiError> {
    Err(ApiError::NotFound(
        "no such API route; see /api/v1/docs for the routes".into(),
    ))
}
