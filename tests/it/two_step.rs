//! Two-step sign-in over HTTP: setting it up from the page (codes computed here, with the
//! same crate an authenticator app's maths comes from, from the key the page shows), signing
//! in with a code or a recovery code, drift, replays, throttling, turning it off, and the
//! program policy that requires it.

use chrono::TimeDelta;
use reqwest::StatusCode;
use totp_rs::{Algorithm, Secret, TOTP};
use truce::clock::Clock;
use truce::db::models::audit;

use crate::helpers::{PASSWORD, Page, TestApp, TestClient, link_in, save_policy, spawn_app};

/// The setup key as the page shows it, in groups of four.
fn setup_key(page: &Page) -> String {
    let marker = "<code class=\"secret setup-key\">";
    let start = page
        .body
        .find(marker)
        .unwrap_or_else(|| panic!("a setup key on the page:\n{}", page.body))
        + marker.len();
    let end = page.body[start..].find("</code>").unwrap() + start;
    page.body[start..end].to_owned()
}

/// The secret an app would store after the key was typed into it.
fn secret_of(key: &str) -> Vec<u8> {
    Secret::Encoded(key.replace(' ', "")).to_bytes().unwrap()
}

/// The code an app shows `steps` time steps away from the app's clock.
fn code(app: &TestApp, secret: &[u8], steps: i64) -> String {
    let now = app.clock.now().timestamp() + steps * 30;
    TOTP::new(Algorithm::SHA1, 6, 1, 30, secret.to_vec())
        .unwrap()
        .generate(now as u64)
}

/// The recovery codes on a page that shows them.
fn recovery_codes(page: &Page) -> Vec<String> {
    page.body
        .split("<li><code>")
        .skip(1)
        .map(|rest| rest[..rest.find("</code>").unwrap()].to_owned())
        .collect()
}

/// Sets two-step sign-in up for the signed-in `client`; returns the secret and the
/// recovery codes. Moves the clock one step on, so the next code is a fresh one.
async fn enrol(app: &TestApp, client: &TestClient) -> (Vec<u8>, Vec<String>) {
    let page = client.get("/account/two-step/setup").await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.text());
    let secret = secret_of(&setup_key(&page));
    let done = client
        .post_with(
            &page.csrf(),
            "/account/two-step/setup",
            &[("code", &code(app, &secret, 0))],
        )
        .await;
    assert_eq!(done.status, StatusCode::OK, "{}", done.text());
    let codes = recovery_codes(&done);
    assert_eq!(codes.len(), 10, "{}", done.text());
    app.advance(TimeDelta::seconds(30));
    (secret, codes)
}

/// Signs in with the password; the answer must send to the second step.
async fn password_step(app: &TestApp, email: &str) -> TestClient {
    let client = app.client();
    let resp = client.login(email, PASSWORD).await;
    assert_eq!(resp.status(), StatusCode::SEE_OTHER);
    assert_eq!(resp.headers()["location"], "/login/code", "{email}");
    client
}

async fn send_code(client: &TestClient, code: &str) -> Page {
    client
        .submit("/login/code", "/login/code", &[("code", code)])
        .await
}

async fn send_recovery_code(client: &TestClient, code: &str) -> Page {
    client
        .submit("/login/recovery", "/login/recovery", &[("code", code)])
        .await
}

/// The user's two-step changes in the audit log, oldest first (their sign-ins are recorded
/// too; tests/it/audit.rs checks those).
fn audit_actions(app: &TestApp, user_id: &str) -> Vec<String> {
    audit::for_subject(&mut app.conn(), &format!("user:{user_id}"))
        .unwrap()
        .into_iter()
        .filter(|(_, _, action, _)| action.starts_with("mfa_"))
        .map(|(_, actor, action, _)| {
            assert_eq!(actor.as_deref(), Some(user_id));
            action
        })
        .collect()
}

#[actix_web::test]
async fn setting_up_shows_a_qr_code_and_a_key_and_the_first_code_turns_it_on() {
    let app = spawn_app().await;
    let id = app.create_user("rep@example.com", "sales", None, false);
    let rep = app.login("rep@example.com").await;

    let account = rep.get("/account/two-step").await;
    assert_eq!(account.status, StatusCode::OK);
    assert!(account.text().contains("Off."), "{}", account.text());
    assert!(account.body.contains("href=\"/account/two-step/setup\""));
    assert!(
        account
            .body
            .contains("<a href=\"/account/two-step\" aria-current=\"page\">Two-step sign-in</a>"),
        "linked from the navigation"
    );

    let page = rep.get("/account/two-step/setup").await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains("<img src=\"data:image/svg+xml;base64,"));
    assert!(
        page.body
            .contains("alt=\"QR code that adds your Truce account")
    );
    assert!(page.body.contains("autocomplete=\"one-time-code\""));
    assert!(page.body.contains("inputmode=\"numeric\""));
    let key = setup_key(&page);
    assert!(
        key.split(' ').all(|group| group.len() <= 4) && key.len() == 32 + 7,
        "160 bits in base32, in groups of four: {key}"
    );
    // Reloading shows the same key: the one already scanned still works.
    assert_eq!(setup_key(&rep.get("/account/two-step/setup").await), key);

    // The key is kept sealed, never as the base32 text or the raw bytes.
    let secret = secret_of(&key);
    let stored = truce::db::models::two_step::find(&mut app.conn(), &id)
        .unwrap()
        .expect("a secret is kept from the start of setup");
    assert!(stored.confirmed_at.is_none());
    let compact = key.replace(' ', "");
    assert!(stored.secret_sealed.starts_with("v1:"));
    assert!(!stored.secret_sealed.contains(&compact));
    assert!(!stored.secret_sealed.contains(&compact.to_lowercase()));
    use base64::Engine;
    let raw = base64::engine::general_purpose::STANDARD
        .decode(stored.secret_sealed.trim_start_matches("v1:"))
        .unwrap();
    assert!(
        !raw.windows(secret.len()).any(|w| w == secret.as_slice()),
        "the raw secret is not in the stored value"
    );

    // A wrong code is refused next to the field, the input kept; not a sign-in step yet.
    let wrong = rep
        .submit(
            "/account/two-step/setup",
            "/account/two-step/setup",
            &[("code", "000000")],
        )
        .await;
    assert_eq!(wrong.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(wrong.text().contains("That code is not right"));
    assert!(wrong.body.contains("value=\"000000\""));
    assert!(wrong.body.contains("aria-invalid=\"true\""));

    let done = rep
        .submit(
            "/account/two-step/setup",
            "/account/two-step/setup",
            &[("code", &code(&app, &secret, 0))],
        )
        .await;
    assert_eq!(done.status, StatusCode::OK);
    assert!(done.text().contains("not shown again"));
    let codes = recovery_codes(&done);
    assert_eq!(codes.len(), 10);
    for c in &codes {
        assert_eq!(c.len(), 19, "{c}");
        assert_eq!(c.matches('-').count(), 3, "{c}");
    }
    assert_eq!(audit_actions(&app, &id), ["mfa_enrolled"]);
    // Only hashes of the recovery codes are kept.
    let hashes: Vec<Text> = diesel::RunQueryDsl::get_results(
        diesel::sql_query("SELECT code_hash AS value FROM two_step_recovery_codes"),
        &mut *app.conn(),
    )
    .unwrap();
    assert_eq!(hashes.len(), 10);
    for h in &hashes {
        assert!(codes.iter().all(|c| !h.value.contains(&c.replace('-', ""))));
    }

    let account = rep.get("/account/two-step").await;
    assert!(account.text().contains("10 of 10 recovery codes left"));
    assert_eq!(
        rep.get("/account/two-step/setup").await.location.as_deref(),
        Some("/account/two-step"),
        "nothing to set up once it is on"
    );
}

#[derive(diesel::QueryableByName)]
struct Text {
    #[diesel(sql_type = diesel::sql_types::Text)]
    value: String,
}

#[actix_web::test]
async fn signing_in_takes_the_password_then_a_code_that_works_once() {
    let app = spawn_app().await;
    app.create_user("rep@example.com", "sales", None, false);
    let (secret, _) = enrol(&app, &app.login("rep@example.com").await).await;

    let client = password_step(&app, "rep@example.com").await;
    // The password alone is no sign-in: every page sends to the second step.
    for path in ["/sales", "/account/password", "/", "/login"] {
        assert_eq!(
            client.get(path).await.location.as_deref(),
            Some("/login/code"),
            "{path}"
        );
    }
    let page = client.get("/login/code").await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains("autocomplete=\"one-time-code\""));
    assert!(page.body.contains("inputmode=\"numeric\""));
    assert!(page.body.contains("href=\"/login/recovery\""));

    let wrong = send_code(&client, "123456").await;
    assert_eq!(wrong.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(wrong.text().contains("That code is not right"));
    assert!(wrong.body.contains("value=\"123456\""));
    let malformed = send_code(&client, "12345").await;
    assert_eq!(malformed.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(malformed.text().contains("6-digit code"));

    let now = code(&app, &secret, 0);
    let spaced = format!("{} {}", &now[..3], &now[3..]);
    let done = send_code(&client, &spaced).await;
    assert_eq!(done.status, StatusCode::SEE_OTHER, "{}", done.text());
    assert_eq!(done.location.as_deref(), Some("/sales"));
    assert_eq!(client.get("/sales").await.status, StatusCode::OK);

    // The same code again, inside its 30 seconds, from another browser: a replay.
    let thief = password_step(&app, "rep@example.com").await;
    let replayed = send_code(&thief, &now).await;
    assert_eq!(replayed.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(replayed.text().contains("used already"));
    assert_eq!(
        thief.get("/sales").await.location.as_deref(),
        Some("/login/code")
    );
    // The previous step's code is refused too once a newer one was used.
    assert!(
        send_code(&thief, &code(&app, &secret, -1))
            .await
            .text()
            .contains("used already")
    );
    // The next code is good.
    assert_eq!(
        send_code(&thief, &code(&app, &secret, 1)).await.status,
        StatusCode::SEE_OTHER
    );
}

#[actix_web::test]
async fn a_code_one_step_off_is_accepted_two_steps_off_is_not() {
    let app = spawn_app().await;
    app.create_user("cm@example.com", "channel", None, false);
    let (secret, _) = enrol(&app, &app.login("cm@example.com").await).await;
    // Clear of the step the setup used, so the step behind now is still unused.
    app.advance(TimeDelta::seconds(60));

    let client = password_step(&app, "cm@example.com").await;
    for steps in [-2, 2] {
        let page = send_code(&client, &code(&app, &secret, steps)).await;
        assert_eq!(
            page.status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "{steps} steps off"
        );
        assert!(page.text().contains("That code is not right"));
    }
    let behind = send_code(&client, &code(&app, &secret, -1)).await;
    assert_eq!(behind.status, StatusCode::SEE_OTHER, "{}", behind.text());

    let client = password_step(&app, "cm@example.com").await;
    let ahead = send_code(&client, &code(&app, &secret, 1)).await;
    assert_eq!(ahead.status, StatusCode::SEE_OTHER, "{}", ahead.text());
    assert_eq!(ahead.location.as_deref(), Some("/review"));
}

#[actix_web::test]
async fn a_recovery_code_signs_in_once() {
    let app = spawn_app().await;
    let id = app.create_user("rep@example.com", "sales", None, false);
    let (_, codes) = enrol(&app, &app.login("rep@example.com").await).await;

    let client = password_step(&app, "rep@example.com").await;
    let page = client.get("/login/recovery").await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains("action=\"/login/recovery\""));
    let wrong = send_recovery_code(&client, "0000-0000-0000-0000").await;
    assert_eq!(wrong.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        wrong
            .text()
            .contains("not one of your unused recovery codes")
    );
    assert!(wrong.body.contains("value=\"0000-0000-0000-0000\""));

    // Typed in capitals without dashes, as from paper.
    let typed = codes[3].replace('-', "").to_uppercase();
    let done = send_recovery_code(&client, &typed).await;
    assert_eq!(done.status, StatusCode::SEE_OTHER, "{}", done.text());
    assert!(client.get("/sales").await.text().contains("9 are left"));
    assert_eq!(
        audit_actions(&app, &id),
        ["mfa_enrolled", "mfa_recovery_used"]
    );

    let again = password_step(&app, "rep@example.com").await;
    let reused = send_recovery_code(&again, &codes[3]).await;
    assert_eq!(reused.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(reused.text().contains("Each code works once"));
    assert_eq!(
        send_recovery_code(&again, &codes[4]).await.status,
        StatusCode::SEE_OTHER
    );

    // New codes replace the old ones (with the password), shown once.
    let renewed = again
        .submit(
            "/account/two-step",
            "/account/two-step/recovery-codes",
            &[("renew_password", PASSWORD)],
        )
        .await;
    assert_eq!(renewed.status, StatusCode::OK);
    let fresh = recovery_codes(&renewed);
    assert_eq!(fresh.len(), 10);
    assert!(fresh.iter().all(|c| !codes.contains(c)));
    let client = password_step(&app, "rep@example.com").await;
    assert_eq!(
        send_recovery_code(&client, &codes[5]).await.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "the old codes are gone"
    );
    assert_eq!(
        send_recovery_code(&client, &fresh[0]).await.status,
        StatusCode::SEE_OTHER
    );
}

#[actix_web::test]
async fn wrong_codes_are_throttled_like_passwords() {
    let app = spawn_app().await;
    app.create_user("admin@example.com", "admin", None, false);
    let (secret, _) = enrol(&app, &app.login("admin@example.com").await).await;

    let client = password_step(&app, "admin@example.com").await;
    for _ in 0..5 {
        let page = send_code(&client, "000000").await;
        assert_eq!(page.status, StatusCode::UNPROCESSABLE_ENTITY);
    }
    // Locked now: even the right code waits.
    let locked = send_code(&client, &code(&app, &secret, 0)).await;
    assert_eq!(locked.status, StatusCode::TOO_MANY_REQUESTS);
    assert!(locked.text().contains("Too many wrong codes"));
    // A recovery code waits too: the same count.
    let recovery = send_recovery_code(&client, "0000-0000-0000-0000").await;
    assert_eq!(recovery.status, StatusCode::TOO_MANY_REQUESTS);

    app.advance(TimeDelta::seconds(61));
    let done = send_code(&client, &code(&app, &secret, 0)).await;
    assert_eq!(done.status, StatusCode::SEE_OTHER, "{}", done.text());
}

#[actix_web::test]
async fn a_half_done_sign_in_lapses_after_ten_minutes() {
    let app = spawn_app().await;
    app.create_user("rep@example.com", "sales", None, false);
    let (secret, _) = enrol(&app, &app.login("rep@example.com").await).await;
    let client = password_step(&app, "rep@example.com").await;
    let token = client.csrf_from("/login/code").await;
    app.advance(TimeDelta::minutes(11));
    let page = client
        .post_with(&token, "/login/code", &[("code", &code(&app, &secret, 0))])
        .await;
    assert!(page.is_login_redirect(), "{:?}", page.location);
    assert!(client.get("/login").await.text().contains("took too long"));
    assert!(client.get("/sales").await.is_login_redirect());
}

#[actix_web::test]
async fn a_password_link_does_not_skip_the_second_step() {
    let app = spawn_app().await;
    app.create_user("admin@example.com", "admin", None, false);
    let id = app.create_user("cm@example.com", "channel", None, false);
    let (secret, _) = enrol(&app, &app.login("cm@example.com").await).await;
    let admin = app.login("admin@example.com").await;
    let page = format!("/admin/users/{id}");
    let reset = admin
        .submit(&page, &format!("/admin/users/{id}/reset-password"), &[])
        .await;
    assert_eq!(reset.status, StatusCode::SEE_OTHER);
    let link = link_in(&app.last_email_to("cm@example.com").text_body);
    let client = app.client();
    let saved = client
        .submit(
            &link,
            &link,
            &[
                ("password", "a brand new passphrase 7"),
                ("password_confirm", "a brand new passphrase 7"),
            ],
        )
        .await;
    assert_eq!(saved.status, StatusCode::SEE_OTHER, "{}", saved.text());
    assert_eq!(saved.location.as_deref(), Some("/login/code"));
    assert_eq!(
        client.get("/review").await.location.as_deref(),
        Some("/login/code")
    );
    let done = send_code(&client, &code(&app, &secret, 0)).await;
    assert_eq!(done.status, StatusCode::SEE_OTHER, "{}", done.text());
    assert_eq!(client.get("/review").await.status, StatusCode::OK);
}

async fn turn_off(client: &TestClient, password: &str, code: String) -> Page {
    client
        .submit(
            "/account/two-step",
            "/account/two-step/off",
            &[("off_password", password), ("off_code", &code)],
        )
        .await
}

#[actix_web::test]
async fn turning_it_off_takes_the_password_and_a_code() {
    let app = spawn_app().await;
    let id = app.create_user("rep@example.com", "sales", None, false);
    let rep = app.login("rep@example.com").await;
    let (secret, codes) = enrol(&app, &rep).await;
    let wrong_password = turn_off(&rep, "not my password", code(&app, &secret, 0)).await;
    assert_eq!(wrong_password.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(wrong_password.text().contains("not your current password"));
    assert!(
        wrong_password
            .body
            .contains(&format!("value=\"{}\"", code(&app, &secret, 0))),
        "the code is kept"
    );
    let no_code = turn_off(&rep, PASSWORD, String::new()).await;
    assert_eq!(no_code.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(no_code.text().contains("Enter the code"));
    let wrong_code = turn_off(&rep, PASSWORD, "000000".into()).await;
    assert_eq!(wrong_code.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(wrong_code.text().contains("That code is not right"));
    let used_recovery = turn_off(&rep, PASSWORD, "0000-0000-0000-0000".into()).await;
    assert!(
        used_recovery
            .text()
            .contains("not one of your unused recovery codes")
    );
    assert!(
        rep.get("/account/two-step")
            .await
            .body
            .contains("<strong>On</strong> since"),
        "still on"
    );

    let done = turn_off(&rep, PASSWORD, code(&app, &secret, 0)).await;
    assert_eq!(done.status, StatusCode::SEE_OTHER, "{}", done.text());
    let account = rep.get("/account/two-step").await;
    assert!(account.text().contains("Two-step sign-in is off."));
    assert!(account.text().contains("Off."));
    assert!(
        truce::db::models::two_step::find(&mut app.conn(), &id)
            .unwrap()
            .is_none()
    );
    assert_eq!(audit_actions(&app, &id), ["mfa_enrolled", "mfa_disabled"]);
    // The password alone signs in again; the old recovery codes are gone with it.
    let client = app.client();
    let resp = client.login("rep@example.com", PASSWORD).await;
    assert_eq!(resp.headers()["location"], "/sales");

    // A recovery code turns it off as well (a lost phone).
    let (_, codes_again) = enrol(&app, &rep).await;
    assert_ne!(codes, codes_again);
    let done = turn_off(&rep, PASSWORD, codes_again[0].clone()).await;
    assert_eq!(done.status, StatusCode::SEE_OTHER, "{}", done.text());
}

#[actix_web::test]
async fn the_policy_sends_admins_to_set_it_up_right_after_the_password() {
    let app = spawn_app().await;
    app.create_user("owner@example.com", "admin", None, false);
    app.create_user("second@example.com", "admin", None, false);
    app.create_user("cm@example.com", "channel", None, false);
    let owner = app.login("owner@example.com").await;

    // Asking it of others but not of admins is refused, next to the field.
    let refused = save_policy(&app, &owner, &[("two_step_partners", "on")]).await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(refused.text().contains("Require it of administrators too"));
    assert!(
        refused
            .body
            .contains("id=\"two_step_partners\" name=\"two_step_partners\" value=\"on\" checked")
    );

    let saved = save_policy(&app, &owner, &[("two_step_admins", "on")]).await;
    assert_eq!(saved.status, StatusCode::SEE_OTHER, "{}", saved.text());
    let history = truce::db::models::policy::current(&mut app.conn()).unwrap();
    assert!(history.value.two_step_admins && !history.value.two_step_channel);

    // At once, for the admin already signed in: every page sends them to set it up.
    for path in [
        "/admin",
        "/admin/policy",
        "/account/password",
        "/review",
        "/",
    ] {
        assert_eq!(
            owner.get(path).await.location.as_deref(),
            Some("/account/two-step/setup"),
            "{path}"
        );
    }
    let post = owner
        .post_with(
            &owner.csrf_from("/account/two-step/setup").await,
            "/admin/policy",
            &[],
        )
        .await;
    assert_eq!(post.location.as_deref(), Some("/account/two-step/setup"));

    // Another admin: straight from the password to the setup.
    let second = app.client();
    let resp = second.login("second@example.com", PASSWORD).await;
    assert_eq!(resp.status(), StatusCode::SEE_OTHER);
    assert_eq!(resp.headers()["location"], "/account/two-step/setup");
    let setup = second.get("/account/two-step/setup").await;
    assert_eq!(setup.status, StatusCode::OK);
    assert!(
        setup
            .text()
            .contains("The program requires two-step sign-in for your role")
    );
    assert!(
        !setup.body.contains("href=\"/admin/policy\""),
        "no navigation to pages that would send them back"
    );
    assert!(
        setup.body.contains("action=\"/logout\""),
        "they can sign out"
    );
    assert_eq!(
        second.get("/admin/users").await.location.as_deref(),
        Some("/account/two-step/setup")
    );
    enrol(&app, &second).await;
    assert_eq!(second.get("/admin").await.status, StatusCode::OK);
    // Turning it off sends them straight back to set it up.
    assert!(
        second
            .get("/account/two-step")
            .await
            .text()
            .contains("set it up again straight away")
    );

    // Channel managers are not required: the password is enough.
    let cm = app.client();
    let resp = cm.login("cm@example.com", PASSWORD).await;
    assert_eq!(resp.headers()["location"], "/review");
    assert_eq!(cm.get("/review").await.status, StatusCode::OK);
}

#[actix_web::test]
async fn an_admin_turns_it_off_for_someone_who_lost_phone_and_codes() {
    let app = spawn_app().await;
    app.create_user("admin@example.com", "admin", None, false);
    let id = app.create_user("rep@example.com", "sales", None, false);
    enrol(&app, &app.login("rep@example.com").await).await;
    let admin = app.login("admin@example.com").await;
    let page = format!("/admin/users/{id}");
    let action = format!("/admin/users/{id}/two-step/off");
    assert!(
        admin
            .get(&page)
            .await
            .body
            .contains(&format!("action=\"{action}\""))
    );
    let done = admin.submit(&page, &action, &[]).await;
    assert_eq!(done.status, StatusCode::SEE_OTHER);
    let after = admin.get(&page).await;
    assert!(after.text().contains("Two-step sign-in is off for"));
    assert!(!after.body.contains(&format!("action=\"{action}\"")));
    let admin_id = app.find_user("admin@example.com").unwrap().id;
    let last = audit::for_subject(&mut app.conn(), &format!("user:{id}"))
        .unwrap()
        .pop()
        .unwrap();
    assert_eq!(
        (last.1.as_deref(), last.2.as_str()),
        (Some(admin_id.as_str()), "mfa_disabled"),
        "the admin is the actor"
    );
    let resp = app.client().login("rep@example.com", PASSWORD).await;
    assert_eq!(resp.headers()["location"], "/sales");
}
