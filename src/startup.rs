//! Builds the actix app (state, middleware, routes) and binds the listener. Used by `main`
//! and by the integration tests, which start the real app on port 0.

use std::net::TcpListener;

use actix_session::SessionMiddleware;
use actix_session::config::BrowserSession;
use actix_web::cookie::{Key, SameSite};
use actix_web::dev::Server;
use actix_web::error::{PathError, QueryPayloadError, UrlencodedError};
use actix_web::middleware::{DefaultHeaders, from_fn};
use actix_web::{App, HttpRequest, HttpServer, web};
use anyhow::Context;
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use rand::RngCore;

use crate::auth::csrf;
use crate::auth::rate_limit::{ApiRateLimiter, LoginRateLimiter};
use crate::auth::session_store::DbSessionStore;
use crate::clock::SharedClock;
use crate::config::Config;
use crate::db::models::app_secret;
use crate::db::{self, write_tx};
use crate::error::AppError;
use crate::jobs::Jobs;
use crate::routes;
use crate::state::AppState;
use crate::workflow::links;

/// Forms are short; anything bigger is refused before it is read into memory.
pub const MAX_FORM_BYTES: usize = 64 * 1024;

const CSP: &str = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; \
                   object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'self'";

/// Seconds a stopping server gives the requests in flight, and then the job in progress,
/// to finish (a systemd unit's `TimeoutStopSec` should exceed their sum).
pub const SHUTDOWN_SECONDS: u64 = 25;

pub struct Application {
    port: u16,
    jobs: Jobs,
    runner: Option<crate::jobs::Runner>,
    server: Server,
    setup_link: Option<String>,
    base_url: String,
}

impl Application {
    /// Opens the database, migrates it, binds the listener and builds the server (not yet
    /// polled). With no users yet, a one-time setup link is issued.
    pub async fn build(mut config: Config, clock: SharedClock) -> anyhow::Result<Self> {
        let listener = TcpListener::bind(config.bind).with_context(|| {
            format!(
                "cannot listen on {}: is another server using it? Choose another with --bind",
                config.bind
            )
        })?;
        let port = listener.local_addr()?.port();
        if config.base_url.port() == Some(0) {
            let _ = config.base_url.set_port(Some(port));
        }

        let metrics = std::sync::Arc::new(crate::metrics::Metrics::new());
        let pool = db::connect_observed(
            &config.database_url,
            config.db_pool_size,
            Box::new(metrics.pool_events()),
        )?;
        let now = clock.naive_now();
        let setup_pool = pool.clone();
        let (session_key, setup_path) = web::block(move || -> anyhow::Result<_> {
            let mut conn = setup_pool
                .get()
                .context("cannot connect to the database; check TRUCE_DATABASE_URL")?;
            db::migrate(&mut conn)?;
            let key = app_secret::get_or_create(&mut conn, "session_cookie_key", || {
                let mut bytes = [0u8; 64];
                rand::rng().fill_bytes(&mut bytes);
                STANDARD.encode(bytes)
            })?;
            let setup = write_tx(&mut conn, |c| links::setup_path_if_needed(c, now))?;
            Ok((key, setup))
        })
        .await??;
        let session_key = Key::from(
            &STANDARD
                .decode(session_key)
                .context("the stored session cookie key is corrupt")?,
        );

        let seal_key = config.seal_key()?;
        if config.secret_key.is_none()
            && matches!(config.database_url, db::DatabaseUrl::Postgres(_))
        {
            // Another instance on this database with its own data dir would hold another
            // key and could not open what this one sealed.
            tracing::warn!(
                file = %config.secret_key_file().display(),
                "secrets are sealed with a key from the data dir; instances sharing this \
                 PostgreSQL database must share it: set TRUCE_SECRET_KEY"
            );
        }
        tracing::info!(fingerprint = %seal_key.fingerprint(), "sealing key");

        let setup_link = setup_path.map(|p| config.link(&p));
        let jobs = Jobs::new(&config, pool.clone(), clock.clone())?.with_metrics(metrics.clone());
        tracing::info!(transport = jobs.mailer.describe(), "outgoing mail");
        let runner = config
            .run_jobs
            .then(|| jobs.clone().spawn(config.jobs_interval));
        let metrics_data = web::Data::from(metrics);
        let base_url = config.base_url.to_string();
        let pool_data = web::Data::new(pool.clone());
        let sso = match &config.oidc {
            Some(settings) => Some(
                crate::auth::oidc::Sso::new(
                    settings.clone(),
                    config.base_url.as_str(),
                    clock.clone(),
                )
                .map_err(anyhow::Error::msg)?,
            ),
            None => None,
        };
        let proxies = web::Data::new(crate::auth::client_addr::TrustedProxies(
            config.trusted_proxies.clone(),
        ));
        let state = web::Data::new(AppState {
            pool: pool.clone(),
            clock: clock.clone(),
            login_limiter: LoginRateLimiter::per_minute(config.login_attempts_per_minute),
            api_limiter: ApiRateLimiter::per_minute(config.api_requests_per_minute),
            sso,
            seal_key,
            config,
        });
        // Shared by the workers: a summary computed by one is served by all.
        let org_figures = web::Data::new(crate::routes::dashboard::org::FiguresMemo::new(
            crate::routes::dashboard::org::MEMO_ORGS,
        ));
        let review_queue = web::Data::new(crate::workflow::review_queue::QueueMemo::new());
        let server = HttpServer::new(move || {
            let config = &state.config;
            let store = DbSessionStore::new(
                state.pool.clone(),
                state.clock.clone(),
                config.session_idle,
                config.session_max,
            );
            let cookie_name = if config.secure_cookies {
                "__Host-truce"
            } else {
                "truce"
            };
            let sessions = SessionMiddleware::builder(store, session_key.clone())
                .cookie_name(cookie_name.to_owned())
                .cookie_secure(config.secure_cookies)
                .cookie_http_only(true)
                .cookie_same_site(SameSite::Lax)
                .cookie_path("/".to_owned())
                .cookie_domain(None)
                .session_lifecycle(BrowserSession::default().state_ttl(
                    actix_web::cookie::time::Duration::seconds(config.session_max.num_seconds()),
                ))
                .build();
            let mut headers = DefaultHeaders::new()
                .add(("Content-Security-Policy", CSP))
                .add(("X-Content-Type-Options", "nosniff"))
                .add(("X-Frame-Options", "DENY"))
                // Links carry one-time tokens in their path: never leak them as a referrer.
                .add(("Referrer-Policy", "no-referrer"))
                .add(("Cross-Origin-Opener-Policy", "same-origin"))
                .add(("Cache-Control", "no-store"));
            if config.secure_cookies {
                headers = headers.add((
                    "Strict-Transport-Security",
                    "max-age=31536000; includeSubDomains",
                ));
            }
            App::new()
                .app_data(state.clone())
                .app_data(pool_data.clone())
                .app_data(proxies.clone())
                .app_data(metrics_data.clone())
                .app_data(org_figures.clone())
                .app_data(review_queue.clone())
                .app_data(web::PayloadConfig::new(MAX_FORM_BYTES))
                .app_data(
                    web::FormConfig::default()
                        .limit(MAX_FORM_BYTES)
                        .error_handler(form_error),
                )
                .app_data(web::QueryConfig::default().error_handler(query_error))
                .app_data(web::PathConfig::default().error_handler(path_error))
                .wrap(from_fn(csrf::guard))
                .wrap(from_fn(routes::error_page::with_layout))
                .wrap(sessions)
                // Outside the sessions: the store hands the guard the user it read.
                .wrap(from_fn(crate::auth::principal::scope))
                .wrap(headers)
                .wrap(from_fn(crate::telemetry::trace_requests))
                .configure(routes::configure)
                .default_service(web::to(routes::not_found))
        })
        .listen(listener)?
        .shutdown_timeout(SHUTDOWN_SECONDS)
        .run();

        Ok(Self {
            port,
            jobs,
            runner,
            server,
            setup_link,
            base_url,
        })
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    pub fn base_url(&self) -> &str {
        &self.base_url
    }

    /// The first-admin setup link, issued when the database had no users.
    pub fn setup_link(&self) -> Option<&str> {
        self.setup_link.as_deref()
    }

    /// The background jobs of this instance, to run a pass by hand (`truce jobs run-once`,
    /// tests).
    pub fn jobs(&self) -> Jobs {
        self.jobs.clone()
    }

    /// Serves until a signal. On SIGTERM it stops gracefully: no new connections, the
    /// requests in flight finish (up to [`SHUTDOWN_SECONDS`]), then the job in progress.
    /// SIGINT and SIGQUIT skip the wait for requests (actix's rule); the job still finishes.
    pub async fn run_until_stopped(self) -> std::io::Result<()> {
        let served = self.server.await;
        if let Some(runner) = self.runner {
            tracing::info!("server stopped; letting the job in progress finish");
            if runner
                .stop(std::time::Duration::from_secs(SHUTDOWN_SECONDS))
                .await
            {
                tracing::info!("background jobs stopped");
            } else {
                tracing::warn!(
                    "a background job was still running at shutdown; what it had claimed is \
                     taken up again when its lease ends"
                );
            }
        }
        served
    }
}

fn form_error(err: UrlencodedError, _req: &HttpRequest) -> actix_web::Error {
    match err {
        UrlencodedError::Overflow { .. } => AppError::PayloadTooLarge(
            "This form is larger than the portal accepts (64 KiB). Shorten the longest text and send it again.".into(),
        ),
        UrlencodedError::ContentType => {
            AppError::bad_request("This address expects a form (application/x-www-form-urlencoded).")
        }
        UrlencodedError::Parse(e) => AppError::bad_request(format!(
            "The form could not be read ({e}). Reload the page and try again."
        )),
        other => AppError::bad_request(format!("The form could not be read ({other}).")),
    }
    .into()
}

fn query_error(err: QueryPayloadError, _req: &HttpRequest) -> actix_web::Error {
    AppError::bad_request(format!(
        "The address has parameters the page cannot use ({err})."
    ))
    .into()
}

fn path_error(_err: PathError, _req: &HttpRequest) -> actix_web::Error {
    AppError::NotFound.into()
}
