//! What every handler can reach: the pool, the clock, the settings, the per-instance
//! sign-in rate limiter and the sealing key. Its own module, below the pages and above what
//! it holds, so that a page and the app builder share it without either importing the other.

use crate::auth::rate_limit::{ApiRateLimiter, LoginRateLimiter};
use crate::clock::SharedClock;
use crate::config::Config;
use crate::db::Pool;
use crate::sealed::SealKey;

pub struct AppState {
    pub pool: Pool,
    pub clock: SharedClock,
    pub config: Config,
    pub login_limiter: LoginRateLimiter,
    /// API requests per token (`routes::api`).
    pub api_limiter: ApiRateLimiter,
    /// Single sign-on for staff, when configured.
    pub sso: Option<crate::auth::oidc::Sso>,
    /// Seals and opens the secrets kept at rest (`TRUCE_SECRET_KEY` or DATA_DIR/secret.key).
    pub seal_key: SealKey,
}
