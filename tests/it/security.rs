use diesel::connection::SimpleConnection;
use reqwest::StatusCode;

use crate::helpers::{spawn_app, with_conn};

#[actix_web::test]
async fn every_response_carries_the_security_headers() {
    let app = spawn_app().await;
    app.create_user("a@example.com", "admin", None, false);
    let admin = app.login("a@example.com").await;
    for (client, path) in [
        (&app.client(), "/login"),
        (&admin, "/admin/users"),
        (&admin, "/nope"),
    ] {
        let page = client.get(path).await;
        let csp = page.headers["content-security-policy"].to_str().unwrap();
        for part in [
            "object-src 'none'",
            "base-uri 'none'",
            "frame-ancestors 'none'",
            "script-src 'self'",
        ] {
            assert!(csp.contains(part), "{path}: {csp}");
        }
        assert!(!csp.contains("unsafe-inline"));
        assert_eq!(page.headers["x-content-type-options"], "nosniff");
        assert!(page.headers.contains_key("referrer-policy"));
        assert_eq!(page.headers["cache-control"], "no-store", "{path}");
        assert!(
            !page.headers.contains_key("strict-transport-security"),
            "no HSTS over plain http"
        );
    }
}

#[actix_web::test]
async fn refusals_by_the_middleware_carry_the_security_headers_too() {
    let app = spawn_app().await;
    app.create_user("a@example.com", "admin", None, false);
    let admin = app.login("a@example.com").await;
    // The CSRF guard's 403, the body-size check's 413 and a form that cannot be read (400).
    let csrf = admin.post_raw("/admin/orgs", &[("name", "x")]).await;
    assert_eq!(csrf.status, StatusCode::FORBIDDEN);
    let token = admin.get("/admin/orgs/new").await.csrf();
    let huge = "x".repeat(70 * 1024);
    // The server may answer and close before the client has sent the whole body; a browser
    // shows the answer, reqwest reports a broken pipe. Try again until the answer is read.
    let mut too_large = None;
    for _ in 0..5 {
        let sent = admin
            .http
            .post(admin.url("/admin/orgs"))
            .form(&[("csrf_token", token.as_str()), ("name", &huge)])
            .send()
            .await;
        if let Ok(response) = sent {
            too_large = Some(crate::helpers::Page::from(response).await);
            break;
        }
    }
    let too_large = too_large.expect("the refusal of a large body is read");
    assert_eq!(too_large.status, StatusCode::PAYLOAD_TOO_LARGE);
    let unreadable = admin
        .post_raw(
            "/admin/orgs",
            &[("csrf_token", &token), ("name", "x"), ("nonsense", "y")],
        )
        .await;
    assert_eq!(unreadable.status, StatusCode::BAD_REQUEST);
    for page in [csrf, too_large, unreadable] {
        let csp = page.headers["content-security-policy"].to_str().unwrap();
        assert!(
            csp.contains("frame-ancestors 'none'"),
            "{}: {csp}",
            page.status
        );
        assert_eq!(page.headers["x-frame-options"], "DENY", "{}", page.status);
        assert_eq!(page.headers["x-content-type-options"], "nosniff");
        assert_eq!(page.headers["referrer-policy"], "no-referrer");
    }
}

#[actix_web::test]
async fn state_changes_without_the_right_csrf_token_are_refused() {
    let app = spawn_app().await;
    app.create_user("a@example.com", "admin", None, false);
    let admin = app.login("a@example.com").await;
    let fields = [
        ("name", "Sneaky Org"),
        ("tier", "gold"),
        ("status", "active"),
    ];

    let missing = admin.post_raw("/admin/orgs", &fields).await;
    assert_eq!(missing.status, StatusCode::FORBIDDEN);
    assert!(missing.body.contains("Form expired"));
    let mut wrong = vec![("csrf_token", "not-the-token")];
    wrong.extend_from_slice(&fields);
    assert_eq!(
        admin.post_raw("/admin/orgs", &wrong).await.status,
        StatusCode::FORBIDDEN
    );
    // Another session's token does not work either.
    let other_token = app.client().get("/login").await.csrf();
    let mut foreign = vec![("csrf_token", other_token.as_str())];
    foreign.extend_from_slice(&fields);
    assert_eq!(
        admin.post_raw("/admin/orgs", &foreign).await.status,
        StatusCode::FORBIDDEN
    );
    assert!(
        !admin.get("/admin/orgs").await.body.contains("Sneaky Org"),
        "nothing was written"
    );

    // The sign-in form is protected too.
    let visitor = app.client();
    let login = visitor
        .post_raw(
            "/login",
            &[
                ("email", "a@example.com"),
                ("password", crate::helpers::PASSWORD),
            ],
        )
        .await;
    assert_eq!(login.status, StatusCode::FORBIDDEN);
}

#[actix_web::test]
async fn bad_input_gets_a_clear_4xx_never_a_500() {
    let app = spawn_app().await;
    app.create_user("a@example.com", "admin", None, false);
    let admin = app.login("a@example.com").await;
    let token = admin.get("/admin/orgs/new").await.csrf();

    let huge = "x".repeat(70 * 1024);
    let too_big = admin
        .post_raw(
            "/admin/orgs",
            &[
                ("csrf_token", &token),
                ("name", &huge),
                ("tier", "gold"),
                ("status", "active"),
            ],
        )
        .await;
    assert_eq!(too_big.status, StatusCode::PAYLOAD_TOO_LARGE);
    assert!(too_big.body.contains("64 KiB"));

    let unknown = admin
        .post_raw(
            "/admin/orgs",
            &[
                ("csrf_token", &token),
                ("name", "X Org"),
                ("tier", "gold"),
                ("status", "active"),
                ("is_admin", "1"),
            ],
        )
        .await;
    assert_eq!(unknown.status, StatusCode::BAD_REQUEST);
    assert!(unknown.body.contains("unknown field"));

    let body = format!("csrf_token={token}&name=%FF%FE%20Org&tier=gold&status=active");
    let invalid_utf8 = admin
        .http
        .post(admin.url("/admin/orgs"))
        .header("content-type", "application/x-www-form-urlencoded")
        .body(body)
        .send()
        .await
        .unwrap();
    assert_eq!(invalid_utf8.status(), StatusCode::BAD_REQUEST);
    assert!(
        invalid_utf8
            .text()
            .await
            .unwrap()
            .contains("not valid text (UTF-8)")
    );

    let json = admin
        .http
        .post(admin.url("/admin/orgs"))
        .header("content-type", "application/json")
        .header("x-csrf-token", token.as_str())
        .body("{}")
        .send()
        .await
        .unwrap();
    assert_eq!(json.status(), StatusCode::BAD_REQUEST);

    let script = "<script>alert(1)</script> Org";
    let created = admin
        .post_raw(
            "/admin/orgs",
            &[
                ("csrf_token", &token),
                ("name", script),
                ("tier", "gold"),
                ("status", "active"),
            ],
        )
        .await;
    assert_eq!(created.status, StatusCode::SEE_OTHER);
    let list = admin.get("/admin/orgs").await;
    assert!(!list.body.contains("<script>alert(1)</script>"));
    assert!(
        list.body
            .contains("&#60;script&#62;alert(1)&#60;/script&#62;")
            || list.body.contains("&lt;script&gt;")
    );
}

#[actix_web::test]
async fn a_server_error_shows_a_reference_and_hides_the_cause() {
    let app = spawn_app().await;
    app.create_user("a@example.com", "admin", None, false);
    with_conn(&app, |conn| {
        conn.batch_execute("DROP TABLE login_failures").unwrap()
    });
    let visitor = app.client();
    let page = visitor
        .submit(
            "/login",
            "/login",
            &[
                ("email", "a@example.com"),
                ("password", "wrong wrong wrong"),
            ],
        )
        .await;
    assert_eq!(page.status, StatusCode::INTERNAL_SERVER_ERROR);
    assert!(page.body.contains("Reference:"));
    assert!(
        page.body.contains("class=\"skip-link\""),
        "the same layout as every page"
    );
    assert!(page.body.contains("site-footer"));
    assert!(
        !page.body.contains("login_failures"),
        "the cause stays in the log"
    );
}

#[actix_web::test]
async fn health_and_readiness_probes() {
    let app = spawn_app().await;
    let client = app.client();
    let health = client.get("/healthz").await;
    assert_eq!(health.status, StatusCode::OK);
    assert_eq!(health.body, "ok");
    assert_eq!(client.get("/readyz").await.body, "ready");
}
