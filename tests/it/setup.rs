use chrono::TimeDelta;
use reqwest::StatusCode;

use crate::helpers::{PASSWORD, spawn_app};

#[actix_web::test]
async fn first_start_prints_a_setup_link_that_creates_the_first_admin_once() {
    let app = spawn_app().await;
    let link = app
        .setup_link
        .clone()
        .expect("no users yet, so a setup link");
    let path = link
        .strip_prefix(&app.address)
        .expect("link uses the base URL")
        .to_owned();
    let browser = app.client();

    let form = browser.get(&path).await;
    assert_eq!(form.status, StatusCode::OK);
    assert!(form.body.contains("Create the first administrator"));

    // A weak password is refused next to its field, and the name and email stay filled in.
    let refused = browser
        .submit(
            &path,
            &path,
            &[
                ("name", "Ada Admin"),
                ("email", "ada@example.com"),
                ("password", "password1234"),
                ("password_confirm", "password1234"),
            ],
        )
        .await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        refused.body.contains("most common passwords"),
        "{}",
        refused.body
    );
    assert!(refused.body.contains("value=\"Ada Admin\""));
    assert!(refused.body.contains("value=\"ada@example.com\""));

    let created = browser
        .submit(
            &path,
            &path,
            &[
                ("name", "Ada Admin"),
                ("email", "Ada@Example.com"),
                ("password", PASSWORD),
                ("password_confirm", PASSWORD),
            ],
        )
        .await;
    assert_eq!(created.status, StatusCode::SEE_OTHER);
    assert_eq!(created.location.as_deref(), Some("/admin"));
    let home = browser.get("/admin").await;
    assert_eq!(home.status, StatusCode::OK);
    assert!(home.body.contains("Program administration"));
    assert!(home.body.contains("Ada Admin"));

    // The link is dead now, for anyone.
    let again = app.client().get(&path).await;
    assert_eq!(again.status, StatusCode::NOT_FOUND);
    assert!(again.body.contains("no longer works"));

    // And the admin signs in with what they chose.
    let other = app.client();
    assert_eq!(
        other.login("ada@example.com", PASSWORD).await.status(),
        StatusCode::SEE_OTHER
    );
}

#[actix_web::test]
async fn the_setup_link_dies_after_an_hour() {
    let app = spawn_app().await;
    let link = app.setup_link.clone().unwrap();
    let path = link.strip_prefix(&app.address).unwrap().to_owned();
    app.advance(TimeDelta::minutes(59));
    assert_eq!(app.client().get(&path).await.status, StatusCode::OK);
    app.advance(TimeDelta::minutes(2));
    assert_eq!(app.client().get(&path).await.status, StatusCode::NOT_FOUND);
}

#[actix_web::test]
async fn no_setup_link_once_a_user_exists_and_a_made_up_link_is_refused() {
    let app = spawn_app().await;
    app.create_user("admin@example.com", "admin", None, false);
    // Another instance on the same database (as after a restart) issues no link.
    let (_, setup_link) = app.start_another_instance().await;
    assert_eq!(setup_link, None);
    let page = app.client().get("/setup/made-up-token").await;
    assert_eq!(page.status, StatusCode::NOT_FOUND);
}
