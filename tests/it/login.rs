use chrono::TimeDelta;
use reqwest::StatusCode;

use crate::helpers::{PASSWORD, spawn_app, spawn_app_with};

#[actix_web::test]
async fn each_role_lands_on_its_own_home_and_signs_out_with_a_post() {
    let app = spawn_app().await;
    let org = app.create_org("Acme Partners");
    app.create_user("p@example.com", "partner", Some(&org), false);
    app.create_user("s@example.com", "sales", None, false);
    app.create_user("c@example.com", "channel", None, false);
    app.create_user("a@example.com", "admin", None, false);
    for (email, home, heading) in [
        ("p@example.com", "/partner", "My deals"),
        ("s@example.com", "/sales", "Account lock check"),
        ("c@example.com", "/review", "Review queue"),
        ("a@example.com", "/admin", "Program administration"),
    ] {
        let client = app.client();
        let resp = client.login(email, PASSWORD).await;
        assert_eq!(resp.status(), StatusCode::SEE_OTHER);
        assert_eq!(resp.headers()["location"], home, "{email}");
        let page = client.get(home).await;
        assert!(page.body.contains(heading), "{email} sees {heading}");
        assert_eq!(client.get("/").await.location.as_deref(), Some(home));

        // Sign-out is a POST with the CSRF token; a GET does nothing.
        assert_eq!(client.get("/logout").await.status, StatusCode::NOT_FOUND);
        let out = client.submit(home, "/logout", &[]).await;
        assert!(out.is_login_redirect());
        assert!(
            client.get(home).await.is_login_redirect(),
            "{email} is signed out"
        );
    }
}

#[actix_web::test]
async fn failed_sign_in_is_generic_and_keeps_the_email() {
    let app = spawn_app().await;
    app.create_user("known@example.com", "sales", None, false);
    let client = app.client();
    let wrong_password = client
        .submit(
            "/login",
            "/login",
            &[
                ("email", "known@example.com"),
                ("password", "not the password"),
            ],
        )
        .await;
    let unknown_user = client
        .submit(
            "/login",
            "/login",
            &[
                ("email", "nobody@example.com"),
                ("password", "not the password"),
            ],
        )
        .await;
    for page in [&wrong_password, &unknown_user] {
        assert_eq!(page.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(page.body.contains("do not match an active account"));
    }
    assert!(wrong_password.body.contains("value=\"known@example.com\""));
}

#[actix_web::test]
async fn repeated_failures_lock_the_account_for_a_bounded_time() {
    let app = spawn_app().await;
    app.create_user("target@example.com", "admin", None, false);
    let attacker = app.client();
    for _ in 0..5 {
        let page = attacker
            .submit(
                "/login",
                "/login",
                &[
                    ("email", "target@example.com"),
                    ("password", "guess guess guess"),
                ],
            )
            .await;
        assert_eq!(page.status, StatusCode::UNPROCESSABLE_ENTITY);
    }
    // Now even the right password is not checked from this address.
    let locked = app.client().login("target@example.com", PASSWORD).await;
    assert_eq!(locked.status(), StatusCode::TOO_MANY_REQUESTS);
    assert!(
        locked
            .text()
            .await
            .unwrap()
            .contains("Try again in 1 minute")
    );

    // The lockout ends by itself; the counter then starts over after a success.
    app.advance(TimeDelta::seconds(61));
    let client = app.client();
    assert_eq!(
        client.login("target@example.com", PASSWORD).await.status(),
        StatusCode::SEE_OTHER
    );
}

async fn fail_from(app: &crate::helpers::TestApp, last_octet: u8) -> StatusCode {
    let client = crate::helpers::TestClient::from_address(
        &app.address,
        Some(std::net::IpAddr::from([127, 0, 0, last_octet])),
    );
    client
        .submit(
            "/login",
            "/login",
            &[
                ("email", "target@example.com"),
                ("password", "guess guess guess"),
            ],
        )
        .await
        .status
}

#[actix_web::test]
async fn guessing_from_many_addresses_is_slowed_per_account_but_never_locks_the_owner_out() {
    let app = spawn_app().await;
    app.create_user("target@example.com", "admin", None, false);
    // One failure from each of ten addresses: no address comes near its own lockout.
    for octet in 2..12 {
        assert_eq!(
            fail_from(&app, octet).await,
            StatusCode::UNPROCESSABLE_ENTITY
        );
    }
    // The account now answers one attempt at a time, whatever the address: a fresh one is
    // refused too, even with the right password.
    assert_eq!(fail_from(&app, 40).await, StatusCode::TOO_MANY_REQUESTS);
    let owner = crate::helpers::TestClient::from_address(
        &app.address,
        Some(std::net::IpAddr::from([127, 0, 0, 50])),
    );
    let waited = owner.login("target@example.com", PASSWORD).await;
    assert_eq!(waited.status(), StatusCode::TOO_MANY_REQUESTS);
    // The delay is seconds, never a lockout: the owner gets in after it.
    app.advance(TimeDelta::seconds(61));
    assert_eq!(
        owner.login("target@example.com", PASSWORD).await.status(),
        StatusCode::SEE_OTHER
    );
}

#[actix_web::test]
async fn the_owners_sign_in_does_not_clear_an_attackers_count_at_another_address() {
    let app = spawn_app().await;
    app.create_user("target@example.com", "admin", None, false);
    for _ in 0..4 {
        assert_eq!(fail_from(&app, 9).await, StatusCode::UNPROCESSABLE_ENTITY);
    }
    let owner = crate::helpers::TestClient::from_address(
        &app.address,
        Some(std::net::IpAddr::from([127, 0, 0, 20])),
    );
    assert_eq!(
        owner.login("target@example.com", PASSWORD).await.status(),
        StatusCode::SEE_OTHER
    );
    // The attacker's address is one failure from its lockout still, not back at zero.
    assert_eq!(fail_from(&app, 9).await, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(fail_from(&app, 9).await, StatusCode::TOO_MANY_REQUESTS);
}

#[actix_web::test]
async fn sign_in_attempts_are_rate_limited_per_address() {
    let app = spawn_app_with(&["--login-attempts-per-minute", "3"]).await;
    let client = app.client();
    for _ in 0..3 {
        let page = client
            .submit(
                "/login",
                "/login",
                &[
                    ("email", "x@example.com"),
                    ("password", "whatever whatever"),
                ],
            )
            .await;
        assert_eq!(page.status, StatusCode::UNPROCESSABLE_ENTITY);
    }
    let limited = client
        .submit(
            "/login",
            "/login",
            &[
                ("email", "y@example.com"),
                ("password", "whatever whatever"),
            ],
        )
        .await;
    assert_eq!(limited.status, StatusCode::TOO_MANY_REQUESTS);
    assert!(limited.body.contains("Wait a minute"));
}

#[actix_web::test]
async fn after_sign_in_the_user_returns_to_the_page_they_asked_for_but_never_off_site() {
    let app = spawn_app().await;
    app.create_user("a@example.com", "admin", None, false);
    let client = app.client();
    let bounced = client.get("/admin/users").await;
    assert_eq!(
        bounced.location.as_deref(),
        Some("/login?next=%2Fadmin%2Fusers")
    );
    let login_page = client.get("/login?next=%2Fadmin%2Fusers").await;
    let token = login_page.csrf();
    let resp = client
        .post_raw(
            "/login",
            &[
                ("csrf_token", &token),
                ("email", "a@example.com"),
                ("password", PASSWORD),
                ("next", "/admin/users"),
            ],
        )
        .await;
    assert_eq!(resp.location.as_deref(), Some("/admin/users"));

    let other = app.client();
    let token = other.get("/login").await.csrf();
    let resp = other
        .post_raw(
            "/login",
            &[
                ("csrf_token", &token),
                ("email", "a@example.com"),
                ("password", PASSWORD),
                ("next", "//evil.example/"),
            ],
        )
        .await;
    assert_eq!(resp.location.as_deref(), Some("/admin"));
}

/// A failed sign-in as a client behind a proxy that names it in X-Forwarded-For.
async fn fail_forwarded(app: &crate::helpers::TestApp, forwarded_for: &str) -> StatusCode {
    let client = app.client();
    let token = client.get("/login").await.csrf();
    client
        .http
        .post(client.url("/login"))
        .header("X-Forwarded-For", forwarded_for)
        .form(&[
            ("csrf_token", token.as_str()),
            ("email", "nobody@example.com"),
            ("password", "guess guess guess"),
        ])
        .send()
        .await
        .unwrap()
        .status()
}

#[actix_web::test]
async fn behind_a_trusted_proxy_each_forwarded_client_has_its_own_sign_in_budget() {
    let app = crate::helpers::spawn_app_with(&[
        "--login-attempts-per-minute",
        "2",
        "--trusted-proxies",
        "127.0.0.1",
    ])
    .await;
    for _ in 0..2 {
        assert_eq!(
            fail_forwarded(&app, "198.51.100.1").await,
            StatusCode::UNPROCESSABLE_ENTITY
        );
    }
    assert_eq!(
        fail_forwarded(&app, "198.51.100.1").await,
        StatusCode::TOO_MANY_REQUESTS
    );
    // Another client behind the same proxy is not held back.
    assert_eq!(
        fail_forwarded(&app, "198.51.100.2").await,
        StatusCode::UNPROCESSABLE_ENTITY
    );
}

#[actix_web::test]
async fn without_trusted_proxies_a_forwarded_header_buys_no_fresh_budget() {
    let app = crate::helpers::spawn_app_with(&["--login-attempts-per-minute", "2"]).await;
    assert_eq!(
        fail_forwarded(&app, "198.51.100.1").await,
        StatusCode::UNPROCESSABLE_ENTITY
    );
    assert_eq!(
        fail_forwarded(&app, "198.51.100.2").await,
        StatusCode::UNPROCESSABLE_ENTITY
    );
    assert_eq!(
        fail_forwarded(&app, "198.51.100.3").await,
        StatusCode::TOO_MANY_REQUESTS
    );
}
