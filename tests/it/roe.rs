//! Rules of engagement over HTTP: publishing versions (diff, emails, audit), the
//! acknowledgement gate on registering, the comprehension check, spaced re-checks moved by
//! the clock, safe rendering, and the admins' overview.

use chrono::TimeDelta;
use reqwest::StatusCode;
use truce::clock::Clock;
use truce::db::models::{audit, user};

use crate::helpers::{Deal, Page, TestApp, TestClient, register_deal, spawn_app, try_register};

const ADMIN: &str = "admin@vendor.example";
const CM: &str = "cm@vendor.example";
const REP: &str = "rep@vendor.example";
const ANN: &str = "ann@alpha.example";
const GONE: &str = "gone@alpha.example";

const BODY_V1: &str = "# Rules of engagement\n\n## Ownership\n\nThe first valid registration wins.\n\nSMB deals are protected for 90 days.\n";
const EXPLAIN_1: &str = "Ownership: the first valid registration wins.";
const EXPLAIN_2: &str = "Ownership: SMB deals are protected for 90 days.";

async fn program() -> TestApp {
    let app = spawn_app().await;
    app.create_user(ADMIN, "admin", None, false);
    app.create_user(CM, "channel", None, false);
    app.create_user(REP, "sales", None, false);
    let org = app.partner("Alpha Partners", ANN);
    let gone = app.create_user(GONE, "partner", Some(&org), false);
    let now = app.clock.naive_now();
    user::set_disabled(&mut app.conn(), &gone, Some(now), now).unwrap();
    app
}

fn v1_fields<'a>(body: &'a str, summary: &'a str) -> Vec<(&'a str, &'a str)> {
    vec![
        ("body", body),
        ("summary", summary),
        (
            "q1_prompt",
            "Who wins a prospect registered by two partners?",
        ),
        (
            "q1_options",
            "The first valid registration\nThe larger partner",
        ),
        ("q1_correct", "1"),
        ("q1_explanation", EXPLAIN_1),
        ("q2_prompt", "How long is an SMB registration protected?"),
        ("q2_options", "30 days\n90 days\n365 days"),
        ("q2_correct", "2"),
        ("q2_explanation", EXPLAIN_2),
    ]
}

/// Publishes as the admin confirms it: the draft with the confirmation button's value.
async fn publish(admin: &TestClient, fields: &[(&str, &str)]) -> Page {
    let mut confirmed = fields.to_vec();
    confirmed.push(("confirm", "yes"));
    admin.submit("/admin/roe", "/admin/roe", &confirmed).await
}

async fn publish_v1(admin: &TestClient) {
    let page = publish(admin, &v1_fields(BODY_V1, "First version of the rules.")).await;
    assert_eq!(
        (page.status, page.location.as_deref()),
        (StatusCode::SEE_OTHER, Some("/admin/roe/versions/1")),
        "{}",
        page.text()
    );
}

async fn acknowledge(client: &TestClient, version: &str, a1: &str, a2: &str) -> Page {
    client
        .submit(
            "/roe",
            "/roe",
            &[
                ("version", version),
                ("read", "yes"),
                ("a1", a1),
                ("a2", a2),
            ],
        )
        .await
}

#[actix_web::test]
async fn partners_acknowledge_the_rules_before_registering() {
    let app = program().await;
    let admin = app.login(ADMIN).await;
    let ann = app.login(ANN).await;

    // No version yet: registering works as before.
    register_deal(
        &ann,
        &Deal::new(&app, "Early Bird GmbH", "earlybird.example"),
    )
    .await;
    assert!(
        !ann.get("/partner/deals/new")
            .await
            .text()
            .contains("href=\"/roe\">Read")
    );

    publish_v1(&admin).await;

    let form = ann.get("/partner/deals/new").await;
    assert!(
        form.text()
            .contains("acknowledge the rules of engagement (version 1)")
    );
    assert!(form.body.contains("href=\"/roe\""));
    assert!(
        ann.get("/partner")
            .await
            .text()
            .contains("Version 1 of the rules of engagement is in force")
    );

    // The POST itself is refused, with the partner's entries kept.
    let refused = try_register(
        &ann,
        &Deal::new(&app, "Blocked Robotics", "blocked.example"),
    )
    .await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN);
    let text = refused.text();
    assert!(
        text.contains("Before you can register a deal, acknowledge version 1"),
        "{text}"
    );
    assert!(text.contains("value=\"Blocked Robotics\""));

    // Missing confirmation, then a wrong answer: the explanation shows, answers are kept.
    let page = ann
        .submit(
            "/roe",
            "/roe",
            &[("version", "1"), ("a1", "1"), ("a2", "2")],
        )
        .await;
    assert_eq!(page.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(page.text().contains("Confirm that you have read the rules"));
    let page = acknowledge(&ann, "1", "1", "3").await;
    assert_eq!(page.status, StatusCode::UNPROCESSABLE_ENTITY);
    let text = page.text();
    assert!(text.contains(EXPLAIN_2), "{text}");
    assert!(
        !text.contains(EXPLAIN_1),
        "a right answer shows no explanation"
    );
    assert!(
        text.contains("id=\"a1-1\" name=\"a1\" value=\"1\" checked"),
        "{text}"
    );
    assert!(
        text.contains("id=\"a2-3\" name=\"a2\" value=\"3\" checked"),
        "{text}"
    );
    assert!(text.contains("1 answer is not right yet"));
    assert!(
        try_register(
            &ann,
            &Deal::new(&app, "Blocked Robotics", "blocked.example")
        )
        .await
        .status
            == StatusCode::FORBIDDEN
    );

    // Right answers: acknowledged, and registering works.
    let page = acknowledge(&ann, "1", "1", "2").await;
    assert_eq!(
        (page.status, page.location.as_deref()),
        (StatusCode::SEE_OTHER, Some("/partner/deals/new"))
    );
    assert!(
        ann.get("/roe")
            .await
            .text()
            .contains("You acknowledged this version on")
    );
    register_deal(
        &ann,
        &Deal::new(&app, "Blocked Robotics", "blocked.example"),
    )
    .await;

    let actions: Vec<String> = audit::for_subject(&mut app.conn(), "roe:1")
        .unwrap()
        .into_iter()
        .map(|e| e.2)
        .collect();
    assert_eq!(actions, ["roe_published", "roe_acknowledged"]);

    // A stale form (a version that is no longer current) is sent back to read again.
    let page = acknowledge(&ann, "7", "1", "2").await;
    assert_eq!(page.location.as_deref(), Some("/roe"));
}

#[actix_web::test]
async fn a_new_version_blocks_again_and_emails_partners_and_sales_reps() {
    let app = program().await;
    let admin = app.login(ADMIN).await;
    let ann = app.login(ANN).await;
    publish_v1(&admin).await;
    assert_eq!(
        acknowledge(&ann, "1", "1", "2").await.status,
        StatusCode::SEE_OTHER
    );

    let body_v2 = BODY_V1.replace("90 days", "120 days")
        + "\n## Disputes\n\nRaise a dispute within 14 days.\n";
    let mut fields = v1_fields(
        &body_v2,
        "SMB protection is now 120 days; a new Disputes section.",
    );
    fields.retain(|(k, _)| *k != "q2_options" && *k != "q2_explanation");
    fields.push(("q2_options", "30 days\n120 days\n365 days"));
    fields.push((
        "q2_explanation",
        "Ownership: SMB deals are protected for 120 days.",
    ));
    let page = publish(&admin, &fields).await;
    assert_eq!(
        page.location.as_deref(),
        Some("/admin/roe/versions/2"),
        "{}",
        page.text()
    );

    // The version page: who, when, and the diff in words as well as colour.
    let version = admin.get("/admin/roe/versions/2").await.text();
    assert!(
        version.contains("Removed line 7: </span><del>SMB deals are protected for 90 days.</del>"),
        "{version}"
    );
    assert!(
        version.contains("Added line 7: </span><ins>SMB deals are protected for 120 days.</ins>"),
        "{version}"
    );
    assert!(
        version.contains("Added line 11: </span><ins>Raise a dispute within 14 days.</ins>"),
        "{version}"
    );
    assert!(version.contains("The questions changed too"));
    assert!(
        admin
            .get("/admin/roe")
            .await
            .text()
            .contains("SMB protection is now 120 days")
    );

    // Blocked again until version 2 is acknowledged.
    let refused = try_register(
        &ann,
        &Deal::new(&app, "Second Wave AG", "secondwave.example"),
    )
    .await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN);
    assert!(refused.text().contains("acknowledge version 2"));

    // Emails: every active partner user and sales rep, for each version; nobody else.
    let to: Vec<(String, String)> = app
        .emails_of_kind("roe_changed")
        .into_iter()
        .map(|r| (r.to_addr.clone(), r.subject.clone()))
        .collect();
    let mut expected = vec![];
    for v in ["1", "2"] {
        for who in [ANN, REP] {
            expected.push((
                who.to_owned(),
                format!("The Truce rules of engagement changed (version {v})"),
            ));
        }
    }
    assert_eq!(to, expected);
    let mail = app.last_email_to(REP);
    let text = app.email_text(&mail);
    assert!(
        text.contains("SMB protection is now 120 days; a new Disputes section."),
        "{text}"
    );
    assert!(text.contains("/roe"), "{text}");
    assert!(text.contains("before you ask to assist"), "{text}");
    assert!(
        app.email_text(&app.last_email_to(ANN))
            .contains("cannot register new deals")
    );

    // Publishing the same thing again makes no version and sends nothing.
    let same = publish(&admin, &fields).await;
    assert_eq!(same.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(same.text().contains("nothing was published"));
    assert_eq!(app.emails_of_kind("roe_changed").len(), 4);

    assert_eq!(
        acknowledge(&ann, "2", "1", "2").await.status,
        StatusCode::SEE_OTHER
    );
    register_deal(
        &ann,
        &Deal::new(&app, "Second Wave AG", "secondwave.example"),
    )
    .await;
}

#[actix_web::test]
async fn the_admin_form_keeps_input_and_reports_each_field() {
    let app = program().await;
    let admin = app.login(ADMIN).await;
    let page = publish(
        &admin,
        &[
            ("body", "# Draft rules"),
            ("summary", ""),
            ("q1_prompt", "Half a question"),
            ("q1_options", "Only one option"),
            ("q1_correct", "first"),
            ("q1_explanation", "Kept explanation"),
        ],
    )
    .await;
    assert_eq!(page.status, StatusCode::UNPROCESSABLE_ENTITY);
    let text = page.text();
    assert!(text.contains("# Draft rules</textarea>"), "{text}");
    assert!(text.contains("value=\"Half a question\""));
    assert!(text.contains("Kept explanation"));
    assert!(text.contains("id=\"summary-error\""));
    assert!(text.contains("id=\"q1_options-error\""));
    assert!(text.contains("id=\"q1_correct-error\""));
    assert!(
        !text.contains("id=\"q2_prompt-error\""),
        "blank slots are ignored"
    );
    assert!(app.emails_of_kind("roe_changed").is_empty());
}

#[actix_web::test]
async fn a_spaced_recheck_comes_after_seven_days() {
    let app = program().await;
    let admin = app.login(ADMIN).await;
    let ann = app.login(ANN).await;
    publish_v1(&admin).await;
    assert_eq!(
        acknowledge(&ann, "1", "1", "2").await.status,
        StatusCode::SEE_OTHER
    );
    let prompt = "One quick question on the rules of engagement";

    app.advance(TimeDelta::days(7) - TimeDelta::minutes(1));
    // Sessions time out while the clock moves: sign in again, as the partner would.
    let ann = app.login(ANN).await;
    assert!(!ann.get("/partner").await.text().contains(prompt));
    let none = ann.get("/roe/recheck").await;
    assert!(
        none.text().contains("There is no question to answer now"),
        "{} {}",
        none.status,
        none.text()
    );

    app.advance(TimeDelta::minutes(1));
    let ann = app.login(ANN).await;
    let home = ann.get("/partner").await;
    assert!(home.text().contains(prompt), "{}", home.text());
    assert!(home.body.contains("href=\"/roe/recheck\""));
    let question = ann.get("/roe/recheck").await.text();
    assert!(
        question.contains("Who wins a prospect registered by two partners?"),
        "{question}"
    );

    // A wrong answer shows the rule and asks again later (back to 7 days).
    let page = ann
        .submit(
            "/roe/recheck",
            "/roe/recheck",
            &[("version", "1"), ("question", "0"), ("answer", "2")],
        )
        .await;
    assert_eq!(page.status, StatusCode::OK);
    let text = page.text();
    assert!(text.contains("Not quite."), "{text}");
    assert!(text.contains(EXPLAIN_1), "{text}");
    assert!(!ann.get("/partner").await.text().contains(prompt));
    app.advance(TimeDelta::days(7));
    let ann = app.login(ANN).await;
    assert!(ann.get("/partner").await.text().contains(prompt));

    // The next question comes up; a right answer puts it 30 days out.
    let question = ann.get("/roe/recheck").await.text();
    assert!(
        question.contains("How long is an SMB registration protected?"),
        "{question}"
    );
    let page = ann
        .submit(
            "/roe/recheck",
            "/roe/recheck",
            &[("version", "1"), ("question", "1"), ("answer", "2")],
        )
        .await;
    assert_eq!(page.location.as_deref(), Some("/partner"));
    assert!(
        ann.get("/partner")
            .await
            .text()
            .contains("Right. The next question comes around")
    );
    app.advance(TimeDelta::days(29));
    let ann = app.login(ANN).await;
    assert!(!ann.get("/partner").await.text().contains(prompt));
    app.advance(TimeDelta::days(1));
    let ann = app.login(ANN).await;
    assert!(ann.get("/partner").await.text().contains(prompt));

    // Answering when nothing is due (a second tab) changes nothing.
    let rep = app.login(REP).await;
    let page = rep
        .submit(
            "/roe/recheck",
            "/roe/recheck",
            &[("version", "1"), ("question", "0"), ("answer", "1")],
        )
        .await;
    assert_eq!(page.location.as_deref(), Some("/sales"));
}

#[actix_web::test]
async fn sales_reps_acknowledge_and_get_rechecks_on_their_home_page() {
    let app = program().await;
    let admin = app.login(ADMIN).await;
    let rep = app.login(REP).await;
    publish_v1(&admin).await;
    let home = rep.get("/sales").await.text();
    assert!(
        home.contains("Acknowledge it before you ask to assist"),
        "{home}"
    );
    let page = acknowledge(&rep, "1", "1", "2").await;
    assert_eq!(page.location.as_deref(), Some("/sales"));
    assert!(
        !rep.get("/sales")
            .await
            .text()
            .contains("Acknowledge it before")
    );
    app.advance(TimeDelta::days(7));
    let rep = app.login(REP).await;
    assert!(
        rep.get("/sales")
            .await
            .text()
            .contains("One quick question")
    );
    let page = rep
        .submit(
            "/roe/recheck",
            "/roe/recheck",
            &[("version", "1"), ("question", "0"), ("answer", "1")],
        )
        .await;
    assert_eq!(page.location.as_deref(), Some("/sales"));
}

#[actix_web::test]
async fn markdown_with_scripts_and_javascript_links_renders_inert() {
    let app = program().await;
    let admin = app.login(ADMIN).await;
    let ann = app.login(ANN).await;
    let body = "# Rules\n\n<script>alert('x')</script>\n\nSee <a href=\"javascript:alert(1)\">this</a> and \
                [that](javascript:alert(2)) and [fine](https://example.com/rules).\n";
    let page = publish(&admin, &[("body", body), ("summary", "Test")]).await;
    assert_eq!(
        page.location.as_deref(),
        Some("/admin/roe/versions/1"),
        "{}",
        page.text()
    );
    for (client, path) in [(&ann, "/roe"), (&admin, "/admin/roe/versions/1")] {
        let page = client.get(path).await;
        assert!(
            !page.body.contains("<script>alert"),
            "{path}: {}",
            page.body
        );
        assert!(!page.body.contains("<a href=\"javascript"), "{path}");
        // The Markdown link leads nowhere; the raw tag is shown as text.
        assert!(!page.body.contains("javascript:alert(2)"), "{path}");
        assert!(page.body.contains("<a href=\"#\">that</a>"), "{path}");
        assert!(page.body.contains("&lt;a href="), "{path}");
        assert!(
            page.body.contains("&lt;script&gt;"),
            "{path}: raw HTML shows as text"
        );
        assert!(
            page.body
                .contains("<a href=\"https://example.com/rules\">fine</a>"),
            "{path}"
        );
        assert!(page.body.contains("<h2>Rules</h2>"));
    }
    // Without questions, reading and confirming acknowledges.
    let page = ann
        .submit("/roe", "/roe", &[("version", "1"), ("read", "yes")])
        .await;
    assert_eq!(page.status, StatusCode::SEE_OTHER);
}

#[actix_web::test]
async fn admins_see_who_acknowledged_and_how_the_check_goes() {
    let app = program().await;
    let admin = app.login(ADMIN).await;
    let ann = app.login(ANN).await;
    let empty = admin.get("/admin/roe/acknowledgements").await;
    assert_eq!(empty.status, StatusCode::OK);
    assert!(empty.text().contains("No version has been published yet"));
    publish_v1(&admin).await;
    acknowledge(&ann, "1", "2", "2").await;
    acknowledge(&ann, "1", "1", "2").await;
    let text = admin.get("/admin/roe/acknowledgements").await.text();
    assert!(text.contains("Alpha Partners"), "{text}");
    assert!(
        text.contains("1 of 1</strong> active users acknowledged"),
        "{text}"
    );
    assert!(text.contains("3 of 4 correct (75%)"), "{text}");
    assert!(!text.contains(GONE), "disabled users are left out");
    let rep_row = &text[text.find(REP).expect("the sales rep is listed")..];
    assert!(rep_row.contains("Not yet"), "{text}");
    assert!(rep_row.contains("no answers"));
}

#[actix_web::test]
async fn admins_see_which_rule_is_misunderstood_and_by_whom() {
    let app = program().await;
    let admin = app.login(ADMIN).await;
    let ann = app.login(ANN).await;
    let rep = app.login(REP).await;
    let empty = admin.get("/admin/roe/knowledge").await;
    assert_eq!(empty.status, StatusCode::OK);
    assert!(empty.text().contains("Nobody has answered a question yet."));
    publish_v1(&admin).await;
    // Ann misses the first question once; the rep gets both right at once.
    acknowledge(&ann, "1", "2", "2").await;
    acknowledge(&ann, "1", "1", "2").await;
    acknowledge(&rep, "1", "1", "2").await;
    // A week later both re-checks are due; a day after that, overdue.
    app.advance(chrono::TimeDelta::days(8));

    let admin = app.login(ADMIN).await;
    let text = admin.get("/admin/roe/knowledge").await.text();
    let first = &text[text
        .find("1. Who wins a prospect")
        .unwrap_or_else(|| panic!("question 1 is listed: {text}"))..];
    let first = &first[..first.find("</tr>").unwrap()];
    assert!(first.contains(EXPLAIN_1), "{first}");
    assert!(first.contains("1 of 2 (50.0 %)"), "partners: {first}");
    assert!(first.contains("1 of 1 (100.0 %)"), "sales: {first}");
    assert!(first.contains("50.0 points behind"), "{first}");
    let second = &text[text.find("2. How long is an SMB").unwrap()..];
    assert!(second.contains("2 of 2 (100.0 %)"));
    let missed = &text[text.find("id=\"missed-table\"").unwrap()..];
    let missed = &missed[..missed.find("</table>").unwrap()];
    assert!(missed.contains("Alpha Partners"), "{missed}");
    assert!(missed.contains("v1, 1. Who wins"), "{missed}");
    assert!(!missed.contains("2. How long"), "nobody missed question 2");
    let overdue = &text[text.find("id=\"overdue-table\"").unwrap()..];
    assert!(overdue.contains(ANN) && overdue.contains(REP), "{overdue}");

    // The same table as a spreadsheet: partners trail sales by 50 points on question 1.
    let csv = admin.get("/admin/roe/knowledge.csv").await;
    assert_eq!(csv.status, StatusCode::OK);
    let lines: Vec<&str> = csv.body.lines().collect();
    assert_eq!(
        lines[0],
        "roe_version,question,prompt,partner_correct,partner_answers,sales_correct,sales_answers,partner_accuracy_pct,sales_accuracy_pct"
    );
    let q1 = lines
        .iter()
        .find(|l| l.starts_with("1,1,"))
        .unwrap_or_else(|| panic!("question 1 is a row: {lines:?}"));
    assert!(q1.contains("Who wins a prospect"), "{q1}");
    assert!(q1.ends_with(",1,2,1,1,50.0,100.0"), "{q1}");
    assert!(
        lines
            .iter()
            .any(|l| l.starts_with("1,2,") && l.ends_with(",2,2,1,1,100.0,100.0"))
    );
}

#[actix_web::test]
async fn publishing_asks_first_how_many_people_it_will_email() {
    let app = program().await;
    let admin = app.login(ADMIN).await;
    // A valid draft, sent without the confirmation: shown back with its reach, not published.
    let draft = admin
        .submit(
            "/admin/roe",
            "/admin/roe",
            &v1_fields(BODY_V1, "First version of the rules."),
        )
        .await;
    assert_eq!(draft.status, StatusCode::OK);
    let text = draft.text();
    assert!(text.contains("Ready to publish version 1."), "{text}");
    assert!(
        text.contains("First version of the rules."),
        "the draft is kept"
    );
    assert!(app.emails_of_kind("roe_changed").is_empty());
    assert!(
        admin
            .get("/admin/roe")
            .await
            .text()
            .contains("(none published yet)")
    );
    // Confirmed, it goes to exactly as many people as it said.
    publish_v1(&admin).await;
    let sent = app.emails_of_kind("roe_changed").len();
    assert!(sent > 0);
    assert!(
        text.contains(&format!("emails {sent} partner users and sales reps")),
        "{sent}: {text}"
    );
    assert!(text.contains(&format!("Publish and email {sent} people")));
}
