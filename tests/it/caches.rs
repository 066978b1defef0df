//! What an instance keeps in memory is never staler than the database: a write on one
//! instance is in force on another at its next request (`memo`: values are kept with the
//! version numbers the writes raise).

use reqwest::StatusCode;

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
    approve(&cm, &id).await;
    close_won(&app, &ann, &id, "50000").await;
    let page = ann_there.get("/partner").await.body;
    assert_eq!(figure(&page, "fig-won-quarter"), "1");
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
