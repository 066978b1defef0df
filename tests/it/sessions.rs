use chrono::TimeDelta;
use reqwest::StatusCode;

use crate::helpers::{PASSWORD, spawn_app, spawn_app_with};

#[actix_web::test]
async fn the_session_id_changes_at_sign_in() {
    let app = spawn_app().await;
    app.create_user("a@example.com", "admin", None, false);
    let client = app.client();
    client.get("/login").await;
    let before = client
        .session_cookie()
        .expect("a visitor's session holds the CSRF token");
    assert_eq!(
        client.login("a@example.com", PASSWORD).await.status(),
        StatusCode::SEE_OTHER
    );
    let after = client.session_cookie().unwrap();
    assert_ne!(before, after);
    // The pre-sign-in cookie is worth nothing afterwards.
    assert!(
        client
            .with_cookie(&before)
            .get("/admin")
            .await
            .is_login_redirect()
    );
}

#[actix_web::test]
async fn the_cookie_is_http_only_lax_and_not_secure_on_localhost() {
    let app = spawn_app().await;
    let page = app.client().get("/login").await;
    let cookie = page.headers["set-cookie"].to_str().unwrap().to_owned();
    assert!(cookie.starts_with("truce="), "{cookie}");
    assert!(cookie.contains("HttpOnly"));
    assert!(cookie.contains("SameSite=Lax"));
    assert!(!cookie.contains("Secure"));
}

#[actix_web::test]
async fn with_secure_cookies_the_cookie_uses_the_host_prefix_and_hsts_is_sent() {
    let app = spawn_app_with(&["--secure-cookies", "on"]).await;
    let page = app.client().get("/login").await;
    let cookie = page.headers["set-cookie"].to_str().unwrap().to_owned();
    assert!(cookie.starts_with("__Host-truce="), "{cookie}");
    assert!(cookie.contains("Secure"));
    assert!(cookie.contains("Path=/"));
    assert!(!cookie.contains("Domain="));
    assert!(
        page.headers["strict-transport-security"]
            .to_str()
            .unwrap()
            .contains("max-age=")
    );
}

#[actix_web::test]
async fn an_old_cookie_fails_after_sign_out() {
    let app = spawn_app().await;
    app.create_user("a@example.com", "admin", None, false);
    let client = app.login("a@example.com").await;
    let cookie = client.session_cookie().unwrap();
    client.submit("/admin", "/logout", &[]).await;
    assert!(
        client
            .with_cookie(&cookie)
            .get("/admin")
            .await
            .is_login_redirect()
    );
}

#[actix_web::test]
async fn a_password_change_ends_other_sessions_but_keeps_this_one() {
    let app = spawn_app().await;
    app.create_user("a@example.com", "sales", None, false);
    let laptop = app.login("a@example.com").await;
    let phone = app.login("a@example.com").await;
    let stolen = laptop.session_cookie().unwrap();

    // The current password is required.
    let refused = laptop
        .submit(
            "/account/password",
            "/account/password",
            &[
                ("current_password", "wrong wrong wrong"),
                ("password", "new harbour lantern 77"),
                ("password_confirm", "new harbour lantern 77"),
            ],
        )
        .await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(refused.body.contains("not your current password"));
    assert_eq!(
        phone.get("/sales").await.status,
        StatusCode::OK,
        "a refused change ends nothing"
    );

    let changed = laptop
        .submit(
            "/account/password",
            "/account/password",
            &[
                ("current_password", PASSWORD),
                ("password", "new harbour lantern 77"),
                ("password_confirm", "new harbour lantern 77"),
            ],
        )
        .await;
    assert_eq!(changed.status, StatusCode::SEE_OTHER);
    let home = laptop.get("/sales").await;
    assert_eq!(home.status, StatusCode::OK);
    assert!(home.body.contains("signed out everywhere else"));
    assert!(phone.get("/sales").await.is_login_redirect());
    assert!(
        laptop
            .with_cookie(&stolen)
            .get("/sales")
            .await
            .is_login_redirect()
    );
    assert_eq!(
        app.client()
            .login("a@example.com", "new harbour lantern 77")
            .await
            .status(),
        StatusCode::SEE_OTHER
    );
}

#[actix_web::test]
async fn sessions_end_after_30_idle_minutes() {
    let app = spawn_app().await;
    app.create_user("a@example.com", "channel", None, false);
    let client = app.login("a@example.com").await;
    app.advance(TimeDelta::minutes(25));
    assert_eq!(client.get("/review").await.status, StatusCode::OK);
    app.advance(TimeDelta::minutes(25));
    assert_eq!(
        client.get("/review").await.status,
        StatusCode::OK,
        "activity keeps it alive"
    );
    app.advance(TimeDelta::minutes(31));
    assert!(client.get("/review").await.is_login_redirect());
}

#[actix_web::test]
async fn sessions_end_after_12_hours_however_active() {
    let app = spawn_app().await;
    app.create_user("a@example.com", "channel", None, false);
    let client = app.login("a@example.com").await;
    for _ in 0..28 {
        app.advance(TimeDelta::minutes(25));
        assert_eq!(client.get("/review").await.status, StatusCode::OK);
    }
    // 11 h 40 min so far.
    app.advance(TimeDelta::minutes(25));
    assert!(client.get("/review").await.is_login_redirect());
}

#[actix_web::test]
async fn sessions_are_shared_by_instances_on_one_database() {
    let app = spawn_app().await;
    app.create_user("a@example.com", "admin", None, false);
    let client = app.login("a@example.com").await;
    let (second, _) = app.start_another_instance().await;
    let cookie = client.session_cookie().unwrap();
    let mut other = client.with_cookie(&cookie);
    other.base = second;
    let page = other.get("/admin").await;
    assert_eq!(
        page.status,
        StatusCode::OK,
        "the other instance knows the session"
    );
}
