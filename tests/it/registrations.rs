//! Deal registration through HTTP, as partners, channel managers and admins use it: the
//! journeys of DESIGN.md's lifecycle, the queue behind a pending claim, the lock, the jobs
//! moved by the clock, validation, the policy and the partner's list.

use chrono::{NaiveDateTime, TimeDelta};
use reqwest::StatusCode;
use truce::clock::Clock;
use truce::domain::lifecycle::Status;

use crate::helpers::{
    Deal, Page, TestApp, TestClient, register_deal, save_policy, spawn_app, try_register, unescape,
};

const ADMIN: &str = "admin@vendor.example";
const CM1: &str = "cm1@vendor.example";
const CM2: &str = "cm2@vendor.example";
const ANN: &str = "ann@alpha.example";
const BEN: &str = "ben@beta.example";
const GIL: &str = "gil@gamma.example";

/// A program with an admin, two channel managers and three partner organisations.
async fn program() -> TestApp {
    let app = spawn_app().await;
    app.create_user(ADMIN, "admin", None, false);
    app.create_user(CM1, "channel", None, false);
    app.create_user(CM2, "channel", None, false);
    app.partner("Alpha Partners", ANN);
    app.partner("Beta Resellers", BEN);
    app.partner("Gamma Systems", GIL);
    app
}

/// A date as every page and email shows it.
fn date(at: NaiveDateTime) -> String {
    at.format("%-d %b %Y").to_string()
}

fn now(app: &TestApp) -> NaiveDateTime {
    app.clock.naive_now()
}

async fn review(client: &TestClient, id: &str, action: &str, fields: &[(&str, &str)]) -> Page {
    client
        .submit(
            &format!("/review/{id}"),
            &format!("/review/{id}/{action}"),
            fields,
        )
        .await
}

async fn act(client: &TestClient, id: &str, action: &str, fields: &[(&str, &str)]) -> Page {
    client
        .submit(
            &format!("/partner/deals/{id}"),
            &format!("/partner/deals/{id}/{action}"),
            fields,
        )
        .await
}

/// Asserts a redirect back to `to`; shows the page when it is something else.
fn assert_redirect(page: &Page, to: &str) {
    assert_eq!(
        (page.status, page.location.as_deref()),
        (StatusCode::SEE_OTHER, Some(to)),
        "expected a redirect to {to}; got:\n{}",
        page.text()
    );
}

/// The timeline section of a registration's page, as text.
fn timeline(page: &Page) -> String {
    let text = page.text();
    let start = text.find("id=\"timeline\"").expect("a timeline");
    let end = text[start..].find("</ol>").unwrap() + start;
    text[start..end].to_owned()
}

/// Asserts that `items` occur in `text` in this order.
fn assert_in_order(text: &str, items: &[&str]) {
    let mut at = 0;
    for item in items {
        match text[at..].find(item) {
            Some(i) => at += i + item.len(),
            None => panic!("{item:?} should follow the earlier entries in:\n{text}"),
        }
    }
}

/// The table row that mentions `needle`.
fn row_of(html: &str, needle: &str) -> String {
    let at = html
        .find(needle)
        .unwrap_or_else(|| panic!("{needle} not on the page:\n{html}"));
    let start = html[..at].rfind("<tr").unwrap();
    let end = html[at..].find("</tr>").unwrap() + at;
    unescape(&html[start..end])
}

fn assert_names_nobody_else(page: &Page, others: &[&str]) {
    let text = page.text();
    for other in others {
        assert!(
            !text.contains(other),
            "the page must not name {other:?}:\n{text}"
        );
    }
}

fn status_of(app: &TestApp, id: &str) -> Status {
    app.registration(id).status()
}

#[actix_web::test]
async fn register_approve_renew_and_close_won() {
    let app = program().await;
    let ann = app.login(ANN).await;
    let deal = Deal::new(
        &app,
        "Acme Robotics GmbH",
        "https://www.acme-robotics.de/en",
    );

    let created = try_register(&ann, &deal).await;
    assert_eq!(created.status, StatusCode::SEE_OTHER, "{}", created.text());
    let path = created.location.clone().unwrap();
    let id = crate::helpers::registration_id(&path);
    app.advance(TimeDelta::minutes(1));
    let page = ann.get(&path).await;
    assert_eq!(page.status, StatusCode::OK);
    let text = page.text();
    assert!(text.contains("Registered. A channel manager will review it"));
    assert!(text.contains("Pending review"));
    assert!(text.contains("On time"), "the review clock is shown");
    assert!(
        text.contains("due in 1 d 23 h"),
        "48 h SLA, a minute later: {text}"
    );
    assert!(text.contains("Mid-market"));
    assert!(text.contains("40,000.00 USD"));
    assert!(text.contains("Jana Berg, jana.berg@acme-robotics.de, +49 30 1234567"));
    assert!(text.contains("Germany"));
    assert!(text.contains("Two workshops with their CTO on fleet automation."));
    assert!(timeline(&page).contains("Submitted for review"));

    // The partner is told it arrived; every channel manager (not the admin) that it waits.
    assert_eq!(app.emails_to(ANN, "registration_submitted").len(), 1);
    for cm in [CM1, CM2] {
        let to_review = app.emails_to(cm, "registration_to_review");
        assert_eq!(to_review.len(), 1, "{cm} is told once");
        assert!(to_review[0].subject.contains("Acme Robotics GmbH"));
        assert!(
            app.email_text(&to_review[0])
                .contains(&format!("/review/{id}"))
        );
    }
    assert!(app.emails_to(ADMIN, "registration_to_review").is_empty());

    let list = ann.get("/partner").await;
    let row = row_of(&list.body, "Acme Robotics GmbH");
    assert!(row.contains("Pending review") && row.contains("Mid-market"));
    assert!(
        list.body
            .contains("<strong>1 active</strong> registration ")
    );

    let cm = app.login(CM1).await;
    let queue = cm.get("/review").await;
    let row = row_of(&queue.body, "Acme Robotics GmbH");
    assert!(row.contains("Alpha Partners"));
    assert!(row.contains("New registration"));
    assert!(row.contains("On time"));

    app.advance(TimeDelta::minutes(20));
    let approved = review(&cm, &id, "approve", &[]).await;
    assert_redirect(&approved, &format!("/review/{id}"));
    let ends = now(&app) + TimeDelta::days(120);
    assert!(
        cm.get(&format!("/review/{id}"))
            .await
            .text()
            .contains("Approved. The partner has been emailed.")
    );

    let page = ann.get(&path).await;
    let text = page.text();
    assert!(text.contains("Approved"));
    assert!(
        text.contains(&format!("{} (UTC), 120 days left", date(ends))),
        "protection end and days left: {text}"
    );
    assert!(text.contains("decided under version 1"));
    let line = timeline(&page);
    assert_in_order(
        &line,
        &[
            "Submitted for review",
            ANN,
            "Approved",
            "Channel team",
            &format!("Protected until {}.", date(ends)),
        ],
    );
    assert!(
        !text.contains(CM1),
        "partners see the channel team, not the reviewer's name"
    );
    let mail = app.emails_to(ANN, "registration_approved");
    assert_eq!(mail.len(), 1);
    assert!(mail[0].subject.contains(&date(ends)));
    assert!(app.email_text(&mail[0]).contains(&date(ends)));
    let list = ann.get("/partner").await;
    let row = row_of(&list.body, "Acme Robotics GmbH");
    assert!(row.contains("Approved") && row.contains(&format!("until {}", date(ends))));
    assert!(row.contains("120 days left"));

    // A month later the partner asks for more time; the renewal goes to review.
    app.advance(TimeDelta::days(30));
    let ann = app.login(ANN).await;
    let cm = app.login(CM1).await;
    let empty = act(&ann, &id, "renew", &[("renew_note", "  ")]).await;
    assert_eq!(empty.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        empty
            .text()
            .contains("Give an update on the deal's status.")
    );
    let note = "Pilot signed; the board decides on the rollout in the next quarter.";
    let renewed = act(&ann, &id, "renew", &[("renew_note", note)]).await;
    assert_redirect(&renewed, &format!("/partner/deals/{id}"));
    let page = ann.get(&path).await;
    let text = page.text();
    assert!(text.contains("Your renewal request was sent."));
    assert!(text.contains("Renewal requested"));
    assert!(text.contains(note));
    assert!(
        !text.contains("Ask for renewal"),
        "no second renewal is offered"
    );
    for cm in [CM1, CM2] {
        let mail = app.emails_to(cm, "renewal_to_review");
        assert_eq!(mail.len(), 1);
        assert!(app.email_text(&mail[0]).contains(note));
    }
    let queue = cm.get("/review").await;
    assert!(row_of(&queue.body, "Acme Robotics GmbH").contains("Renewal"));

    let decided = review(&cm, &id, "renewal/approve", &[]).await;
    assert_redirect(&decided, &format!("/review/{id}"));
    let ends2 = ends + TimeDelta::days(120);
    let page = ann.get(&path).await;
    let text = page.text();
    assert!(text.contains("Renewed"));
    assert!(
        text.contains(&format!("{} (UTC), 210 days left", date(ends2))),
        "{text}"
    );
    let mail = app.emails_to(ANN, "renewal_decided");
    assert_eq!(mail.len(), 1);
    assert!(app.email_text(&mail[0]).contains(&date(ends2)));
    assert!(!cm.get("/review").await.body.contains(&id), "decided");

    // Closed won, with the final amount and date.
    let today = app.today().format("%Y-%m-%d").to_string();
    let won = act(
        &ann,
        &id,
        "close-won",
        &[("won_amount", "38,500"), ("won_date", &today)],
    )
    .await;
    assert_redirect(&won, &format!("/partner/deals/{id}"));
    let page = ann.get(&path).await;
    let text = page.text();
    assert!(text.contains("The deal was closed as won."));
    assert!(text.contains(&format!(
        "38,500.00 USD on {}",
        app.today().format("%-d %b %Y")
    )));
    assert!(
        !text.contains("Withdraw registration"),
        "nothing left to do"
    );
    assert_in_order(
        &timeline(&page),
        &[
            "Submitted for review",
            "Approved",
            "Renewal requested",
            note,
            "Renewal approved",
            &format!("Protected until {}.", date(ends2)),
            "Closed won",
        ],
    );
    let list = ann.get("/partner").await;
    assert!(row_of(&list.body, "Acme Robotics GmbH").contains("Closed won"));
    assert!(
        list.body
            .contains("<strong>0 active</strong> registrations")
    );
    let kinds: Vec<String> = app.events(&id).into_iter().map(|(k, _)| k).collect();
    assert_eq!(
        kinds,
        [
            "submitted",
            "approved",
            "renewal_requested",
            "renewal_approved",
            "closed_won"
        ]
    );
    assert_eq!(status_of(&app, &id), Status::Won);
}

#[actix_web::test]
async fn a_rejection_needs_a_reason_which_the_partner_reads() {
    let app = program().await;
    let ann = app.login(ANN).await;
    let id = register_deal(&ann, &Deal::new(&app, "Soylent Corp", "soylent.example")).await;
    let cm = app.login(CM1).await;

    let no_reason = review(&cm, &id, "reject", &[("reject_reason", "   ")]).await;
    assert_eq!(no_reason.status, StatusCode::UNPROCESSABLE_ENTITY);
    let text = no_reason.text();
    assert!(text.contains("Give the partner a reason."));
    assert!(text.contains("id=\"reject_reason-error\""));
    assert_eq!(status_of(&app, &id), Status::Pending);
    assert_eq!(app.events(&id).len(), 1, "nothing recorded");
    assert!(app.emails_of_kind("registration_rejected").is_empty());
    assert!(
        cm.get("/review").await.body.contains(&id),
        "still in the queue"
    );

    let reason = "Soylent is an existing direct customer under contract until 2028.";
    let rejected = review(&cm, &id, "reject", &[("reject_reason", reason)]).await;
    assert_redirect(&rejected, &format!("/review/{id}"));
    let page = ann.get(&format!("/partner/deals/{id}")).await;
    let text = page.text();
    assert!(text.contains("Rejected"));
    assert!(text.contains(&format!("<dt>Reason</dt><dd>{reason}</dd>")));
    assert_in_order(&timeline(&page), &["Rejected", "Channel team", reason]);
    assert!(!text.contains("Withdraw registration"));
    let mail = app.emails_to(ANN, "registration_rejected");
    assert_eq!(mail.len(), 1);
    assert!(
        app.email_text(&mail[0])
            .contains(&format!("Reason: {reason}"))
    );
    assert!(!cm.get("/review").await.body.contains(&id));
    assert_eq!(status_of(&app, &id), Status::Rejected);
}

#[actix_web::test]
async fn a_later_registration_waits_behind_a_pending_one_and_goes_to_review_when_it_is_rejected() {
    let app = program().await;
    let ann = app.login(ANN).await;
    let ben = app.login(BEN).await;
    let cm = app.login(CM1).await;
    let first = register_deal(&ann, &Deal::new(&app, "Acme GmbH", "acme.de")).await;

    let queued = try_register(&ben, &Deal::new(&app, "ACME Inc", "https://www.acme.de")).await;
    assert_eq!(queued.status, StatusCode::SEE_OTHER);
    let second = crate::helpers::registration_id(queued.location.as_deref().unwrap());
    let page = ben.get(&format!("/partner/deals/{second}")).await;
    let text = page.text();
    assert!(text.contains("Queued"));
    assert!(text.contains("Another registration of this prospect is under review."));
    assert_names_nobody_else(&page, &["Alpha Partners", ANN, "Acme GmbH"]);
    let mail = app.emails_to(BEN, "registration_queued");
    assert_eq!(mail.len(), 1);
    assert!(!app.email_text(&mail[0]).contains("Alpha"));
    // Only the first in line is under review.
    assert_eq!(app.emails_to(CM1, "registration_to_review").len(), 1);
    let queue = cm.get("/review").await;
    assert!(queue.body.contains(&first));
    assert!(!queue.body.contains(&second));
    assert_eq!(status_of(&app, &second), Status::Queued);

    // The reviewer of the first sees the one waiting behind it, as the same prospect.
    let evidence = cm.get(&format!("/review/{first}")).await.text();
    assert!(evidence.contains("Beta Resellers"));
    assert!(evidence.contains("Same prospect"));

    let rejected = review(
        &cm,
        &first,
        "reject",
        &[("reject_reason", "No evidence of a relationship.")],
    )
    .await;
    assert_redirect(&rejected, &format!("/review/{first}"));
    assert_eq!(status_of(&app, &second), Status::Pending);
    let page = ben.get(&format!("/partner/deals/{second}")).await;
    let text = page.text();
    assert!(text.contains("Pending review"));
    assert!(timeline(&page).contains("Moved to review (first in line)"));
    assert_names_nobody_else(&page, &["Alpha Partners", ANN, "Acme GmbH"]);
    let mail = app.emails_to(BEN, "registration_advanced");
    assert_eq!(mail.len(), 1);
    assert!(mail[0].subject.contains("ACME Inc"));
    for cm in [CM1, CM2] {
        assert_eq!(app.emails_to(cm, "registration_to_review").len(), 2);
    }
    let queue = cm.get("/review").await;
    assert!(queue.body.contains(&second), "now in the review queue");
    assert!(row_of(&queue.body, "ACME Inc").contains("Beta Resellers"));
}

#[actix_web::test]
async fn a_later_registration_is_declined_when_the_one_ahead_is_approved() {
    let app = program().await;
    let ann = app.login(ANN).await;
    let ben = app.login(BEN).await;
    let cm = app.login(CM1).await;
    let first = register_deal(&ann, &Deal::new(&app, "Globex Ltd", "globex.co.uk")).await;
    let second = register_deal(&ben, &Deal::new(&app, "Globex Corporation", "")).await;
    assert_eq!(status_of(&app, &second), Status::Queued);

    let approved = review(&cm, &first, "approve", &[]).await;
    assert_redirect(&approved, &format!("/review/{first}"));
    let until = date(now(&app) + TimeDelta::days(120));
    let page = ben.get(&format!("/partner/deals/{second}")).await;
    let text = page.text();
    assert!(text.contains("Declined"));
    assert!(
        text.contains(&format!("it is protected until {until}.")),
        "{text}"
    );
    assert_names_nobody_else(&page, &["Alpha Partners", ANN, "Globex Ltd"]);
    let mail = app.emails_to(BEN, "registration_declined");
    assert_eq!(mail.len(), 1);
    assert!(
        app.email_text(&mail[0])
            .contains(&format!("protected until {until}"))
    );
    assert!(!app.email_text(&mail[0]).contains("Alpha"));
    assert_eq!(status_of(&app, &second), Status::Declined);
    assert!(!cm.get("/review").await.body.contains(&second));
    assert!(row_of(&ben.get("/partner").await.body, "Globex Corporation").contains("Declined"));
}

#[actix_web::test]
async fn an_approved_prospect_is_locked_without_naming_the_holder() {
    let app = program().await;
    let ann = app.login(ANN).await;
    let gil = app.login(GIL).await;
    let cm = app.login(CM1).await;

    // Before anyone registers it, the prospect looks available.
    let open = gil
        .get("/partner/deals/availability?company_name=Initech&website=&contact_email=")
        .await;
    assert!(
        open.text().contains("it looks available"),
        "{}",
        open.text()
    );

    let id = register_deal(&ann, &Deal::new(&app, "Initech", "initech.com")).await;
    let pending = gil
        .get("/partner/deals/availability?company_name=Initech+LLC&website=&contact_email=")
        .await;
    assert!(pending.text().contains("under review"));
    assert_names_nobody_else(&pending, &["Alpha Partners", ANN]);

    assert_redirect(
        &review(&cm, &id, "approve", &[]).await,
        &format!("/review/{id}"),
    );
    let until = date(now(&app) + TimeDelta::days(120));
    let locked = format!("already registered and protected until {until}");

    // The form's "Check availability" button, and the live check by name, website and the
    // contact's email domain: none of them stores or sends anything.
    let outbox_before = app.outbox().len();
    let deal = Deal::new(&app, "Initech LLC", "");
    let check = gil
        .submit("/partner/deals/new", "/partner/deals", &deal.pairs("check"))
        .await;
    assert_eq!(check.status, StatusCode::OK);
    assert!(check.text().contains(&locked), "{}", check.text());
    assert!(
        check.body.contains("value=\"Initech LLC\""),
        "the form keeps its input"
    );
    assert_names_nobody_else(&check, &["Alpha Partners", ANN]);
    for query in [
        "company_name=Initech+LLC&website=&contact_email=",
        "company_name=&website=https%3A%2F%2Fwww.initech.com%2Fabout&contact_email=",
        "company_name=Something+Else&website=&contact_email=peter%40initech.com",
    ] {
        let fragment = gil
            .get(&format!("/partner/deals/availability?{query}"))
            .await;
        assert_eq!(fragment.status, StatusCode::OK);
        assert!(
            fragment.text().contains(&locked),
            "{query}: {}",
            fragment.text()
        );
        assert_names_nobody_else(&fragment, &["Alpha Partners", ANN]);
    }
    assert_eq!(app.outbox().len(), outbox_before, "checking sends nothing");
    let gamma = app.find_user(GIL).unwrap().org_id.unwrap();
    let stored =
        truce::db::models::registration::count_in_states(&mut app.conn(), &gamma, Status::ALL)
            .unwrap();
    assert_eq!(stored, 0, "checking stores nothing");

    let declined = try_register(&gil, &deal).await;
    assert_eq!(declined.status, StatusCode::SEE_OTHER);
    let other = crate::helpers::registration_id(declined.location.as_deref().unwrap());
    let page = gil.get(&format!("/partner/deals/{other}")).await;
    let text = page.text();
    assert!(text.contains("Declined"));
    assert!(text.contains(&format!(
        "This prospect is already registered and protected until {until}."
    )));
    assert_names_nobody_else(&page, &["Alpha Partners", ANN]);
    let mail = app.emails_to(GIL, "registration_declined");
    assert_eq!(mail.len(), 1);
    assert!(app.email_text(&mail[0]).contains(&until));
    assert!(!app.email_text(&mail[0]).contains("Alpha"));
    assert_eq!(status_of(&app, &other), Status::Declined);
    assert_eq!(status_of(&app, &id), Status::Approved);
    assert!(
        app.emails_to(CM1, "registration_to_review").len() == 1,
        "a declined registration is never reviewed"
    );
}

#[actix_web::test]
async fn asking_for_information_pauses_the_sla_until_the_partner_answers() {
    let app = program().await;
    let ann = app.login(ANN).await;
    let id = register_deal(&ann, &Deal::new(&app, "Hooli XYZ", "hooli.example")).await;
    app.advance(TimeDelta::hours(10));
    let cm = app.login(CM1).await;

    let empty = review(&cm, &id, "request-info", &[("info_question", "")]).await;
    assert_eq!(empty.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(empty.text().contains("Say what information you need."));
    assert_eq!(status_of(&app, &id), Status::Pending);

    let question = "Which of their plants is in scope, and who signs?";
    let asked = review(&cm, &id, "request-info", &[("info_question", question)]).await;
    assert_redirect(&asked, &format!("/review/{id}"));
    let ann = app.login(ANN).await;
    let page = ann.get(&format!("/partner/deals/{id}")).await;
    let text = page.text();
    assert!(text.contains("The channel manager asks"));
    assert!(text.contains(question));
    assert!(text.contains("Info requested"));
    assert!(text.contains("Paused: waiting for partner"));
    let mail = app.emails_to(ANN, "registration_info_requested");
    assert_eq!(mail.len(), 1);
    assert!(app.email_text(&mail[0]).contains(question));
    let queue = cm.get("/review").await.text();
    assert!(queue.contains("0 items waiting for a decision"));
    assert!(queue.contains("Waiting for the partner's answer"));

    // Three days pass: far beyond the 48 h SLA, but the clock is stopped.
    app.advance(TimeDelta::days(3));
    app.run_jobs().await;
    assert!(app.emails_of_kind("registration_sla_breached").is_empty());

    let ann = app.login(ANN).await;
    let blank = act(&ann, &id, "answer", &[("answer", " ")]).await;
    assert_eq!(blank.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(blank.text().contains("Write your answer."));
    assert!(blank.body.contains("id=\"answer-error\""));
    assert_eq!(status_of(&app, &id), Status::InfoRequested);

    let answer = "The Leipzig plant, 40 robots; the COO signs.";
    let answered = act(&ann, &id, "answer", &[("answer", answer)]).await;
    assert_redirect(&answered, &format!("/partner/deals/{id}"));
    app.advance(TimeDelta::minutes(1));
    let page = ann.get(&format!("/partner/deals/{id}")).await;
    let text = page.text();
    assert!(text.contains("Pending review"));
    assert!(
        text.contains("due in 1 d 13 h"),
        "the 38 h left when the question was asked, less a minute: {text}"
    );
    assert_in_order(
        &timeline(&page),
        &[
            "Information requested",
            question,
            "Information provided",
            answer,
        ],
    );
    let cm = app.login(CM1).await;
    let queue = cm.get("/review").await;
    assert!(queue.body.contains(&id), "back in the queue");
    assert!(queue.text().contains("1 item waiting"));
    for cm in [CM1, CM2] {
        let mail = app.emails_to(cm, "registration_info_answered");
        assert_eq!(mail.len(), 1);
        assert!(app.email_text(&mail[0]).contains(answer));
    }
    app.run_jobs().await;
    assert!(app.emails_of_kind("registration_sla_breached").is_empty());
}

#[actix_web::test]
async fn the_queue_lists_the_ten_oldest_waiting_for_an_answer_and_links_to_the_rest() {
    let app = program().await;
    let ann = app.login(ANN).await;
    let cm = app.login(CM1).await;
    let mut ids = Vec::new();
    for n in 1..=11 {
        let name = format!("Waiting Corp {n:02}");
        let deal = Deal::new(&app, &name, &format!("waiting{n}.example"));
        let id = register_deal(&ann, &deal).await;
        app.advance(TimeDelta::minutes(1));
        let asked = review(&cm, &id, "request-info", &[("info_question", "Who signs?")]).await;
        assert_redirect(&asked, &format!("/review/{id}"));
        ids.push(id);
    }

    let queue = cm.get("/review").await.text();
    let listed: Vec<&String> = ids
        .iter()
        .filter(|id| queue.contains(id.as_str()))
        .collect();
    assert_eq!(listed.len(), 10, "the ten oldest, not all eleven");
    assert!(queue.contains("Waiting Corp 01") && queue.contains("Waiting Corp 10"));
    assert!(
        !queue.contains("Waiting Corp 11"),
        "the newest is a link away"
    );
    let href = "/review/registrations?status=info_requested&sort=oldest";
    assert!(queue.contains(href), "a link to all of them");

    let all = cm.get(href).await.text();
    for id in &ids {
        assert!(
            all.contains(id.as_str()),
            "{id} is in the list the link opens"
        );
    }
}

#[actix_web::test]
async fn illegal_transitions_are_refused_and_change_nothing() {
    let app = program().await;
    let ann = app.login(ANN).await;
    let ben = app.login(BEN).await;
    let cm = app.login(CM1).await;
    let x = register_deal(&ann, &Deal::new(&app, "Massive Dynamic", "massive.example")).await;
    let y = register_deal(&ann, &Deal::new(&app, "Vandelay Industries", "")).await;
    let z = register_deal(&ann, &Deal::new(&app, "Wonka Industries", "wonka.example")).await;

    // Another organisation's registration does not exist for partner B.
    let before = app.registration(&x);
    assert_eq!(
        ben.get(&format!("/partner/deals/{x}")).await.status,
        StatusCode::NOT_FOUND
    );
    let token = ben.csrf_from("/partner").await;
    for (action, fields) in [
        ("withdraw", vec![("withdraw_reason", "mine now")]),
        ("answer", vec![("answer", "hello")]),
        ("close-lost", vec![("lost_reason", "lost")]),
        ("renew", vec![("renew_note", "please")]),
    ] {
        let page = ben
            .post_with(&token, &format!("/partner/deals/{x}/{action}"), &fields)
            .await;
        assert_eq!(page.status, StatusCode::NOT_FOUND, "{action}");
        assert!(!page.text().contains("Massive Dynamic"));
    }
    let after = app.registration(&x);
    assert_eq!(after.status(), Status::Pending);
    assert_eq!(after.lock_version, before.lock_version);
    assert_eq!(app.events(&x).len(), 1);

    // Approve twice.
    assert_redirect(
        &review(&cm, &x, "approve", &[]).await,
        &format!("/review/{x}"),
    );
    let approved = app.registration(&x);
    let twice = review(&cm, &x, "approve", &[]).await;
    assert_eq!(twice.status, StatusCode::CONFLICT);
    assert!(
        twice
            .text()
            .contains("This registration is Approved; that is not possible any more."),
        "{}",
        twice.text()
    );
    let still = app.registration(&x);
    assert_eq!(
        still.state.protection_ends_at,
        approved.state.protection_ends_at
    );
    assert_eq!(still.lock_version, approved.lock_version);
    assert_eq!(app.events(&x).len(), 2);
    assert_eq!(app.emails_to(ANN, "registration_approved").len(), 1);

    // Renew twice: while one waits, and after it was granted.
    let renew = |note: &'static str| [("renew_note", note)];
    assert_redirect(
        &act(&ann, &x, "renew", &renew("Contract in legal review.")).await,
        &format!("/partner/deals/{x}"),
    );
    let again = act(&ann, &x, "renew", &renew("And again.")).await;
    assert_eq!(again.status, StatusCode::CONFLICT);
    assert!(
        again
            .text()
            .contains("A renewal is already waiting for review.")
    );
    assert_redirect(
        &review(&cm, &x, "renewal/approve", &[]).await,
        &format!("/review/{x}"),
    );
    let renewed = app.registration(&x);
    let third = act(&ann, &x, "renew", &renew("Once more?")).await;
    assert_eq!(third.status, StatusCode::CONFLICT);
    assert!(
        third
            .text()
            .contains("A registration can be renewed once; this one already was.")
    );
    let twice = review(&cm, &x, "renewal/approve", &[]).await;
    assert_eq!(twice.status, StatusCode::CONFLICT);
    assert!(
        twice
            .text()
            .contains("There is no renewal request to decide.")
    );
    let still = app.registration(&x);
    assert_eq!(
        still.state.protection_ends_at,
        renewed.state.protection_ends_at
    );
    assert_eq!(
        still.state.renewal_note.as_deref(),
        Some("Contract in legal review.")
    );
    assert_eq!(app.events(&x).len(), 4);

    // Close a withdrawn deal.
    assert_redirect(
        &review(&cm, &z, "approve", &[]).await,
        &format!("/review/{z}"),
    );
    // Withdrawing without ticking the confirmation changes nothing, says why next to the
    // box and keeps the reason typed.
    let unticked = act(
        &ann,
        &z,
        "withdraw",
        &[("withdraw_reason", "Customer chose to wait.")],
    )
    .await;
    assert_eq!(unticked.status, StatusCode::UNPROCESSABLE_ENTITY);
    let text = unticked.text();
    assert!(
        text.contains("id=\"withdraw_confirm-error\">Tick this box to confirm"),
        "{text}"
    );
    assert!(
        text.contains(">Customer chose to wait.</textarea>"),
        "{text}"
    );
    assert_eq!(status_of(&app, &z), Status::Approved);
    assert_redirect(
        &act(
            &ann,
            &z,
            "withdraw",
            &[
                ("withdraw_reason", "Customer chose to wait."),
                ("withdraw_confirm", "yes"),
            ],
        )
        .await,
        &format!("/partner/deals/{z}"),
    );
    let today = app.today().format("%Y-%m-%d").to_string();
    let won = [("won_amount", "10,000"), ("won_date", today.as_str())];
    let by_partner = act(&ann, &z, "close-won", &won).await;
    assert_eq!(by_partner.status, StatusCode::CONFLICT);
    assert!(
        by_partner
            .text()
            .contains("This registration is Withdrawn; that is not possible any more.")
    );
    let by_reviewer = review(&cm, &z, "close-won", &won).await;
    assert_eq!(by_reviewer.status, StatusCode::CONFLICT);
    let lost = act(&ann, &z, "close-lost", &[("lost_reason", "gone")]).await;
    assert_eq!(lost.status, StatusCode::CONFLICT);
    let withdrawn = app.registration(&z);
    assert_eq!(withdrawn.status(), Status::Withdrawn);
    assert_eq!(withdrawn.state.close_amount_minor, None);
    assert_eq!(
        withdrawn.state.outcome_reason.as_deref(),
        Some("Customer chose to wait.")
    );
    assert_eq!(app.events(&z).len(), 3);

    // Renew after expiry: once the window has ended (before and after the job notices).
    assert_redirect(
        &review(&cm, &y, "approve", &[]).await,
        &format!("/review/{y}"),
    );
    app.advance(TimeDelta::days(121));
    let ann = app.login(ANN).await;
    let late = act(&ann, &y, "renew", &renew("Still talking.")).await;
    assert_eq!(late.status, StatusCode::CONFLICT);
    assert!(
        late.text().contains("The protection window has ended"),
        "{}",
        late.text()
    );
    assert_eq!(status_of(&app, &y), Status::Approved);
    app.run_jobs().await;
    assert_eq!(status_of(&app, &y), Status::Expired);
    let expired = act(&ann, &y, "renew", &renew("Still talking.")).await;
    assert_eq!(expired.status, StatusCode::CONFLICT);
    assert!(
        expired
            .text()
            .contains("This registration is Expired; that is not possible any more.")
    );
    assert_eq!(app.registration(&y).state.renewal, None);
}

#[actix_web::test]
async fn expiry_reminder_and_sla_escalation_follow_the_clock_once_each() {
    let app = program().await;
    let ann = app.login(ANN).await;
    let cm = app.login(CM1).await;
    let id = register_deal(
        &ann,
        &Deal::new(&app, "Umbrella Corporation", "umbrella.example"),
    )
    .await;
    assert_redirect(
        &review(&cm, &id, "approve", &[]).await,
        &format!("/review/{id}"),
    );
    let ends = now(&app) + TimeDelta::days(120);

    // Just before the reminder is due (14 days before the end), nothing; just after, one.
    app.advance(TimeDelta::days(106) - TimeDelta::hours(1));
    app.run_jobs().await;
    assert!(app.emails_of_kind("registration_reminder").is_empty());
    app.advance(TimeDelta::hours(2));
    let report = app.run_jobs().await;
    assert_eq!(report.registrations.reminded, 1);
    let reminders = app.emails_to(ANN, "registration_reminder");
    assert_eq!(reminders.len(), 1);
    assert!(reminders[0].subject.contains(&date(ends)));
    assert!(app.email_text(&reminders[0]).contains(&date(ends)));
    app.run_jobs().await;
    app.advance(TimeDelta::days(1));
    app.run_jobs().await;
    assert_eq!(app.emails_of_kind("registration_reminder").len(), 1);
    let ann = app.login(ANN).await;
    assert!(
        ann.get(&format!("/partner/deals/{id}"))
            .await
            .text()
            .contains("13 days left")
    );

    // Past the end: expired once, with a notice.
    app.advance(TimeDelta::days(13));
    let report = app.run_jobs().await;
    assert_eq!(report.registrations.expired, 1);
    app.run_jobs().await;
    assert_eq!(status_of(&app, &id), Status::Expired);
    let expired = app.emails_to(ANN, "registration_expired");
    assert_eq!(expired.len(), 1);
    assert!(expired[0].subject.contains("Umbrella Corporation"));
    let ann = app.login(ANN).await;
    let page = ann.get(&format!("/partner/deals/{id}")).await;
    assert!(page.text().contains("Expired"));
    assert_in_order(
        &timeline(&page),
        &["Approved", "Expiry reminder sent", "Protection expired"],
    );
    assert!(row_of(&ann.get("/partner").await.body, "Umbrella Corporation").contains("Expired"));

    // The prospect is open again: another partner's registration goes to review.
    let ben = app.login(BEN).await;
    let check = ben
        .get("/partner/deals/availability?company_name=Umbrella+Corp&website=umbrella.example&contact_email=")
        .await;
    assert!(
        check.text().contains("it looks available"),
        "{}",
        check.text()
    );
    let again = register_deal(&ben, &Deal::new(&app, "Umbrella Corp", "umbrella.example")).await;
    assert_eq!(status_of(&app, &again), Status::Pending);
    assert!(
        ben.get(&format!("/partner/deals/{again}"))
            .await
            .text()
            .contains("Pending review")
    );
}

#[actix_web::test]
async fn a_review_past_its_sla_is_escalated_to_each_channel_manager_once() {
    let app = program().await;
    let ann = app.login(ANN).await;
    let id = register_deal(
        &ann,
        &Deal::new(&app, "Cyberdyne Systems", "cyberdyne.example"),
    )
    .await;

    app.advance(TimeDelta::hours(47));
    app.run_jobs().await;
    assert!(app.emails_of_kind("registration_sla_breached").is_empty());
    let cm = app.login(CM1).await;
    assert!(row_of(&cm.get("/review").await.body, "Cyberdyne Systems").contains("Due within 12 h"));

    app.advance(TimeDelta::hours(2));
    let report = app.run_jobs().await;
    assert_eq!(report.registrations.escalated, 1);
    let breached = app.emails_of_kind("registration_sla_breached");
    let mut to: Vec<&str> = breached.iter().map(|e| e.to_addr.as_str()).collect();
    to.sort_unstable();
    assert_eq!(to, [CM1, CM2], "one email per channel manager");
    assert!(breached[0].subject.contains("Cyberdyne Systems"));
    assert!(
        app.email_text(&breached[0])
            .contains(&format!("/review/{id}"))
    );
    app.run_jobs().await;
    app.advance(TimeDelta::hours(5));
    app.run_jobs().await;
    assert_eq!(
        app.emails_of_kind("registration_sla_breached").len(),
        2,
        "not repeated"
    );
    let cm = app.login(CM1).await;
    assert!(row_of(&cm.get("/review").await.body, "Cyberdyne Systems").contains("SLA breached"));
    assert_eq!(
        app.events(&id)
            .iter()
            .filter(|(k, _)| k == "sla_escalated")
            .count(),
        1
    );
}

#[actix_web::test]
async fn the_form_explains_each_problem_next_to_its_field_and_keeps_the_input() {
    let app = program().await;
    let ann = app.login(ANN).await;
    let yesterday = (app.today() - TimeDelta::days(1))
        .format("%Y-%m-%d")
        .to_string();
    let bad = Deal::new(&app, "", "not a website")
        .with("country", "XX")
        .with("industry", "Alchemy")
        .with("contact_name", "")
        .with("contact_email", "nobody")
        .with("contact_phone", "call me maybe")
        .with("amount", "lots")
        .with("expected_close", &yesterday)
        .with("relationship", "We met once.");
    let page = try_register(&ann, &bad).await;
    assert_eq!(page.status, StatusCode::UNPROCESSABLE_ENTITY);
    let text = page.text();
    for (field, message) in [
        ("company_name", "Enter the prospect's company name."),
        (
            "website",
            "Enter a website such as acme.com, or leave it empty.",
        ),
        ("country", "Choose the prospect's country."),
        ("industry", "Choose the prospect's industry."),
        ("contact_name", "Enter the contact's name."),
        (
            "contact_email",
            "Enter the contact's email address, like name@company.com.",
        ),
        ("contact_phone", "Enter a phone number with digits"),
        ("amount", "Enter a number, for example 25000 or 25,000.00."),
        (
            "expected_close",
            "The expected close date cannot be in the past.",
        ),
        (
            "relationship",
            "Enter how you know the prospect (at least 20 characters)",
        ),
    ] {
        let marker = format!("<p class=\"field-error\" id=\"{field}-error\">{message}");
        assert!(text.contains(&marker), "{field}: {message}\n{text}");
    }
    for kept in [
        "value=\"not a website\"",
        "value=\"nobody\"",
        "value=\"call me maybe\"",
        "value=\"lots\"",
        &format!("value=\"{yesterday}\""),
        ">We met once.</textarea>",
        "value=\"USD\" selected",
    ] {
        assert!(page.body.contains(kept), "input kept: {kept}");
    }
    assert_eq!(page.body.matches("aria-invalid=\"true\"").count(), 10);
    assert!(app.outbox().is_empty(), "nothing registered");

    // Bigger than the direct threshold (100,000 USD).
    let big = Deal::new(&app, "Big Deal AG", "bigdeal.example").with("amount", "150,000");
    let page = try_register(&ann, &big).await;
    assert_eq!(page.status, StatusCode::UNPROCESSABLE_ENTITY);
    let text = page.text();
    assert!(
        text.contains("id=\"amount-error\">Deals above 100,000 USD are reserved for direct sales")
    );
    assert!(page.body.contains("value=\"Big Deal AG\""));
    assert!(page.body.contains("value=\"150,000\""));
    // 95,000 EUR is above it too, at the policy's rate.
    let page = try_register(
        &ann,
        &big.clone().with("amount", "95,000").with("currency", "EUR"),
    )
    .await;
    assert_eq!(page.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(page.text().contains("reserved for direct sales"));

    // Accounts the CRM reserves: a named account by name, a direct-reserved one by domain.
    app.add_crm_account("Wayne Enterprises", None, true, false);
    app.add_crm_account("Stark Industries", Some("stark.example"), false, true);
    for deal in [
        Deal::new(&app, "Wayne Enterprises, Inc.", ""),
        Deal::new(&app, "Stark Intl", "https://stark.example"),
    ] {
        let check = ann
            .submit("/partner/deals/new", "/partner/deals", &deal.pairs("check"))
            .await;
        assert!(
            check
                .text()
                .contains("reserved for direct sales (a named account)")
        );
        let page = try_register(&ann, &deal).await;
        assert_eq!(page.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(
            page.text()
                .contains("id=\"company_name-error\">This prospect is reserved for direct sales"),
            "{}",
            page.text()
        );
        assert!(
            page.body
                .contains(&format!("value=\"{}\"", deal.get("company_name")))
        );
    }
    assert!(app.outbox().is_empty());

    // The organisation's cap on active registrations.
    let admin = app.login(ADMIN).await;
    let saved = save_policy(&app, &admin, &[("max_active_per_org", "2")]).await;
    assert_redirect(&saved, "/admin/policy");
    let one = register_deal(&ann, &Deal::new(&app, "First Cap Co", "")).await;
    register_deal(&ann, &Deal::new(&app, "Second Cap Co", "")).await;
    let third = Deal::new(&app, "Third Cap Co", "");
    let page = try_register(&ann, &third).await;
    assert_eq!(page.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        page.text().contains(
            "Your organisation has 2 active registrations, the program's limit for your tier."
        ),
        "{}",
        page.text()
    );
    assert!(page.body.contains("value=\"Third Cap Co\""));
    assert!(ann.get("/partner").await.body.contains(
        "<strong>2 active</strong> registrations (queued, in review or approved) of the 2 the program allows"
    ));
    // The cap is per organisation, and a withdrawal frees a place.
    let ben = app.login(BEN).await;
    let bens = register_deal(&ben, &Deal::new(&app, "Third Cap Co", "")).await;
    // An organisation does not register one prospect twice.
    let twice = try_register(&ben, &Deal::new(&app, "Third Cap Company", "")).await;
    assert_eq!(twice.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(twice.text().contains(
        "id=\"company_name-error\">Your organisation already has an active registration for this prospect."
    ));
    // ... and leads to it.
    assert!(
        twice.body.contains(&format!(
            "<a href=\"/partner/deals/{bens}\">Open your registration</a>"
        )),
        "{}",
        twice.body
    );
    assert_redirect(
        &act(&ann, &one, "withdraw", &[("withdraw_confirm", "yes")]).await,
        &format!("/partner/deals/{one}"),
    );
    let later = register_deal(&ann, &Deal::new(&app, "Fourth Cap Co", "")).await;
    assert_eq!(status_of(&app, &later), Status::Pending);
}

#[actix_web::test]
async fn policy_changes_make_versions_and_never_rewrite_past_decisions() {
    let app = program().await;
    let admin = app.login(ADMIN).await;
    let ann = app.login(ANN).await;
    let cm = app.login(CM1).await;
    assert!(
        admin
            .get("/admin/policy")
            .await
            .text()
            .contains("(version 1 in force)")
    );

    let old = register_deal(&ann, &Deal::new(&app, "Prestige Worldwide", "")).await;
    assert_redirect(
        &review(&cm, &old, "approve", &[]).await,
        &format!("/review/{old}"),
    );
    let old_ends = date(now(&app) + TimeDelta::days(120));

    let invalid = save_policy(&app, &admin, &[("window_mid_days", "29")]).await;
    assert_eq!(invalid.status, StatusCode::UNPROCESSABLE_ENTITY);
    let text = invalid.text();
    assert!(text.contains("id=\"window_mid_days-error\">Enter a number of days from 30 to 365."));
    assert!(invalid.body.contains("value=\"29\""), "input kept");
    assert!(text.contains("Nothing was saved"));
    assert!(text.contains("(version 1 in force)"));
    assert_eq!(
        truce::db::models::policy::current(&mut app.conn())
            .unwrap()
            .version,
        1
    );

    app.advance(TimeDelta::minutes(5));
    let saved = save_policy(&app, &admin, &[("window_mid_days", "60")]).await;
    assert_redirect(&saved, "/admin/policy");
    let page = admin.get("/admin/policy").await;
    let text = page.text();
    assert!(text.contains("Policy version 2 is now in force."));
    assert!(text.contains("(version 2 in force)"));
    assert_in_order(
        &text,
        &[
            "<h2>History</h2>",
            "Version 2",
            ADMIN,
            "Mid-market window (days): 120 → 60",
            "Version 1",
            "Truce (initial defaults)",
        ],
    );
    assert!(
        !text.contains("SMB window (days): 90 →"),
        "only what changed is listed"
    );
    // Saving the same values again makes no version.
    assert_redirect(&save_policy(&app, &admin, &[]).await, "/admin/policy");
    assert!(
        admin
            .get("/admin/policy")
            .await
            .text()
            .contains("(version 2 in force)")
    );

    // The earlier decision keeps its version and its window.
    let text = ann.get(&format!("/partner/deals/{old}")).await.text();
    assert!(text.contains("under policy version 1; decided under version 1"));
    assert!(text.contains(&format!("{old_ends} (UTC)")));

    // A decision now uses version 2's window.
    let new = register_deal(&ann, &Deal::new(&app, "Sterling Cooper", "")).await;
    let review_page = cm.get(&format!("/review/{new}")).await.text();
    assert!(
        review_page
            .contains("Protects the prospect for 60 days (Mid-market window, policy version 2)"),
        "{review_page}"
    );
    assert_redirect(
        &review(&cm, &new, "approve", &[]).await,
        &format!("/review/{new}"),
    );
    let ends = date(now(&app) + TimeDelta::days(60));
    let text = ann.get(&format!("/partner/deals/{new}")).await.text();
    assert!(text.contains("under policy version 2; decided under version 2"));
    assert!(
        text.contains(&format!("{ends} (UTC), 60 days left")),
        "{text}"
    );
    assert_eq!(app.registration(&new).state.decided_policy_version, Some(2));
    assert_eq!(app.registration(&old).state.decided_policy_version, Some(1));
}

/// The registrations linked from a list page, in page order.
fn listed_ids(html: &str) -> Vec<String> {
    let marker = "href=\"/partner/deals/";
    let mut ids = Vec::new();
    let mut rest = html;
    while let Some(i) = rest.find(marker) {
        rest = &rest[i + marker.len()..];
        let end = rest.find('"').unwrap();
        if &rest[..end] != "new" {
            ids.push(rest[..end].to_owned());
        }
        rest = &rest[end..];
    }
    ids
}

fn next_link(page: &Page) -> Option<String> {
    let marker = "<a rel=\"next\" href=\"";
    let start = page.body.find(marker)? + marker.len();
    let end = page.body[start..].find('"')? + start;
    Some(unescape(&page.body[start..end]))
}

/// Every page of a list from `first`, following rel=next: the ids on each page.
async fn all_pages(client: &TestClient, first: &str) -> Vec<Vec<String>> {
    let mut pages = Vec::new();
    let mut next = Some(first.to_owned());
    while let Some(path) = next {
        let page = client.get(&path).await;
        assert_eq!(page.status, StatusCode::OK, "{path}");
        pages.push(listed_ids(&page.body));
        next = next_link(&page);
        assert!(pages.len() <= 10, "the pages end: {path} {pages:?}");
    }
    pages
}

#[actix_web::test]
async fn my_deals_pages_through_every_registration_once_with_filters() {
    let app = program().await;
    let admin = app.login(ADMIN).await;
    assert_redirect(
        &save_policy(&app, &admin, &[("max_active_per_org", "1000")]).await,
        "/admin/policy",
    );
    let ann = app.login(ANN).await;
    let ben = app.login(BEN).await;
    let token = ann.csrf_from("/partner").await;
    let mut ids = Vec::new();
    for i in 1..=60 {
        let deal = Deal::new(&app, &format!("Prospect {i:02} Widgets"), "");
        let page = ann
            .post_with(&token, "/partner/deals", &deal.pairs("submit"))
            .await;
        assert_eq!(page.status, StatusCode::SEE_OTHER, "{}", page.text());
        ids.push(crate::helpers::registration_id(
            page.location.as_deref().unwrap(),
        ));
        // A few share a time stamp: the id breaks the tie.
        if i % 4 == 0 {
            app.advance(TimeDelta::seconds(1));
        }
    }
    for i in 1..=3 {
        register_deal(&ben, &Deal::new(&app, &format!("Beta Only Target {i}"), "")).await;
    }

    let first = ann.get("/partner").await;
    assert_eq!(listed_ids(&first.body).len(), 25);
    assert!(
        first
            .body
            .contains("<strong>60 active</strong> registrations")
    );
    assert_eq!(
        listed_ids(&first.body)[0],
        ids[59],
        "newest first: the last one registered"
    );
    for sort in ["newest", "oldest", "company"] {
        let pages = all_pages(&ann, &format!("/partner?sort={sort}")).await;
        let sizes: Vec<usize> = pages.iter().map(Vec::len).collect();
        assert_eq!(sizes, [25, 25, 10], "{sort}");
        let seen: Vec<String> = pages.concat();
        let mut unique = seen.clone();
        unique.sort();
        unique.dedup();
        assert_eq!(unique.len(), 60, "{sort}: no duplicates");
        let mut expected = ids.clone();
        expected.sort();
        assert_eq!(unique, expected, "{sort}: none missing");
        match sort {
            "newest" => assert_eq!(seen, ids.iter().rev().cloned().collect::<Vec<_>>()),
            // Registered in name order, so both orders agree.
            _ => assert_eq!(seen, ids),
        }
    }

    // Another organisation's registrations never appear, on any page.
    for path in [
        "/partner",
        "/partner?sort=company",
        "/partner?status=pending",
    ] {
        for page in all_pages(&ann, path).await.concat() {
            assert!(ids.contains(&page));
        }
        assert!(!ann.get(path).await.body.contains("Beta Only Target"));
    }

    // Filter by status.
    let cm = app.login(CM1).await;
    for id in [&ids[3], &ids[30], &ids[57]] {
        assert_redirect(
            &review(&cm, id, "approve", &[]).await,
            &format!("/review/{id}"),
        );
    }
    let approved = all_pages(&ann, "/partner?status=approved").await;
    let mut approved = approved.concat();
    approved.sort();
    let mut expected = vec![ids[3].clone(), ids[30].clone(), ids[57].clone()];
    expected.sort();
    assert_eq!(approved, expected);
    let pending = all_pages(&ann, "/partner?status=pending").await;
    assert_eq!(
        pending.iter().map(Vec::len).collect::<Vec<_>>(),
        [25, 25, 7]
    );
    assert!(pending.concat().iter().all(|id| !expected.contains(id)));
    let page = ann.get("/partner?status=pending").await;
    let next = next_link(&page).unwrap();
    assert!(
        next.contains("status=pending"),
        "the filter is kept: {next}"
    );
    let ending = all_pages(&ann, "/partner?sort=ending").await.concat();
    assert_eq!(ending.len(), 3, "only protected ones have an end");
    assert!(
        ann.get("/partner?status=rejected")
            .await
            .text()
            .contains("No registrations with this status yet.")
    );
}

#[actix_web::test]
async fn a_renewal_asked_in_time_holds_off_expiry_until_it_is_decided() {
    let app = program().await;
    let ann = app.login(ANN).await;
    let cm = app.login(CM1).await;
    let id = register_deal(
        &ann,
        &Deal::new(&app, "Tyrell Corporation", "tyrell.example"),
    )
    .await;
    assert_redirect(
        &review(&cm, &id, "approve", &[]).await,
        &format!("/review/{id}"),
    );
    let ends = now(&app) + TimeDelta::days(120);

    app.advance(TimeDelta::days(115));
    let ann = app.login(ANN).await;
    let note = "Procurement asked for a second quote; decision next month.";
    assert_redirect(
        &act(&ann, &id, "renew", &[("renew_note", note)]).await,
        &format!("/partner/deals/{id}"),
    );
    // The window ends while the renewal waits: the claim holds until it is decided.
    app.advance(TimeDelta::days(6));
    app.run_jobs().await;
    assert_eq!(status_of(&app, &id), Status::Approved);
    assert!(app.emails_of_kind("registration_expired").is_empty());

    let cm = app.login(CM1).await;
    let queue = cm.get("/review").await;
    assert!(queue.body.contains(&id), "the renewal waits in the queue");
    assert!(queue.text().contains("1 item waiting for a decision"));
    let no_reason = review(&cm, &id, "renewal/reject", &[("renewal_reason", "")]).await;
    assert_eq!(no_reason.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(no_reason.text().contains("Give the partner a reason."));
    let reason = "No progress since the last update.";
    assert_redirect(
        &review(&cm, &id, "renewal/reject", &[("renewal_reason", reason)]).await,
        &format!("/review/{id}"),
    );
    let mail = app.emails_to(ANN, "renewal_decided");
    assert_eq!(mail.len(), 1);
    let text = app.email_text(&mail[0]);
    assert!(text.contains(&format!("Reason: {reason}")));
    assert!(text.contains(&date(ends)));
    let ann = app.login(ANN).await;
    let page = ann.get(&format!("/partner/deals/{id}")).await;
    assert!(page.text().contains("Renewal rejected"));
    assert_in_order(&timeline(&page), &["Renewal rejected", reason]);
    let cm = app.login(CM1).await;
    assert!(
        cm.get("/review")
            .await
            .text()
            .contains("0 items waiting for a decision"),
        "a decided renewal leaves the queue"
    );

    app.run_jobs().await;
    assert_eq!(status_of(&app, &id), Status::Expired);
    assert_eq!(app.emails_to(ANN, "registration_expired").len(), 1);
}

#[actix_web::test]
async fn the_expiry_sweep_decides_a_row_changed_after_it_was_read_on_what_it_is_now() {
    use truce::db::models::{policy, registration as reg_db};
    use truce::domain::lifecycle::Command;
    use truce::workflow::transition::{ActError, BatchInput, system_batch};

    let app = program().await;
    let ann = app.login(ANN).await;
    let cm = app.login(CM1).await;
    let closed = register_deal(&ann, &Deal::new(&app, "Initech", "initech.example")).await;
    let lapsing = register_deal(&ann, &Deal::new(&app, "Umbrella Corp", "umbrella.example")).await;
    for id in [&closed, &lapsing] {
        assert_redirect(
            &review(&cm, id, "approve", &[]).await,
            &format!("/review/{id}"),
        );
    }
    app.advance(TimeDelta::days(121));

    // The sweep reads its batch before it takes the write lock ...
    let at = now(&app);
    let ids = {
        let mut conn = app.conn();
        reg_db::ids_expiring_by(&mut conn, at, 100).unwrap()
    };
    assert_eq!(ids.len(), 2);
    let mut input = BatchInput::read(&mut app.conn(), &ids).unwrap();

    // ... and meanwhile the partner closes one of the deals as lost.
    let ann = app.login(ANN).await;
    assert_redirect(
        &act(
            &ann,
            &closed,
            "close-lost",
            &[("lost_reason", "Budget frozen")],
        )
        .await,
        &format!("/partner/deals/{closed}"),
    );

    let config = app.config();
    let done = {
        let mut conn = app.conn();
        truce::db::write_tx(&mut conn, |conn| -> Result<usize, ActError> {
            let pv = policy::current(conn)?;
            system_batch(
                conn,
                &config,
                &mut input,
                || Command::Expire,
                at,
                &pv,
                |_| true,
            )
        })
        .unwrap()
    };
    assert_eq!(done, 1, "only the untouched registration lapses");
    assert_eq!(status_of(&app, &closed), Status::Lost);
    assert_eq!(status_of(&app, &lapsing), Status::Expired);
    let kinds: Vec<String> = app
        .events(&closed)
        .into_iter()
        .map(|(kind, _)| kind)
        .collect();
    assert!(!kinds.iter().any(|k| k == "expired"), "{kinds:?}");
    assert_eq!(app.emails_to(ANN, "registration_expired").len(), 1);
}

#[actix_web::test]
async fn the_queue_counts_the_conflict_evidence_that_the_review_page_lists() {
    let app = program().await;
    let account = app.add_crm_account("Acme Robotics Inc", Some("acmerobotics.com"), false, false);
    truce::db::models::crm::insert_opportunity(
        &mut app.conn(),
        &truce::db::models::crm::NewOpportunity {
            account_id: &account,
            owner_email: "rep@vendor.example",
            stage: "Discovery",
            amount_minor: 1_000_000,
            currency: "USD",
            last_activity_on: app.today(),
        },
        now(&app),
    )
    .unwrap();
    let ann = app.login(ANN).await;
    let ben = app.login(BEN).await;
    let gil = app.login(GIL).await;
    let first = register_deal(
        &ann,
        &Deal::new(&app, "Acme Robotics GmbH", "acmerobotics.com"),
    )
    .await;
    // Spelled differently, on another website: only the engine sees it.
    let similar = register_deal(
        &ben,
        &Deal::new(&app, "Acme Robtics Ltd", "acme-robtics.eu"),
    )
    .await;
    let same = register_deal(
        &gil,
        &Deal::new(&app, "ACME Robotics", "www.acmerobotics.com"),
    )
    .await;
    let unrelated = register_deal(
        &gil,
        &Deal::new(&app, "Umbrella Pharma", "umbrella.example"),
    )
    .await;
    assert_eq!(status_of(&app, &same), Status::Queued);
    assert_eq!(
        status_of(&app, &similar),
        Status::Pending,
        "the exact keys differ, so it is not queued"
    );

    let cm = app.login(CM1).await;
    let queue = cm.get("/review").await;
    assert!(
        !queue.body.contains(&same),
        "a queued registration waits outside the queue"
    );
    let row = row_of(&queue.body, &first);
    assert!(
        row.contains("1 same-prospect registration, 1 possible duplicate, 1 CRM account, 1 active direct opportunity"),
        "{row}"
    );
    // The one registered later sees the earlier ones too.
    let row = row_of(&queue.body, &similar);
    assert!(
        row.contains("2 possible duplicates, 1 CRM account, 1 active direct opportunity"),
        "{row}"
    );
    assert!(row_of(&queue.body, &unrelated).contains("No conflicts found"));

    let page = cm.get(&format!("/review/{first}")).await;
    let text = page.text();
    assert_in_order(
        &text,
        &[
            "Found by the matching engine on",
            "Other registrations",
            "ACME Robotics</a> by Gamma Systems",
            "Same prospect",
            "same domain acmerobotics.com; same name",
            "Acme Robtics Ltd</a> by Beta Resellers",
            "Possible duplicate 0.80",
            "typo: robotics ~ robtics; different domains: acmerobotics.com / acme-robtics.eu",
            "CRM accounts",
            "Acme Robotics Inc, owner rep@vendor.example",
            "Match 1.00: same domain acmerobotics.com; same name",
            "Active direct opportunities",
            "Acme Robotics Inc: Discovery, 10,000.00 USD, owner rep@vendor.example",
        ],
    );
    let quiet = cm.get(&format!("/review/{unrelated}")).await;
    assert!(quiet.text().contains(
        "No other registration, CRM account or active direct opportunity matches this prospect."
    ));
}

#[actix_web::test]
async fn a_crm_account_added_during_review_joins_the_evidence_when_the_jobs_run() {
    let app = program().await;
    let ann = app.login(ANN).await;
    let id = register_deal(
        &ann,
        &Deal::new(&app, "Northwind Traders", "northwind.example"),
    )
    .await;
    let cm = app.login(CM1).await;
    assert!(row_of(&cm.get("/review").await.body, &id).contains("No conflicts found"));

    app.add_crm_account("Northwind Traders Corp.", None, true, false);
    let report = app.run_jobs().await;
    assert_eq!(report.matched_again, 1, "{report:?}");
    assert_eq!(
        app.run_jobs().await.matched_again,
        0,
        "matched once per change"
    );
    assert!(row_of(&cm.get("/review").await.body, &id).contains("1 CRM account"));
    let text = cm.get(&format!("/review/{id}")).await.text();
    assert_in_order(
        &text,
        &[
            "CRM accounts",
            "Northwind Traders Corp.",
            "named account",
            "same name",
        ],
    );

    // A reviewer may also ask for it at once, without waiting for the jobs.
    app.add_crm_account("Northwind Trading", Some("northwind.example"), false, true);
    let done = cm
        .submit(
            &format!("/review/{id}"),
            &format!("/review/{id}/matches"),
            &[],
        )
        .await;
    assert_redirect(&done, &format!("/review/{id}#evidence"));
    let page = cm.get(&format!("/review/{id}")).await;
    assert!(
        page.text()
            .contains("The prospect was matched again just now.")
    );
    assert!(
        page.text()
            .contains("Northwind Trading, owner rep@vendor.example — <strong>reserved for direct"),
        "{}",
        page.text()
    );
    assert!(row_of(&cm.get("/review").await.body, &id).contains("2 CRM accounts"));
    assert_eq!(app.run_jobs().await.matched_again, 0, "already current");
}

#[actix_web::test]
async fn after_a_decision_the_review_page_leads_to_the_next_in_the_queue() {
    let app = program().await;
    let ann = app.login(ANN).await;
    let first = register_deal(&ann, &Deal::new(&app, "Acme Robotics", "acme.example")).await;
    let second = register_deal(
        &ann,
        &Deal::new(&app, "Borealis Freight", "borealis.example"),
    )
    .await;
    let cm = app.login(CM1).await;
    // While it waits for a decision, the page is about this registration only.
    let open = cm.get(&format!("/review/{first}")).await.text();
    assert!(!open.contains("Next in the queue"), "{open}");
    crate::helpers::approve(&cm, &first).await;
    let decided = cm.get(&format!("/review/{first}")).await.text();
    assert!(
        decided.contains(&format!(
            "href=\"/review/{second}\">Next in the queue: Borealis Freight</a>"
        )),
        "{decided}"
    );
    // The last one decided, the queue is empty: no way on is offered.
    crate::helpers::approve(&cm, &second).await;
    let last = cm.get(&format!("/review/{second}")).await.text();
    assert!(!last.contains("Next in the queue"), "{last}");
}

/// The step of the stepper a page marks as where the registration stands.
fn current_step(page: &Page) -> String {
    let body = &page.body;
    let at = body
        .find("aria-current=\"step\">")
        .expect("a step is marked current")
        + "aria-current=\"step\">".len();
    body[at..at + body[at..].find('<').unwrap()].to_owned()
}

#[actix_web::test]
async fn the_deal_page_shows_where_the_registration_stands() {
    let app = spawn_app().await;
    app.partner("Alpha Partners", "ann@alpha.example");
    app.create_user("cm@vendor.example", "channel", None, false);
    let ann = app.login("ann@alpha.example").await;
    let id = register_deal(&ann, &Deal::new(&app, "Acme Robotics", "acme.example")).await;
    let deal = ann.get(&format!("/partner/deals/{id}")).await;
    assert_eq!(current_step(&deal), "In review");
    assert!(
        deal.text()
            .contains("Submitted<span class=\"visually-hidden\">: done")
    );
    let cm = app.login("cm@vendor.example").await;
    assert_eq!(
        current_step(&cm.get(&format!("/review/{id}")).await),
        "In review"
    );
    crate::helpers::approve(&cm, &id).await;
    let deal = ann.get(&format!("/partner/deals/{id}")).await;
    assert_eq!(current_step(&deal), "Protected");
    crate::helpers::close_won(&app, &ann, &id, "41,000").await;
    let deal = ann.get(&format!("/partner/deals/{id}")).await;
    assert_eq!(current_step(&deal), "Won");
}
