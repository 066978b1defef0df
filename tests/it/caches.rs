//! What an instance keeps in memory is never staler than the database: a write on one
//! instance is in force on another at its next request (`memo`: values are kept with the
//! version numbers the writes raise).

use reqwest::StatusCode;
use truce::clock::Clock;

use crate::helpers::{
    Deal, PASSWORD, TestClient, approve, close_won, register_deal, save_policy, spawn_app,
};

const ADMIN: &str = "admin@vendor.example";
const CM: &str = "cm@vendor.example";
const ANN: &str = "ann@alpha.example";

/// The text of the summary figure `id` on "My deals".
fn figure(page: &str, id: &str) -> String {
    let marker = format!("id=\"{id}\">");
    let start = page
        .find(&marker)
        .unwrap_or_else(|| panic!("{id} on the page"))
        + marker.len();
    page[start..].split('<').next().unwrap().trim().to_owned()
}

#[actix_web::test]
async fn the_partner_summary_on_one_instance_follows_writes_and_policy_made_on_another() {
    let app = spawn_app().await;
    app.create_user(ADMIN, "admin", None, false);
    app.create_user(CM, "channel", None, false);
    app.partner("Alpha Partners", ANN);
    let (other, _) = app.start_another_instance().await;

    // Ann reads her summary on the other instance: it is kept there.
    let ann_there = TestClient::new(&other);
    assert_eq!(
        ann_there.login(ANN, PASSWORD).await.status(),
        StatusCode::SEE_OTHER
    );
    let first = ann_there.get("/partner").await.body;
    assert!(
        figure(&first, "fig-cap").starts_with('0'),
        "{}",
        figure(&first, "fig-cap")
    );
    assert_eq!(figure(&first, "fig-won-quarter"), "0");
    assert_eq!(
        ann_there.get("/partner").await.body,
        first,
        "the same, twice"
    );

    // Writes on this instance: a registration, its approval, a won close.
    let ann = app.login(ANN).await;
    let cm = app.login(CM).await;
    let id = register_deal(&ann, &Deal::new(&app, "Initech", "initech.example")).await;
    let page = ann_there.get("/partner").await.body;
    assert!(
        figure(&page, "fig-cap").starts_with('1'),
        "{}",
        figure(&page, "fig-cap")
    );
    // The list's first page is kept there too, and follows the same writes.
    assert!(
        row_of(&page, "Initech").contains("Pending review"),
        "{page}"
    );
    approve(&cm, &id).await;
    let page = ann_there.get("/partner").await.body;
    assert!(row_of(&page, "Initech").contains("Approved"), "{page}");
    close_won(&app, &ann, &id, "50000").await;
    let page = ann_there.get("/partner").await.body;
    assert_eq!(figure(&page, "fig-won-quarter"), "1");
    assert!(row_of(&page, "Initech").contains("Closed won"), "{page}");
    assert!(
        figure(&page, "fig-cap").starts_with('0'),
        "a won deal no longer counts"
    );

    // The won deals' figures are kept by their count: another deal registered and approved
    // leaves them, its won close moves them.
    let second = register_deal(&ann, &Deal::new(&app, "Hooli", "hooli.example")).await;
    approve(&cm, &second).await;
    let page = ann_there.get("/partner").await.body;
    assert!(figure(&page, "fig-cap").starts_with('1'));
    assert_eq!(figure(&page, "fig-won-quarter"), "1");
    close_won(&app, &ann, &second, "70000").await;
    let page = ann_there.get("/partner").await.body;
    assert_eq!(figure(&page, "fig-won-quarter"), "2");

    // A policy change here: the cap there, at once.
    let admin = app.login(ADMIN).await;
    let saved = save_policy(
        &app,
        &admin,
        &[("max_active_per_org", "7"), ("max_active_gold", "")],
    )
    .await;
    assert_eq!(saved.status, StatusCode::SEE_OTHER, "{}", saved.text());
    let page = ann_there.get("/partner").await;
    assert!(
        page.text().contains("of the 7 the program allows"),
        "{}",
        page.text()
    );
    assert!(
        figure(&page.body, "fig-cap").contains('7'),
        "{}",
        figure(&page.body, "fig-cap")
    );
}

/// The text of the table row of `company` (on "My deals" or the review queue).
fn row_of(page: &str, company: &str) -> String {
    let text = crate::helpers::unescape(page);
    let at = text
        .find(&format!(">{company}</a>"))
        .unwrap_or_else(|| panic!("{company} in the table"));
    let start = text[..at].rfind("<tr>").expect("the line's row");
    let end = at + text[at..].find("</tr>").expect("the row's end");
    text[start..end].to_owned()
}

#[actix_web::test]
async fn the_review_queue_on_one_instance_follows_every_write_that_changes_it_on_another() {
    let app = spawn_app().await;
    app.create_user(ADMIN, "admin", None, false);
    app.create_user(CM, "channel", None, false);
    let alpha = app.partner("Alpha Partners", ANN);
    let account = app.add_crm_account("Initech", Some("initech.example"), false, false);
    let (other, _) = app.start_another_instance().await;

    // The channel manager reads the queue on the other instance: it is kept there.
    let cm_there = TestClient::new(&other);
    assert_eq!(
        cm_there.login(CM, PASSWORD).await.status(),
        StatusCode::SEE_OTHER
    );
    let empty = cm_there.get("/review").await.body;
    assert!(empty.contains("Nothing to review"), "{empty}");
    assert_eq!(cm_there.get("/review").await.body, empty, "the same, twice");

    // A registration submitted here is in the queue there, with the engine's findings.
    let ann = app.login(ANN).await;
    let id = register_deal(&ann, &Deal::new(&app, "Initech", "initech.example")).await;
    let page = cm_there.get("/review").await.body;
    assert!(page.contains("1 item waiting"), "{page}");
    let line = row_of(&page, "Initech");
    assert!(line.contains("Alpha Partners"), "{line}");
    assert!(line.contains("1 CRM account"), "{line}");
    assert!(!line.contains("opportunit"), "{line}");

    // A direct opportunity on the matched account, stored here (a CRM sync).
    crate::helpers::with_conn(&app, |conn| {
        truce::db::models::crm::insert_opportunity(
            conn,
            &truce::db::models::crm::NewOpportunity {
                account_id: &account,
                owner_email: "rep@vendor.example",
                stage: "Proposal",
                amount_minor: 4_500_000,
                currency: "USD",
                last_activity_on: app.today(),
            },
            app.clock.naive_now(),
        )
        .unwrap()
    });
    let line = row_of(&cm_there.get("/review").await.body, "Initech");
    assert!(line.contains("1 active direct opportunity"), "{line}");

    // The organisation renamed here.
    let admin = app.login(ADMIN).await;
    let saved = admin
        .submit(
            &format!("/admin/orgs/{alpha}/edit"),
            &format!("/admin/orgs/{alpha}"),
            &[
                ("name", "Alpha Partners Ltd"),
                ("tier", "registered"),
                ("status", "active"),
            ],
        )
        .await;
    assert_eq!(saved.status, StatusCode::SEE_OTHER, "{}", saved.text());
    let line = row_of(&cm_there.get("/review").await.body, "Initech");
    assert!(line.contains("Alpha Partners Ltd"), "{line}");

    // A question asked here: the registration waits for the partner's answer there.
    let cm = app.login(CM).await;
    let asked = cm
        .submit(
            &format!("/review/{id}"),
            &format!("/review/{id}/request-info"),
            &[("info_question", "Who signs?")],
        )
        .await;
    assert_eq!(asked.status, StatusCode::SEE_OTHER, "{}", asked.text());
    let page = cm_there.get("/review").await.text();
    assert!(page.contains("Waiting for the partner's answer"), "{page}");

    // Approved here: gone from the queue there.
    let answered = ann
        .submit(
            &format!("/partner/deals/{id}"),
            &format!("/partner/deals/{id}/answer"),
            &[("answer", "The CFO.")],
        )
        .await;
    assert_eq!(
        answered.status,
        StatusCode::SEE_OTHER,
        "{}",
        answered.text()
    );
    let page = cm_there.get("/review").await.text();
    assert!(!page.contains("Waiting for the partner's answer"), "{page}");
    approve(&cm, &id).await;
    let page = cm_there.get("/review").await.body;
    assert!(page.contains("Nothing to review"), "{page}");
}
