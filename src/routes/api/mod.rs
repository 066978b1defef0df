//! The JSON API, for scripts and CRM integrations (`v1/`). Callers authenticate with a
//! bearer token (issued at `/account/tokens` or by `truce token create`) whose scopes and
//! whose user's role decide what it may do (`domain::api`); errors come back as JSON with a
//! stable code (`v1::errors`). The OpenAPI document at `/api/v1/openapi.json` is derived from
//! the handlers and types (`v1::openapi`).

pub mod v1;

pub use v1::configure;
