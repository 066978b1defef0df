//! Webhooks to a real receiver on loopback (`tests/webhooks/receiver.py`), which verifies
//! every signature with the Standard Webhooks reference library from PyPI where it is
//! installed (`TRUCE_WEBHOOKS_PYTHONPATH`; `.ci/run` installs it and sets
//! `TRUCE_REQUIRE_STANDARDWEBHOOKS=1`), else with the specification's algorithm.

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use chrono::TimeDelta;
use reqwest::StatusCode;
use serde_json::{Value, json};
use truce::clock::Clock;
use truce::db::models::webhook::{self, DeliveryStatus};

use crate::helpers::{
    Deal, TestApp, TestClient, approve, register_deal, spawn_app_with, truce_bin, unescape,
};

const ADMIN: &str = "admin@vendor.example";
const CM: &str = "cm@vendor.example";
const ANN: &str = "ann@alpha.example";

/// The receiver process; killed when the test ends.
struct Receiver {
    child: Child,
    url: String,
    http: reqwest::Client,
}

impl Drop for Receiver {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Receiver {
    fn start() -> Receiver {
        let script = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/webhooks/receiver.py");
        let mut command = Command::new("python3");
        command.arg(script).stdout(Stdio::piped());
        if let Ok(path) = std::env::var("TRUCE_WEBHOOKS_PYTHONPATH") {
            command.env("PYTHONPATH", path);
        }
        let mut child = command.spawn().expect("python3 runs the test receiver");
        let mut first = String::new();
        BufReader::new(child.stdout.take().unwrap())
            .read_line(&mut first)
            .unwrap();
        let port = first
            .trim()
            .strip_prefix("PORT ")
            .unwrap_or_else(|| panic!("the receiver starts: {first:?}"));
        Receiver {
            child,
            url: format!("http://127.0.0.1:{port}"),
            http: reqwest::Client::new(),
        }
    }

    async fn configure(&self, secrets: &[&str], mode: &str) {
        let r = self
            .http
            .post(format!("{}/_config", self.url))
            .body(json!({"secrets": secrets, "mode": mode}).to_string())
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::NO_CONTENT);
    }

    async fn state(&self) -> Value {
        let state = json_of(
            self.http
                .get(format!("{}/_events", self.url))
                .send()
                .await
                .unwrap(),
        )
        .await;
        if std::env::var("TRUCE_REQUIRE_STANDARDWEBHOOKS").is_ok_and(|v| v == "1") {
            assert_eq!(
                state["verifier"], "standardwebhooks",
                "TRUCE_REQUIRE_STANDARDWEBHOOKS=1: install it (`pip install --target DIR \
                 standardwebhooks`) and set TRUCE_WEBHOOKS_PYTHONPATH=DIR"
            );
        }
        state
    }

    async fn events(&self) -> Vec<Value> {
        self.state().await["events"].as_array().unwrap().clone()
    }

    async fn requests(&self) -> u64 {
        self.state().await["requests"].as_u64().unwrap()
    }
}

async fn json_of(response: reqwest::Response) -> Value {
    serde_json::from_str(&response.text().await.unwrap()).unwrap()
}

async fn program(extra: &[&str]) -> TestApp {
    let app = spawn_app_with(extra).await;
    app.create_user(ADMIN, "admin", None, false);
    app.create_user(CM, "channel", None, false);
    app.partner("Alpha Partners", ANN);
    app
}

/// Adds an endpoint on the admin page; returns its id and the secret shown once.
async fn add_endpoint(admin: &TestClient, url: &str, types: &[&str]) -> (String, String) {
    let mut fields = vec![("url", url), ("description", "CRM")];
    fields.extend(types.iter().map(|t| ("event_types", *t)));
    let page = admin
        .submit("/admin/webhooks/new", "/admin/webhooks", &fields)
        .await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.text());
    let body = unescape(&page.body);
    (endpoint_id(&body), secret_in(&body))
}

fn secret_in(html: &str) -> String {
    let start = html.find("whsec_").expect("the secret is shown");
    html[start..]
        .chars()
        .take_while(|c| c.is_ascii_alphanumeric() || "_+/=".contains(*c))
        .collect()
}

fn endpoint_id(html: &str) -> String {
    let start = html.find("/admin/webhooks/").unwrap() + "/admin/webhooks/".len();
    html[start..].split(['/', '"']).next().unwrap().to_owned()
}

/// A program, the receiver, and an endpoint for it listening to `types`: the app, the
/// receiver, the admin signed in, the endpoint's id and its secret.
async fn with_endpoint(types: &[&str]) -> (TestApp, Receiver, TestClient, String, String) {
    let app = program(&["--webhooks-allow-private"]).await;
    let receiver = Receiver::start();
    let admin = app.login(ADMIN).await;
    let url = format!("{}/truce", receiver.url);
    let (endpoint, secret) = add_endpoint(&admin, &url, types).await;
    (app, receiver, admin, endpoint, secret)
}

async fn submit(app: &TestApp, ann: &TestClient, company: &str) -> String {
    let domain = format!("{}.example", company.to_lowercase().replace(' ', ""));
    register_deal(ann, &Deal::new(app, company, &domain)).await
}

fn deliveries(app: &TestApp, endpoint: &str) -> Vec<webhook::Waiting> {
    webhook::waiting(&mut app.conn(), endpoint, 100).unwrap().1
}

#[actix_web::test]
async fn events_reach_a_real_receiver_signed_and_once_each() {
    let (app, receiver, _, endpoint, secret) = with_endpoint(&[
        "registration.submitted",
        "registration.approved",
        "account.reserved",
    ])
    .await;
    receiver.configure(&[&secret], "ok").await;

    let ann = app.login(ANN).await;
    let cm = app.login(CM).await;
    let id = submit(&app, &ann, "Initech").await;
    approve(&cm, &id).await;
    let report = app.run_jobs().await;
    assert_eq!(report.webhooks.delivered, 2, "{report:?}");

    // A batch's deliveries are sent at once, so they may arrive in either order (Standard
    // Webhooks promises none; a receiver orders by the event's time): taken here in the
    // order of the steps.
    let order = ["registration.submitted", "registration.approved"];
    let mut events = receiver.events().await;
    events.sort_by_key(|e| order.iter().position(|t| e["type"] == *t));
    let types: Vec<&str> = events.iter().map(|e| e["type"].as_str().unwrap()).collect();
    assert_eq!(types, order);
    // Each carries the registration as the API shows it, as it was at that step.
    assert_eq!(events[0]["data"]["id"], id.as_str());
    assert_eq!(events[0]["data"]["status"], "pending");
    assert_eq!(events[1]["data"]["status"], "approved");
    assert_eq!(events[1]["data"]["org_name"], "Alpha Partners");
    assert!(events[1]["data"]["protection_ends_at"].is_string());
    assert_eq!(
        events[0]["verified_by"],
        json!([0]),
        "signed with the secret shown"
    );
    assert_ne!(events[0]["id"], events[1]["id"]);
    let api = truce::db::models::api_token::create(
        &mut app.conn(),
        &app.find_user(CM).unwrap().id,
        "t",
        truce::domain::api::Scopes::READ,
        app.clock.naive_now(),
    )
    .unwrap()
    .1;
    let from_api = json_of(
        reqwest::Client::new()
            .get(format!("{}/api/v1/registrations/{id}", app.address))
            .bearer_auth(api)
            .send()
            .await
            .unwrap(),
    )
    .await;
    for field in events[1]["data"].as_object().unwrap().keys() {
        if field != "updated_at" {
            assert_eq!(events[1]["data"][field], from_api[field], "{field}");
        }
    }

    // Nothing twice: another pass sends nothing more.
    app.run_jobs().await;
    app.advance(TimeDelta::hours(2));
    app.run_jobs().await;
    assert_eq!(receiver.events().await.len(), 2);
    assert_eq!(receiver.requests().await, 2);
    // (Signed in again: two hours ended the sessions.)
    let (ann, admin) = (app.login(ANN).await, app.login(ADMIN).await);

    // Events not chosen are not sent; an account newly reserved through the API is.
    let withdrawn = ann
        .submit(
            &format!("/partner/deals/{id}"),
            &format!("/partner/deals/{id}/withdraw"),
            &[
                ("withdraw_reason", "The customer chose another vendor"),
                ("withdraw_confirm", "yes"),
            ],
        )
        .await;
    assert_eq!(
        withdrawn.status,
        StatusCode::SEE_OTHER,
        "{}",
        withdrawn.text()
    );
    let write = truce::db::models::api_token::create(
        &mut app.conn(),
        &app.find_user(ADMIN).unwrap().id,
        "t",
        truce::domain::api::Scopes::READ_WRITE,
        app.clock.naive_now(),
    )
    .unwrap()
    .1;
    let put = |body: Value| {
        reqwest::Client::new()
            .put(format!("{}/api/v1/accounts/GLOBEX-1", app.address))
            .bearer_auth(&write)
            .header("content-type", "application/json")
            .body(body.to_string())
            .send()
    };
    assert!(
        put(json!({"name": "Globex", "website": "globex.example"}))
            .await
            .unwrap()
            .status()
            .is_success()
    );
    app.run_jobs().await;
    assert_eq!(receiver.events().await.len(), 2, "not reserved: no event");
    let reserved =
        put(json!({"name": "Globex", "website": "globex.example", "named_account": true}))
            .await
            .unwrap();
    assert!(reserved.status().is_success());
    app.run_jobs().await;
    let events = receiver.events().await;
    assert_eq!(events.len(), 3);
    assert_eq!(events[2]["type"], "account.reserved");
    assert_eq!(events[2]["data"]["external_id"], "GLOBEX-1");
    assert_eq!(events[2]["data"]["named_account"], true);

    // The admin sees each attempt in the endpoint's log, and the audit log has the endpoint.
    let page = admin.get(&format!("/admin/webhooks/{endpoint}")).await;
    let text = page.text();
    assert!(text.contains("registration.approved"), "{text}");
    assert!(text.contains("account.reserved"));
    assert!(text.contains("Nothing is waiting"));
    assert!(text.contains("{\"ok\":true}"), "the answer's first bytes");
    assert!(
        !text.contains(&secret),
        "the secret is shown once, not again"
    );
    let audit = admin.get("/admin/audit").await.text();
    assert!(audit.contains("Added a webhook endpoint"), "{audit}");
}

/// The test clock's now as the database keeps a time: to the microsecond. A retry due
/// exactly 10 s later (no jitter, one time in 2,500) read back from PostgreSQL was
/// otherwise 77 ns short of 10 s.
fn stored_now(app: &TestApp) -> chrono::NaiveDateTime {
    use chrono::SubsecRound;
    app.clock.naive_now().trunc_subsecs(6)
}

#[actix_web::test]
async fn a_receiver_that_is_down_is_retried_later_and_later_then_gets_the_event_once() {
    let (app, receiver, admin, endpoint, secret) = with_endpoint(&["registration.submitted"]).await;
    receiver.configure(&[&secret], "fail").await;
    let ann = app.login(ANN).await;
    submit(&app, &ann, "Hooli").await;

    let first = app.run_jobs().await.webhooks;
    assert_eq!((first.delivered, first.retrying), (0, 1));
    let waiting = deliveries(&app, &endpoint);
    assert_eq!(waiting[0].status, DeliveryStatus::Retrying);
    let wait = waiting[0].next_attempt_at - stored_now(&app);
    assert!(
        wait >= TimeDelta::seconds(5) && wait <= TimeDelta::milliseconds(6_250),
        "first retry after 5 s and jitter: {wait}"
    );
    // Not before it is due.
    app.run_jobs().await;
    assert_eq!(receiver.requests().await, 1);

    app.advance(TimeDelta::seconds(7));
    app.run_jobs().await;
    assert_eq!(receiver.requests().await, 2);
    let wait = deliveries(&app, &endpoint)[0].next_attempt_at - stored_now(&app);
    assert!(
        wait >= TimeDelta::seconds(10) && wait <= TimeDelta::milliseconds(12_500),
        "then after 10 s: {wait}"
    );
    let page = admin
        .get(&format!("/admin/webhooks/{endpoint}"))
        .await
        .text();
    assert!(page.contains("503"), "{page}");
    assert!(page.contains("receiver down for maintenance"));
    assert!(page.contains("Failing since"));

    // A redirect is not followed: one request, logged as not delivered.
    receiver.configure(&[&secret], "redirect").await;
    app.advance(TimeDelta::seconds(13));
    app.run_jobs().await;
    assert_eq!(
        receiver.requests().await,
        3,
        "the redirect was not followed"
    );
    let page = admin
        .get(&format!("/admin/webhooks/{endpoint}"))
        .await
        .text();
    assert!(
        page.contains("302") && page.contains("follows none"),
        "{page}"
    );

    // Back up: delivered once, with the same id every attempt had.
    receiver.configure(&[&secret], "ok").await;
    app.advance(TimeDelta::minutes(1));
    app.run_jobs().await;
    app.advance(TimeDelta::hours(1));
    app.run_jobs().await;
    let events = receiver.events().await;
    assert_eq!(events.len(), 1, "{events:?}");
    assert_eq!(events[0]["type"], "registration.submitted");
    assert!(deliveries(&app, &endpoint).is_empty());
    let stored = webhook::find_endpoint(&mut app.conn(), &endpoint)
        .unwrap()
        .unwrap();
    assert_eq!(
        stored.failing_since, None,
        "a success ends the failing streak"
    );

    // Redeliver: the admin sends it again, with the same id, for a receiver that lost it.
    let admin = app.login(ADMIN).await;
    let page = admin.get(&format!("/admin/webhooks/{endpoint}")).await;
    let delivery = {
        let body = page.body.clone();
        let marker = "/deliveries/";
        let start = body.find(marker).unwrap() + marker.len();
        body[start..].split('/').next().unwrap().to_owned()
    };
    let done = admin
        .post_with(
            &page.csrf(),
            &format!("/admin/webhooks/{endpoint}/deliveries/{delivery}/redeliver"),
            &[],
        )
        .await;
    assert_eq!(done.status, StatusCode::SEE_OTHER);
    app.run_jobs().await;
    let events = receiver.events().await;
    assert_eq!(events.len(), 2);
    assert_eq!(events[0]["id"], events[1]["id"]);

    // A month on, the log forgets the attempts and Truce the delivered event.
    let logged = webhook::log(&mut app.conn(), &endpoint, 100).unwrap().len();
    assert_eq!(logged, 5, "three failures, a delivery, a redelivery");
    app.advance(TimeDelta::days(29));
    assert_eq!(app.run_jobs().await.webhook_attempts_removed, 0);
    app.advance(TimeDelta::days(2));
    assert_eq!(app.run_jobs().await.webhook_attempts_removed, 5);
    assert!(
        webhook::log(&mut app.conn(), &endpoint, 100)
            .unwrap()
            .is_empty()
    );
    use diesel::prelude::*;
    let events: i64 = truce::db::schema::webhook_events::table
        .count()
        .get_result(&mut app.conn())
        .unwrap();
    assert_eq!(events, 0);
}

#[actix_web::test]
async fn an_endpoint_failing_for_three_days_is_turned_off_and_the_admins_are_emailed() {
    let (app, receiver, _, endpoint, secret) = with_endpoint(&["registration.submitted"]).await;
    receiver.configure(&[&secret], "fail").await;
    let ann = app.login(ANN).await;
    submit(&app, &ann, "Vandelay").await;
    for _ in 0..3 {
        app.run_jobs().await;
        assert!(app.emails_of_kind("webhook_disabled").is_empty());
        app.advance(TimeDelta::hours(23));
    }
    app.advance(TimeDelta::hours(4));
    let report = app.run_jobs().await;
    assert_eq!(report.webhooks.disabled, 1);
    let stored = webhook::find_endpoint(&mut app.conn(), &endpoint)
        .unwrap()
        .unwrap();
    assert!(!stored.enabled);
    let mail = app.emails_to(ADMIN, "webhook_disabled");
    assert_eq!(mail.len(), 1);
    assert!(app.email_text(&mail[0]).contains("failed for three days"));

    // Off: events are kept, not sent.
    let (ann, admin) = (app.login(ANN).await, app.login(ADMIN).await);
    submit(&app, &ann, "Kramerica").await;
    let before = receiver.requests().await;
    app.advance(TimeDelta::minutes(20));
    app.run_jobs().await;
    assert_eq!(receiver.requests().await, before);
    let page = admin.get(&format!("/admin/webhooks/{endpoint}")).await;
    assert!(page.text().contains("Truce turned it off"));

    // Fixed and turned on again: it gets everything it missed.
    receiver.configure(&[&secret], "ok").await;
    let saved = admin
        .post_with(
            &page.csrf(),
            &format!("/admin/webhooks/{endpoint}"),
            &[
                ("url", &format!("{}/truce", receiver.url)),
                ("description", "CRM"),
                ("event_types", "registration.submitted"),
                ("enabled", "on"),
            ],
        )
        .await;
    assert_eq!(saved.status, StatusCode::SEE_OTHER, "{}", saved.text());
    app.run_jobs().await;
    let mut companies: Vec<String> = receiver
        .events()
        .await
        .iter()
        .map(|e| e["data"]["company_name"].as_str().unwrap().to_owned())
        .collect();
    // (Sent in parallel: receivers order events by their data, not by arrival.)
    companies.sort();
    assert_eq!(companies, ["Kramerica", "Vandelay"]);
}

#[actix_web::test]
async fn a_rotated_secret_signs_beside_the_old_one_for_a_day() {
    let (app, receiver, admin, endpoint, old) = with_endpoint(&["registration.submitted"]).await;
    let page = admin
        .submit(
            &format!("/admin/webhooks/{endpoint}"),
            &format!("/admin/webhooks/{endpoint}/rotate"),
            &[],
        )
        .await;
    assert_eq!(page.status, StatusCode::OK);
    let new = secret_in(&unescape(&page.body));
    assert_ne!(new, old);
    assert!(page.text().contains("The previous secret signs too until"));

    // A receiver still on the old secret and one already on the new both verify.
    receiver.configure(&[&new, &old], "ok").await;
    let ann = app.login(ANN).await;
    submit(&app, &ann, "Pied Piper").await;
    app.run_jobs().await;
    let events = receiver.events().await;
    assert_eq!(events[0]["signatures"], 2);
    assert_eq!(events[0]["verified_by"], json!([0, 1]));

    // A day later only the new one signs.
    app.advance(TimeDelta::hours(25));
    let ann = app.login(ANN).await;
    submit(&app, &ann, "Aviato").await;
    app.run_jobs().await;
    let events = receiver.events().await;
    assert_eq!(events[1]["signatures"], 1);
    assert_eq!(events[1]["verified_by"], json!([0]));
}

#[actix_web::test]
async fn private_and_loopback_addresses_are_refused_unless_the_setting_allows_them() {
    let app = program(&[]).await;
    let receiver = Receiver::start();
    let admin = app.login(ADMIN).await;
    for url in [
        format!("{}/truce", receiver.url),
        "http://localhost:9/truce".to_owned(),
        "http://169.254.169.254/latest/meta-data".to_owned(),
        "http://[::1]/x".to_owned(),
    ] {
        let page = admin
            .submit(
                "/admin/webhooks/new",
                "/admin/webhooks",
                &[("url", &url), ("event_types", "registration.submitted")],
            )
            .await;
        assert_eq!(page.status, StatusCode::UNPROCESSABLE_ENTITY, "{url}");
        let text = page.text();
        assert!(
            text.contains("TRUCE_WEBHOOKS_ALLOW_PRIVATE"),
            "{url}: the message says why and what to do: {text}"
        );
        assert!(
            page.body.contains(&format!("value=\"{url}\"")),
            "input kept"
        );
    }

    // A name that resolves to loopback at delivery time (its DNS record changed after it
    // was saved) is refused when connecting, not called.
    let id = truce::ids::new_id();
    let key = truce::config::Config::seal_key(&app.config()).unwrap();
    let secret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
    let port = receiver.url.rsplit(':').next().unwrap();
    webhook::insert_endpoint(
        &mut app.conn(),
        &id,
        &truce::domain::webhook::EndpointFields {
            url: format!("http://localhost:{port}/truce"),
            description: String::new(),
            event_types: vec!["registration.submitted".into()],
        },
        &key.seal(secret.as_bytes(), &id),
        app.clock.naive_now(),
    )
    .unwrap();
    receiver.configure(&[secret], "ok").await;
    let ann = app.login(ANN).await;
    submit(&app, &ann, "Soylent").await;
    let report = app.run_jobs().await;
    assert_eq!(report.webhooks.retrying, 1);
    assert_eq!(receiver.requests().await, 0, "never called");
    let log = webhook::log(&mut app.conn(), &id, 10).unwrap();
    let error = log[0].error.clone().unwrap();
    assert!(error.contains("loopback"), "{error}");
}

#[actix_web::test]
async fn a_server_killed_mid_delivery_delivers_after_restart_and_never_twice_at_once() {
    let (app, receiver, _, _, secret) = with_endpoint(&["registration.submitted"]).await;
    receiver.configure(&[&secret], "hang").await;
    let ann = app.login(ANN).await;
    submit(&app, &ann, "Dunder Mifflin").await;

    // The real binary on the same database delivers; the receiver holds the request.
    let flags = |cmd: &mut Command| {
        cmd.args(["--database-url", &app.database_url, "--data-dir"])
            .arg(&app.data_dir)
            .args(["--webhooks-allow-private", "--webhook-timeout-seconds", "2"])
            .stdout(Stdio::null())
            .stderr(Stdio::null());
    };
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let mut serve = truce_bin();
    serve.args(["serve", "--bind", &format!("127.0.0.1:{port}")]);
    serve.args(["--jobs-interval-seconds", "1"]);
    flags(&mut serve);
    let mut server = serve.spawn().unwrap();
    let started = Instant::now();
    while receiver.requests().await == 0 {
        assert!(
            started.elapsed() < Duration::from_secs(60),
            "delivery starts"
        );
        actix_web::rt::time::sleep(Duration::from_millis(20)).await;
    }
    let claimed_at = Instant::now();
    server.kill().unwrap();
    server.wait().unwrap();

    // Restarted at once, while the dead server's claim still holds: not sent again yet.
    receiver.configure(&[&secret], "ok").await;
    let run_once = || {
        let mut cmd = truce_bin();
        cmd.args(["jobs", "run-once"]);
        flags(&mut cmd);
        cmd.status().unwrap()
    };
    assert!(run_once().success());
    assert!(
        receiver.events().await.is_empty(),
        "no second concurrent delivery"
    );

    // Once the claim runs out (twice the timeout and 5 s), the restarted jobs deliver it.
    let lease = Duration::from_secs(9);
    let wait = lease.saturating_sub(claimed_at.elapsed()) + Duration::from_millis(500);
    actix_web::rt::time::sleep(wait).await;
    assert!(run_once().success());
    let events = receiver.events().await;
    assert_eq!(events.len(), 1, "{events:?}");
    assert_eq!(events[0]["data"]["company_name"], "Dunder Mifflin");
    assert!(run_once().success());
    assert_eq!(receiver.events().await.len(), 1, "once");
}

#[actix_web::test]
async fn the_endpoint_form_keeps_the_input_and_says_what_is_missing() {
    let app = program(&[]).await;
    let admin = app.login(ADMIN).await;
    let page = admin
        .submit(
            "/admin/webhooks/new",
            "/admin/webhooks",
            &[
                ("url", "crm.example.com/hook"),
                ("description", "Salesforce"),
            ],
        )
        .await;
    assert_eq!(page.status, StatusCode::UNPROCESSABLE_ENTITY);
    let text = page.text();
    assert!(text.contains("This is not a web address"), "{text}");
    assert!(text.contains("Choose at least one event type"));
    assert!(page.body.contains("value=\"Salesforce\""));
    assert!(
        app.client()
            .get("/admin/webhooks")
            .await
            .is_login_redirect()
    );
}

#[actix_web::test]
async fn a_dispute_and_its_ruling_are_events_with_the_registrations_they_change() {
    let (app, receiver, _, _, secret) = with_endpoint(&[
        "registration.approved",
        "registration.rejected",
        "dispute.raised",
        "dispute.ruled",
    ])
    .await;
    receiver.configure(&[&secret], "ok").await;
    let (ann, cm) = (app.login(ANN).await, app.login(CM).await);
    let id = submit(&app, &ann, "Globex").await;
    let rejected = cm
        .submit(
            &format!("/review/{id}"),
            &format!("/review/{id}/reject"),
            &[("reject_reason", "Not a fit for the program.")],
        )
        .await;
    assert_eq!(rejected.status, StatusCode::SEE_OTHER);
    let raised = ann
        .submit(
            &format!("/partner/deals/{id}/dispute"),
            &format!("/partner/deals/{id}/dispute"),
            &[
                ("reason", "registered_first"),
                ("details", "The rejection misread our deal."),
            ],
        )
        .await;
    assert_eq!(raised.status, StatusCode::SEE_OTHER, "{}", raised.text());
    let dispute = raised
        .location
        .unwrap()
        .trim_start_matches("/partner/disputes/")
        .to_owned();
    let ruled = cm
        .submit(
            &format!("/review/disputes/{dispute}"),
            &format!("/review/disputes/{dispute}/resolve"),
            &[
                ("outcome", "reinstated"),
                ("rationale", "The deal qualifies."),
            ],
        )
        .await;
    assert_eq!(ruled.status, StatusCode::SEE_OTHER, "{}", ruled.text());
    app.run_jobs().await;

    let mut events = receiver.events().await;
    // (Sent in parallel: put them back in the order they happened, by their data.)
    events.sort_by_key(|e| {
        [
            "registration.rejected",
            "dispute.raised",
            "registration.approved",
            "dispute.ruled",
        ]
        .iter()
        .position(|t| e["type"] == *t)
    });
    let types: Vec<&str> = events.iter().map(|e| e["type"].as_str().unwrap()).collect();
    assert_eq!(
        types,
        [
            "registration.rejected",
            "dispute.raised",
            "registration.approved",
            "dispute.ruled"
        ]
    );
    assert_eq!(events[1]["data"]["id"], dispute.as_str());
    assert_eq!(events[1]["data"]["status"], "open");
    assert_eq!(events[1]["data"]["raiser_registration_id"], id.as_str());
    assert_eq!(
        events[2]["data"]["id"],
        id.as_str(),
        "reinstated by the ruling"
    );
    assert_eq!(events[3]["data"]["ruling"]["outcome"], "reinstated");
    assert_eq!(
        events[3]["data"]["ruling"]["rationale"],
        "The deal qualifies."
    );
}

#[actix_web::test]
async fn a_receiver_that_does_not_answer_in_time_is_tried_again_later() {
    let app = program(&["--webhooks-allow-private", "--webhook-timeout-seconds", "1"]).await;
    let receiver = Receiver::start();
    let admin = app.login(ADMIN).await;
    let url = format!("{}/truce", receiver.url);
    let (endpoint, secret) = add_endpoint(&admin, &url, &["registration.submitted"]).await;
    receiver.configure(&[&secret], "hang").await;
    let ann = app.login(ANN).await;
    submit(&app, &ann, "Stark Industries").await;

    let report = app.run_jobs().await.webhooks;
    assert_eq!((report.delivered, report.retrying), (0, 1));
    let log = webhook::log(&mut app.conn(), &endpoint, 10).unwrap();
    assert_eq!(log[0].status_code, None);
    assert!(log[0].latency_ms >= 1000, "{} ms", log[0].latency_ms);
    let error = log[0].error.clone().unwrap();
    assert!(error.contains("no answer within the timeout"), "{error}");
    let waiting = deliveries(&app, &endpoint);
    assert_eq!(waiting[0].status, DeliveryStatus::Retrying);

    // Answering again: the next attempt delivers it.
    receiver.configure(&[&secret], "ok").await;
    app.advance(TimeDelta::seconds(7));
    assert_eq!(app.run_jobs().await.webhooks.delivered, 1);
    assert_eq!(receiver.events().await.len(), 1);
}
