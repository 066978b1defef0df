//! The audit log (issue #18): what people do is recorded with who, their role and their
//! client address; the admin page filters and pages it and its CSV holds the same rows;
//! the hash chain finds an event edited, deleted or added in the database.

use std::net::IpAddr;

use diesel::RunQueryDsl;
use reqwest::StatusCode;
use truce::clock::Clock;
use truce::db::models::audit;
use truce::db::write_tx;
use truce::domain::audit::{Action, Problem, SubjectKind, Who, subject};

use crate::helpers::{
    Deal, PASSWORD, TestApp, TestClient, approve, register_deal, save_policy, spawn_app,
    spawn_app_with, truce_bin,
};

fn from(app: &TestApp, addr: &str) -> TestClient {
    TestClient::from_address(&app.address, Some(addr.parse::<IpAddr>().unwrap()))
}

/// The CSV download as rows of (column → cell).
async fn csv_rows(
    client: &TestClient,
    path: &str,
) -> Vec<std::collections::HashMap<String, String>> {
    let page = client.get(path).await;
    assert_eq!(page.status, StatusCode::OK, "{path}");
    let mut reader = csv::Reader::from_reader(page.body.as_bytes());
    let header: Vec<String> = reader
        .headers()
        .unwrap()
        .iter()
        .map(str::to_owned)
        .collect();
    reader
        .records()
        .map(|r| {
            header
                .iter()
                .cloned()
                .zip(r.unwrap().iter().map(str::to_owned))
                .collect()
        })
        .collect()
}

/// The event numbers a page shows, in order.
fn seqs_on(html: &str) -> Vec<i64> {
    html.split("<span class=\"muted\">Event ")
        .skip(1)
        .map(|rest| rest[..rest.find('<').unwrap()].parse().unwrap())
        .collect()
}

/// Runs `truce audit verify` on the app's database.
fn verify_cli(app: &TestApp) -> (bool, String, String) {
    let out = truce_bin()
        .args(["audit", "verify", "--database-url", &app.database_url])
        .output()
        .unwrap();
    (
        out.status.success(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[actix_web::test]
async fn what_people_do_is_on_the_audit_page_and_in_its_csv() {
    let app = spawn_app().await;
    app.create_user("admin@vendor.example", "admin", None, false);
    app.create_user("cm@vendor.example", "channel", None, false);
    let rep = app.create_user("rep@vendor.example", "sales", None, false);
    app.partner("Alpha Partners", "ann@alpha.example");

    // A failed sign-in from one address: the email typed is kept, the password never.
    let stranger = from(&app, "127.0.0.3");
    let failed = stranger
        .login("ann@alpha.example", "not the password 99")
        .await;
    assert_eq!(failed.status(), StatusCode::UNPROCESSABLE_ENTITY);

    // The admin signs in from another, changes a rep's role and the policy.
    let admin = from(&app, "127.0.0.9");
    assert_eq!(
        admin.login("admin@vendor.example", PASSWORD).await.status(),
        StatusCode::SEE_OTHER
    );
    let changed = admin
        .submit(
            &format!("/admin/users/{rep}"),
            &format!("/admin/users/{rep}"),
            &[
                ("name", "rep@vendor.example"),
                ("email", "rep@vendor.example"),
                ("role", "channel"),
                ("org_id", ""),
            ],
        )
        .await;
    assert_eq!(changed.status, StatusCode::SEE_OTHER, "{}", changed.text());
    let saved = save_policy(&app, &admin, &[("approval_sla_hours", "24")]).await;
    assert_eq!(saved.status, StatusCode::SEE_OTHER, "{}", saved.text());

    // A partner registers; the channel manager approves it.
    let ann = app.login("ann@alpha.example").await;
    let id = register_deal(
        &ann,
        &Deal::new(&app, "Acme Robotics", "acme-robotics.example"),
    )
    .await;
    let cm = app.login("cm@vendor.example").await;
    approve(&cm, &id).await;

    let page = admin.get("/admin/audit").await;
    assert_eq!(page.status, StatusCode::OK);
    let text = page.text();
    // The rows only (the action filter's options have the same words).
    let text = text[text.find("<tbody>").unwrap()..].to_owned();
    let row = |needle: &str| -> String {
        let at = text
            .find(needle)
            .unwrap_or_else(|| panic!("{needle} is not on the page:\n{text}"));
        let start = text[..at].rfind("<tr").unwrap();
        let end = text[at..].find("</tr>").unwrap() + at;
        text[start..end].to_owned()
    };
    let failed_row = row("Sign-in failed");
    assert!(failed_row.contains("Not signed in"), "{failed_row}");
    assert!(failed_row.contains("127.0.0.3"), "{failed_row}");
    assert!(failed_row.contains("Email: ann@alpha.example. Wrong password."));
    assert!(!text.contains("not the password 99"), "never a password");
    let role_row = row("Changed a user's role");
    for expected in [
        "admin@vendor.example",
        "(Administrator)",
        "127.0.0.9",
        "Role: Direct sales → Channel manager",
        &format!("/admin/users/{rep}"),
    ] {
        assert!(role_row.contains(expected), "{expected} in {role_row}");
    }
    let policy_row = row("Changed the program policy");
    assert!(policy_row.contains("Approval SLA"), "{policy_row}");
    assert!(policy_row.contains("48 → 24"), "{policy_row}");
    let approved_row = row("Approved a registration");
    for expected in [
        "cm@vendor.example",
        "(Channel manager)",
        "127.0.0.1",
        "Acme Robotics",
        "Pending review → Approved",
        &format!("/review/{id}"),
    ] {
        assert!(
            approved_row.contains(expected),
            "{expected} in {approved_row}"
        );
    }
    assert!(row("Signed in").contains("127.0.0.9") || text.contains("127.0.0.9"));
    // The submission is on the registration's timeline only; the page lists the people's
    // decisions.
    assert!(!text.contains("Submitted for review"));

    // The CSV holds the same events, in the same order, with codes.
    let rows = csv_rows(&admin, "/admin/audit.csv").await;
    let page_seqs = seqs_on(&page.body);
    let csv_seqs: Vec<i64> = rows.iter().map(|r| r["seq"].parse().unwrap()).collect();
    assert_eq!(csv_seqs, page_seqs);
    let role_changed = rows.iter().find(|r| r["action"] == "role_changed").unwrap();
    assert_eq!(role_changed["actor_email"], "admin@vendor.example");
    assert_eq!(role_changed["actor_role"], "admin");
    assert_eq!(role_changed["client_addr"], "127.0.0.9");
    assert_eq!(role_changed["subject"], format!("user:{rep}"));
    assert_eq!(role_changed["hash"].len(), 64);
    let failed = rows
        .iter()
        .find(|r| r["action"] == "sign_in_failed")
        .unwrap();
    assert_eq!(failed["actor_id"], "");
    assert_eq!(failed["client_addr"], "127.0.0.3");
    let approved = rows
        .iter()
        .find(|r| r["action"] == "registration_approved")
        .unwrap();
    assert_eq!(approved["actor_role"], "channel");
    assert_eq!(approved["subject"], format!("registration:{id}"));

    // Filters: by action, actor, record and dates, kept in the form; the CSV follows them.
    let only = admin.get("/admin/audit?action=sign_in_failed").await;
    assert_eq!(seqs_on(&only.body).len(), 1);
    assert!(only.body.contains("value=\"sign_in_failed\" selected"));
    let by_admin = admin.get("/admin/audit?actor=admin%40vendor").await;
    assert!(by_admin.body.contains("value=\"admin@vendor\""));
    let admin_rows = csv_rows(&admin, "/admin/audit.csv?actor=admin%40vendor").await;
    assert_eq!(seqs_on(&by_admin.body).len(), admin_rows.len());
    assert!(
        admin_rows
            .iter()
            .all(|r| r["actor_email"] == "admin@vendor.example")
    );
    assert!(admin_rows.len() >= 3, "sign-in, role, policy");
    let record = csv_rows(&admin, &format!("/admin/audit.csv?record={id}")).await;
    assert_eq!(record.len(), 1, "{record:?}");
    assert_eq!(record[0]["action"], "registration_approved");
    let by_email = csv_rows(&admin, "/admin/audit.csv?record=ann%40alpha.example").await;
    assert!(
        by_email.iter().any(|r| r["action"] == "sign_in_failed"),
        "a user's record found by their email"
    );
    let today = app.today();
    let in_range = admin
        .get(&format!(
            "/admin/audit?from={today}&to={today}&action=signed_in"
        ))
        .await;
    assert_eq!(
        seqs_on(&in_range.body).len(),
        3,
        "admin, ann and the manager"
    );
    assert!(in_range.body.contains(&format!("value=\"{today}\"")));
    let tomorrow = today.succ_opt().unwrap();
    let none = admin.get(&format!("/admin/audit?from={tomorrow}")).await;
    assert!(none.text().contains("No event matches these filters."));
    let bad = admin.get("/admin/audit?from=yesterday").await;
    assert!(bad.text().contains("Enter a date as YYYY-MM-DD"));
    assert!(bad.body.contains("value=\"yesterday\""));
}

#[actix_web::test]
async fn the_log_pages_by_its_sequence_without_gaps_or_repeats() {
    let app = spawn_app().await;
    app.create_user("admin@vendor.example", "admin", None, false);
    let now = app.clock.naive_now();
    write_tx(&mut app.conn(), |conn| {
        for n in 0..70 {
            audit::record(
                conn,
                &Who::SYSTEM,
                Action::UserEnabled,
                &subject(SubjectKind::User, &format!("u{n}")),
                Some(&format!("event number {n}")),
                now,
            )?;
        }
        Ok::<_, diesel::result::Error>(())
    })
    .unwrap();
    let admin = app.login("admin@vendor.example").await;
    let first = admin.get("/admin/audit").await;
    let mut seen = seqs_on(&first.body);
    assert_eq!(seen.len(), 50);
    let next = first
        .body
        .split("href=\"")
        .find_map(|s| {
            let link = &s[..s.find('"').unwrap()];
            link.starts_with("/admin/audit?after=")
                .then(|| link.replace("&amp;", "&"))
        })
        .expect("a link to older events");
    let second = admin.get(&next).await;
    assert!(second.text().contains("Back to the newest"));
    let more = seqs_on(&second.body);
    assert!(!second.body.contains("rel=\"next\""), "the last page");
    seen.extend(more);
    // 70 events and the admin's sign-in, newest first, each once.
    let expected: Vec<i64> = (1..=71).rev().collect();
    assert_eq!(seen, expected);
    // The filter stays in the next link.
    let filtered = admin.get("/admin/audit?action=user_enabled").await;
    assert!(
        filtered
            .text()
            .contains("/admin/audit?action=user_enabled&after="),
        "{}",
        filtered.body
    );
    let csv = csv_rows(&admin, "/admin/audit.csv?action=user_enabled").await;
    assert_eq!(csv.len(), 70, "the CSV has every row, not a page");
}

#[actix_web::test]
async fn verify_names_the_event_edited_in_the_database() {
    let app = spawn_app().await;
    app.create_user("admin@vendor.example", "admin", None, false);
    for _ in 0..3 {
        let admin = app.login("admin@vendor.example").await;
        let page = admin.submit("/admin", "/logout", &[]).await;
        assert_eq!(page.status, StatusCode::SEE_OTHER);
    }
    let (ok, stdout, stderr) = verify_cli(&app);
    assert!(ok, "{stdout}\n{stderr}");
    assert!(stdout.contains("6 events, chain intact"), "{stdout}");
    assert!(
        stdout.contains("Event 6 ends the chain with hash "),
        "{stdout}"
    );

    // Someone with database access rewrites what an event says.
    let id: String = audit::stored_after(&mut app.conn(), 3, 4, 1).unwrap()[0]
        .id
        .clone();
    let changed =
        diesel::sql_query("UPDATE audit_events SET detail = 'nothing happened' WHERE seq = 4")
            .execute(&mut *app.conn())
            .unwrap();
    assert_eq!(changed, 1);
    let (ok, stdout, stderr) = verify_cli(&app);
    assert!(!ok, "a broken chain exits with a failure");
    assert!(
        stdout.contains(&format!("The audit chain is broken at event 4 (id {id}")),
        "{stdout}"
    );
    assert!(stdout.contains("changed after it was written"), "{stdout}");
    assert!(stderr.contains("Keep this database as it is"), "{stderr}");

    // Put back, it verifies again; a deleted event is found at the next one.
    diesel::sql_query("UPDATE audit_events SET detail = NULL WHERE seq = 4")
        .execute(&mut *app.conn())
        .unwrap();
    let found = truce::workflow::audit::verify(&mut app.conn(), |_, _| {}).unwrap();
    assert_eq!(found.unwrap().events, 6);
    diesel::sql_query("DELETE FROM audit_events WHERE seq = 2")
        .execute(&mut *app.conn())
        .unwrap();
    let broken = truce::workflow::audit::verify(&mut app.conn(), |_, _| {})
        .unwrap()
        .unwrap_err();
    assert_eq!(broken.event.unwrap().seq, 3);
    assert_eq!(broken.problem, Problem::Missing { from: 2, to: 2 });
}

#[actix_web::test]
async fn events_added_or_dropped_outside_truce_are_found() {
    let app = spawn_app().await;
    app.create_user("admin@vendor.example", "admin", None, false);
    app.login("admin@vendor.example").await;
    app.login("admin@vendor.example").await;
    let verify = || truce::workflow::audit::verify(&mut app.conn(), |_, _| {}).unwrap();
    assert_eq!(verify().unwrap().events, 2);

    // A row without a place in the chain.
    diesel::sql_query(
        "INSERT INTO audit_events (id, at, action, subject) \
         VALUES ('forged', '2026-01-01 00:00:00', 'signed_in', 'user:x')",
    )
    .execute(&mut *app.conn())
    .unwrap();
    assert_eq!(
        verify().unwrap_err().problem,
        Problem::Unchained { count: 1 }
    );
    diesel::sql_query("DELETE FROM audit_events WHERE id = 'forged'")
        .execute(&mut *app.conn())
        .unwrap();

    // A row after the head, hashed the way Truce would.
    let last = audit::stored_after(&mut app.conn(), 1, 2, 1)
        .unwrap()
        .remove(0);
    let mut forged = last.clone();
    forged.seq = 3;
    forged.id = "forged".into();
    forged.prev_hash = last.hash.clone();
    forged.hash = Some(truce::domain::audit::hash(
        3,
        &forged.fields(),
        last.hash.as_deref().unwrap(),
    ));
    {
        use diesel::ExpressionMethods;
        use truce::db::schema::audit_events as e;
        diesel::insert_into(e::table)
            .values((
                e::id.eq(&forged.id),
                e::at.eq(forged.at),
                e::actor_id.eq(&forged.actor_id),
                e::actor_role.eq(&forged.actor_role),
                e::client_addr.eq(&forged.client_addr),
                e::action.eq(&forged.action),
                e::subject.eq(&forged.subject),
                e::detail.eq(&forged.detail),
                e::seq.eq(forged.seq),
                e::prev_hash.eq(&forged.prev_hash),
                e::hash.eq(&forged.hash),
            ))
            .execute(&mut *app.conn())
            .unwrap();
    }
    let b = verify().unwrap_err();
    assert_eq!(b.problem, Problem::BeyondHead { head_seq: 2 });
    assert_eq!(b.event.unwrap().id, "forged");
    diesel::sql_query("DELETE FROM audit_events WHERE seq >= 2")
        .execute(&mut *app.conn())
        .unwrap();

    // The newest event deleted: the head still counts it.
    assert_eq!(
        verify().unwrap_err().problem,
        Problem::NewestMissing {
            head_seq: 2,
            last_seq: 1
        }
    );
}

#[actix_web::test]
async fn the_address_behind_a_trusted_proxy_is_recorded() {
    let app = spawn_app_with(&["--trusted-proxies", "127.0.0.1"]).await;
    app.create_user("admin@vendor.example", "admin", None, false);
    let admin = app.login("admin@vendor.example").await;
    let token = admin.get("/admin/users/new").await.csrf();
    let page = crate::helpers::Page::from(
        admin
            .http
            .post(admin.url("/admin/orgs"))
            .header("X-Forwarded-For", "198.51.100.23")
            .form(&[
                ("csrf_token", token.as_str()),
                ("name", "Fabrikam"),
                ("tier", "gold"),
                ("status", "active"),
            ])
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(page.status, StatusCode::SEE_OTHER, "{}", page.text());
    let rows = csv_rows(&admin, "/admin/audit.csv?action=org_created").await;
    assert_eq!(rows.len(), 1);
    assert_eq!(rows[0]["client_addr"], "198.51.100.23");
    assert_eq!(rows[0]["actor_role"], "admin");
    assert!(
        rows[0]["detail"].starts_with("Fabrikam, Gold"),
        "{:?}",
        rows[0]
    );
}

/// Writers on several connections at once (as several instances sharing one PostgreSQL
/// would be), some of them rolling back after writing their event: the chain stays one
/// unbroken sequence of the committed events.
#[actix_web::test]
async fn concurrent_writers_and_rollbacks_keep_one_chain() {
    let app = spawn_app().await;
    let url = truce::db::DatabaseUrl::parse(&app.database_url).unwrap();
    let now = app.clock.naive_now();
    let threads: Vec<_> = (0..6)
        .map(|t| {
            let url = url.clone();
            std::thread::spawn(move || {
                let mut conn = truce::db::open(&url).unwrap();
                let mut committed = 0;
                for n in 0..20 {
                    let roll_back = n % 5 == 4;
                    let done = write_tx(&mut conn, |conn| {
                        audit::record(
                            conn,
                            &Who::anonymous(Some(format!("10.0.0.{t}"))),
                            Action::SignInFailed,
                            &subject(SubjectKind::User, ""),
                            Some(&format!("writer {t}, event {n}")),
                            now,
                        )?;
                        // Still open while the others queue for the chain.
                        std::thread::sleep(std::time::Duration::from_millis(2));
                        if roll_back {
                            return Err(diesel::result::Error::RollbackTransaction);
                        }
                        Ok(())
                    });
                    if done.is_ok() {
                        committed += 1;
                    }
                }
                committed
            })
        })
        .collect();
    let committed: u64 = threads.into_iter().map(|t| t.join().unwrap()).sum();
    assert_eq!(committed, 6 * 16);
    let intact = truce::workflow::audit::verify(&mut app.conn(), |_, _| {})
        .unwrap()
        .unwrap();
    assert_eq!(intact.events, committed);
}

/// A date range is a range of the chain: each day's events exactly, even when a request
/// that started earlier reaches the chain after a later one (its time is then the later
/// one's, so time never runs backwards along the chain).
#[actix_web::test]
async fn dates_select_exactly_the_days_events() {
    let app = spawn_app().await;
    app.create_user("admin@vendor.example", "admin", None, false);
    let day1 = app.clock.naive_now();
    let record = |at: chrono::NaiveDateTime, n: &str| {
        audit::record(
            &mut app.conn(),
            &Who::SYSTEM,
            Action::UserEnabled,
            &subject(SubjectKind::User, n),
            None,
            at,
        )
        .unwrap();
    };
    for n in ["a", "b"] {
        record(day1, n);
    }
    let day2 = day1 + chrono::TimeDelta::days(1);
    record(day2, "c");
    // Started on day 1, recorded after day 2's event: it counts as day 2's.
    record(day1, "late");
    let day3 = day2 + chrono::TimeDelta::days(1);
    record(day3, "d");
    app.advance(chrono::TimeDelta::days(3));
    let admin = app.login("admin@vendor.example").await;
    let subjects = |rows: Vec<std::collections::HashMap<String, String>>| -> Vec<String> {
        rows.into_iter().map(|r| r["subject"].clone()).collect()
    };
    let d = |t: chrono::NaiveDateTime| t.date().to_string();
    let only =
        |from: &str, to: &str| format!("/admin/audit.csv?action=user_enabled&from={from}&to={to}");
    assert_eq!(
        subjects(csv_rows(&admin, &only(&d(day1), &d(day1))).await),
        ["user:b", "user:a"]
    );
    assert_eq!(
        subjects(csv_rows(&admin, &only(&d(day2), &d(day2))).await),
        ["user:late", "user:c"]
    );
    assert_eq!(
        subjects(csv_rows(&admin, &only(&d(day2), &d(day3))).await),
        ["user:d", "user:late", "user:c"]
    );
    assert!(
        csv_rows(&admin, &only(&d(day3 + chrono::TimeDelta::days(9)), ""))
            .await
            .is_empty()
    );
    let first_two = csv_rows(&admin, &format!("/admin/audit.csv?to={}", d(day2))).await;
    assert_eq!(first_two.len(), 4);
    let times: Vec<String> = csv_rows(&admin, "/admin/audit.csv")
        .await
        .into_iter()
        .map(|r| r["at"].clone())
        .collect();
    let mut sorted = times.clone();
    sorted.sort_by(|a, b| b.cmp(a));
    assert_eq!(times, sorted, "newest first is latest first");
    assert!(
        truce::workflow::audit::verify(&mut app.conn(), |_, _| {})
            .unwrap()
            .is_ok()
    );
}

/// `audit::insert`, for callers without a request's `Who` (two-factor sign-in records its
/// changes through it): the actor's role is read from their user row, and the event joins
/// the chain like any other.
#[actix_web::test]
async fn the_plain_insert_reads_the_role_and_chains() {
    let app = spawn_app().await;
    app.create_user("admin@vendor.example", "admin", None, false);
    let rep = app.create_user("rep@vendor.example", "sales", None, false);
    audit::insert(
        &mut app.conn(),
        Some(&rep),
        "mfa_enrolled",
        &format!("user:{rep}"),
        None,
        app.clock.naive_now(),
    )
    .unwrap();
    let admin = app.login("admin@vendor.example").await;
    let rows = csv_rows(&admin, "/admin/audit.csv?action=mfa_enrolled").await;
    assert_eq!(rows.len(), 1);
    assert_eq!(rows[0]["actor_role"], "sales");
    assert_eq!(rows[0]["client_addr"], "");
    let page = admin.get("/admin/audit?action=mfa_enrolled").await.text();
    assert!(page.contains("Turned on two-factor sign-in"));
    assert!(page.contains("(Direct sales)"));
    assert_eq!(
        truce::workflow::audit::verify(&mut app.conn(), |_, _| {})
            .unwrap()
            .unwrap()
            .events,
        2
    );
}
