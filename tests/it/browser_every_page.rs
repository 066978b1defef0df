//! Every page of every role in a real headless Chromium at desktop and phone width: no
//! horizontal overflow on the phone, a screenshot of each in `test-artifacts/`, and
//! axe-core (injected through the WebDriver session) finding no accessibility violation.
//!
//! axe-core comes from npm: `.ci/run` installs it and sets `TRUCE_AXE_JS` to its
//! `axe.min.js`. Without it the test says so and passes, unless TRUCE_REQUIRE_BROWSER=1.

use chrono::TimeDelta;

use crate::browser::{
    artifact, assert_fits_a_phone, click_to, expect_heading, fill, sign_in_as, sign_out,
    start_browser,
};
use truce::clock::Clock;

use crate::helpers::{Deal, PASSWORD, approve, close_won, register_deal, spawn_app};

fn axe_source() -> Option<String> {
    let path = std::env::var("TRUCE_AXE_JS").ok()?;
    Some(std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("TRUCE_AXE_JS={path}: {e}")))
}

/// axe-core's violations on the page: "rule: help (the first elements)".
async fn violations(browser: &fantoccini::Client, axe: &str) -> Vec<String> {
    browser.execute(axe, vec![]).await.expect("axe-core loads");
    let found = browser
        .execute_async(
            "const done = arguments[arguments.length - 1];
             axe.run(document, { resultTypes: ['violations'] })
               .then(r => done(r.violations.map(v => v.id + ': ' + v.help + ' (' +
                 v.nodes.slice(0, 3).map(n => n.target.join(' ')).join(', ') + ')')))
               .catch(e => done(['axe failed: ' + e]));",
            vec![],
        )
        .await
        .expect("axe-core runs");
    found
        .as_array()
        .map(|a| {
            a.iter()
                .filter_map(|v| v.as_str().map(str::to_owned))
                .collect()
        })
        .unwrap_or_default()
}

/// Checks the page the browser shows: fits a phone (at phone width), a screenshot, axe.
async fn check_page(
    browser: &fantoccini::Client,
    axe: &str,
    who: &str,
    path: &str,
    width: u32,
    problems: &mut Vec<String>,
) {
    if width < 500 {
        assert_fits_a_phone(browser, path).await;
    }
    let slug: String = path
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() { c } else { '-' })
        .collect();
    let name = format!("every-{}{slug}-{width}.png", who.split('@').next().unwrap());
    std::fs::write(artifact(&name), browser.screenshot().await.unwrap()).unwrap();
    for v in violations(browser, axe).await {
        problems.push(format!("{who} {path} at {width} px: {v}"));
    }
}

#[actix_web::test]
async fn every_page_of_every_role_passes_axe_and_fits_a_phone() {
    let Some((_driver, browser)) = start_browser().await else {
        return;
    };
    let Some(axe) = axe_source() else {
        if std::env::var("TRUCE_REQUIRE_BROWSER").is_ok_and(|v| v == "1") {
            panic!("TRUCE_REQUIRE_BROWSER=1 but TRUCE_AXE_JS is not set (npm install axe-core)");
        }
        eprintln!("accessibility test skipped: set TRUCE_AXE_JS to axe-core's axe.min.js");
        return;
    };
    // A program with something on every page: a won deal, a declined one disputed, a
    // territory, an open registration in review.
    let app = spawn_app().await;
    let alpha = app.partner("Alpha Partners", "ann@alpha.example");
    let beta = app.partner("Beta Partners", "bob@beta.example");
    app.create_user("cm@vendor.example", "channel", None, false);
    app.create_user("admin@vendor.example", "admin", None, false);
    app.create_user("rep@vendor.example", "sales", None, false);
    app.add_crm_account("Initech Holdings", Some("initech.example"), false, true);
    let ann = app.login("ann@alpha.example").await;
    let bob = app.login("bob@beta.example").await;
    let won = register_deal(&ann, &Deal::new(&app, "Acme Robotics", "acme.example")).await;
    let declined =
        register_deal(&bob, &Deal::new(&app, "Acme Robotics GmbH", "acme.example")).await;
    let open = register_deal(
        &ann,
        &Deal::new(&app, "Borealis Freight", "borealis.example"),
    )
    .await;
    let cm = app.login("cm@vendor.example").await;
    approve(&cm, &won).await;
    close_won(&app, &ann, &won, "41,000").await;
    let raised = bob
        .submit(
            &format!("/partner/deals/{declined}/dispute"),
            &format!("/partner/deals/{declined}/dispute"),
            &[
                ("reason", "registered_first"),
                ("details", "We met them first."),
            ],
        )
        .await;
    let dispute = raised
        .location
        .clone()
        .expect("the dispute is raised")
        .trim_start_matches("/partner/disputes/")
        .to_owned();
    let admin_id = app.find_user("admin@vendor.example").unwrap().id;
    let territory = truce::ids::new_id();
    truce::db::models::territory::insert(
        &mut app.conn(),
        &territory,
        &truce::domain::territory::TerritoryFields {
            name: "DACH".into(),
            name_key: "dach".into(),
            kind: truce::domain::territory::Kind::Geographic,
            countries: vec!["DE".into(), "AT".into(), "CH".into()],
            regions: vec![],
            industries: vec![],
            eligibility: truce::domain::territory::Eligibility::Partner,
            orgs: vec![alpha.clone(), beta.clone()],
            reps: vec![],
            double_credit: false,
        },
        &admin_id,
        app.clock.naive_now(),
    )
    .unwrap();
    app.advance(TimeDelta::minutes(1));

    let pages: Vec<(&str, &str, Vec<String>)> = vec![
        (
            "ann@alpha.example",
            "/partner",
            vec![
                "/partner".into(),
                "/partner/deals/new".into(),
                format!("/partner/deals/{won}"),
                format!("/partner/deals/{open}"),
                "/partner/earnings".into(),
                "/partner/disputes".into(),
                "/org/users".into(),
                "/org/users/new".into(),
                "/roe".into(),
                "/account/password".into(),
                "/account/two-step".into(),
                "/account/two-step/setup".into(),
            ],
        ),
        (
            "bob@beta.example",
            "/partner",
            vec![
                format!("/partner/deals/{declined}"),
                format!("/partner/disputes/{dispute}"),
            ],
        ),
        (
            "rep@vendor.example",
            "/sales",
            vec![
                "/sales".into(),
                "/sales?q=Acme+Robotics".into(),
                "/sales?q=Initech".into(),
                "/sales/credits".into(),
                "/sales/disputes".into(),
                // Public, with the signed-out header: not last, where the test signs out.
                "/api/v1/docs".into(),
                "/account/tokens".into(),
            ],
        ),
        (
            "cm@vendor.example",
            "/review",
            vec![
                "/review".into(),
                format!("/review/{open}"),
                format!("/review/{won}"),
                "/review/registrations".into(),
                "/review/disputes".into(),
                format!("/review/disputes/{dispute}"),
                "/review/disputes/rulings".into(),
                "/dashboard?days=365".into(),
                format!("/dashboard/partners/{alpha}"),
            ],
        ),
        (
            "admin@vendor.example",
            "/admin",
            vec![
                "/admin".into(),
                "/admin/policy".into(),
                "/admin/territories".into(),
                "/admin/territories/new".into(),
                format!("/admin/territories/{territory}/edit"),
                "/admin/compensation".into(),
                "/admin/credits".into(),
                "/admin/roe".into(),
                "/admin/roe/acknowledgements".into(),
                "/admin/roe/knowledge".into(),
                "/admin/orgs".into(),
                "/admin/orgs/new".into(),
                "/admin/users".into(),
                "/admin/users/new".into(),
                "/admin/accounts".into(),
                "/admin/accounts/import".into(),
                "/admin/outbox".into(),
                "/admin/webhooks".into(),
                "/admin/webhooks/new".into(),
                "/admin/system".into(),
                "/admin/audit".into(),
                "/admin/audit?actor=admin&from=1+Dec".into(),
                "/no/such/page".into(),
            ],
        ),
    ];
    let mut problems = Vec::new();
    let mut checked = 0;
    for (who, home, paths) in &pages {
        sign_in_as(&browser, &app, who, home).await;
        for (width, height) in [(1280, 900), (390, 844)] {
            browser.set_window_size(width, height).await.unwrap();
            for path in paths {
                browser
                    .goto(&format!("{}{path}", app.address))
                    .await
                    .unwrap();
                check_page(&browser, &axe, who, path, width, &mut problems).await;
                checked += 1;
            }
        }
        sign_out(&browser).await;
    }
    // Two-step sign-in: the second step (the app's code, a recovery code) and the recovery
    // codes, which only the answer to a form shows.
    let rep = app.login("rep@vendor.example").await;
    let setup = rep.get("/account/two-step/setup").await;
    let marker = "<code class=\"secret setup-key\">";
    let start = setup.body.find(marker).unwrap() + marker.len();
    let key = &setup.body[start..start + setup.body[start..].find('<').unwrap()];
    let secret = totp_rs::Secret::Encoded(key.replace(' ', ""))
        .to_bytes()
        .unwrap();
    let totp = totp_rs::TOTP::new(totp_rs::Algorithm::SHA1, 6, 1, 30, secret).unwrap();
    let code_now = || totp.generate(app.clock.now().timestamp() as u64);
    let on = rep
        .post_with(
            &setup.csrf(),
            "/account/two-step/setup",
            &[("code", &code_now())],
        )
        .await;
    assert_eq!(on.status, reqwest::StatusCode::OK, "{}", on.text());
    let who = "rep@vendor.example";
    for (width, height) in [(1280, 900), (390, 844)] {
        app.advance(TimeDelta::seconds(60));
        browser.set_window_size(width, height).await.unwrap();
        browser
            .goto(&format!("{}/login", app.address))
            .await
            .unwrap();
        fill(&browser, "email", who).await;
        fill(&browser, "password", PASSWORD).await;
        let submit = || fantoccini::Locator::Css("main button[type=submit]");
        click_to(&browser, submit(), "/login/code").await;
        check_page(&browser, &axe, who, "/login/code", width, &mut problems).await;
        browser
            .goto(&format!("{}/login/recovery", app.address))
            .await
            .unwrap();
        check_page(&browser, &axe, who, "/login/recovery", width, &mut problems).await;
        browser
            .goto(&format!("{}/login/code", app.address))
            .await
            .unwrap();
        fill(&browser, "code", &code_now()).await;
        click_to(&browser, submit(), "/sales").await;
        browser
            .goto(&format!("{}/account/two-step", app.address))
            .await
            .unwrap();
        fill(&browser, "renew_password", PASSWORD).await;
        click_to(
            &browser,
            fantoccini::Locator::XPath("//button[normalize-space()='Make new recovery codes']"),
            "/account/two-step/recovery-codes",
        )
        .await;
        expect_heading(&browser, "Your recovery codes").await;
        check_page(
            &browser,
            &axe,
            who,
            "/account/two-step/recovery-codes",
            width,
            &mut problems,
        )
        .await;
        checked += 3;
        sign_out(&browser).await;
    }

    // The sign-in page, signed out.
    browser
        .goto(&format!("{}/login", app.address))
        .await
        .unwrap();
    for v in violations(&browser, &axe).await {
        problems.push(format!("/login: {v}"));
    }
    browser.close().await.unwrap();
    assert!(checked > 80, "{checked} pages checked");
    assert!(
        problems.is_empty(),
        "axe-core found {} violations:\n{}",
        problems.len(),
        problems.join("\n")
    );
}
