//! Single sign-on for staff against a real OpenID provider: the certified `oidc-provider`
//! package from npm, on loopback (tests/oidc/provider.mjs). The provider's own sign-in page
//! asks only for an email address; everything on Truce's side is real: discovery, the code
//! flow with PKCE, state and nonce, the token exchange and the ID token's signature checks.
//!
//! Needs Node.js and `oidc-provider` (`.ci/run` installs it into ~/.cache/truce-oidc and sets
//! TRUCE_OIDC_MODULES and TRUCE_REQUIRE_OIDC=1). Without them the tests say so and pass.

use std::io::{BufRead, BufReader};
use std::net::TcpListener;
use std::process::{Child, Command, Stdio};

use chrono::TimeDelta;
use fantoccini::Locator;
use reqwest::StatusCode;

use crate::browser::{click_to, expect_heading, fill, start_browser};
use crate::helpers::{TestApp, TestClient, spawn_app_with, with_conn};

const SECRET: &str = "provider-test-secret";

/// The provider, stopped when dropped.
struct Provider {
    child: Child,
    issuer: String,
}

impl Drop for Provider {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// Where `oidc-provider` is installed, or `None` (the test is skipped) unless required.
fn modules() -> Option<String> {
    let dir = std::env::var("TRUCE_OIDC_MODULES").ok().or_else(|| {
        let home = std::env::var("HOME").ok()?;
        Some(format!("{home}/.cache/truce-oidc/node_modules"))
    });
    let found = dir.filter(|d| std::path::Path::new(d).join("oidc-provider").is_dir());
    if found.is_none() {
        if std::env::var("TRUCE_REQUIRE_OIDC").is_ok_and(|v| v == "1") {
            panic!(
                "TRUCE_REQUIRE_OIDC=1 but oidc-provider is not installed: npm install --prefix ~/.cache/truce-oidc oidc-provider@8.8.1"
            );
        }
        eprintln!("single sign-on test skipped: install oidc-provider (see .ci/run)");
    }
    found
}

/// Starts the provider on `port` with Truce's client (and another one, "other", that may
/// send its users to the same address).
fn start_provider(modules: &str, port: u16, callback: &str) -> Provider {
    let config = serde_json::json!({
        "port": port,
        "clients": [
            {"client_id": "truce", "client_secret": SECRET, "redirect_uris": [callback]},
            {"client_id": "other", "client_secret": "other-secret", "redirect_uris": [callback]},
        ],
    });
    let script = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/oidc/provider.mjs");
    let mut child = Command::new("node")
        .arg(script)
        .arg(config.to_string())
        .env("TRUCE_OIDC_MODULES", modules)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("node starts the provider");
    let mut line = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    let issuer = line
        .trim()
        .strip_prefix("listening ")
        .unwrap_or_else(|| panic!("the provider did not start: {line:?}"))
        .to_owned();
    Provider { child, issuer }
}

/// The app with single sign-on for `example.com` staff, and its provider.
async fn setup(extra: &[&str]) -> Option<(TestApp, Provider)> {
    let modules = modules()?;
    let port = free_port();
    let issuer = format!("http://127.0.0.1:{port}");
    let mut args = vec![
        "--oidc-issuer",
        &issuer,
        "--oidc-client-id",
        "truce",
        "--oidc-client-secret",
        SECRET,
        "--oidc-email-domains",
        "example.com",
    ];
    args.extend_from_slice(extra);
    let app = spawn_app_with(&args).await;
    let provider = start_provider(
        &modules,
        port,
        &format!("{}/login/sso/callback", app.address),
    );
    assert_eq!(provider.issuer, issuer);
    Some((app, provider))
}

/// Signs in at the provider as `email`, starting from its authorization address; the
/// address it sends the browser back to (Truce's callback with a code and the state).
async fn at_provider(authorize: &str, email: &str) -> String {
    let browser = TestClient::new("http://unused.invalid");
    let to = browser.get(authorize).await;
    assert_eq!(to.status, StatusCode::SEE_OTHER, "{}", to.body);
    let interaction = to.location.unwrap();
    let base = authorize.split("/auth").next().unwrap().to_owned();
    let form = browser.get(&format!("{base}{interaction}")).await;
    assert!(form.body.contains("Company email"), "{}", form.body);
    let done = browser
        .post_raw(&format!("{base}{interaction}"), &[("email", email)])
        .await;
    let resume = done.location.expect("the provider resumes the flow");
    let resume = if resume.starts_with("http") {
        resume
    } else {
        format!("{base}{resume}")
    };
    let back = browser.get(&resume).await;
    back.location.expect("the provider sends the browser back")
}

/// Starts a company sign-in at Truce; the provider's authorization address.
async fn start(client: &TestClient) -> String {
    let page = client.get("/login/sso").await;
    assert_eq!(page.status, StatusCode::SEE_OTHER, "{}", page.body);
    page.location.unwrap()
}

async fn sign_in(client: &TestClient, email: &str) -> crate::helpers::Page {
    let authorize = start(client).await;
    let callback = at_provider(&authorize, email).await;
    client.get(&callback).await
}

#[actix_web::test]
async fn staff_sign_in_with_their_company_account_and_land_on_their_home() {
    let Some((app, _provider)) = setup(&[]).await else {
        return;
    };
    let chan = app.create_user("chan@example.com", "channel", None, false);
    let client = app.client();
    let login = client.get("/login").await;
    assert!(login.text().contains("Sign in with your company account"));

    // The provider is sent a PKCE challenge, a state and a nonce.
    let authorize = start(&client).await;
    let url = url::Url::parse(&authorize).unwrap();
    let params: std::collections::HashMap<_, _> = url.query_pairs().into_owned().collect();
    assert_eq!(params["client_id"], "truce");
    assert_eq!(params["code_challenge_method"], "S256");
    assert!(params["scope"].contains("openid") && params["scope"].contains("email"));
    for p in ["state", "nonce", "code_challenge"] {
        assert!(params[p].len() >= 16, "{p}");
    }

    let callback = at_provider(&authorize, "chan@example.com").await;
    let back = client.get(&callback).await;
    assert_eq!(back.status, StatusCode::SEE_OTHER, "{}", back.body);
    assert_eq!(back.location.as_deref(), Some("/review"));
    let home = client.get("/review").await;
    assert_eq!(home.status, StatusCode::OK);
    assert!(home.text().contains("chan@example.com"));
    // In the audit log, saying how.
    let events =
        truce::db::models::audit::for_subject(&mut app.conn(), &format!("user:{chan}")).unwrap();
    assert!(
        events.iter().any(
            |(_, actor, action, detail)| actor.as_deref() == Some(chan.as_str())
                && action == "signed_in"
                && detail
                    .as_deref()
                    .is_some_and(|d| d.contains("company account"))
        ),
        "{events:?}"
    );

    // The same answer again (a replay, a second tab): refused, nobody new signed in.
    let other = app.client();
    let replay = other.get(&callback).await;
    assert_eq!(replay.status, StatusCode::BAD_REQUEST);
    assert!(
        replay
            .text()
            .contains("already used or was not started in this browser")
    );
    let again = client.get(&callback).await;
    assert_eq!(again.status, StatusCode::BAD_REQUEST);
    assert!(other.get("/review").await.is_login_redirect());
}

#[actix_web::test]
async fn a_sign_in_not_finished_within_ten_minutes_is_refused() {
    let Some((app, _provider)) = setup(&[]).await else {
        return;
    };
    app.create_user("chan@example.com", "channel", None, false);
    let client = app.client();
    let authorize = start(&client).await;
    let callback = at_provider(&authorize, "chan@example.com").await;
    app.advance(TimeDelta::minutes(11));
    let late = client.get(&callback).await;
    assert_eq!(late.status, StatusCode::BAD_REQUEST);
    assert!(
        late.text()
            .contains("longer than 10 minutes and has expired")
    );
    assert!(client.get("/review").await.is_login_redirect());
}

#[actix_web::test]
async fn a_code_issued_to_another_client_is_refused() {
    let Some((app, _provider)) = setup(&[]).await else {
        return;
    };
    app.create_user("chan@example.com", "channel", None, false);
    let client = app.client();
    // An attacker's code, issued to another client of the same provider, slipped into the
    // victim's sign-in (same state): its audience is not Truce, and the exchange fails.
    let authorize = start(&client).await;
    let mut url = url::Url::parse(&authorize).unwrap();
    let pairs: Vec<(String, String)> = url
        .query_pairs()
        .into_owned()
        .map(|(k, v)| {
            if k == "client_id" {
                (k, "other".to_owned())
            } else {
                (k, v)
            }
        })
        .collect();
    url.query_pairs_mut().clear().extend_pairs(pairs);
    let callback = at_provider(url.as_str(), "chan@example.com").await;
    assert!(callback.contains("code="), "{callback}");
    let refused = client.get(&callback).await;
    assert_eq!(refused.status, StatusCode::BAD_REQUEST);
    assert!(refused.text().contains("could not verify"));
    assert!(client.get("/review").await.is_login_redirect());
}

#[actix_web::test]
async fn unknown_disabled_partner_and_foreign_accounts_are_refused_with_what_to_do() {
    let Some((app, _provider)) = setup(&[]).await else {
        return;
    };
    let org = app.create_org("Acme Partners");
    app.create_user("pat@example.com", "partner", Some(&org), true);
    let gone = app.create_user("gone@example.com", "sales", None, false);
    with_conn(&app, |conn| {
        let now = truce::clock::Clock::naive_now(&*app.clock);
        truce::db::models::user::set_disabled(conn, &gone, Some(now), now).unwrap()
    });
    app.create_user("ext@elsewhere.test", "channel", None, false);

    for (email, says) in [
        (
            "new@example.com",
            "There is no Truce account for new@example.com",
        ),
        ("gone@example.com", "Your Truce account is disabled"),
        (
            "pat@example.com",
            "partners sign in with their email and password",
        ),
        (
            "ext@elsewhere.test",
            "is not a staff address this portal accepts",
        ),
    ] {
        let client = app.client();
        let page = sign_in(&client, email).await;
        assert_eq!(page.status, StatusCode::FORBIDDEN, "{email}");
        assert!(page.text().contains(says), "{email}: {}", page.text());
        assert!(client.get("/sales").await.is_login_redirect(), "{email}");
    }
    assert!(
        app.find_user("new@example.com").is_none(),
        "no silent account"
    );
}

#[actix_web::test]
async fn a_setting_lets_a_first_company_sign_in_create_a_sales_rep() {
    let Some((app, _provider)) = setup(&["--oidc-create-role", "sales"]).await else {
        return;
    };
    let client = app.client();
    let page = sign_in(&client, "newrep@example.com").await;
    assert_eq!(page.status, StatusCode::SEE_OTHER, "{}", page.body);
    assert_eq!(page.location.as_deref(), Some("/sales"));
    let user = app.find_user("newrep@example.com").unwrap();
    assert_eq!(user.role().as_str(), "sales");
    assert!(
        user.password_hash.is_none(),
        "signs in through the company only"
    );
}

#[actix_web::test]
async fn without_single_sign_on_there_is_no_button_and_no_route() {
    let app = crate::helpers::spawn_app().await;
    let client = app.client();
    assert!(
        !client
            .get("/login")
            .await
            .text()
            .contains("company account")
    );
    assert_eq!(client.get("/login/sso").await.status, StatusCode::NOT_FOUND);
}

#[actix_web::test]
async fn a_channel_manager_signs_in_with_the_company_account_in_a_real_browser() {
    let Some((app, _provider)) = setup(&[]).await else {
        return;
    };
    let Some((_driver, browser)) = start_browser().await else {
        return;
    };
    app.create_user("chan@example.com", "channel", None, false);
    browser
        .goto(&format!("{}/login", app.address))
        .await
        .unwrap();
    expect_heading(&browser, "Sign in").await;
    browser
        .find(Locator::LinkText("Sign in with your company account"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    expect_heading(&browser, "Test identity provider").await;
    fill(&browser, "email", "chan@example.com").await;
    click_to(&browser, Locator::Css("button[type=submit]"), "/review").await;
    expect_heading(&browser, "Review queue").await;
}
