//! Typed settings from `truce serve` flags and `TRUCE_*` environment variables, validated
//! once at start so that a bad value stops the server with a clear message.

use std::net::SocketAddr;
use std::path::PathBuf;

use clap::{Args, ValueEnum};
use url::Url;

use crate::db::DatabaseUrl;
use crate::sealed::SealKey;

mod oidc;
pub use oidc::{OidcArgs, OidcSettings};

/// Where the data lives; shared by every command that opens the database.
#[derive(Debug, Clone, Args)]
pub struct DbArgs {
    /// Folder for the embedded database and local files.
    #[arg(long, env = "TRUCE_DATA_DIR", default_value = "data")]
    pub data_dir: PathBuf,

    /// Database to use: postgres://USER@HOST/DB for PostgreSQL, or sqlite://PATH.
    /// Default: the embedded SQLite database DATA_DIR/truce.db.
    #[arg(long, env = "TRUCE_DATABASE_URL")]
    pub database_url: Option<String>,
}

impl DbArgs {
    pub fn database_url(&self) -> Result<DatabaseUrl, String> {
        match &self.database_url {
            Some(raw) => DatabaseUrl::parse(raw).map_err(|e| format!("TRUCE_DATABASE_URL: {e}")),
            None => Ok(DatabaseUrl::Sqlite(
                self.data_dir
                    .join("truce.db")
                    .to_string_lossy()
                    .into_owned(),
            )),
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum LogFormat {
    /// Human-readable lines.
    Text,
    /// One JSON object per line, for log collectors.
    Json,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum SecureCookies {
    /// On unless the base URL is http://localhost or http://127.0.0.1.
    Auto,
    On,
    Off,
}

#[derive(Debug, Clone, Args)]
pub struct ServeArgs {
    #[command(flatten)]
    pub db: DbArgs,

    /// Address and port to listen on.
    #[arg(long, env = "TRUCE_BIND", default_value = "127.0.0.1:8080")]
    pub bind: String,

    /// Public URL of the portal, used in links (setup, emails). Default: http://BIND.
    #[arg(long, env = "TRUCE_BASE_URL")]
    pub base_url: Option<String>,

    /// Mark the session cookie Secure and use the __Host- prefix; also sends HSTS.
    #[arg(long, env = "TRUCE_SECURE_COOKIES", value_enum, default_value = "auto")]
    pub secure_cookies: SecureCookies,

    /// Log output format.
    #[arg(long, env = "TRUCE_LOG_FORMAT", value_enum, default_value = "text")]
    pub log_format: LogFormat,

    /// Minutes without a request after which a session ends.
    #[arg(long, env = "TRUCE_SESSION_IDLE_MINUTES", default_value_t = 30)]
    pub session_idle_minutes: u32,

    /// Hours after sign-in after which a session ends, however active.
    #[arg(long, env = "TRUCE_SESSION_MAX_HOURS", default_value_t = 12)]
    pub session_max_hours: u32,

    /// Sign-in attempts allowed per client address per minute.
    #[arg(long, env = "TRUCE_LOGIN_ATTEMPTS_PER_MINUTE", default_value_t = 10)]
    pub login_attempts_per_minute: u32,

    /// API requests allowed per token per minute (bursts up to this many), per instance.
    #[arg(long, env = "TRUCE_API_REQUESTS_PER_MINUTE", default_value_t = 600)]
    pub api_requests_per_minute: u32,

    /// Argon2id memory cost in KiB (OWASP minimum 19456).
    #[arg(long, env = "TRUCE_ARGON2_MEMORY_KIB", default_value_t = 19_456)]
    pub argon2_memory_kib: u32,

    /// Argon2id iterations (OWASP minimum 2).
    #[arg(long, env = "TRUCE_ARGON2_ITERATIONS", default_value_t = 2)]
    pub argon2_iterations: u32,

    /// Argon2id parallelism.
    #[arg(long, env = "TRUCE_ARGON2_PARALLELISM", default_value_t = 1)]
    pub argon2_parallelism: u32,

    /// Database connections kept open by this instance.
    #[arg(long, env = "TRUCE_DB_POOL_SIZE", default_value_t = 10)]
    pub db_pool_size: u32,

    /// SMTP server for outgoing mail: smtp://USER:PASS@HOST:587 (STARTTLS),
    /// smtps://USER:PASS@HOST:465 (TLS), or smtp://HOST:25?tls=none (plain, only when asked).
    /// Without it, emails are written as .eml files to DATA_DIR/mail.
    #[arg(long, env = "TRUCE_SMTP_URL")]
    pub smtp_url: Option<String>,

    /// Sender of every email.
    #[arg(
        long,
        env = "TRUCE_MAIL_FROM",
        default_value = "Truce <truce@localhost>"
    )]
    pub mail_from: String,

    /// Do not run background jobs (email delivery, clean-up) in this instance, e.g. for
    /// extra web-only instances.
    #[arg(long, env = "TRUCE_NO_JOBS")]
    pub no_jobs: bool,

    /// Seconds between two runs of the background jobs.
    #[arg(long, env = "TRUCE_JOBS_INTERVAL_SECONDS", default_value_t = 5)]
    pub jobs_interval_seconds: u64,

    /// Serve Prometheus metrics at /metrics to scrapers that send
    /// `Authorization: Bearer TOKEN` (at least 16 characters). Without it /metrics is off.
    #[arg(long, env = "TRUCE_METRICS_TOKEN", hide_env_values = true)]
    pub metrics_token: Option<String>,

    /// Daily backups of the embedded database kept in DATA_DIR/backups by the job runner
    /// (the oldest beyond this number are removed); 0 turns them off.
    #[arg(long, env = "TRUCE_BACKUPS_KEEP", default_value_t = 0)]
    pub backups_keep: u32,

    /// Addresses of the reverse proxies in front of the portal, comma-separated: from these
    /// the client's address is read from X-Forwarded-For (for the sign-in limits and the
    /// audit log).
    #[arg(long, env = "TRUCE_TRUSTED_PROXIES", value_delimiter = ',')]
    pub trusted_proxies: Vec<String>,

    /// Let webhook endpoints be loopback, private-network and link-local addresses (a CRM
    /// inside the company network; the tests). Off: Truce refuses to call them, so an
    /// endpoint cannot be pointed at the server's own network.
    #[arg(long, env = "TRUCE_WEBHOOKS_ALLOW_PRIVATE")]
    pub webhooks_allow_private: bool,

    /// Seconds a webhook endpoint has to answer before the attempt counts as failed (1-10).
    #[arg(long, env = "TRUCE_WEBHOOK_TIMEOUT_SECONDS", default_value_t = 10)]
    pub webhook_timeout_seconds: u64,

    #[command(flatten)]
    pub oidc: OidcArgs,
    /// The key that seals secrets kept at rest (authenticator apps' secrets): 32 random
    /// bytes, base64 or hex (`openssl rand -base64 32`). Without it the key is
    /// DATA_DIR/secret.key, made at first start. Instances sharing one database need the
    /// same key.
    #[arg(long, env = "TRUCE_SECRET_KEY", hide_env_values = true)]
    pub secret_key: Option<String>,
}

/// Settings after validation; everything the app needs to start.
#[derive(Debug, Clone)]
pub struct Config {
    pub bind: SocketAddr,
    pub database_url: DatabaseUrl,
    pub data_dir: PathBuf,
    pub base_url: Url,
    pub secure_cookies: bool,
    pub log_format: LogFormat,
    pub session_idle: chrono::TimeDelta,
    pub session_max: chrono::TimeDelta,
    pub login_attempts_per_minute: u32,
    pub api_requests_per_minute: u32,
    pub argon2: HashParams,
    pub db_pool_size: u32,
    pub smtp_url: Option<String>,
    pub mail_from: lettre::message::Mailbox,
    pub run_jobs: bool,
    pub jobs_interval: std::time::Duration,
    /// SHA-256 of the metrics token: the settings are printed in debug output, the token
    /// must not be. `None`: /metrics is off.
    pub metrics_token_sha256: Option<[u8; 32]>,
    /// Daily backups to keep; 0: none are made.
    pub backups_keep: u32,
    pub trusted_proxies: Vec<std::net::IpAddr>,
    pub webhooks_allow_private: bool,
    pub webhook_timeout: std::time::Duration,
    /// Single sign-on for staff; `None`: off.
    pub oidc: Option<OidcSettings>,
    /// The sealing key given in the settings; `None`: DATA_DIR/secret.key (see
    /// [`Config::secret_key_file`]).
    pub secret_key: Option<SealKey>,
}

impl ServeArgs {
    /// Validates every value; the error names the flag/variable and what to do.
    pub fn validate(&self) -> Result<Config, String> {
        let bind: SocketAddr = self.bind.parse().map_err(|_| {
            format!(
                "TRUCE_BIND/--bind: '{}' is not an address:port such as 127.0.0.1:8080",
                self.bind
            )
        })?;
        let database_url = self.db.database_url()?;
        let base_url = match &self.base_url {
            Some(raw) => Url::parse(raw).map_err(|e| {
                format!("TRUCE_BASE_URL/--base-url: '{raw}' is not a URL ({e}); use e.g. https://partners.example.com")
            })?,
            None => {
                let host = if bind.ip().is_unspecified() {
                    "127.0.0.1".to_owned()
                } else {
                    bind.ip().to_string()
                };
                Url::parse(&format!("http://{host}:{}", bind.port()))
                    .map_err(|e| format!("cannot derive the base URL from --bind: {e}"))?
            }
        };
        if !matches!(base_url.scheme(), "http" | "https") || base_url.host().is_none() {
            return Err(format!(
                "TRUCE_BASE_URL/--base-url: '{base_url}' must be an http:// or https:// URL with a host"
            ));
        }
        let secure_cookies = match self.secure_cookies {
            SecureCookies::On => true,
            SecureCookies::Off => false,
            SecureCookies::Auto => !is_local_http(&base_url),
        };
        if !(1..=24 * 60).contains(&self.session_idle_minutes) {
            return Err("TRUCE_SESSION_IDLE_MINUTES must be between 1 and 1440".into());
        }
        if !(1..=24 * 30).contains(&self.session_max_hours) {
            return Err("TRUCE_SESSION_MAX_HOURS must be between 1 and 720".into());
        }
        if self.login_attempts_per_minute == 0 {
            return Err("TRUCE_LOGIN_ATTEMPTS_PER_MINUTE must be at least 1".into());
        }
        if self.api_requests_per_minute == 0 {
            return Err("TRUCE_API_REQUESTS_PER_MINUTE must be at least 1".into());
        }
        if !(1..=100).contains(&self.db_pool_size) {
            return Err("TRUCE_DB_POOL_SIZE must be between 1 and 100".into());
        }
        let argon2 = HashParams::new(
            self.argon2_memory_kib,
            self.argon2_iterations,
            self.argon2_parallelism,
        )?;
        let mail_from = self.mail_from.parse().map_err(|e| {
            format!("TRUCE_MAIL_FROM: '{}' is not an email address ({e}); use e.g. \"Truce <partners@example.com>\"", self.mail_from)
        })?;
        if !(1..=3600).contains(&self.jobs_interval_seconds) {
            return Err("TRUCE_JOBS_INTERVAL_SECONDS must be between 1 and 3600".into());
        }
        let metrics_token_sha256 = match self.metrics_token.as_deref().map(str::trim) {
            None | Some("") => None,
            Some(t) if t.len() < 16 => {
                return Err(
                    "TRUCE_METRICS_TOKEN must be at least 16 characters; make one with \
                            `openssl rand -hex 32`"
                        .into(),
                );
            }
            Some(t) => Some(token_digest(t)),
        };
        if !(1..=10).contains(&self.webhook_timeout_seconds) {
            return Err("TRUCE_WEBHOOK_TIMEOUT_SECONDS must be between 1 and 10".into());
        }
        if self.backups_keep > 366 {
            return Err("TRUCE_BACKUPS_KEEP must be between 0 (off) and 366".into());
        }
        let mut trusted_proxies = Vec::new();
        for raw in self
            .trusted_proxies
            .iter()
            .map(|s| s.trim())
            .filter(|s| !s.is_empty())
        {
            trusted_proxies.push(raw.parse().map_err(|_| {
                format!(
                    "TRUCE_TRUSTED_PROXIES: '{raw}' is not an IP address; list the proxies' \
                     addresses, e.g. 10.0.0.2,10.0.0.3"
                )
            })?);
        }
        let oidc = self.oidc.validate()?;
        let secret_key = match self.secret_key.as_deref().map(str::trim) {
            None | Some("") => None,
            Some(text) => Some(SealKey::parse(text).map_err(|e| {
                format!(
                    "TRUCE_SECRET_KEY: {e}; it must be 32 random bytes in base64 or hex, \
                     made with e.g. `openssl rand -base64 32`"
                )
            })?),
        };
        Ok(Config {
            oidc,
            secret_key,
            trusted_proxies,
            metrics_token_sha256,
            backups_keep: self.backups_keep,
            webhooks_allow_private: self.webhooks_allow_private,
            webhook_timeout: std::time::Duration::from_secs(self.webhook_timeout_seconds),
            smtp_url: self.smtp_url.clone(),
            mail_from,
            run_jobs: !self.no_jobs,
            jobs_interval: std::time::Duration::from_secs(self.jobs_interval_seconds),
            bind,
            database_url,
            data_dir: self.db.data_dir.clone(),
            base_url,
            secure_cookies,
            log_format: self.log_format,
            session_idle: chrono::TimeDelta::minutes(self.session_idle_minutes.into()),
            session_max: chrono::TimeDelta::hours(self.session_max_hours.into()),
            login_attempts_per_minute: self.login_attempts_per_minute,
            api_requests_per_minute: self.api_requests_per_minute,
            argon2,
            db_pool_size: self.db_pool_size,
        })
    }
}

impl Config {
    /// Where the daily backups go (and the System page looks).
    pub fn backups_dir(&self) -> PathBuf {
        self.data_dir.join("backups")
    }

    /// Where the sealing key is kept when `TRUCE_SECRET_KEY` is not set.
    pub fn secret_key_file(&self) -> PathBuf {
        self.data_dir.join("secret.key")
    }

    /// The key that seals secrets at rest: `TRUCE_SECRET_KEY`, or else the one in
    /// [`Config::secret_key_file`], made at first use.
    pub fn seal_key(&self) -> anyhow::Result<SealKey> {
        use anyhow::Context;
        match &self.secret_key {
            Some(key) => Ok(key.clone()),
            None => {
                let path = self.secret_key_file();
                SealKey::load_or_create(&path).with_context(|| {
                    format!(
                        "cannot read or make the sealing key {}; set TRUCE_SECRET_KEY or a \
                         writable TRUCE_DATA_DIR",
                        path.display()
                    )
                })
            }
        }
    }

    /// An absolute link for `path` (which starts with '/') under the base URL.
    pub fn link(&self, path: &str) -> String {
        format!("{}{}", self.base_url.as_str().trim_end_matches('/'), path)
    }
}

/// The digest a presented metrics token is compared by.
pub fn token_digest(token: &str) -> [u8; 32] {
    use sha2::{Digest, Sha256};
    Sha256::digest(token.trim().as_bytes()).into()
}

fn is_local_http(url: &Url) -> bool {
    url.scheme() == "http" && matches!(url.host_str(), Some("localhost" | "127.0.0.1" | "[::1]"))
}

/// OWASP's minimum for argon2id: 19 MiB, 2 iterations, 1 lane.
pub const MIN_MEMORY_KIB: u32 = 19_456;
pub const MIN_ITERATIONS: u32 = 2;

/// The argon2id cost of new password hashes (`auth::password`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct HashParams {
    pub(crate) memory_kib: u32,
    pub(crate) iterations: u32,
    pub(crate) parallelism: u32,
}

impl Default for HashParams {
    fn default() -> Self {
        Self {
            memory_kib: MIN_MEMORY_KIB,
            iterations: MIN_ITERATIONS,
            parallelism: 1,
        }
    }
}

impl HashParams {
    /// Refuses parameters weaker than OWASP's minimum.
    pub fn new(memory_kib: u32, iterations: u32, parallelism: u32) -> Result<Self, String> {
        if memory_kib < MIN_MEMORY_KIB {
            return Err(format!(
                "TRUCE_ARGON2_MEMORY_KIB must be at least {MIN_MEMORY_KIB} (OWASP minimum)"
            ));
        }
        if iterations < MIN_ITERATIONS {
            return Err(format!(
                "TRUCE_ARGON2_ITERATIONS must be at least {MIN_ITERATIONS} (OWASP minimum)"
            ));
        }
        if !(1..=16).contains(&parallelism) {
            return Err("TRUCE_ARGON2_PARALLELISM must be between 1 and 16".into());
        }
        argon2::Params::new(memory_kib, iterations, parallelism, None)
            .map_err(|e| format!("argon2 parameters rejected: {e}"))?;
        Ok(Self {
            memory_kib,
            iterations,
            parallelism,
        })
    }
}

#[cfg(test)]
mod tests {
    use clap::Parser;

    use super::*;

    #[derive(Parser)]
    struct Wrap {
        #[command(flatten)]
        serve: ServeArgs,
    }

    fn parse(args: &[&str]) -> Result<Config, String> {
        let mut all = vec!["truce"];
        all.extend_from_slice(args);
        Wrap::try_parse_from(all)
            .map_err(|e| e.to_string())?
            .serve
            .validate()
    }

    #[test]
    fn defaults_are_local_and_insecure_cookies_only_on_localhost() {
        let config = parse(&[]).unwrap();
        assert_eq!(config.base_url.as_str(), "http://127.0.0.1:8080/");
        assert!(!config.secure_cookies);
        let config = parse(&["--base-url", "https://partners.example.com"]).unwrap();
        assert!(config.secure_cookies);
        let config = parse(&["--base-url", "http://partners.example.com"]).unwrap();
        assert!(
            config.secure_cookies,
            "auto is secure for any non-local host"
        );
    }

    #[test]
    fn bad_values_name_the_setting() {
        assert!(
            parse(&["--bind", "nonsense"])
                .unwrap_err()
                .contains("TRUCE_BIND")
        );
        assert!(
            parse(&["--base-url", "ftp://x"])
                .unwrap_err()
                .contains("TRUCE_BASE_URL")
        );
        assert!(
            parse(&["--database-url", "mysql://x/y"])
                .unwrap_err()
                .contains("TRUCE_DATABASE_URL")
        );
        assert!(
            parse(&["--argon2-memory-kib", "1024"])
                .unwrap_err()
                .contains("19456")
        );
        assert!(
            parse(&["--secret-key", "c2hvcnQ="])
                .unwrap_err()
                .contains("TRUCE_SECRET_KEY")
        );
    }

    #[test]
    fn the_secret_key_is_optional_and_never_printed() {
        assert!(parse(&[]).unwrap().secret_key.is_none());
        let hex = "00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff";
        let config = parse(&["--secret-key", hex]).unwrap();
        assert!(config.secret_key.is_some());
        assert!(!format!("{config:?}").contains("00112233"));
    }
}
