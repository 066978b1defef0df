use std::sync::Arc;

use chrono::TimeDelta;
use clap::Parser;
use diesel::{Connection, PgConnection, RunQueryDsl};
use reqwest::StatusCode;
use reqwest::cookie::{CookieStore, Jar};
use reqwest::header::LOCATION;
use tempfile::TempDir;
use truce::auth::password::{self, HashParams};
use truce::clock::{Clock, ManualClock};
use truce::db::models::outbox::{self, OutboxRow};
use truce::db::models::{org, user};
use truce::db::{self, DbConnection, Pool};
use truce::domain::org::validate_org;
use truce::domain::user::validate_user;

pub const PASSWORD: &str = "blue harbour lantern 42";

/// A database of its own for one test; dropped with the test.
enum TestDb {
    Sqlite,
    Postgres { admin_url: String, name: String },
}

impl Drop for TestDb {
    fn drop(&mut self) {
        if let TestDb::Postgres { admin_url, name } = self
            && let Ok(mut conn) = PgConnection::establish(admin_url)
        {
            let _ = diesel::sql_query(format!("DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)"))
                .execute(&mut conn);
        }
    }
}

fn database_url(dir: &TempDir) -> (String, TestDb) {
    match std::env::var("TRUCE_TEST_POSTGRES_URL") {
        Ok(admin_url) if !admin_url.is_empty() => {
            let name = format!("truce_test_{}", uuid_simple());
            let mut conn = PgConnection::establish(&admin_url)
                .unwrap_or_else(|e| panic!("TRUCE_TEST_POSTGRES_URL is set but unreachable: {e}"));
            diesel::sql_query(format!("CREATE DATABASE \"{name}\""))
                .execute(&mut conn)
                .expect("create test database");
            let mut url = url::Url::parse(&admin_url).expect("TRUCE_TEST_POSTGRES_URL is a URL");
            url.set_path(&name);
            (url.to_string(), TestDb::Postgres { admin_url, name })
        }
        _ => (
            format!("sqlite://{}", dir.path().join("truce.db").display()),
            TestDb::Sqlite,
        ),
    }
}

fn uuid_simple() -> String {
    truce::auth::token::new_id().replace('-', "")
}

pub struct TestApp {
    pub address: String,
    pub jobs: truce::jobs::Jobs,
    pub clock: Arc<ManualClock>,
    pub pool: Pool,
    pub setup_link: Option<String>,
    pub database_url: String,
    pub data_dir: std::path::PathBuf,
    _db: TestDb,
    _dir: TempDir,
}

/// The app's settings for a test, through the real flag parsing and validation.
fn test_config(
    data_dir: &std::path::Path,
    database_url: &str,
    extra: &[&str],
) -> truce::config::Config {
    let data_dir = data_dir.to_string_lossy().into_owned();
    let mut args = vec![
        "truce",
        "--bind",
        "127.0.0.1:0",
        "--data-dir",
        &data_dir,
        "--database-url",
        database_url,
        "--db-pool-size",
        "4",
        // Tests run the jobs by hand (`run_jobs`), with the manual clock.
        "--no-jobs",
    ];
    args.extend_from_slice(extra);
    let cli = truce::cli::Cli::try_parse_from(args).expect("test flags parse");
    cli.serve.validate().expect("test config is valid")
}

pub async fn spawn_app() -> TestApp {
    spawn_app_with(&[]).await
}

/// Starts the real app on a free port with a fresh database; `extra` are `truce` flags.
pub async fn spawn_app_with(extra: &[&str]) -> TestApp {
    let dir = tempfile::tempdir().expect("temp dir");
    let (database_url, test_db) = database_url(&dir);
    let config = test_config(dir.path(), &database_url, extra);
    let clock = Arc::new(ManualClock::starting_now());
    let app = truce::Application::build(config, clock.clone())
        .await
        .expect("app builds");
    let address = format!("http://127.0.0.1:{}", app.port());
    let setup_link = app.setup_link().map(str::to_owned);
    let jobs = app.jobs();
    let pool = db::connect(&db::DatabaseUrl::parse(&database_url).unwrap(), 2).unwrap();
    actix_web::rt::spawn(app.run_until_stopped());
    TestApp {
        address,
        jobs,
        clock,
        pool,
        setup_link,
        database_url,
        data_dir: dir.path().to_owned(),
        _db: test_db,
        _dir: dir,
    }
}

impl TestApp {
    pub fn conn(&self) -> r2d2::PooledConnection<db::Manager> {
        self.pool.get().expect("test db connection")
    }

    /// Starts a second app instance on the same database (as a restart or a second server
    /// behind a load balancer would); returns its address and setup link.
    pub async fn start_another_instance(&self) -> (String, Option<String>) {
        let config = test_config(&self.data_dir, &self.database_url, &[]);
        let app = truce::Application::build(config, self.clock.clone())
            .await
            .expect("second instance builds");
        let address = format!("http://127.0.0.1:{}", app.port());
        let setup_link = app.setup_link().map(str::to_owned);
        actix_web::rt::spawn(app.run_until_stopped());
        (address, setup_link)
    }

    /// One pass of the background jobs, as the scheduler would run it.
    pub async fn run_jobs(&self) -> truce::jobs::Report {
        let jobs = self.jobs.clone();
        actix_web::web::block(move || jobs.run_once())
            .await
            .unwrap()
            .expect("jobs run")
    }

    /// Every queued email, oldest first.
    pub fn outbox(&self) -> Vec<OutboxRow> {
        let mut rows = outbox::list_recent(&mut self.conn(), 1000).unwrap();
        rows.reverse();
        rows
    }

    /// The newest email queued for `to`.
    pub fn last_email_to(&self, to: &str) -> OutboxRow {
        self.outbox()
            .into_iter()
            .rev()
            .find(|r| r.to_addr == to)
            .unwrap_or_else(|| panic!("no email queued for {to}"))
    }

    pub fn advance(&self, by: TimeDelta) {
        self.clock.advance(by);
    }

    pub fn create_org(&self, name: &str) -> String {
        let fields = validate_org(name, "gold", "active").unwrap();
        org::insert(&mut self.conn(), &fields, self.clock.naive_now())
            .map_err(|e| format!("{e:?}"))
            .unwrap()
            .id
    }

    /// Creates an active user with [`PASSWORD`]; returns their id.
    pub fn create_user(
        &self,
        email: &str,
        role: &str,
        org_id: Option<&str>,
        org_admin: bool,
    ) -> String {
        let fields = validate_user(email, email, role, org_id.unwrap_or(""), org_admin).unwrap();
        let hash = password::hash(&HashParams::default(), PASSWORD).unwrap();
        user::insert(
            &mut self.conn(),
            &fields,
            Some(&hash),
            self.clock.naive_now(),
        )
        .map_err(|e| format!("{e:?}"))
        .unwrap()
        .id
    }

    pub fn find_user(&self, email: &str) -> Option<user::User> {
        user::find_by_email(&mut self.conn(), email).unwrap()
    }

    pub fn client(&self) -> TestClient {
        TestClient::new(&self.address)
    }

    /// A client signed in as `email` (with [`PASSWORD`]).
    pub async fn login(&self, email: &str) -> TestClient {
        let client = self.client();
        let resp = client.login(email, PASSWORD).await;
        assert_eq!(
            resp.status(),
            StatusCode::SEE_OTHER,
            "sign-in of {email} should succeed"
        );
        client
    }
}

pub struct TestClient {
    pub http: reqwest::Client,
    pub jar: Arc<Jar>,
    pub base: String,
}

pub struct Page {
    pub status: StatusCode,
    pub location: Option<String>,
    pub body: String,
    pub headers: reqwest::header::HeaderMap,
}

impl Page {
    async fn from(resp: reqwest::Response) -> Page {
        let status = resp.status();
        let headers = resp.headers().clone();
        let location = headers
            .get(LOCATION)
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned);
        let body = resp.text().await.unwrap_or_default();
        Page {
            status,
            location,
            body,
            headers,
        }
    }

    pub fn csrf(&self) -> String {
        csrf_in(&self.body).unwrap_or_else(|| panic!("no CSRF token on page:\n{}", self.body))
    }

    /// True when the response sends the visitor to sign in.
    pub fn is_login_redirect(&self) -> bool {
        self.status == StatusCode::SEE_OTHER
            && self
                .location
                .as_deref()
                .is_some_and(|l| l.starts_with("/login"))
    }
}

pub fn csrf_in(html: &str) -> Option<String> {
    let marker = "name=\"csrf_token\" value=\"";
    let start = html.find(marker)? + marker.len();
    let end = html[start..].find('"')? + start;
    Some(html[start..end].to_owned())
}

impl TestClient {
    /// A browser-like client for the app at `base`: keeps cookies, does not follow redirects
    /// (tests check where they lead).
    pub fn new(base: &str) -> TestClient {
        let jar = Arc::new(Jar::default());
        let http = reqwest::Client::builder()
            .cookie_provider(jar.clone())
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .unwrap();
        TestClient {
            http,
            jar,
            base: base.to_owned(),
        }
    }

    pub fn url(&self, path: &str) -> String {
        if path.starts_with("http") {
            path.to_owned()
        } else {
            format!("{}{}", self.base, path)
        }
    }

    pub async fn get(&self, path: &str) -> Page {
        Page::from(self.http.get(self.url(path)).send().await.expect("GET")).await
    }

    /// Posts a form exactly as given (no CSRF token added).
    pub async fn post_raw(&self, path: &str, fields: &[(&str, &str)]) -> Page {
        Page::from(
            self.http
                .post(self.url(path))
                .form(fields)
                .send()
                .await
                .expect("POST"),
        )
        .await
    }

    /// Like a browser: opens `form_page`, takes its CSRF token, posts `fields` to `action`.
    pub async fn submit(&self, form_page: &str, action: &str, fields: &[(&str, &str)]) -> Page {
        let token = self.get(form_page).await.csrf();
        let mut all: Vec<(&str, &str)> = vec![("csrf_token", &token)];
        all.extend_from_slice(fields);
        self.post_raw(action, &all).await
    }

    pub async fn login(&self, email: &str, password: &str) -> reqwest::Response {
        let token = self.get("/login").await.csrf();
        self.http
            .post(self.url("/login"))
            .form(&[
                ("csrf_token", token.as_str()),
                ("email", email),
                ("password", password),
            ])
            .send()
            .await
            .expect("POST /login")
    }

    /// The session cookie as the browser holds it.
    pub fn session_cookie(&self) -> Option<String> {
        let url = self.base.parse().unwrap();
        self.jar
            .cookies(&url)
            .and_then(|v| v.to_str().ok().map(str::to_owned))
    }

    /// A new client that presents a copied cookie header (as an attacker holding it would).
    pub fn with_cookie(&self, cookie: &str) -> TestClient {
        let client = TestClient::new(&self.base);
        let url: url::Url = self.base.parse().unwrap();
        for part in cookie.split("; ") {
            client.jar.add_cookie_str(part, &url);
        }
        client
    }
}

/// Runs blocking diesel code for a test (a direct look into the database).
pub fn with_conn<T>(app: &TestApp, f: impl FnOnce(&mut DbConnection) -> T) -> T {
    f(&mut app.conn())
}

/// The path of the set-password link in an email's text.
pub fn link_in(text: &str) -> String {
    let start = text
        .find("/password/set/")
        .expect("a set-password link in the email");
    let end = text[start..]
        .find(|c: char| c.is_whitespace() || c == '"' || c == '<')
        .map_or(text.len(), |i| i + start);
    text[start..end].to_owned()
}

/// The `truce` binary, without any TRUCE_* settings of the environment running the tests.
pub fn truce_bin() -> std::process::Command {
    let mut cmd = std::process::Command::new(env!("CARGO_BIN_EXE_truce"));
    for (key, _) in std::env::vars() {
        if key.starts_with("TRUCE_") {
            cmd.env_remove(key);
        }
    }
    cmd
}
