//! Co-selling and compensation over HTTP: a rep asks to assist (behind the rules-of-
//! engagement gate), the partner accepts, the deal is closed won inside or after its window,
//! the credits are stored and shown, and the admin exports them as CSV.

use chrono::TimeDelta;
use reqwest::StatusCode;
use truce::clock::Clock;
use truce::db::models::compensation::{self, Whose};

use crate::helpers::{Deal, Page, TestApp, TestClient, register_deal, spawn_app};

const ADMIN: &str = "admin@vendor.example";
const CM: &str = "cm@vendor.example";
const REP: &str = "rep@vendor.example";
const ANN: &str = "ann@alpha.example";

async fn program() -> TestApp {
    let app = spawn_app().await;
    app.create_user(ADMIN, "admin", None, false);
    app.create_user(CM, "channel", None, false);
    app.create_user(REP, "sales", None, false);
    app.partner("Alpha Partners", ANN);
    app
}

async fn post(client: &TestClient, form_page: &str, action: &str, fields: &[(&str, &str)]) -> Page {
    client.submit(form_page, action, fields).await
}

fn assert_redirect(page: &Page, to: &str) {
    assert_eq!(
        (page.status, page.location.as_deref()),
        (StatusCode::SEE_OTHER, Some(to)),
        "{}",
        page.text()
    );
}

/// Registers and approves a 40,000 USD mid-market deal; returns its id.
async fn approved_deal(app: &TestApp, ann: &TestClient, cm: &TestClient, company: &str) -> String {
    let id = register_deal(ann, &Deal::new(app, company, "")).await;
    let page = post(
        cm,
        &format!("/review/{id}"),
        &format!("/review/{id}/approve"),
        &[],
    )
    .await;
    assert_redirect(&page, &format!("/review/{id}"));
    id
}

async fn close_won(app: &TestApp, ann: &TestClient, id: &str, amount: &str) {
    let today = app.today().format("%Y-%m-%d").to_string();
    let page = post(
        ann,
        &format!("/partner/deals/{id}"),
        &format!("/partner/deals/{id}/close-won"),
        &[("won_amount", amount), ("won_date", &today)],
    )
    .await;
    assert_redirect(&page, &format!("/partner/deals/{id}"));
}

async fn save_rules(admin: &TestClient, fields: &[(&str, &str)]) -> Page {
    post(admin, "/admin/compensation", "/admin/compensation", fields).await
}

async fn publish_roe(admin: &TestClient) {
    let page = post(
        admin,
        "/admin/roe",
        "/admin/roe",
        &[
            ("body", "# Rules\n\nThe first valid registration wins.\n"),
            ("summary", "First version."),
            ("confirm", "yes"),
            (
                "q1_prompt",
                "Who wins a prospect registered by two partners?",
            ),
            (
                "q1_options",
                "The first valid registration\nThe larger partner",
            ),
            ("q1_correct", "1"),
            ("q1_explanation", "The first valid registration wins."),
            ("q2_prompt", "Is a partner's commission protected?"),
            ("q2_options", "No\nYes"),
            ("q2_correct", "2"),
            ("q2_explanation", "Inside the window it is."),
        ],
    )
    .await;
    assert_eq!(page.status, StatusCode::SEE_OTHER, "{}", page.text());
}

#[actix_web::test]
async fn an_assist_request_is_gated_accepted_emailed_and_on_the_timeline() {
    let app = program().await;
    let (ann, cm, rep, admin) = (
        app.login(ANN).await,
        app.login(CM).await,
        app.login(REP).await,
        app.login(ADMIN).await,
    );
    let id = approved_deal(&app, &ann, &cm, "Acme Robotics").await;
    publish_roe(&admin).await;

    // The lock check offers to assist on the locked registration.
    assert!(
        rep.get("/sales?q=Acme+Robotics")
            .await
            .body
            .contains(&format!("/sales/registrations/{id}/assist"))
    );
    // Not acknowledged yet: refused, with the way to /roe.
    let form = format!("/sales/registrations/{id}/assist");
    let token = rep.csrf_from("/sales").await;
    let refused = rep
        .post_with(&token, &form, &[("note", "I know their CFO.")])
        .await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
    let text = refused.text();
    assert!(
        text.contains("Acknowledge the rules of engagement (version 1)"),
        "{text}"
    );
    assert!(refused.body.contains("href=\"/roe\""));
    assert!(app.emails_of_kind("assist_requested").is_empty());

    let ack = post(
        &rep,
        "/roe",
        "/roe",
        &[("version", "1"), ("read", "yes"), ("a1", "1"), ("a2", "2")],
    )
    .await;
    assert_eq!(ack.status, StatusCode::SEE_OTHER, "{}", ack.text());
    app.advance(TimeDelta::minutes(1));
    let asked = post(&rep, &form, &form, &[("note", "I know their CFO.")]).await;
    assert_redirect(&asked, &form);
    assert_eq!(app.emails_to(ANN, "assist_requested").len(), 1);
    let again = rep.post_with(&token, &form, &[]).await;
    assert_eq!(again.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(again.text().contains("already asked"));
    assert!(
        rep.get(&form)
            .await
            .text()
            .contains("waiting for the partner")
    );

    // The partner accepts on its deal page.
    let deal = ann.get(&format!("/partner/deals/{id}")).await.text();
    assert!(
        deal.contains("Asked to assist, waiting for the partner"),
        "{deal}"
    );
    let assist_id = compensation_assist_id(&app, &id);
    let accepted = post(
        &ann,
        &format!("/partner/deals/{id}"),
        &format!("/partner/deals/{id}/assists/{assist_id}/accept"),
        &[],
    )
    .await;
    assert_redirect(&accepted, &format!("/partner/deals/{id}"));
    assert_eq!(app.emails_to(REP, "assist_accepted").len(), 1);
    let kinds: Vec<String> = app.events(&id).into_iter().map(|(k, _)| k).collect();
    assert!(
        kinds.ends_with(&["assist_requested".into(), "assist_accepted".into()]),
        "{kinds:?}"
    );
    let page = ann.get(&format!("/partner/deals/{id}")).await.text();
    assert!(page.contains("A sales rep asked to assist"), "{page}");
    assert!(page.contains("Assist request accepted"));

    // The review page previews the cost: 10 % commission plus 50 % rep credit.
    let review = cm.get(&format!("/review/{id}")).await.text();
    assert!(
        review.contains("Partner commission: <strong>4,000.00 USD</strong> (10 %, default rate)"),
        "{review}"
    );
    assert!(
        review.contains("<strong>20,000.00 USD</strong> (50 %)"),
        "{review}"
    );
    assert!(
        review.contains("Total paid and credited: <strong>24,000.00 USD</strong>"),
        "{review}"
    );
}

fn compensation_assist_id(app: &TestApp, registration_id: &str) -> String {
    truce::db::models::assist::for_registration(&mut app.conn(), registration_id)
        .unwrap()
        .remove(0)
        .id
}

#[actix_web::test]
async fn won_inside_the_window_with_and_without_double_credit_then_exported() {
    let app = program().await;
    let (ann, cm, admin) = (
        app.login(ANN).await,
        app.login(CM).await,
        app.login(ADMIN).await,
    );
    // Mid-market partners earn 12.5 %.
    let saved = save_rules(
        &admin,
        &[
            ("rate_any_any", "10"),
            ("rate_any_mid_market", "12.5"),
            ("assist_credit", "50"),
        ],
    )
    .await;
    assert_redirect(&saved, "/admin/compensation");
    let first = approved_deal(&app, &ann, &cm, "First Robotics").await;
    let assigned = post(
        &cm,
        &format!("/review/{first}"),
        &format!("/review/{first}/assists"),
        &[("rep_email", REP)],
    )
    .await;
    assert_redirect(&assigned, &format!("/review/{first}"));
    assert_eq!(app.emails_to(REP, "assist_assigned").len(), 1);
    assert_eq!(app.emails_to(ANN, "assist_assigned").len(), 1);
    app.advance(TimeDelta::days(30));
    // Sessions lapse over a month: everyone signs in again.
    let (ann, cm, rep, admin) = (
        app.login(ANN).await,
        app.login(CM).await,
        app.login(REP).await,
        app.login(ADMIN).await,
    );
    close_won(&app, &ann, &first, "40,000.01").await;

    let credits = compensation::list(&mut app.conn(), Whose::Registration(&first)).unwrap();
    let mut got: Vec<(String, i64, i64)> = credits
        .iter()
        .map(|c| (c.kind.as_str().to_owned(), c.amount_minor, c.rules_version))
        .collect();
    got.sort();
    // 12.5 % of 4,000,001 minor = 500,000.125 → 500,000; 50 % = 2,000,000.5 → 2,000,001.
    assert_eq!(
        got,
        vec![
            ("assist_credit".into(), 2_000_001, 2),
            ("partner_commission".into(), 500_000, 2)
        ]
    );
    let page = ann.get(&format!("/partner/deals/{first}")).await.text();
    assert!(page.contains("Won inside the protection window"), "{page}");
    assert!(page.contains("5,000.00 USD"));
    assert!(
        !page.contains("20,000.01 USD"),
        "the rep's credit is internal"
    );

    // Double credit for mid-market: the rep gets full credit, the partner still its full share.
    let saved = save_rules(
        &admin,
        &[
            ("rate_any_any", "10"),
            ("rate_any_mid_market", "12.5"),
            ("assist_credit", "50"),
            ("double_mid_market", "on"),
        ],
    )
    .await;
    assert_redirect(&saved, "/admin/compensation");
    let second = approved_deal(&app, &ann, &cm, "Second Robotics").await;
    post(
        &cm,
        &format!("/review/{second}"),
        &format!("/review/{second}/assists"),
        &[("rep_email", REP)],
    )
    .await;
    let review = cm.get(&format!("/review/{second}")).await.text();
    assert!(review.contains("double credit"), "{review}");
    close_won(&app, &ann, &second, "10,000").await;
    let credits = compensation::list(&mut app.conn(), Whose::Registration(&second)).unwrap();
    let mut got: Vec<(String, i64, i64)> = credits
        .iter()
        .map(|c| (c.kind.as_str().to_owned(), c.amount_minor, c.rules_version))
        .collect();
    got.sort();
    assert_eq!(
        got,
        vec![
            ("double_credit".into(), 1_000_000, 3),
            ("partner_commission".into(), 125_000, 3)
        ]
    );
    let stored = compensation::find(&mut app.conn(), &first)
        .unwrap()
        .unwrap();
    assert_eq!(
        stored.rules_version, 2,
        "the first deal keeps its rules version"
    );

    // Pages: partner earnings, rep credits, admin report and CSV.
    let earnings = ann.get("/partner/earnings").await.text();
    assert!(
        earnings.contains("First Robotics") && earnings.contains("5,000.00 USD"),
        "{earnings}"
    );
    assert!(earnings.contains("1,250.00 USD"));
    let mine = rep.get("/sales/credits").await.text();
    assert!(
        mine.contains("20,000.01 USD") && mine.contains("10,000.00 USD"),
        "{mine}"
    );
    assert!(
        admin
            .get("/admin/credits")
            .await
            .text()
            .contains("Alpha Partners")
    );
    let csv = admin.get("/admin/credits.csv").await;
    assert_eq!(csv.status, StatusCode::OK);
    let mut lines: Vec<&str> = csv.body.lines().collect();
    assert_eq!(
        lines.remove(0),
        "credit_id,registration_id,prospect,beneficiary_type,beneficiary,kind,rate_bp,amount_minor,amount,currency,rules_version,credited_at"
    );
    assert_eq!(lines.len(), 4);
    let expect = [
        format!(
            "{first},First Robotics,partner,Alpha Partners,partner_commission,1250,500000,5000.00,USD,2,"
        ),
        format!("{first},First Robotics,rep,"),
        format!("{second},Second Robotics,rep,"),
        format!(
            "{second},Second Robotics,partner,Alpha Partners,partner_commission,1250,125000,1250.00,USD,3,"
        ),
    ];
    for e in &expect {
        assert!(
            lines.iter().any(|l| l.contains(e.as_str())),
            "{e} in {lines:?}"
        );
    }
    assert!(
        lines
            .iter()
            .any(|l| l.contains("double_credit,10000,1000000,10000.00,USD,3,")),
        "{lines:?}"
    );
    assert_eq!(
        rep.get("/admin/credits.csv").await.status,
        StatusCode::FORBIDDEN
    );
}

#[actix_web::test]
async fn won_after_the_window_earns_no_commission_and_says_so() {
    let app = program().await;
    let (ann, cm) = (app.login(ANN).await, app.login(CM).await);
    let id = approved_deal(&app, &ann, &cm, "Late Robotics").await;
    let ends = app.registration(&id).state.protection_ends_at.unwrap();
    // Past the window, before the expiry sweep ran.
    app.advance(ends - app.clock.naive_now() + TimeDelta::hours(1));
    let ann = app.login(ANN).await;
    close_won(&app, &ann, &id, "40,000").await;
    assert!(
        compensation::list(&mut app.conn(), Whose::Registration(&id))
            .unwrap()
            .is_empty()
    );
    let stored = compensation::find(&mut app.conn(), &id).unwrap().unwrap();
    assert!(!stored.within_window());
    let page = ann.get(&format!("/partner/deals/{id}")).await.text();
    assert!(page.contains("No commission"), "{page}");
    assert!(page.contains("after its protection window ended"));
    let earnings = ann.get("/partner/earnings").await.text();
    assert!(
        earnings.contains("No commission: won after the protection window ended"),
        "{earnings}"
    );
}

/// The value attribute of the input named `name` on a page.
fn input_value(html: &str, name: &str) -> String {
    let at = html
        .find(&format!("name=\"{name}\""))
        .unwrap_or_else(|| panic!("no input {name}"));
    let rest = &html[at..];
    let start = rest.find("value=\"").unwrap() + "value=\"".len();
    rest[start..start + rest[start..].find('"').unwrap()].to_owned()
}

#[actix_web::test]
async fn a_bad_cell_is_reported_next_to_itself_and_nothing_is_saved() {
    let app = program().await;
    let admin = app.login(ADMIN).await;
    let bad = save_rules(
        &admin,
        &[
            ("rate_any_any", "10"),
            ("rate_gold_enterprise", "15.5.5"),
            ("rate_any_smb", "8,25 %"),
            ("assist_credit", "50"),
        ],
    )
    .await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    // The message sits in the cell, right before that cell's input, which keeps what was typed.
    let cell = &bad.body[bad.body.find("for=\"rate_gold_enterprise\"").unwrap()..];
    let cell = &cell[..cell.find("</td>").unwrap()];
    assert!(
        cell.contains("id=\"rate_gold_enterprise-error\">Enter a number, such as 12.5.</p>"),
        "{cell}"
    );
    assert!(cell.contains("aria-invalid=\"true\""), "{cell}");
    assert_eq!(input_value(&bad.body, "rate_gold_enterprise"), "15.5.5");
    assert_eq!(input_value(&bad.body, "rate_any_smb"), "8,25 %");
    assert_eq!(
        bad.body.matches("class=\"field-error\"").count(),
        1,
        "only the bad cell"
    );
    assert!(bad.text().contains("Nothing was saved"));
    assert_eq!(compensation::current(&mut app.conn()).unwrap().version, 1);

    // The default rate cannot be left empty; the assist credit is a percentage too.
    let bad = save_rules(&admin, &[("rate_any_any", ""), ("assist_credit", "5000")]).await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        bad.body
            .contains("id=\"rate_any_any-error\">Enter the default rate.</p>")
    );
    assert!(
        bad.body
            .contains("id=\"assist_credit-error\">Enter 0 to 100.</p>")
    );
    assert_eq!(compensation::current(&mut app.conn()).unwrap().version, 1);
}

#[actix_web::test]
async fn a_rate_saved_in_percent_is_stored_in_basis_points_and_shown_back() {
    let app = program().await;
    let admin = app.login(ADMIN).await;
    let ok = save_rules(
        &admin,
        &[
            ("rate_any_any", "9"),
            ("rate_gold_enterprise", "12,5 %"),
            ("assist_credit", "50"),
        ],
    )
    .await;
    assert_redirect(&ok, "/admin/compensation");
    let current = compensation::current(&mut app.conn()).unwrap();
    assert_eq!(current.version, 2);
    assert_eq!(current.value.default_commission_bp, 900);
    assert_eq!(
        current.value.commission_rules,
        vec![truce::domain::compensation::RateRule {
            tier: Some("gold".into()),
            segment: Some("enterprise".into()),
            bp: 1250,
        }]
    );
    let page = admin.get("/admin/compensation").await;
    assert_eq!(input_value(&page.body, "rate_gold_enterprise"), "12.5");
    assert_eq!(input_value(&page.body, "rate_any_any"), "9");
    assert_eq!(input_value(&page.body, "rate_gold_smb"), "");
    assert_eq!(input_value(&page.body, "assist_credit"), "50");
    let text = page.text();
    assert!(text.contains("version 2 in force"), "{text}");
    assert!(text.contains("Default commission: 10 % → 9 %"), "{text}");
    assert!(
        text.contains("Gold, Enterprise: no rule → 12.5 %"),
        "{text}"
    );

    // The same grid again is not a new version.
    let again = save_rules(
        &admin,
        &[
            ("rate_any_any", "9"),
            ("rate_gold_enterprise", "12.50"),
            ("assist_credit", "50"),
        ],
    )
    .await;
    assert_redirect(&again, "/admin/compensation");
    assert_eq!(compensation::current(&mut app.conn()).unwrap().version, 2);
}

#[actix_web::test]
async fn a_territory_switches_on_double_credit_and_a_rep_outside_it_is_warned() {
    let app = spawn_app().await;
    app.create_user(ADMIN, "admin", None, false);
    app.create_user(CM, "channel", None, false);
    app.create_user(REP, "sales", None, false);
    let alpha = app.partner("Alpha Partners", ANN);
    let (ann, cm, admin) = (
        app.login(ANN).await,
        app.login(CM).await,
        app.login(ADMIN).await,
    );
    // DACH (the test deals are in Germany) turns the double-credit model on; no rep is in it.
    let saved = post(
        &admin,
        "/admin/territories/new",
        "/admin/territories",
        &[
            ("name", "DACH"),
            ("kind", "geographic"),
            ("countries", "DE, AT, CH"),
            ("eligibility", "both"),
            ("orgs", &alpha),
            ("double_credit", "yes"),
            ("intent", "save"),
        ],
    )
    .await;
    assert_redirect(&saved, "/admin/territories");
    let id = approved_deal(&app, &ann, &cm, "Dach Robotics").await;

    let rep = app.login(REP).await;
    let ask = rep.get(&format!("/sales/registrations/{id}/assist")).await;
    assert!(
        ask.text()
            .contains("You are not assigned to this prospect's territory"),
        "{}",
        ask.text()
    );

    post(
        &cm,
        &format!("/review/{id}"),
        &format!("/review/{id}/assists"),
        &[("rep_email", REP)],
    )
    .await;
    assert!(
        cm.get(&format!("/review/{id}"))
            .await
            .text()
            .contains("double credit")
    );
    close_won(&app, &ann, &id, "10,000").await;
    let mut got: Vec<(String, i64)> = compensation::list(&mut app.conn(), Whose::Registration(&id))
        .unwrap()
        .iter()
        .map(|c| (c.kind.as_str().to_owned(), c.amount_minor))
        .collect();
    got.sort();
    // The default rules: 10 % commission; the territory gives the rep full credit, not 50 %.
    assert_eq!(got[1], ("partner_commission".into(), 100_000));
    assert_eq!(got[0].1, 1_000_000, "{got:?}");
}
