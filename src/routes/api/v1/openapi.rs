//! The OpenAPI 3.1 document, derived by `utoipa` from the handlers' `#[utoipa::path]`
//! attributes and the request and response types, so it cannot drift from the code; a test
//! holds it to [`super::ROUTES`].

use actix_web::HttpResponse;
use utoipa::openapi::security::{Http, HttpAuthScheme, SecurityScheme};
use utoipa::{Modify, OpenApi};

use super::{accounts, disputes, errors, lock, registrations};

#[derive(OpenApi)]
#[openapi(
    info(
        title = "Truce API",
        version = "1",
        description = "Deal registration for CRM integrations: the lock check, registrations \
            and the channel team's decisions, CRM accounts and direct opportunities, disputes. \
            Authenticate with `Authorization: Bearer <token>` (tokens at /account/tokens, with \
            read or read and write access). Writes accept an `Idempotency-Key` header. Errors \
            are JSON: `{\"code\", \"error\", \"fields\"}`."
    ),
    paths(
        lock::lock,
        registrations::list, registrations::one,
        registrations::approve, registrations::reject, registrations::request_info,
        accounts::put, accounts::delete, accounts::bulk,
        accounts::put_opportunity, accounts::delete_opportunity, accounts::bulk_opportunities,
        disputes::list, disputes::one,
        document, super::docs::page,
    ),
    components(schemas(errors::ErrorBody, errors::FieldError)),
    modifiers(&Bearer),
)]
pub struct ApiDoc;

struct Bearer;

impl Modify for Bearer {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(Http::new(HttpAuthScheme::Bearer)),
        );
    }
}

/// The document, built once: it is the same for every request.
pub fn spec() -> &'static utoipa::openapi::OpenApi {
    static SPEC: std::sync::OnceLock<utoipa::openapi::OpenApi> = std::sync::OnceLock::new();
    SPEC.get_or_init(ApiDoc::openapi)
}

/// This document (no token needed).
#[utoipa::path(get, path = "/api/v1/openapi.json", operation_id = "openapi_document", tag = "reference",
    responses((status = 200, description = "The OpenAPI 3.1 document", body = Object)))]
pub async fn document() -> HttpResponse {
    HttpResponse::Ok().json(spec())
}
