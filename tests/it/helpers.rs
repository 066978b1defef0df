use std::sync::Arc;

use chrono::TimeDelta;
use clap::Parser;
use diesel::{Connection, PgConnection, RunQueryDsl};
use reqwest::StatusCode;
use reqwest::cookie::{CookieStore, Jar};
use reqwest::header::LOCATION;
use tempfile::TempDir;
use truce::auth::password;
use truce::clock::{Clock, ManualClock};
use truce::config::HashParams;
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
    truce::ids::new_id().replace('-', "")
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

    /// The settings this app runs with, for calling the library's jobs directly.
    pub fn config(&self) -> truce::config::Config {
        test_config(&self.data_dir, &self.database_url, &[])
    }

    /// One pass of the background jobs, as the scheduler would run it.
    pub async fn run_jobs(&self) -> truce::jobs::Report {
        let jobs = self.jobs.clone();
        let report = actix_web::web::block(move || jobs.run_once())
            .await
            .unwrap();
        assert_eq!(report.failed, Vec::<&str>::new(), "every job runs");
        report
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
    pub async fn from(resp: reqwest::Response) -> Page {
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
        TestClient::from_address(base, None)
    }

    /// As [`TestClient::new`], connecting from `local` (another loopback address such as
    /// 127.0.0.7 is another client address to the server).
    pub fn from_address(base: &str, local: Option<std::net::IpAddr>) -> TestClient {
        let jar = Arc::new(Jar::default());
        let http = reqwest::Client::builder()
            .cookie_provider(jar.clone())
            .redirect(reqwest::redirect::Policy::none())
            .local_address(local)
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

impl Page {
    /// The body with askama's HTML escapes undone, for reading messages as a user would.
    pub fn text(&self) -> String {
        unescape(&self.body)
    }
}

pub fn unescape(html: &str) -> String {
    html.replace("&#39;", "'")
        .replace("&#x27;", "'")
        .replace("&quot;", "\"")
        .replace("&#34;", "\"")
        .replace("&lt;", "<")
        .replace("&#60;", "<")
        .replace("&gt;", ">")
        .replace("&#62;", ">")
        .replace("&amp;", "&")
        .replace("&#38;", "&")
}

impl TestClient {
    /// The session's CSRF token, read from a page the user can open.
    pub async fn csrf_from(&self, page: &str) -> String {
        self.get(page).await.csrf()
    }

    /// Posts `fields` with a CSRF token already read (saves a page load per form).
    pub async fn post_with(&self, token: &str, action: &str, fields: &[(&str, &str)]) -> Page {
        let mut all: Vec<(&str, &str)> = vec![("csrf_token", token)];
        all.extend_from_slice(fields);
        self.post_raw(action, &all).await
    }
}

impl TestApp {
    /// Today's date by the app's clock (UTC).
    pub fn today(&self) -> chrono::NaiveDate {
        self.clock.naive_now().date()
    }

    /// A CRM account as the (later) import would store it.
    pub fn add_crm_account(
        &self,
        name: &str,
        domain: Option<&str>,
        named_account: bool,
        reserved_for_direct: bool,
    ) -> String {
        truce::db::models::crm::insert_account(
            &mut self.conn(),
            &truce::db::models::crm::NewAccount {
                external_id: None,
                name,
                website: domain,
                domain_key: domain,
                owner_email: Some("rep@vendor.example"),
                named_account,
                reserved_for_direct,
            },
            self.clock.naive_now(),
        )
        .unwrap()
    }

    /// A registration as stored.
    pub fn registration(&self, id: &str) -> truce::db::models::registration::Registration {
        truce::db::models::registration::find(&mut self.conn(), id)
            .unwrap()
            .unwrap_or_else(|| panic!("registration {id} is stored"))
    }

    /// A registration's audit events, oldest first, as (kind, note).
    pub fn events(&self, id: &str) -> Vec<(String, Option<String>)> {
        truce::db::models::registration::events(&mut self.conn(), id)
            .unwrap()
            .into_iter()
            .map(|e| (e.kind.as_str().to_owned(), e.note))
            .collect()
    }

    /// An email's text as the recipient reads it: from the outbox while it waits, from the
    /// delivered message (the file transport's .eml) once sent, as the outbox then drops it.
    pub fn email_text(&self, row: &OutboxRow) -> String {
        if !row.text_body.is_empty() {
            return row.text_body.clone();
        }
        let wanted = row.message_id.trim_matches(['<', '>']);
        let dir = self.data_dir.join("mail");
        for entry in std::fs::read_dir(&dir).expect("delivered mail folder") {
            let path = entry.unwrap().path();
            if path.extension().is_none_or(|e| e != "eml") {
                continue;
            }
            let raw = std::fs::read(&path).unwrap();
            let message = mail_parser::MessageParser::default().parse(&raw).unwrap();
            if message.message_id() == Some(wanted) {
                return message.body_text(0).unwrap_or_default().into_owned();
            }
        }
        panic!(
            "email {} ({}) was neither queued nor delivered",
            row.message_id, row.kind
        )
    }

    /// The emails of one kind, oldest first.
    pub fn emails_of_kind(&self, kind: &str) -> Vec<OutboxRow> {
        self.outbox()
            .into_iter()
            .filter(|r| r.kind == kind)
            .collect()
    }

    /// The emails of one kind to one address.
    pub fn emails_to(&self, to: &str, kind: &str) -> Vec<OutboxRow> {
        self.outbox()
            .into_iter()
            .filter(|r| r.kind == kind && r.to_addr == to)
            .collect()
    }

    /// A partner organisation with one partner user `email`; returns the org id.
    pub fn partner(&self, org_name: &str, email: &str) -> String {
        let org_id = self.create_org(org_name);
        self.create_user(email, "partner", Some(&org_id), false);
        org_id
    }
}

/// The registration form's fields, filled with valid values; tests change what they need.
#[derive(Debug, Clone)]
pub struct Deal {
    pub fields: Vec<(&'static str, String)>,
}

impl Deal {
    /// A valid mid-market deal (40,000 USD) for `company` at `website` (may be empty), closing
    /// in 90 days by the app's clock. The contact's email is at the prospect's domain, or at a
    /// free-mail domain when there is no website, so it adds no key of its own.
    pub fn new(app: &TestApp, company: &str, website: &str) -> Deal {
        let domain = truce::domain::prospect::domain_key(website);
        let contact_email = match domain {
            Some(d) => format!("jana.berg@{d}"),
            None => "jana.berg@gmail.com".to_owned(),
        };
        let close = app.today() + TimeDelta::days(90);
        Deal {
            fields: vec![
                ("company_name", company.to_owned()),
                ("website", website.to_owned()),
                ("country", "DE".to_owned()),
                ("industry", "Manufacturing".to_owned()),
                ("contact_name", "Jana Berg".to_owned()),
                ("contact_email", contact_email),
                ("contact_phone", "+49 30 1234567".to_owned()),
                ("amount", "40,000".to_owned()),
                ("currency", "USD".to_owned()),
                ("expected_close", close.format("%Y-%m-%d").to_string()),
                (
                    "relationship",
                    "Two workshops with their CTO on fleet automation.".to_owned(),
                ),
            ],
        }
    }

    pub fn with(mut self, field: &'static str, value: &str) -> Deal {
        match self.fields.iter_mut().find(|(k, _)| *k == field) {
            Some((_, v)) => *v = value.to_owned(),
            None => self.fields.push((field, value.to_owned())),
        }
        self
    }

    pub fn get(&self, field: &str) -> &str {
        self.fields
            .iter()
            .find(|(k, _)| *k == field)
            .map_or("", |(_, v)| v.as_str())
    }

    pub fn pairs<'a>(&'a self, intent: &'a str) -> Vec<(&'a str, &'a str)> {
        let mut pairs: Vec<(&str, &str)> =
            self.fields.iter().map(|(k, v)| (*k, v.as_str())).collect();
        pairs.push(("intent", intent));
        pairs
    }
}

/// Submits the registration form as the partner would (intent "submit").
pub async fn try_register(client: &TestClient, deal: &Deal) -> Page {
    client
        .submit(
            "/partner/deals/new",
            "/partner/deals",
            &deal.pairs("submit"),
        )
        .await
}

/// Registers a deal that the form accepts; returns the new registration's id.
pub async fn register_deal(client: &TestClient, deal: &Deal) -> String {
    let page = try_register(client, deal).await;
    assert_eq!(
        page.status,
        StatusCode::SEE_OTHER,
        "the registration of {} is accepted:\n{}",
        deal.get("company_name"),
        page.text()
    );
    registration_id(page.location.as_deref().unwrap())
}

/// Approves a registration as a channel manager would, from its review page.
pub async fn approve(cm: &TestClient, id: &str) {
    let page = cm
        .submit(
            &format!("/review/{id}"),
            &format!("/review/{id}/approve"),
            &[],
        )
        .await;
    assert_eq!(page.status, StatusCode::SEE_OTHER, "{}", page.text());
}

/// Closes an approved registration won today for `amount`, from the partner's deal page.
pub async fn close_won(app: &TestApp, partner: &TestClient, id: &str, amount: &str) {
    let today = app.today().format("%Y-%m-%d").to_string();
    let page = partner
        .submit(
            &format!("/partner/deals/{id}"),
            &format!("/partner/deals/{id}/close-won"),
            &[("won_amount", amount), ("won_date", &today)],
        )
        .await;
    assert_eq!(page.status, StatusCode::SEE_OTHER, "{}", page.text());
}

/// The id in a `/partner/deals/{id}` location.
pub fn registration_id(location: &str) -> String {
    location
        .strip_prefix("/partner/deals/")
        .unwrap_or_else(|| panic!("{location} is a registration's page"))
        .to_owned()
}

/// Saves the program policy as the admin would: the policy in force with `changes` applied.
pub async fn save_policy(app: &TestApp, admin: &TestClient, changes: &[(&str, &str)]) -> Page {
    use truce::domain::policy::PolicyForm;
    let current = truce::db::models::policy::current(&mut app.conn()).unwrap();
    let f = PolicyForm::from_policy(&current.value);
    let mut fields: Vec<(&str, String)> = vec![
        ("currency", f.currency),
        ("smb_below", f.smb_below),
        ("mid_below", f.mid_below),
        ("window_smb_days", f.window_smb_days),
        ("window_mid_days", f.window_mid_days),
        ("window_enterprise_days", f.window_enterprise_days),
        ("max_active_per_org", f.max_active_per_org),
        ("max_active_registered", f.max_active_registered),
        ("max_active_silver", f.max_active_silver),
        ("max_active_gold", f.max_active_gold),
        ("max_active_platinum", f.max_active_platinum),
        ("approval_sla_hours", f.approval_sla_hours),
        ("dispute_sla_hours", f.dispute_sla_hours),
        ("renewal_extension_days", f.renewal_extension_days),
        ("reminder_days", f.reminder_days),
        ("direct_threshold", f.direct_threshold),
        ("active_engagement_days", f.active_engagement_days),
        ("customer_protection_days", f.customer_protection_days),
        ("rates", f.rates),
        ("match_same_pct", f.match_same_pct),
        ("match_possible_pct", f.match_possible_pct),
    ];
    // Checkboxes: sent only when checked; a change to "" unchecks one.
    let checkboxes = [
        ("renewals_allowed", f.renewals_allowed),
        ("auto_approve_renewals", f.auto_approve_renewals),
        ("two_step_admins", f.two_step_admins),
        ("two_step_channel", f.two_step_channel),
        ("two_step_sales", f.two_step_sales),
        ("two_step_partners", f.two_step_partners),
    ];
    let is_checkbox = |key: &str| checkboxes.iter().any(|(k, _)| *k == key);
    for (name, value) in &checkboxes {
        if let Some(v) = value {
            fields.push((name, v.clone()));
        }
    }
    for (key, value) in changes {
        fields.retain(|(k, _)| k != key);
        if !value.is_empty() || !is_checkbox(key) {
            fields.push((*key, (*value).to_owned()));
        }
    }
    let pairs: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (*k, v.as_str())).collect();
    admin.submit("/admin/policy", "/admin/policy", &pairs).await
}

impl TestClient {
    /// Posts a multipart form (a file upload) to `path` as given: the caller puts the CSRF
    /// token in the query string, as the upload form does.
    pub async fn post_multipart(&self, path: &str, form: reqwest::multipart::Form) -> Page {
        Page::from(
            self.http
                .post(self.url(path))
                .multipart(form)
                .send()
                .await
                .expect("multipart POST"),
        )
        .await
    }
}
