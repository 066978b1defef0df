//! A real headless Chromium, driven over WebDriver: the first-admin setup link, sign in,
//! the admin home, sign out. Screenshots of the sign-in page land in `test-artifacts/`.
//!
//! Needs Debian's `chromium` and `chromium-driver`. Without them the test says so and passes,
//! so `cargo test` works on a bare machine; `.ci/run` installs them and sets
//! TRUCE_REQUIRE_BROWSER=1, which turns their absence into a failure.

use std::net::TcpListener;
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use fantoccini::{Client, ClientBuilder, Locator};
use hyper_util::client::legacy::connect::HttpConnector;

use crate::helpers::{PASSWORD, TestApp, spawn_app};

pub(crate) struct Driver {
    child: Child,
    url: String,
    _profile: tempfile::TempDir,
}

impl Drop for Driver {
    /// Ends chromedriver and every browser it started. Killing chromedriver alone left a
    /// test's headless Chromium running after the tests, re-parented to init, whenever its
    /// session was not closed; its process group holds them all.
    fn drop(&mut self) {
        let group = format!("-{}", self.child.id());
        let _ = Command::new("kill").args(["-KILL", "--", &group]).status();
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn find_program(env: &str, names: &[&str]) -> Option<PathBuf> {
    if let Ok(p) = std::env::var(env) {
        return Some(PathBuf::from(p));
    }
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path)
        .flat_map(|dir| names.iter().map(move |n| dir.join(n)))
        .find(|p| p.is_file())
}

pub(crate) async fn start_browser() -> Option<(Driver, Client)> {
    let driver = find_program("TRUCE_CHROMEDRIVER", &["chromedriver"]);
    let chromium = find_program(
        "TRUCE_CHROMIUM",
        &["chromium", "chromium-browser", "google-chrome"],
    );
    let (Some(driver), Some(chromium)) = (driver, chromium) else {
        if std::env::var("TRUCE_REQUIRE_BROWSER").is_ok_and(|v| v == "1") {
            panic!(
                "TRUCE_REQUIRE_BROWSER=1 but chromium/chromedriver are not installed (apt-get install chromium chromium-driver)"
            );
        }
        eprintln!("browser test skipped: install chromium and chromium-driver to run it");
        return None;
    };
    let port = TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let child = Command::new(driver)
        // Its own process group, with the browsers it starts: see `Drop for Driver`.
        .process_group(0)
        .arg(format!("--port={port}"))
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("chromedriver starts");
    let profile = tempfile::tempdir().unwrap();
    let driver = Driver {
        child,
        url: format!("http://127.0.0.1:{port}"),
        _profile: profile,
    };
    let status = format!("{}/status", driver.url);
    for _ in 0..100 {
        if reqwest::get(&status)
            .await
            .is_ok_and(|r| r.status().is_success())
        {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let mut caps = serde_json::Map::new();
    caps.insert(
        "goog:chromeOptions".into(),
        serde_json::json!({
            "binary": chromium,
            "args": [
                "--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                "--disable-quic", "--no-first-run", "--disable-background-networking",
                "--disable-component-update", "--disable-sync", "--window-size=1280,900",
                format!("--user-data-dir={}", driver._profile.path().display()),
            ]
        }),
    );
    let client = ClientBuilder::new(HttpConnector::new())
        .capabilities(caps)
        .connect(&driver.url)
        .await
        .expect("a WebDriver session with headless Chromium");
    Some((driver, client))
}

pub(crate) async fn fill(client: &Client, id: &str, text: &str) {
    let field = client.find(Locator::Id(id)).await.unwrap();
    field.clear().await.unwrap();
    field.send_keys(text).await.unwrap();
}

/// Clicks and waits until the browser has arrived at `path` (a click returns before the
/// next page has loaded).
pub(crate) async fn click_to(client: &Client, locator: Locator<'_>, path: &str) {
    click(client, locator).await;
    for _ in 0..100 {
        if client.current_url().await.unwrap().path() == path {
            return;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("the browser did not reach {path}");
}

/// Waits until the page's `h1` reads `expected`: after a click the old page may still be
/// showing, or its elements may go stale while the new one loads.
pub(crate) async fn expect_heading(client: &Client, expected: &str) {
    let mut seen = String::new();
    for _ in 0..100 {
        if let Ok(h1) = client.find(Locator::Css("h1")).await
            && let Ok(text) = h1.text().await
        {
            if text == expected {
                return;
            }
            seen = text;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("expected the heading {expected:?}, the page shows {seen:?}");
}

pub(crate) fn artifact(name: &str) -> PathBuf {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("test-artifacts");
    std::fs::create_dir_all(&dir).unwrap();
    dir.join(name)
}

#[actix_web::test]
async fn first_admin_sets_up_signs_in_and_out_in_a_real_browser() {
    let Some((_driver, browser)) = start_browser().await else {
        return;
    };
    let app = spawn_app().await;
    let link = app.setup_link.clone().unwrap();
    let submit = || Locator::Css("main button[type=submit]");

    browser.goto(&link).await.unwrap();
    expect_heading(&browser, "Create the first administrator").await;
    fill(&browser, "name", "Ada Admin").await;
    fill(&browser, "email", "ada@example.com").await;
    fill(&browser, "password", PASSWORD).await;
    fill(&browser, "password_confirm", PASSWORD).await;
    click_to(&browser, submit(), "/admin").await;
    expect_heading(&browser, "Program administration").await;
    let source = browser.source().await.unwrap();
    assert!(source.contains("Welcome. Your administrator account is ready."));

    // The users page at phone width, for a look at the layout.
    browser.set_window_size(360, 740).await.unwrap();
    click_to(&browser, Locator::LinkText("Users"), "/admin/users").await;
    expect_heading(&browser, "Users").await;
    std::fs::write(
        artifact("admin-users-phone.png"),
        browser.screenshot().await.unwrap(),
    )
    .unwrap();
    browser.set_window_size(1280, 900).await.unwrap();

    let sign_out = Locator::XPath("//button[normalize-space()='Sign out']");
    click_to(&browser, sign_out, "/login").await;
    expect_heading(&browser, "Sign in").await;
    std::fs::write(artifact("sign-in.png"), browser.screenshot().await.unwrap()).unwrap();
    browser.set_window_size(360, 740).await.unwrap();
    std::fs::write(
        artifact("sign-in-phone.png"),
        browser.screenshot().await.unwrap(),
    )
    .unwrap();

    fill(&browser, "email", "ada@example.com").await;
    fill(&browser, "password", "a wrong password").await;
    click(&browser, submit()).await;
    let error = browser
        .wait()
        .for_element(Locator::Id("login-error"))
        .await
        .unwrap();
    assert!(error.text().await.unwrap().contains("do not match"));
    let email = browser.find(Locator::Id("email")).await.unwrap();
    assert_eq!(
        email.prop("value").await.unwrap().as_deref(),
        Some("ada@example.com")
    );

    fill(&browser, "password", PASSWORD).await;
    click_to(&browser, submit(), "/admin").await;
    expect_heading(&browser, "Program administration").await;
    browser.close().await.unwrap();
}

/// Clicks and waits until the browser has left `from` for a path that `arrived` accepts;
/// returns that path.
async fn click_away(
    client: &Client,
    locator: Locator<'_>,
    from: &str,
    arrived: impl Fn(&str) -> bool,
) -> String {
    click(client, locator).await;
    for _ in 0..100 {
        let url = client.current_url().await.unwrap();
        let path = url.path();
        if path != from && arrived(path) {
            return path.to_owned();
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("the browser did not move on from {from}");
}

/// Waits until the element `id` reads something containing `expected`.
async fn expect_text(client: &Client, id: &str, expected: &str) {
    let mut seen = String::new();
    for _ in 0..100 {
        if let Ok(el) = client.find(Locator::Id(id)).await
            && let Ok(text) = el.text().await
        {
            if text.contains(expected) {
                return;
            }
            seen = text;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("expected #{id} to say {expected:?}; it says {seen:?}");
}

pub(crate) async fn sign_in_as(client: &Client, app: &TestApp, email: &str, home: &str) {
    client
        .goto(&format!("{}/login", app.address))
        .await
        .unwrap();
    expect_heading(client, "Sign in").await;
    fill(client, "email", email).await;
    fill(client, "password", PASSWORD).await;
    click_to(client, Locator::Css("main button[type=submit]"), home).await;
}

pub(crate) async fn sign_out(client: &Client) {
    let sign_out = Locator::XPath("//button[normalize-space()='Sign out']");
    click_to(client, sign_out, "/login").await;
}

async fn click(client: &Client, locator: Locator<'_>) {
    client.find(locator).await.unwrap().click().await.unwrap();
}

/// A property of the element `id` (`checked`, `value`, ...).
async fn prop(client: &Client, id: &str, name: &str) -> Option<String> {
    client
        .find(Locator::Id(id))
        .await
        .unwrap()
        .prop(name)
        .await
        .unwrap()
}

async fn select(client: &Client, id: &str, value: &str) {
    let field = client.find(Locator::Id(id)).await.unwrap();
    field.select_by_value(value).await.unwrap();
}

/// The window is phone-sized and the page (`what`, for the message) is no wider than it.
pub(crate) async fn assert_fits_a_phone(client: &Client, what: &str) {
    let widths = client
        .execute(
            "return [document.documentElement.scrollWidth, window.innerWidth];",
            vec![],
        )
        .await
        .unwrap();
    let (scroll, inner) = (widths[0].as_i64().unwrap(), widths[1].as_i64().unwrap());
    assert!(inner <= 400, "the window is phone-sized: {inner}");
    assert!(
        scroll <= inner,
        "{what}: no horizontal overflow at phone width: {scroll} > {inner}"
    );
}

async fn screenshot(client: &Client, name: &str) {
    std::fs::write(artifact(name), client.screenshot().await.unwrap()).unwrap();
}

#[actix_web::test]
async fn a_partner_registers_a_deal_and_a_channel_manager_approves_it_in_a_real_browser() {
    let Some((_driver, browser)) = start_browser().await else {
        return;
    };
    let app = spawn_app().await;
    app.partner("Alpha Partners", "ann@alpha.example");
    app.create_user("cm@vendor.example", "channel", None, false);
    let close = (app.today() + chrono::TimeDelta::days(60))
        .format("%Y-%m-%d")
        .to_string();

    sign_in_as(&browser, &app, "ann@alpha.example", "/partner").await;
    expect_heading(&browser, "My deals").await;
    click_to(
        &browser,
        Locator::Css("main a[href='/partner/deals/new']"),
        "/partner/deals/new",
    )
    .await;
    expect_heading(&browser, "Register a deal").await;

    // Sent empty, every field says what is missing and turns red: text fields as well as
    // selects (a later field rule once reset the text fields' border).
    click_to(
        &browser,
        Locator::Css("button[name=intent][value=submit]"),
        "/partner/deals",
    )
    .await;
    expect_heading(&browser, "Register a deal").await;
    for id in ["company_name", "contact_email", "country"] {
        let colour = browser
            .execute(
                "return getComputedStyle(document.getElementById(arguments[0])).borderTopColor;",
                vec![serde_json::json!(id)],
            )
            .await
            .unwrap();
        assert_eq!(
            colour.as_str(),
            Some("rgb(180, 35, 24)"),
            "{id} is outlined in the error colour"
        );
    }

    // Typing the prospect checks it live (JavaScript); the button checks it on the server.
    fill(&browser, "company_name", "Acme Robotics GmbH").await;
    fill(&browser, "website", "www.acme-robotics.de").await;
    expect_text(&browser, "availability", "it looks available").await;
    select(&browser, "country", "DE").await;
    select(&browser, "industry", "Manufacturing").await;
    fill(&browser, "contact_name", "Jana Berg").await;
    fill(&browser, "contact_email", "jana.berg@acme-robotics.de").await;
    fill(&browser, "contact_phone", "+49 30 1234567").await;
    fill(&browser, "amount", "40,000").await;
    select(&browser, "currency", "EUR").await;
    // A date field's typing format depends on the browser's locale; set it as a value.
    browser
        .execute(
            "document.getElementById('expected_close').value = arguments[0];",
            vec![serde_json::json!(close)],
        )
        .await
        .unwrap();
    fill(
        &browser,
        "relationship",
        "Two workshops with their CTO on fleet automation.",
    )
    .await;
    click_to(
        &browser,
        Locator::Css("button[name=intent][value=check]"),
        "/partner/deals",
    )
    .await;
    expect_heading(&browser, "Register a deal").await;
    expect_text(&browser, "availability", "it looks available").await;
    let company = browser.find(Locator::Id("company_name")).await.unwrap();
    assert_eq!(
        company.prop("value").await.unwrap().as_deref(),
        Some("Acme Robotics GmbH"),
        "the check keeps what was typed"
    );
    screenshot(&browser, "register-checked.png").await;

    let deal_path = click_away(
        &browser,
        Locator::Css("button[name=intent][value=submit]"),
        "/partner/deals",
        |p| p.starts_with("/partner/deals/"),
    )
    .await;
    expect_heading(&browser, "Acme Robotics GmbH").await;
    let source = browser.source().await.unwrap();
    assert!(source.contains("Pending review"));
    assert!(source.contains("Registered. A channel manager will review it"));
    assert!(source.contains("40,000.00 EUR"));
    screenshot(&browser, "registration-pending.png").await;
    sign_out(&browser).await;

    // The channel manager finds it in the queue and approves it.
    sign_in_as(&browser, &app, "cm@vendor.example", "/review").await;
    expect_heading(&browser, "Review queue").await;
    let id = deal_path.trim_start_matches("/partner/deals/");
    let review_path = format!("/review/{id}");
    click_to(
        &browser,
        Locator::LinkText("Acme Robotics GmbH"),
        &review_path,
    )
    .await;
    expect_heading(&browser, "Acme Robotics GmbH by Alpha Partners").await;
    screenshot(&browser, "review-registration.png").await;
    browser
        .find(Locator::XPath(
            "//button[normalize-space()='Approve registration']",
        ))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    let mut approved = false;
    for _ in 0..100 {
        if browser
            .source()
            .await
            .is_ok_and(|s| s.contains("Approved. The partner has been emailed."))
        {
            approved = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(approved, "the reviewer sees the approval confirmed");
    sign_out(&browser).await;

    // The partner's list shows it approved.
    sign_in_as(&browser, &app, "ann@alpha.example", "/partner").await;
    expect_heading(&browser, "My deals").await;
    let row = browser
        .find(Locator::XPath(
            "//tr[.//a[normalize-space()='Acme Robotics GmbH']]",
        ))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(row.contains("Approved"), "{row}");
    assert!(row.contains("days left"), "{row}");
    screenshot(&browser, "my-deals-approved.png").await;

    // The form at phone width: nothing wider than the screen.
    browser.set_window_size(390, 844).await.unwrap();
    browser
        .goto(&format!("{}/partner/deals/new", app.address))
        .await
        .unwrap();
    expect_heading(&browser, "Register a deal").await;
    assert_fits_a_phone(&browser, "the registration form").await;
    screenshot(&browser, "register-phone.png").await;
    browser.close().await.unwrap();
}

#[actix_web::test]
async fn a_rep_checks_a_prospect_with_the_keyboard_on_a_phone() {
    let Some((_driver, browser)) = start_browser().await else {
        return;
    };
    let app = spawn_app().await;
    app.create_user("rep@vendor.example", "sales", None, false);
    app.add_crm_account(
        "International Business Machines Corp",
        Some("ibm.com"),
        true,
        false,
    );
    browser.set_window_size(390, 844).await.unwrap();
    sign_in_as(&browser, &app, "rep@vendor.example", "/sales").await;
    expect_heading(&browser, "Account lock check").await;

    // Type the acronym and press Enter: the search box is an ordinary form.
    let q = browser.find(Locator::Id("q")).await.unwrap();
    q.send_keys("ibm.com\u{E007}").await.unwrap();
    expect_text(&browser, "verdict", "Reserved for direct").await;
    let result = browser
        .find(Locator::Css(".lock-result"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(result.contains("A named account"), "{result}");
    assert!(
        result.contains("International Business Machines Corp"),
        "{result}"
    );
    assert_eq!(
        prop(&browser, "q", "value").await.as_deref(),
        Some("ibm.com"),
        "the search stays in the box"
    );
    assert_fits_a_phone(&browser, "the lock check").await;
    screenshot(&browser, "lock-check-phone.png").await;
    browser.close().await.unwrap();
}

#[actix_web::test]
async fn an_admin_publishes_the_rules_and_a_partner_acknowledges_them_on_a_phone() {
    let Some((_driver, browser)) = start_browser().await else {
        return;
    };
    let app = spawn_app().await;
    app.create_user("admin@vendor.example", "admin", None, false);
    app.partner("Alpha Partners", "ann@alpha.example");
    let explanation = "Ownership: the first valid registration wins.";

    sign_in_as(&browser, &app, "admin@vendor.example", "/admin").await;
    browser
        .goto(&format!("{}/admin/roe", app.address))
        .await
        .unwrap();
    fill(
        &browser,
        "body",
        "# Rules of engagement\n\n## Ownership\n\nThe first valid registration wins.\n",
    )
    .await;
    fill(&browser, "summary", "The first version of the rules.").await;
    fill(
        &browser,
        "q1_prompt",
        "Who wins a prospect registered by two partners?",
    )
    .await;
    fill(
        &browser,
        "q1_options",
        "The first valid registration\nThe larger partner",
    )
    .await;
    fill(&browser, "q1_correct", "1").await;
    fill(&browser, "q1_explanation", explanation).await;
    let publish = Locator::XPath("//button[normalize-space()='Publish as a new version']");
    click_to(&browser, publish, "/admin/roe").await;
    // The draft comes back with who it will reach; only that button sends it.
    expect_text(&browser, "confirm-publish", "emails 1 partner user").await;
    let confirm = Locator::XPath("//button[normalize-space()='Publish and email 1 person']");
    click_to(&browser, confirm, "/admin/roe/versions/1").await;
    sign_out(&browser).await;

    // The partner, on a phone, is sent from the registration form to the rules.
    browser.set_window_size(390, 844).await.unwrap();
    sign_in_as(&browser, &app, "ann@alpha.example", "/partner").await;
    browser
        .goto(&format!("{}/partner/deals/new", app.address))
        .await
        .unwrap();
    let to_rules = Locator::XPath("//a[normalize-space()='Read and acknowledge the rules']");
    click_to(&browser, to_rules, "/roe").await;
    expect_heading(&browser, "Rules of engagement").await;

    // A wrong answer shows the explanation and keeps the choice.
    click(&browser, Locator::Id("a1-2")).await;
    click(&browser, Locator::Id("read")).await;
    let acknowledge = Locator::XPath("//button[normalize-space()='Acknowledge the rules']");
    click(&browser, acknowledge).await;
    expect_text(&browser, "a1-explanation", explanation).await;
    assert_eq!(
        prop(&browser, "a1-2", "checked").await.as_deref(),
        Some("true"),
        "the partner's answer is kept"
    );
    assert_fits_a_phone(&browser, "the rules of engagement").await;
    screenshot(&browser, "roe-wrong-answer-phone.png").await;

    // The right answer acknowledges the rules and leads back to the registration form.
    click(&browser, Locator::Id("a1-1")).await;
    if prop(&browser, "read", "checked").await.as_deref() != Some("true") {
        click(&browser, Locator::Id("read")).await;
    }
    click_to(&browser, acknowledge, "/partner/deals/new").await;
    assert_eq!(
        browser.current_url().await.unwrap().fragment(),
        None,
        "no stray fragment of the rules page in the address"
    );
    let form = browser.source().await.unwrap();
    assert!(
        !form.contains("Read and acknowledge the rules"),
        "the form no longer asks for the rules"
    );
    browser.close().await.unwrap();
}

#[actix_web::test]
async fn a_declined_partner_disputes_and_a_channel_manager_transfers_the_lock_in_a_real_browser() {
    let Some((_driver, browser)) = start_browser().await else {
        return;
    };
    let app = spawn_app().await;
    app.partner("Alpha Partners", "ann@alpha.example");
    app.partner("Beta Resellers", "ben@beta.example");
    app.create_user("cm@vendor.example", "channel", None, false);
    let deal = crate::helpers::Deal::new(&app, "Acme Robotics GmbH", "acme-robotics.example");
    let ann = app.login("ann@alpha.example").await;
    let held = crate::helpers::register_deal(&ann, &deal).await;
    let cm = app.login("cm@vendor.example").await;
    cm.submit(
        &format!("/review/{held}"),
        &format!("/review/{held}/approve"),
        &[],
    )
    .await;
    let ben = app.login("ben@beta.example").await;
    let declined = crate::helpers::register_deal(&ben, &deal).await;

    // Beta, declined, raises a dispute from its deal page on a phone.
    browser.set_window_size(390, 844).await.unwrap();
    sign_in_as(&browser, &app, "ben@beta.example", "/partner").await;
    browser
        .goto(&format!("{}/partner/deals/{declined}", app.address))
        .await
        .unwrap();
    let raise = Locator::XPath("//a[normalize-space()='Raise a dispute']");
    click_to(
        &browser,
        raise,
        &format!("/partner/deals/{declined}/dispute"),
    )
    .await;
    expect_heading(&browser, "Raise a dispute: Acme Robotics GmbH").await;
    select(&browser, "reason", "existing_relationship").await;
    fill(
        &browser,
        "details",
        "We met their CTO on 2 Nov., before Alpha registered.",
    )
    .await;
    assert_fits_a_phone(&browser, "the dispute form").await;
    let send = Locator::XPath("//button[normalize-space()='Send the dispute']");
    click_away(
        &browser,
        send,
        &format!("/partner/deals/{declined}/dispute"),
        |p| p.starts_with("/partner/disputes/"),
    )
    .await;
    expect_heading(&browser, "Dispute: Acme Robotics GmbH").await;
    sign_out(&browser).await;

    // The channel manager finds it in the queue and transfers the lock.
    browser.set_window_size(1280, 900).await.unwrap();
    sign_in_as(&browser, &app, "cm@vendor.example", "/review").await;
    browser
        .goto(&format!("{}/review/disputes", app.address))
        .await
        .unwrap();
    let open = Locator::XPath("//a[normalize-space()='Acme Robotics GmbH']");
    click_away(&browser, open, "/review/disputes", |p| {
        p.starts_with("/review/disputes/")
    })
    .await;
    select(&browser, "outcome", "transferred").await;
    fill(
        &browser,
        "rationale",
        "Beta's relationship predates Alpha's registration.",
    )
    .await;
    let record = Locator::XPath("//button[normalize-space()='Record the ruling']");
    click(&browser, record).await;
    expect_text(&browser, "main", "Rationale of the ruling").await;
    screenshot(&browser, "dispute-ruled.png").await;
    assert_eq!(
        app.registration(&declined).status(),
        truce::domain::lifecycle::Status::Approved
    );
    assert_eq!(
        app.registration(&held).status(),
        truce::domain::lifecycle::Status::Overturned
    );
    browser.close().await.unwrap();
}

#[actix_web::test]
async fn the_new_program_pages_fit_a_phone() {
    let Some((_driver, browser)) = start_browser().await else {
        return;
    };
    let app = spawn_app().await;
    app.partner("Alpha Partners", "ann@alpha.example");
    app.create_user("cm@vendor.example", "channel", None, false);
    app.create_user("admin@vendor.example", "admin", None, false);
    app.create_user("rep@vendor.example", "sales", None, false);
    let ann = app.login("ann@alpha.example").await;
    let deal = crate::helpers::Deal::new(&app, "Initech Robotics", "initech.example");
    let id = crate::helpers::register_deal(&ann, &deal).await;
    let cm = app.login("cm@vendor.example").await;
    cm.submit(
        &format!("/review/{id}"),
        &format!("/review/{id}/approve"),
        &[],
    )
    .await;
    let today = app.today().format("%Y-%m-%d").to_string();
    ann.submit(
        &format!("/partner/deals/{id}"),
        &format!("/partner/deals/{id}/close-won"),
        &[("won_amount", "40,000"), ("won_date", &today)],
    )
    .await;

    browser.set_window_size(390, 844).await.unwrap();
    for (who, home, pages) in [
        (
            "ann@alpha.example",
            "/partner",
            vec![
                "/partner/earnings".to_owned(),
                format!("/partner/deals/{id}"),
            ],
        ),
        (
            "rep@vendor.example",
            "/sales",
            vec!["/sales/credits".to_owned(), "/sales/disputes".to_owned()],
        ),
        (
            "admin@vendor.example",
            "/admin",
            vec![
                "/admin/credits".to_owned(),
                "/admin/compensation".to_owned(),
                "/admin/territories".to_owned(),
                "/admin/territories/new".to_owned(),
                "/admin/roe".to_owned(),
                "/review/disputes".to_owned(),
                format!("/review/{id}"),
            ],
        ),
    ] {
        sign_in_as(&browser, &app, who, home).await;
        for page in pages {
            browser
                .goto(&format!("{}{page}", app.address))
                .await
                .unwrap();
            assert_fits_a_phone(&browser, &page).await;
        }
        sign_out(&browser).await;
    }
    browser.close().await.unwrap();
}

#[actix_web::test]
async fn the_dashboard_reads_at_desktop_and_phone_width() {
    let Some((_driver, browser)) = start_browser().await else {
        return;
    };
    let app = spawn_app().await;
    let org = app.partner("Alpha Partners", "ann@alpha.example");
    let cm = app.create_user("cm@vendor.example", "channel", None, false);
    // A few weeks of history, so the charts have bars and a line: through the workflow,
    // as moving the clock would end browser-less sessions.
    for week in 0..4 {
        for n in 0..3_i64 {
            let deal = crate::helpers::Deal::new(
                &app,
                &format!("Prospect {week}-{n} Holdings"),
                &format!("p{week}x{n}.example"),
            );
            let id = crate::dashboard::submit(&app, "ann@alpha.example", &org, &deal).unwrap();
            if n > 0 {
                app.advance(chrono::TimeDelta::hours(30 * n));
                let approve = truce::domain::lifecycle::Command::Approve;
                assert!(crate::dashboard::decide(&app, &cm, &id, approve));
            }
        }
        app.advance(chrono::TimeDelta::days(7));
    }

    sign_in_as(&browser, &app, "cm@vendor.example", "/review").await;
    browser
        .goto(&format!("{}/dashboard?days=90", app.address))
        .await
        .unwrap();
    expect_heading(&browser, "Program dashboard").await;
    expect_text(&browser, "fig-registrations", "12").await;
    // Each chart is an image with a name and a description.
    for id in ["outcomes-title", "breaches-title"] {
        assert!(browser.find(Locator::Id(id)).await.is_ok(), "{id}");
    }
    let bars = browser
        .find_all(Locator::Css("svg.chart rect.piece"))
        .await
        .unwrap();
    assert!(bars.len() >= 8, "bars drawn: {}", bars.len());
    screenshot(&browser, "dashboard-desktop.png").await;

    browser.set_window_size(390, 844).await.unwrap();
    browser.refresh().await.unwrap();
    expect_heading(&browser, "Program dashboard").await;
    assert_fits_a_phone(&browser, "the dashboard").await;
    // The chart scales to the phone's width rather than overflowing it.
    let width = browser
        .execute(
            "return document.querySelector('svg.chart').getBoundingClientRect().width;",
            vec![],
        )
        .await
        .unwrap();
    assert!(width.as_f64().unwrap() <= 390.0, "chart width {width}");
    screenshot(&browser, "dashboard-phone.png").await;
    browser.close().await.unwrap();
}
