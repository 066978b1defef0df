//! The lock check's verdict ladder at its fuzzy edge: a claim on a near match says "Check
//! first", never "go"; a deal won makes the prospect the partner's customer for the policy's
//! period; past registrations are history under an open verdict; and a partner hears of a
//! near match or another partner's customer without a name.

use chrono::TimeDelta;
use reqwest::StatusCode;
use serde_json::Value;
use truce::clock::Clock;

use crate::helpers::{
    Deal, Page, TestApp, TestClient, approve, close_won, register_deal, save_policy, spawn_app,
};

const ADMIN: &str = "admin@vendor.example";
const CM: &str = "cm@vendor.example";
const REP: &str = "rep@vendor.example";
const ANN: &str = "ann@nordlight.example";
const BEN: &str = "ben@beta.example";

async fn program() -> TestApp {
    let app = spawn_app().await;
    app.create_user(ADMIN, "admin", None, false);
    app.create_user(CM, "channel", None, false);
    app.create_user(REP, "sales", None, false);
    app.partner("Nordlight IT Services", ANN);
    app.partner("Beta Resellers", BEN);
    app
}

async fn check(rep: &TestClient, q: &str) -> Page {
    let q = url::form_urlencoded::byte_serialize(q.as_bytes()).collect::<String>();
    let page = rep.get(&format!("/sales?q={q}")).await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.text());
    page
}

fn verdict(page: &Page) -> String {
    let text = page.text();
    let start = text.find("<h2 id=\"verdict\">").expect("a verdict") + 17;
    text[start..start + text[start..].find("</h2>").unwrap()].to_owned()
}

/// The lock check through the JSON API with a token made on the command line.
async fn api(app: &TestApp, query: &str) -> Value {
    let output = crate::helpers::truce_bin()
        .args(["token", "create", "--database-url", &app.database_url])
        .args(["--email", REP, "--label", "crm sync"])
        .output()
        .unwrap();
    assert!(output.status.success(), "{output:?}");
    let stdout = String::from_utf8(output.stdout).unwrap();
    let secret = stdout
        .split_whitespace()
        .find(|w| w.starts_with("truce_"))
        .expect("a token")
        .to_owned();
    let response = reqwest::Client::new()
        .get(format!("{}/api/v1/lock?{query}", app.address))
        .bearer_auth(secret)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    serde_json::from_str(&response.text().await.unwrap()).unwrap()
}

/// What the partner's check button says about a prospect.
async fn availability(partner: &TestClient, app: &TestApp, company: &str) -> String {
    let deal = Deal::new(app, company, "");
    partner
        .submit("/partner/deals/new", "/partner/deals", &deal.pairs("check"))
        .await
        .text()
}

#[actix_web::test]
async fn a_claim_found_only_as_a_possible_match_says_check_first_never_open() {
    let app = program().await;
    let ann = app.login(ANN).await;
    let westfield = register_deal(&ann, &Deal::new(&app, "Westfield Pillar Wireless AB", "")).await;
    register_deal(&ann, &Deal::new(&app, "Central Dale Aerospace SARL", "")).await;
    let rep = app.login(REP).await;

    let page = check(&rep, "Westfield Pillar").await;
    assert_eq!(verdict(&page), "Check first");
    let text = page.text();
    assert!(
        text.contains(
            "A registration by Nordlight IT Services of Westfield Pillar Wireless AB is under \
             review. Match 0.89: names 0.89 similar; missing word: wireless."
        ),
        "{text}"
    );
    assert!(
        text.contains("This may be the same company: confirm with the channel team"),
        "{text}"
    );
    assert!(!text.contains("you may pursue this account"), "{text}");
    // The rep can take it to the channel team from the result.
    assert!(
        text.contains(&format!("/sales/registrations/{westfield}/dispute")),
        "{text}"
    );
    assert!(page.body.contains("notice warn"), "amber, not green");

    let page = check(&rep, "Central Dale").await;
    assert_eq!(verdict(&page), "Check first");
    assert!(
        page.text().contains(
            "A registration by Nordlight IT Services of Central Dale Aerospace SARL is under review"
        ),
        "{}",
        page.text()
    );

    let json = api(&app, "name=Westfield%20Pillar").await;
    assert_eq!(json["verdict"], "check_first", "{json}");
    assert_eq!(json["title"], "Check first");
    assert_eq!(json["best"]["match"], "possible");
    assert_eq!(json["best"]["claim"]["status"], "pending");
    assert_eq!(json["best"]["claim"]["partner"], "Nordlight IT Services");
    assert_eq!(json["best"]["name"], "Westfield Pillar Wireless AB");

    // A same-prospect spelling still decides outright.
    let page = check(&rep, "Westfield Pillar Wireless").await;
    assert_eq!(verdict(&page), "Pending");
    // And a name nobody has is open, with the sentence that says nothing matches.
    let page = check(&rep, "Quartzline Ferries").await;
    assert_eq!(verdict(&page), "Open");
    assert!(
        page.text()
            .contains("Nothing in the CRM or among partner registrations matches this prospect.")
    );
}

#[actix_web::test]
async fn a_deal_won_makes_the_prospect_the_partners_customer_until_the_period_ends() {
    let app = program().await;
    let ann = app.login(ANN).await;
    let cm = app.login(CM).await;
    let id = register_deal(
        &ann,
        &Deal::new(&app, "Harbourline Logistics GmbH", "harbourline.example"),
    )
    .await;
    approve(&cm, &id).await;
    close_won(&app, &ann, &id, "38,000").await;
    let won_on = app.today();
    let until = won_on + TimeDelta::days(365);
    let day = |d: chrono::NaiveDate| d.format("%-d %b %Y").to_string();

    let rep = app.login(REP).await;
    for q in ["Harbourline Logistics", "harbourline.example"] {
        let page = check(&rep, q).await;
        assert_eq!(verdict(&page), "Partner customer", "{q}");
        let text = page.text();
        assert!(
            text.contains(&format!(
                "Won by Nordlight IT Services on {}: their customer, protected until {}.",
                day(won_on),
                day(until)
            )),
            "{q}: {text}"
        );
        assert!(text.contains("coordinate with the channel team"), "{text}");
        assert!(!text.contains("Nothing in the CRM"), "{text}");
    }
    let json = api(&app, "name=Harbourline%20Logistics").await;
    assert_eq!(json["verdict"], "partner_customer", "{json}");
    assert_eq!(json["best"]["claim"]["won_on"], won_on.to_string());
    assert_eq!(json["best"]["claim"]["customer_until"], until.to_string());

    // A day before the period ends it still holds; on its last boundary it lapses into
    // history, and the prospect is open with the win listed under the verdict.
    app.advance(TimeDelta::days(364));
    let rep = app.login(REP).await;
    assert_eq!(
        verdict(&check(&rep, "Harbourline Logistics").await),
        "Partner customer"
    );
    app.advance(TimeDelta::days(1));
    let rep = app.login(REP).await;
    let page = check(&rep, "Harbourline Logistics").await;
    assert_eq!(verdict(&page), "Open");
    let text = page.text();
    assert!(
        text.contains(&format!(
            "Won by Nordlight IT Services on {}; their customer protection ended {}.",
            day(won_on),
            day(until)
        )),
        "{text}"
    );
    assert!(
        text.contains("Past registrations of it are listed below"),
        "{text}"
    );
    assert!(!text.contains("Nothing in the CRM"), "{text}");
    let json = api(&app, "name=Harbourline%20Logistics").await;
    assert_eq!(json["verdict"], "open");
    assert_eq!(json["history"][0]["claim"]["status"], "history");
    assert_eq!(json["history"][0]["claim"]["outcome"], "won");
}

#[actix_web::test]
async fn customer_protection_off_leaves_a_won_deal_as_history() {
    let app = program().await;
    let admin = app.login(ADMIN).await;
    let saved = save_policy(&app, &admin, &[("customer_protection_days", "0")]).await;
    assert_eq!(saved.status, StatusCode::SEE_OTHER, "{}", saved.text());
    let ann = app.login(ANN).await;
    let cm = app.login(CM).await;
    let id = register_deal(&ann, &Deal::new(&app, "Harbourline Logistics GmbH", "")).await;
    approve(&cm, &id).await;
    close_won(&app, &ann, &id, "38,000").await;
    let rep = app.login(REP).await;
    let page = check(&rep, "Harbourline Logistics").await;
    assert_eq!(verdict(&page), "Open");
    assert!(
        page.text().contains(&format!(
            "Won by Nordlight IT Services on {}.",
            app.today().format("%-d %b %Y")
        )),
        "{}",
        page.text()
    );
    // And another partner's registration of it carries no customer flag.
    let ben = app.login(BEN).await;
    let other = register_deal(&ben, &Deal::new(&app, "Harbourline Logistics AG", "")).await;
    assert!(
        !cm.get(&format!("/review/{other}"))
            .await
            .text()
            .contains("Another partner's customer")
    );
}

#[actix_web::test]
async fn expired_rejected_and_lost_registrations_are_history_under_an_open_verdict() {
    let app = program().await;
    let ann = app.login(ANN).await;
    let cm = app.login(CM).await;
    let id = register_deal(
        &ann,
        &Deal::new(&app, "Quillmoor Robotics", "quillmoor.example"),
    )
    .await;
    approve(&cm, &id).await;
    let ends = app.registration(&id).state.protection_ends_at.unwrap();
    app.advance(ends - app.clock.naive_now() + TimeDelta::hours(1));
    app.run_jobs().await;
    let rep = app.login(REP).await;
    let page = check(&rep, "quillmoor.example").await;
    assert_eq!(verdict(&page), "Open");
    let text = page.text();
    assert!(
        text.contains(&format!(
            "Registered by Nordlight IT Services; protection expired {}, open since.",
            ends.format("%-d %b %Y")
        )),
        "{text}"
    );
    assert!(text.contains("History"), "{text}");
    assert!(text.contains("you may pursue this account"), "{text}");
}

#[actix_web::test]
async fn a_partner_hears_of_a_near_match_or_another_partners_customer_without_a_name() {
    let app = program().await;
    let ann = app.login(ANN).await;
    let cm = app.login(CM).await;
    register_deal(&ann, &Deal::new(&app, "Westfield Pillar Wireless AB", "")).await;
    let won = register_deal(&ann, &Deal::new(&app, "Harbourline Logistics GmbH", "")).await;
    approve(&cm, &won).await;
    close_won(&app, &ann, &won, "38,000").await;

    let ben = app.login(BEN).await;
    let text = availability(&ben, &app, "Westfield Pillar").await;
    assert!(
        text.contains("A similar prospect is already registered or claimed. If you submit, the channel team will decide"),
        "{text}"
    );
    let text = availability(&ben, &app, "Harbourline Logistics").await;
    assert!(
        text.contains("This prospect is a recent customer of another partner"),
        "{text}"
    );
    for text in [
        availability(&ben, &app, "Westfield Pillar").await,
        availability(&ben, &app, "Harbourline Logistics").await,
    ] {
        assert!(
            !text.contains("Nordlight"),
            "no other partner is named: {text}"
        );
    }
    // Its own customer is no warning to the partner who won it.
    let text = availability(&ann, &app, "Harbourline Logistics").await;
    assert!(text.contains("it looks available"), "{text}");

    // Registering the other partner's customer is not refused: it goes to review, flagged
    // with the evidence the reviewer needs.
    let id = register_deal(&ben, &Deal::new(&app, "Harbourline Logistics AG", "")).await;
    assert_eq!(app.registration(&id).status().as_str(), "pending");
    let queue = cm.get("/review").await.text();
    assert!(queue.contains("Partner customer"), "{queue}");
    let review = cm.get(&format!("/review/{id}")).await.text();
    assert!(review.contains("Another partner's customer."), "{review}");
    assert!(
        review.contains(&format!(
            "A recent customer of Nordlight IT Services: they won Harbourline Logistics GmbH on {}",
            app.today().format("%-d %b %Y")
        )),
        "{review}"
    );
    // The partner's own page says nothing of it.
    let own = ben.get(&format!("/partner/deals/{id}")).await.text();
    assert!(!own.contains("Nordlight"), "{own}");
}
