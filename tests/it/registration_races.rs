//! Races, on whichever database the suite runs on: fifty partners registering one prospect
//! at the same moment, and two channel managers deciding one registration at the same moment.

use diesel::prelude::*;
use reqwest::StatusCode;
use reqwest::header::LOCATION;
use tokio::task::JoinSet;
use truce::db::schema::registrations;
use truce::domain::lifecycle::Status;

use crate::helpers::{
    Deal, TestApp, TestClient, register_deal, registration_id, spawn_app_with, unescape, with_conn,
};

const CM1: &str = "cm1@vendor.example";
const CM2: &str = "cm2@vendor.example";
const PARTNERS: usize = 50;

/// (id, status, queued_behind) of every registration of the prospect "Globex".
fn globex_rows(app: &TestApp) -> Vec<(String, String, Option<String>)> {
    with_conn(app, |conn| {
        registrations::table
            .filter(
                registrations::name_key
                    .eq("globex")
                    .or(registrations::domain_key.eq("globex.com")),
            )
            .order(registrations::id.asc())
            .select((
                registrations::id,
                registrations::status,
                registrations::queued_behind,
            ))
            .load(conn)
            .unwrap()
    })
}

fn in_status(rows: &[(String, String, Option<String>)], status: Status) -> Vec<String> {
    rows.iter()
        .filter(|(_, s, _)| s == status.as_str())
        .map(|(id, _, _)| id.clone())
        .collect()
}

/// One prospect, spelt three ways: all share the name key "globex", most the domain.
fn spelling(app: &TestApp, i: usize) -> Deal {
    match i % 3 {
        0 => Deal::new(app, "Globex Corporation", "globex.com"),
        1 => Deal::new(app, "GLOBEX Inc.", "https://www.globex.com/about"),
        _ => Deal::new(app, "The Globex Company", ""),
    }
}

/// Signs `email` in on a client of its own, in a task, and reads its CSRF token from `page`.
fn sign_in(
    set: &mut JoinSet<(usize, TestClient, String)>,
    app: &TestApp,
    i: usize,
    email: String,
    page: &'static str,
) {
    let base = app.address.clone();
    set.spawn(async move {
        let client = TestClient::new(&base);
        let resp = client.login(&email, crate::helpers::PASSWORD).await;
        assert_eq!(resp.status(), StatusCode::SEE_OTHER, "{email} signs in");
        let token = client.csrf_from(page).await;
        (i, client, token)
    });
}

/// Posts a form from a task; returns the status, the redirect and the body.
fn post(
    set: &mut JoinSet<(usize, StatusCode, Option<String>, String)>,
    i: usize,
    client: &TestClient,
    path: &str,
    fields: Vec<(String, String)>,
) {
    let http = client.http.clone();
    let url = client.url(path);
    set.spawn(async move {
        let resp = http.post(url).form(&fields).send().await.expect("POST");
        let status = resp.status();
        let location = resp
            .headers()
            .get(LOCATION)
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned);
        (i, status, location, resp.text().await.unwrap_or_default())
    });
}

#[actix_web::test]
async fn fifty_partners_registering_one_prospect_at_once_leave_exactly_one_first_in_line() {
    let app = spawn_app_with(&["--login-attempts-per-minute", "1000"]).await;
    app.create_user(CM1, "channel", None, false);
    let mut logins = JoinSet::new();
    for i in 0..PARTNERS {
        let email = format!("p{i}@partner{i}.example");
        app.partner(&format!("Partner Org {i:02}"), &email);
        sign_in(&mut logins, &app, i, email, "/partner/deals/new");
    }
    let mut partners = logins.join_all().await;
    partners.sort_by_key(|(i, _, _)| *i);

    // Every partner presses "Submit" at the same moment.
    let mut posts = JoinSet::new();
    for (i, client, token) in &partners {
        let mut fields: Vec<(String, String)> = spelling(&app, *i)
            .pairs("submit")
            .into_iter()
            .map(|(k, v)| (k.to_owned(), v.to_owned()))
            .collect();
        fields.push(("csrf_token".into(), token.clone()));
        post(&mut posts, *i, client, "/partner/deals", fields);
    }
    let mut results = posts.join_all().await;
    results.sort_by_key(|(i, _, _, _)| *i);
    for (i, status, location, body) in &results {
        assert_eq!(
            *status,
            StatusCode::SEE_OTHER,
            "partner {i}'s registration is taken:\n{}",
            unescape(body)
        );
        assert!(location.as_deref().unwrap().starts_with("/partner/deals/"));
    }

    let rows = globex_rows(&app);
    assert_eq!(rows.len(), PARTNERS, "every submission is stored");
    let pending = in_status(&rows, Status::Pending);
    let queued = in_status(&rows, Status::Queued);
    assert_eq!(pending.len(), 1, "exactly one first in line: {rows:?}");
    assert_eq!(
        queued.len(),
        PARTNERS - 1,
        "the rest wait behind it: {rows:?}"
    );
    let holding = rows
        .iter()
        .filter(|(_, s, _)| Status::parse(s).is_some_and(Status::holds_prospect))
        .count();
    assert_eq!(holding, 1, "one row holds the prospect");
    let first = &pending[0];
    assert!(
        rows.iter()
            .filter(|(_, s, _)| s == "queued")
            .all(|(_, _, behind)| behind.as_deref() == Some(first.as_str())),
        "all wait behind the first: {rows:?}"
    );
    assert_eq!(app.emails_of_kind("registration_submitted").len(), 1);
    assert_eq!(
        app.emails_of_kind("registration_queued").len(),
        PARTNERS - 1
    );
    assert_eq!(app.emails_to(CM1, "registration_to_review").len(), 1);
    // Each partner's page says where their registration stands.
    for ((i, client, _), (_, _, location, _)) in partners.iter().zip(&results).take(5) {
        let id = registration_id(location.as_deref().unwrap());
        let page = client.get(&format!("/partner/deals/{id}")).await.text();
        let expected = if id == *first {
            "Pending review"
        } else {
            "Queued"
        };
        assert!(page.contains(expected), "partner {i}: {expected}");
    }

    // The database itself refuses a second holder, whatever the code before it checked.
    let second = with_conn(&app, |conn| {
        diesel::update(registrations::table.find(&queued[0]))
            .set(registrations::status.eq(Status::Pending.as_str()))
            .execute(conn)
    });
    assert!(
        second.as_ref().is_err_and(truce::db::is_unique_violation),
        "a unique index holds one holder per prospect: {second:?}"
    );

    // The line moves: rejecting the first sends the next in line (the earliest submitted) to
    // review; approving that one declines all the others.
    let cm = app.login(CM1).await;
    let rejected = cm
        .submit(
            &format!("/review/{first}"),
            &format!("/review/{first}/reject"),
            &[("reject_reason", "Not a real opportunity yet.")],
        )
        .await;
    assert_eq!(rejected.status, StatusCode::SEE_OTHER);
    let rows = globex_rows(&app);
    let next = in_status(&rows, Status::Pending);
    assert_eq!(next.len(), 1);
    assert_eq!(
        next[0], queued[0],
        "the next in line is the earliest submitted"
    );
    assert_eq!(in_status(&rows, Status::Queued).len(), PARTNERS - 2);
    assert!(
        rows.iter()
            .filter(|(_, s, _)| s == "queued")
            .all(|(_, _, behind)| behind.as_deref() == Some(next[0].as_str())),
        "the rest now wait behind the new first: {rows:?}"
    );
    let approved = cm
        .submit(
            &format!("/review/{}", next[0]),
            &format!("/review/{}/approve", next[0]),
            &[],
        )
        .await;
    assert_eq!(approved.status, StatusCode::SEE_OTHER);
    let rows = globex_rows(&app);
    assert_eq!(in_status(&rows, Status::Approved), next);
    assert_eq!(in_status(&rows, Status::Declined).len(), PARTNERS - 2);
    assert_eq!(
        app.emails_of_kind("registration_declined").len(),
        PARTNERS - 2
    );
}

#[actix_web::test]
async fn approve_and_reject_at_once_end_in_one_decision() {
    let app = spawn_app_with(&["--login-attempts-per-minute", "1000"]).await;
    app.create_user(CM1, "channel", None, false);
    app.create_user(CM2, "channel", None, false);
    app.partner("Alpha Partners", "ann@alpha.example");
    let ann = app.login("ann@alpha.example").await;
    let mut logins = JoinSet::new();
    sign_in(&mut logins, &app, 1, CM1.into(), "/review");
    sign_in(&mut logins, &app, 2, CM2.into(), "/review");
    let mut reviewers = logins.join_all().await;
    reviewers.sort_by_key(|(i, _, _)| *i);
    let [(_, cm1, token1), (_, cm2, token2)] = &reviewers[..] else {
        unreachable!()
    };

    let mut outcomes = Vec::new();
    for round in 0..8 {
        let company = format!("Race Target {round}");
        let id = register_deal(&ann, &Deal::new(&app, &company, "")).await;
        let mut posts = JoinSet::new();
        let approve = vec![("csrf_token".to_owned(), token1.clone())];
        let reject = vec![
            ("csrf_token".to_owned(), token2.clone()),
            (
                "reject_reason".to_owned(),
                "Duplicate of a direct deal.".to_owned(),
            ),
        ];
        // Alternate who starts first.
        if round % 2 == 0 {
            post(
                &mut posts,
                1,
                cm1,
                &format!("/review/{id}/approve"),
                approve,
            );
            post(&mut posts, 2, cm2, &format!("/review/{id}/reject"), reject);
        } else {
            post(&mut posts, 2, cm2, &format!("/review/{id}/reject"), reject);
            post(
                &mut posts,
                1,
                cm1,
                &format!("/review/{id}/approve"),
                approve,
            );
        }
        let mut results = posts.join_all().await;
        results.sort_by_key(|(i, _, _, _)| *i);
        let (approve_status, reject_status) = (results[0].1, results[1].1);
        let reg = app.registration(&id);
        let decided = reg.status();
        let (winner, loser) = match decided {
            Status::Approved => (&results[0], &results[1]),
            Status::Rejected => (&results[1], &results[0]),
            other => panic!("round {round}: ended {other:?}, not one decision"),
        };
        assert_eq!(
            winner.1,
            StatusCode::SEE_OTHER,
            "round {round}: the winner's action is done"
        );
        assert_eq!(
            loser.1,
            StatusCode::CONFLICT,
            "round {round}: the other is told ({approve_status} / {reject_status})"
        );
        let message = unescape(&loser.3);
        assert!(
            message.contains(&format!(
                "This registration is {}; that is not possible any more.",
                decided.label()
            )) || message.contains("Someone else changed this registration at the same moment"),
            "round {round}: the loser reads why:\n{message}"
        );
        let kinds: Vec<String> = app.events(&id).into_iter().map(|(k, _)| k).collect();
        assert_eq!(kinds.len(), 2, "round {round}: {kinds:?}");
        assert_eq!(kinds[0], "submitted");
        assert_eq!(
            kinds[1],
            decided.as_str(),
            "one decision event, matching the state"
        );
        let told: Vec<String> = app
            .outbox()
            .into_iter()
            .filter(|r| r.subject.contains(&company))
            .filter(|r| r.kind == "registration_approved" || r.kind == "registration_rejected")
            .map(|r| r.kind)
            .collect();
        assert_eq!(
            told,
            [format!("registration_{}", decided.as_str())],
            "round {round}"
        );
        match decided {
            Status::Approved => assert!(reg.state.protection_ends_at.is_some()),
            _ => assert_eq!(reg.state.protection_ends_at, None),
        }
        outcomes.push(decided);
    }
    eprintln!("approve/reject races ended: {outcomes:?}");
}
