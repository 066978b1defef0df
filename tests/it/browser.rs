//! A real headless Chromium, driven over WebDriver: the first-admin setup link, sign in,
//! the admin home, sign out. Screenshots of the sign-in page land in `test-artifacts/`.
//!
//! Needs Debian's `chromium` and `chromium-driver`. Without them the test says so and passes,
//! so `cargo test` works on a bare machine; `.ci/run` installs them and sets
//! TRUCE_REQUIRE_BROWSER=1, which turns their absence into a failure.

use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use fantoccini::{Client, ClientBuilder, Locator};
use hyper_util::client::legacy::connect::HttpConnector;

use crate::helpers::{PASSWORD, spawn_app};

struct Driver {
    child: Child,
    url: String,
    _profile: tempfile::TempDir,
}

impl Drop for Driver {
    fn drop(&mut self) {
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

async fn start_browser() -> Option<(Driver, Client)> {
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

async fn fill(client: &Client, id: &str, text: &str) {
    let field = client.find(Locator::Id(id)).await.unwrap();
    field.clear().await.unwrap();
    field.send_keys(text).await.unwrap();
}

/// Clicks and waits until the browser has arrived at `path` (a click returns before the
/// next page has loaded).
async fn click_to(client: &Client, locator: Locator<'_>, path: &str) {
    client.find(locator).await.unwrap().click().await.unwrap();
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
async fn expect_heading(client: &Client, expected: &str) {
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

fn artifact(name: &str) -> PathBuf {
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
    browser.find(submit()).await.unwrap().click().await.unwrap();
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
