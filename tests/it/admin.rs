use reqwest::StatusCode;

use crate::helpers::{PASSWORD, TestApp, TestClient, link_in, spawn_app};

/// The set-password link in the newest email to `to`, checked to be absolute.
fn link_path(app: &TestApp, to: &str) -> String {
    let email = app.last_email_to(to);
    let path = link_in(&email.text_body);
    assert!(
        email.text_body.contains(&format!("{}{path}", app.address)),
        "the link is absolute, under the base URL"
    );
    path
}

/// The table row of a page that mentions `needle`.
fn row_of<'a>(html: &'a str, needle: &str) -> &'a str {
    let at = html
        .find(needle)
        .unwrap_or_else(|| panic!("{needle} not on the page"));
    let start = html[..at].rfind("<tr").unwrap();
    let end = html[at..].find("</tr>").unwrap() + at;
    &html[start..end]
}

async fn choose_password(client: &TestClient, path: &str, password: &str) -> crate::helpers::Page {
    client
        .submit(
            path,
            path,
            &[("password", password), ("password_confirm", password)],
        )
        .await
}

#[actix_web::test]
async fn admin_manages_partner_organisations_with_errors_next_to_fields() {
    let app = spawn_app().await;
    app.create_user("a@example.com", "admin", None, false);
    let admin = app.login("a@example.com").await;
    let home = admin.get("/admin").await.text();
    assert!(
        home.contains("0 organisations") && home.contains("1 user<"),
        "counts read as English: {home}"
    );

    let created = admin
        .submit(
            "/admin/orgs/new",
            "/admin/orgs",
            &[
                ("name", "Northwind Traders"),
                ("tier", "silver"),
                ("status", "active"),
            ],
        )
        .await;
    assert_eq!(created.status, StatusCode::SEE_OTHER);
    let list = admin.get("/admin/orgs").await;
    assert!(list.body.contains("Northwind Traders"));
    assert!(list.body.contains("Silver"));
    assert!(list.body.contains("Northwind Traders was added."));
    // The admin's navigation is grouped; the group holding this page is marked.
    assert!(
        list.body
            .contains("<summary class=\"current\">Partners</summary>"),
        "{}",
        list.body
    );

    let duplicate = admin
        .submit(
            "/admin/orgs/new",
            "/admin/orgs",
            &[
                ("name", "northwind   TRADERS"),
                ("tier", "gold"),
                ("status", "active"),
            ],
        )
        .await;
    assert_eq!(duplicate.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(duplicate.body.contains("already exists"));
    assert!(
        duplicate.body.contains("value=\"northwind   TRADERS\""),
        "input kept"
    );
    assert!(duplicate.body.contains("aria-invalid=\"true\""));

    let bad = admin
        .submit(
            "/admin/orgs/new",
            "/admin/orgs",
            &[("name", ""), ("tier", "diamond"), ("status", "active")],
        )
        .await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        bad.body.contains("Enter the organisation&#39;s name")
            || bad.body.contains("Enter the organisation's name")
    );
    assert!(bad.body.contains("Choose a tier from the list."));

    let org_id = app.create_org("Contoso");
    let edit = format!("/admin/orgs/{org_id}/edit");
    let saved = admin
        .submit(
            &edit,
            &format!("/admin/orgs/{org_id}"),
            &[
                ("name", "Contoso Ltd"),
                ("tier", "platinum"),
                ("status", "suspended"),
            ],
        )
        .await;
    assert_eq!(saved.status, StatusCode::SEE_OTHER);
    let list = admin.get("/admin/orgs").await;
    assert!(list.body.contains("Contoso Ltd"));
    assert!(list.body.contains("Suspended"));
    assert_eq!(
        admin.get("/admin/orgs/no-such-id/edit").await.status,
        StatusCode::NOT_FOUND
    );
}

#[actix_web::test]
async fn a_new_user_gets_a_one_time_link_to_choose_a_password() {
    let app = spawn_app().await;
    app.create_user("a@example.com", "admin", None, false);
    let org_id = app.create_org("Fabrikam");
    let admin = app.login("a@example.com").await;

    let missing_org = admin
        .submit(
            "/admin/users/new",
            "/admin/users",
            &[
                ("name", "Pat Partner"),
                ("email", "pat@fabrikam.example"),
                ("role", "partner"),
                ("org_id", ""),
            ],
        )
        .await;
    assert_eq!(missing_org.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        missing_org
            .body
            .contains("must belong to a partner organisation")
    );
    assert!(missing_org.body.contains("value=\"Pat Partner\""));

    let created = admin
        .submit(
            "/admin/users/new",
            "/admin/users",
            &[
                ("name", "Pat Partner"),
                ("email", "pat@fabrikam.example"),
                ("role", "partner"),
                ("org_id", &org_id),
                ("org_admin", "on"),
            ],
        )
        .await;
    assert_eq!(created.status, StatusCode::SEE_OTHER);
    assert!(
        admin
            .get(created.location.as_deref().unwrap())
            .await
            .body
            .contains("an invitation was emailed to pat@fabrikam.example")
    );
    let path = link_path(&app, "pat@fabrikam.example");
    assert!(
        app.last_email_to("pat@fabrikam.example")
            .subject
            .contains("invited")
    );
    let list = admin.get("/admin/users").await;
    assert!(row_of(&list.body, "pat@fabrikam.example").contains("status-invited"));

    let pat = app.client();
    assert!(pat.get(&path).await.body.contains("pat@fabrikam.example"));
    let mismatch = pat
        .submit(
            &path,
            &path,
            &[
                ("password", "river stone garden 9"),
                ("password_confirm", "river stone garden 8"),
            ],
        )
        .await;
    assert_eq!(mismatch.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(mismatch.body.contains("The two passwords differ"));
    let done = choose_password(&pat, &path, "river stone garden 9").await;
    assert_eq!(
        done.location.as_deref(),
        Some("/partner"),
        "signed in at once"
    );
    let home = pat.get("/partner").await;
    assert!(home.body.contains("Fabrikam"));
    assert!(home.body.contains("you are signed in"));
    assert_eq!(
        app.client()
            .login("pat@fabrikam.example", "river stone garden 9")
            .await
            .status(),
        StatusCode::SEE_OTHER
    );
    assert_eq!(
        app.client().get(&path).await.status,
        StatusCode::NOT_FOUND,
        "single use"
    );
    let list = admin.get("/admin/users").await;
    assert!(row_of(&list.body, "pat@fabrikam.example").contains("status-active"));

    let taken = admin
        .submit(
            "/admin/users/new",
            "/admin/users",
            &[
                ("name", "Again"),
                ("email", "PAT@fabrikam.example"),
                ("role", "sales"),
                ("org_id", ""),
            ],
        )
        .await;
    assert_eq!(taken.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(taken.body.contains("already has this email"));
}

#[actix_web::test]
async fn disabling_a_user_ends_their_sessions_at_once() {
    let app = spawn_app().await;
    app.create_user("a@example.com", "admin", None, false);
    let rep = app.create_user("rep@example.com", "sales", None, false);
    let admin = app.login("a@example.com").await;
    let rep_client = app.login("rep@example.com").await;
    assert_eq!(rep_client.get("/sales").await.status, StatusCode::OK);

    let page = format!("/admin/users/{rep}");
    let resp = admin
        .submit(&page, &format!("/admin/users/{rep}/disable"), &[])
        .await;
    assert_eq!(resp.status, StatusCode::SEE_OTHER);
    assert!(admin.get(&page).await.body.contains("Disabled"));
    assert!(rep_client.get("/sales").await.is_login_redirect());
    let again = app.client().login("rep@example.com", PASSWORD).await;
    assert_eq!(
        again.status(),
        StatusCode::UNPROCESSABLE_ENTITY,
        "a disabled user cannot sign in"
    );

    admin
        .submit(&page, &format!("/admin/users/{rep}/enable"), &[])
        .await;
    assert_eq!(
        app.client()
            .login("rep@example.com", PASSWORD)
            .await
            .status(),
        StatusCode::SEE_OTHER
    );

    // An admin cannot lock themselves out.
    let me = app.find_user("a@example.com").unwrap().id;
    let own = admin
        .submit(
            &format!("/admin/users/{me}"),
            &format!("/admin/users/{me}/disable"),
            &[],
        )
        .await;
    assert_eq!(own.status, StatusCode::BAD_REQUEST);
}

#[actix_web::test]
async fn a_role_change_takes_effect_on_the_next_request() {
    let app = spawn_app().await;
    app.create_user("a@example.com", "admin", None, false);
    let id = app.create_user("x@example.com", "channel", None, false);
    let admin = app.login("a@example.com").await;
    let user = app.login("x@example.com").await;
    assert_eq!(user.get("/review").await.status, StatusCode::OK);
    let page = format!("/admin/users/{id}");
    let saved = admin
        .submit(
            &page,
            &page,
            &[
                ("name", "X"),
                ("email", "x@example.com"),
                ("role", "sales"),
                ("org_id", ""),
            ],
        )
        .await;
    assert_eq!(saved.status, StatusCode::SEE_OTHER);
    assert_eq!(user.get("/review").await.status, StatusCode::FORBIDDEN);
    assert_eq!(user.get("/sales").await.status, StatusCode::OK);
}

#[actix_web::test]
async fn an_admin_reset_link_replaces_the_password_and_ends_sessions() {
    let app = spawn_app().await;
    app.create_user("a@example.com", "admin", None, false);
    let id = app.create_user("c@example.com", "channel", None, false);
    let admin = app.login("a@example.com").await;
    let old_session = app.login("c@example.com").await;
    let page = format!("/admin/users/{id}");
    let first = admin
        .submit(&page, &format!("/admin/users/{id}/reset-password"), &[])
        .await;
    assert_eq!(first.status, StatusCode::SEE_OTHER);
    assert!(
        admin
            .get(&page)
            .await
            .body
            .contains("A new sign-in link was emailed to c@example.com")
    );
    let first_path = link_path(&app, "c@example.com");
    admin
        .submit(&page, &format!("/admin/users/{id}/reset-password"), &[])
        .await;
    let second_path = link_path(&app, "c@example.com");
    assert_ne!(first_path, second_path);
    assert_eq!(
        app.client().get(&first_path).await.status,
        StatusCode::NOT_FOUND,
        "a newer link cancels the older"
    );

    let user = app.client();
    choose_password(&user, &second_path, "tulip meadow copper 5").await;
    assert!(old_session.get("/review").await.is_login_redirect());
    assert_eq!(
        app.client().login("c@example.com", PASSWORD).await.status(),
        StatusCode::UNPROCESSABLE_ENTITY
    );
    assert_eq!(
        app.client()
            .login("c@example.com", "tulip meadow copper 5")
            .await
            .status(),
        StatusCode::SEE_OTHER
    );
}

#[actix_web::test]
async fn org_admins_add_colleagues_to_their_own_org_only() {
    let app = spawn_app().await;
    let a = app.create_org("Org A");
    let b = app.create_org("Org B");
    app.create_user("boss@a.example", "partner", Some(&a), true);
    app.create_user("staff@a.example", "partner", Some(&a), false);
    app.create_user("boss@b.example", "partner", Some(&b), true);
    let boss = app.login("boss@a.example").await;

    let list = boss.get("/org/users").await;
    assert_eq!(list.status, StatusCode::OK);
    assert!(list.body.contains("staff@a.example"));
    assert!(
        !list.body.contains("b.example"),
        "org B's users are never shown"
    );

    let added = boss
        .submit(
            "/org/users/new",
            "/org/users",
            &[("name", "New Colleague"), ("email", "new@a.example")],
        )
        .await;
    assert_eq!(added.status, StatusCode::SEE_OTHER);
    assert!(
        boss.get("/org/users")
            .await
            .body
            .contains("an invitation was emailed to new@a.example")
    );
    assert!(link_path(&app, "new@a.example").starts_with("/password/set/"));
    let new_user = app.find_user("new@a.example").unwrap();
    assert_eq!(new_user.org_id.as_deref(), Some(a.as_str()));
    assert_eq!(new_user.role.as_str(), "partner");

    // Naming another org in the form is refused, not obeyed.
    let sneaky = boss
        .submit(
            "/org/users/new",
            "/org/users",
            &[
                ("name", "Mole"),
                ("email", "mole@b.example"),
                ("org_id", &b),
            ],
        )
        .await;
    assert_eq!(sneaky.status, StatusCode::BAD_REQUEST);
    assert!(app.find_user("mole@b.example").is_none());

    let staff = app.login("staff@a.example").await;
    assert_eq!(staff.get("/org/users").await.status, StatusCode::FORBIDDEN);
}

#[actix_web::test]
async fn partners_of_a_suspended_org_are_signed_out() {
    let app = spawn_app().await;
    app.create_user("a@example.com", "admin", None, false);
    let org = app.create_org("Wingtip");
    app.create_user("p@wingtip.example", "partner", Some(&org), false);
    let partner = app.login("p@wingtip.example").await;
    let admin = app.login("a@example.com").await;
    let edit = format!("/admin/orgs/{org}/edit");
    admin
        .submit(
            &edit,
            &format!("/admin/orgs/{org}"),
            &[
                ("name", "Wingtip"),
                ("tier", "gold"),
                ("status", "suspended"),
            ],
        )
        .await;
    assert!(partner.get("/partner").await.is_login_redirect());
    assert_eq!(
        app.client()
            .login("p@wingtip.example", PASSWORD)
            .await
            .status(),
        StatusCode::UNPROCESSABLE_ENTITY
    );
}

/// The `href` of the page's "next page" link, unescaped.
fn next_link(page: &crate::helpers::Page) -> Option<String> {
    let text = page.text();
    let at = text.find("rel=\"next\"")?;
    let start = text[..at].rfind("href=\"")? + 6;
    Some(text[start..start + text[start..].find('"')?].to_owned())
}

#[actix_web::test]
async fn admins_find_organisations_and_users_in_long_lists() {
    let app = spawn_app().await;
    app.create_user("a@example.com", "admin", None, false);
    for i in 1..=60 {
        app.partner(
            &format!("Partner {i:03} Ltd"),
            &format!("person{i:03}@partner{i:03}.example"),
        );
    }
    let admin = app.login("a@example.com").await;

    // Fifty a page, in name order, with the way on.
    let first = admin.get("/admin/orgs").await;
    assert_eq!(first.status, StatusCode::OK);
    let text = first.text();
    assert!(text.contains("Partner 001 Ltd") && text.contains("Partner 050 Ltd"));
    assert!(!text.contains("Partner 051 Ltd"), "page one holds fifty");
    let next = next_link(&first).expect("a next page");
    let second = admin.get(&next).await;
    let text = second.text();
    assert!(text.contains("Partner 051 Ltd") && text.contains("Partner 060 Ltd"));
    assert!(!text.contains("Partner 050 Ltd"));
    assert!(next_link(&second).is_none(), "nothing after the last page");
    assert!(text.contains("Back to the first page"));

    // A search by name, as typed (case and legal form aside).
    let found = admin.get("/admin/orgs?q=partner+007+LTD").await.text();
    assert!(found.contains("Partner 007 Ltd"), "{found}");
    assert!(!found.contains("Partner 008 Ltd"));
    assert!(found.contains("Organisations matching “partner 007 LTD”: 1"));
    let none = admin.get("/admin/orgs?q=nowhere").await.text();
    assert!(none.contains("No organisation's name holds “nowhere”."));

    // Users: by email, any case; a percent sign is only a percent sign.
    let users = admin.get("/admin/users?q=PERSON042").await.text();
    assert!(users.contains("person042@partner042.example"), "{users}");
    assert!(!users.contains("person041@"));
    let literal = admin.get("/admin/users?q=%25").await.text();
    assert!(literal.contains("No user's email or name holds “%”."));
    let all = admin.get("/admin/users").await;
    assert!(next_link(&all).is_some(), "61 users make two pages");
}

#[actix_web::test]
async fn admins_browse_crm_accounts_by_name_or_website() {
    let app = spawn_app().await;
    app.create_user("a@example.com", "admin", None, false);
    // 54 accounts, two of them with the same name (the list orders them by id too).
    for i in 1..=52 {
        app.add_crm_account(&format!("Account {i:03} GmbH"), None, false, false);
    }
    app.add_crm_account("Acme Robotics", Some("acme.example"), true, false);
    let twin = app.add_crm_account("Account 052 GmbH", None, false, true);
    truce::db::models::crm::insert_opportunity(
        &mut app.conn(),
        &truce::db::models::crm::NewOpportunity {
            account_id: &twin,
            owner_email: "rep@vendor.example",
            stage: "Proposal",
            amount_minor: 5_000_000,
            currency: "USD",
            last_activity_on: app.today(),
        },
        truce::clock::Clock::naive_now(&*app.clock),
    )
    .unwrap();
    let admin = app.login("a@example.com").await;

    let first = admin.get("/admin/accounts").await;
    assert_eq!(first.status, StatusCode::OK);
    let text = first.text();
    assert!(text.contains("Account 001 GmbH") && text.contains("Account 050 GmbH"));
    assert!(!text.contains("Account 051 GmbH"), "page one holds fifty");
    let second = admin.get(&next_link(&first).expect("a next page")).await;
    let text = second.text();
    // Both accounts named "Account 052 GmbH", and the one Acme, on the second page.
    assert_eq!(text.matches("Account 052 GmbH").count(), 2, "{text}");
    assert!(text.contains("Acme Robotics") && !text.contains("Account 050 GmbH"));
    assert!(text.contains("Reserved for direct") && text.contains("Named account"));
    assert!(text.contains(&format!(
        "1 (last activity {})",
        truce::domain::dates::day(app.today())
    )));
    assert!(next_link(&second).is_none());

    // By the beginning of the name, as typed, or by the website's domain.
    let found = admin.get("/admin/accounts?q=ACCOUNT+04").await.text();
    assert!(found.contains("Account 040 GmbH") && found.contains("Account 049 GmbH"));
    assert!(!found.contains("Account 050 GmbH") && !found.contains("Account 004 GmbH"));
    let site = admin
        .get("/admin/accounts?q=https%3A%2F%2Fwww.acme.example%2F")
        .await
        .text();
    assert!(
        site.contains("Acme Robotics") && !site.contains("Account 001"),
        "{site}"
    );
    let none = admin.get("/admin/accounts?q=robotics").await.text();
    assert!(
        none.contains("No account's name begins with “robotics”"),
        "{none}"
    );
}
