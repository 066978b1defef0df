//! Disputes through HTTP: raised by partners (on their own registration, or one declined
//! for a locked prospect) and sales reps, queued by SLA deadline and escalated once, ruled
//! on each way (uphold, reinstate, transfer the lock, split credit) with the emails, the
//! past rulings search, and who may see and do what.

use chrono::{NaiveDateTime, TimeDelta};
use reqwest::StatusCode;
use truce::clock::Clock;
use truce::db::models::{dispute, registration};

use crate::helpers::{Deal, Page, TestApp, TestClient, register_deal, save_policy, spawn_app};

const ADMIN: &str = "admin@vendor.example";
const CM1: &str = "cm1@vendor.example";
const CM2: &str = "cm2@vendor.example";
const REP: &str = "rep@vendor.example";
const REP2: &str = "rep2@vendor.example";
const ANN: &str = "ann@alpha.example";
const BEN: &str = "ben@beta.example";
const GIL: &str = "gil@gamma.example";

async fn program() -> TestApp {
    let app = spawn_app().await;
    app.create_user(ADMIN, "admin", None, false);
    app.create_user(CM1, "channel", None, false);
    app.create_user(CM2, "channel", None, false);
    app.create_user(REP, "sales", None, false);
    app.create_user(REP2, "sales", None, false);
    app.partner("Alpha Partners", ANN);
    app.partner("Beta Resellers", BEN);
    app.partner("Gamma Systems", GIL);
    app
}

fn now(app: &TestApp) -> NaiveDateTime {
    app.clock.naive_now()
}

/// To the second: PostgreSQL keeps microseconds, the clock has nanoseconds.
fn secs(at: NaiveDateTime) -> i64 {
    at.and_utc().timestamp()
}

fn assert_redirect_to(page: &Page, prefix: &str) -> String {
    assert_eq!(
        page.status,
        StatusCode::SEE_OTHER,
        "expected a redirect to {prefix}…; got:\n{}",
        page.text()
    );
    let location = page.location.clone().unwrap();
    assert!(
        location.starts_with(prefix),
        "{location} starts with {prefix}"
    );
    location
}

async fn approve(cm: &TestClient, id: &str) {
    let page = cm
        .submit(
            &format!("/review/{id}"),
            &format!("/review/{id}/approve"),
            &[],
        )
        .await;
    assert_eq!(page.status, StatusCode::SEE_OTHER, "{}", page.text());
}

async fn reject(cm: &TestClient, id: &str) {
    let page = cm
        .submit(
            &format!("/review/{id}"),
            &format!("/review/{id}/reject"),
            &[("reject_reason", "Not a fit for the program.")],
        )
        .await;
    assert_eq!(page.status, StatusCode::SEE_OTHER, "{}", page.text());
}

/// A partner raises a dispute on its registration `reg`; returns the dispute's id.
async fn partner_raises(partner: &TestClient, reg: &str, reason: &str, details: &str) -> String {
    let page = partner
        .submit(
            &format!("/partner/deals/{reg}/dispute"),
            &format!("/partner/deals/{reg}/dispute"),
            &[("reason", reason), ("details", details)],
        )
        .await;
    let location = assert_redirect_to(&page, "/partner/disputes/");
    location.trim_start_matches("/partner/disputes/").to_owned()
}

async fn rule(cm: &TestClient, id: &str, fields: &[(&str, &str)]) -> Page {
    cm.submit(
        &format!("/review/disputes/{id}"),
        &format!("/review/disputes/{id}/resolve"),
        fields,
    )
    .await
}

fn holder_of(app: &TestApp, reg: &str) -> Option<String> {
    let r = app.registration(reg);
    registration::find_holder(&mut app.conn(), &r.name_key, r.domain_key.as_deref())
        .unwrap()
        .map(|h| h.id)
}

#[actix_web::test]
async fn a_declined_partner_disputes_and_the_lock_is_transferred_explicitly() {
    let app = program().await;
    let (ann, ben, cm) = (
        app.login(ANN).await,
        app.login(BEN).await,
        app.login(CM1).await,
    );
    let deal = Deal::new(&app, "Acme Robotics GmbH", "acme-robotics.example");
    let a = register_deal(&ann, &deal).await;
    approve(&cm, &a).await;
    let b = register_deal(&ben, &deal).await;
    assert_eq!(
        app.registration(&b).status(),
        truce::domain::lifecycle::Status::Declined
    );

    // The form refuses an empty dispute field by field and keeps what was typed.
    let form = ben.get(&format!("/partner/deals/{b}/dispute")).await;
    assert_eq!(form.status, StatusCode::OK);
    assert!(form.text().contains("Raise a dispute: Acme Robotics GmbH"));
    let refused = ben
        .submit(
            &format!("/partner/deals/{b}/dispute"),
            &format!("/partner/deals/{b}/dispute"),
            &[("reason", ""), ("details", "We met their CTO on 2 Nov.")],
        )
        .await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
    let text = refused.text();
    assert!(text.contains("Choose the reason for the dispute."));
    assert!(text.contains("We met their CTO on 2 Nov."));
    assert!(app.outbox().iter().all(|e| !e.kind.starts_with("dispute")));

    let id = partner_raises(
        &ben,
        &b,
        "existing_relationship",
        "We met their CTO on 2 Nov., before Alpha registered.",
    )
    .await;
    // Raised: to each channel manager (never to direct sales), and a confirmation.
    assert_eq!(app.emails_to(CM1, "dispute_raised").len(), 1);
    assert_eq!(app.emails_to(CM2, "dispute_raised").len(), 1);
    assert!(app.emails_to(REP, "dispute_raised").is_empty());
    assert_eq!(app.emails_to(BEN, "dispute_received").len(), 1);
    let d = dispute::find(&mut app.conn(), &id).unwrap().unwrap();
    assert_eq!(d.raiser_registration_id.as_deref(), Some(b.as_str()));
    assert_eq!(d.other_registration_id.as_deref(), Some(a.as_str()));
    assert_eq!(
        d.due_at.map(secs),
        Some(secs(now(&app) + TimeDelta::hours(72)))
    );

    // A second dispute on the same registration waits for the first.
    let again = ben.get(&format!("/partner/deals/{b}/dispute")).await;
    assert_eq!(again.status, StatusCode::CONFLICT);
    assert!(again.text().contains("already open"));

    // The case page shows both registrations, their evidence and timelines, and what was in
    // force when the dispute was raised.
    let case = cm.get(&format!("/review/disputes/{id}")).await;
    assert_eq!(case.status, StatusCode::OK);
    let text = case.text();
    for needle in [
        "The raiser's registration",
        "The registration holding the prospect",
        "Alpha Partners",
        "Beta Resellers",
        "Policy version 1",
        "no rules of engagement published",
        "Matching evidence",
        "Same prospect",
        "Declined: prospect already registered",
        "We met their CTO",
    ] {
        assert!(text.contains(needle), "{needle} on the case page:\n{text}");
    }
    // Each registration with its own fields and timeline.
    assert_eq!(text.matches("<dt>Relationship</dt>").count(), 2);
    assert!(
        case.body.contains("id=\"timeline-raiser\"") && case.body.contains("id=\"timeline-other\"")
    );

    // Each registration's review page leads to the dispute.
    for reg in [&a, &b] {
        assert!(
            cm.get(&format!("/review/{reg}"))
                .await
                .body
                .contains(&format!("/review/disputes/{id}"))
        );
    }

    // A rationale is required; the choice is kept.
    let missing = rule(&cm, &id, &[("outcome", "transferred"), ("rationale", " ")]).await;
    assert_eq!(missing.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        missing
            .text()
            .contains("Write the rationale: both parties read it.")
    );
    assert!(missing.body.contains("value=\"transferred\" selected"));

    // Later (sessions time out when the clock moves: sign in again).
    app.advance(TimeDelta::hours(5));
    let (ann, ben, cm) = (
        app.login(ANN).await,
        app.login(BEN).await,
        app.login(CM1).await,
    );
    let done = rule(
        &cm,
        &id,
        &[
            ("outcome", "transferred"),
            (
                "rationale",
                "Beta's relationship predates Alpha's registration.",
            ),
        ],
    )
    .await;
    assert_redirect_to(&done, &format!("/review/disputes/{id}"));

    // The old holder is ended explicitly; the raiser holds the prospect with a fresh window.
    let old = app.registration(&a);
    assert_eq!(old.state.status.as_str(), "overturned");
    let new = app.registration(&b);
    assert_eq!(new.state.status.as_str(), "approved");
    assert_eq!(
        new.state.protection_ends_at.map(secs),
        Some(secs(now(&app) + TimeDelta::days(120)))
    );
    assert_eq!(holder_of(&app, &a).as_deref(), Some(b.as_str()));
    assert!(
        app.events(&a)
            .iter()
            .any(|(kind, note)| kind == "overturned"
                && note.as_deref().is_some_and(|n| n.contains("predates")))
    );
    assert!(app.events(&b).iter().any(|(kind, _)| kind == "reinstated"));

    // The audit log has the ruling and both registrations' changes, by the manager, in the
    // ruling's transaction, and the chain holds.
    let actions = |subject: &str| -> Vec<(String, Option<String>)> {
        truce::db::models::audit::for_subject(&mut app.conn(), subject)
            .unwrap()
            .into_iter()
            .map(|(_, actor, action, _)| (action, actor))
            .collect()
    };
    let cm_id = app.find_user(CM1).map(|u| u.id);
    let ben_id = app.find_user(BEN).map(|u| u.id);
    assert_eq!(
        actions(&format!("dispute:{id}")),
        [
            ("dispute_raised".to_owned(), ben_id),
            ("dispute_resolved".to_owned(), cm_id.clone())
        ]
    );
    assert_eq!(
        actions(&format!("registration:{a}")),
        [
            ("registration_approved".to_owned(), cm_id.clone()),
            ("registration_overturned".to_owned(), cm_id.clone())
        ]
    );
    // Ben's registration was declined by Truce (not audited), then reinstated by the ruling.
    assert_eq!(
        actions(&format!("registration:{b}")),
        [("registration_reinstated".to_owned(), cm_id)]
    );
    assert!(
        truce::workflow::audit::verify(&mut app.conn(), |_, _| {})
            .unwrap()
            .is_ok()
    );

    // Alpha reads why on its deal page; both parties are emailed the rationale.
    let page = ann.get(&format!("/partner/deals/{a}")).await;
    let text = page.text();
    assert!(text.contains("Overturned by a dispute ruling: Beta's relationship predates"));
    for to in [ANN, BEN] {
        let mails = app.emails_to(to, "dispute_resolved");
        assert_eq!(mails.len(), 1, "{to}");
        assert!(
            app.email_text(&mails[0])
                .contains("Beta's relationship predates")
        );
    }
    // Alpha does not see Beta's dispute itself.
    assert_eq!(
        ann.get(&format!("/partner/disputes/{id}")).await.status,
        StatusCode::NOT_FOUND
    );
    let mine = ben.get(&format!("/partner/disputes/{id}")).await.text();
    assert!(mine.contains("Overturned: lock transferred"));

    // Ruled once.
    let twice = rule(&cm, &id, &[("outcome", "upheld"), ("rationale", "x")]).await;
    assert_eq!(twice.status, StatusCode::CONFLICT);
}

#[actix_web::test]
async fn a_rejected_registration_is_reinstated_only_while_the_prospect_is_free() {
    let app = program().await;
    let (ann, ben, gil, cm) = (
        app.login(ANN).await,
        app.login(BEN).await,
        app.login(GIL).await,
        app.login(CM1).await,
    );
    // Free prospect: reinstated.
    let g = register_deal(
        &gil,
        &Deal::new(&app, "Globex Corporation", "globex.example"),
    )
    .await;
    reject(&cm, &g).await;
    let id = partner_raises(
        &gil,
        &g,
        "registered_first",
        "The rejection misread our deal.",
    )
    .await;
    let done = rule(
        &cm,
        &id,
        &[
            ("outcome", "reinstated"),
            ("rationale", "The deal qualifies."),
        ],
    )
    .await;
    assert_eq!(done.status, StatusCode::SEE_OTHER, "{}", done.text());
    let r = app.registration(&g);
    assert_eq!(r.state.status.as_str(), "approved");
    assert_eq!(r.state.outcome_reason, None);
    assert_eq!(app.emails_to(GIL, "dispute_resolved").len(), 1);
    let page = gil.get(&format!("/partner/deals/{g}")).await.text();
    assert!(page.contains("Approved by a dispute ruling"));

    // Held by another registration meanwhile: reinstating is refused, upholding works.
    let deal = Deal::new(&app, "Initech", "initech.example");
    let a = register_deal(&ann, &deal).await;
    reject(&cm, &a).await;
    let b = register_deal(&ben, &deal).await;
    assert_eq!(app.registration(&b).state.status.as_str(), "pending");
    let id = partner_raises(&ann, &a, "registered_first", "We were first.").await;
    let refused = rule(
        &cm,
        &id,
        &[("outcome", "reinstated"), ("rationale", "Alpha first.")],
    )
    .await;
    assert_eq!(refused.status, StatusCode::CONFLICT);
    assert!(refused.text().contains("transfer the lock instead"));
    assert!(refused.text().contains("Alpha first."));
    assert_eq!(app.registration(&a).state.status.as_str(), "rejected");
    assert_eq!(app.registration(&b).state.status.as_str(), "pending");
    assert!(app.emails_of_kind("dispute_resolved").len() == 1);

    let upheld = rule(
        &cm,
        &id,
        &[
            ("outcome", "upheld"),
            ("rationale", "The rejection stands: outside the program."),
        ],
    )
    .await;
    assert_eq!(upheld.status, StatusCode::SEE_OTHER);
    assert_eq!(app.registration(&a).state.status.as_str(), "rejected");
    assert_eq!(app.registration(&b).state.status.as_str(), "pending");
    for to in [ANN, BEN] {
        let mails = app.emails_to(to, "dispute_resolved");
        assert_eq!(mails.len(), 1, "{to}");
        assert!(app.email_text(&mails[0]).contains("The rejection stands"));
    }
}

#[actix_web::test]
async fn a_sales_rep_disputes_a_claim_sees_only_their_own_and_cannot_rule() {
    let app = program().await;
    let (ann, cm, rep, rep2) = (
        app.login(ANN).await,
        app.login(CM1).await,
        app.login(REP).await,
        app.login(REP2).await,
    );
    let a = register_deal(&ann, &Deal::new(&app, "Hooli", "hooli.example")).await;
    approve(&cm, &a).await;
    // The lock check leads the rep to the dispute form.
    let check = rep.get("/sales?q=hooli.example").await.text();
    assert!(check.contains(&format!("/sales/registrations/{a}/dispute")));
    let page = rep
        .submit(
            &format!("/sales/registrations/{a}/dispute"),
            &format!("/sales/registrations/{a}/dispute"),
            &[
                ("reason", "direct_engaged_first"),
                ("details", "Our AE ran a workshop with Hooli in October."),
            ],
        )
        .await;
    let id = assert_redirect_to(&page, "/sales/disputes/")
        .trim_start_matches("/sales/disputes/")
        .to_owned();
    assert_eq!(app.emails_to(REP, "dispute_received").len(), 1);
    assert!(rep.get("/sales/disputes").await.text().contains("Hooli"));
    assert!(!rep2.get("/sales/disputes").await.text().contains("Hooli"));
    assert_eq!(
        rep2.get(&format!("/sales/disputes/{id}")).await.status,
        StatusCode::NOT_FOUND
    );
    // The rep cannot open the case or rule on it.
    assert_eq!(
        rep.get(&format!("/review/disputes/{id}")).await.status,
        StatusCode::FORBIDDEN
    );
    let token = rep.csrf_from("/sales/disputes").await;
    let denied = rep
        .post_with(
            &token,
            &format!("/review/disputes/{id}/resolve"),
            &[("outcome", "transferred"), ("rationale", "mine")],
        )
        .await;
    assert_eq!(denied.status, StatusCode::FORBIDDEN);
    assert_eq!(app.registration(&a).state.status.as_str(), "approved");

    // Split credit: a share from 0 to 100 is recorded; the registration stays approved.
    let bad = rule(
        &cm,
        &id,
        &[
            ("outcome", "split"),
            ("partner_share_pct", "150"),
            ("rationale", "Both engaged."),
        ],
    )
    .await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(bad.text().contains("from 0 to 100"));
    assert!(bad.text().contains("Both engaged."));
    let done = rule(
        &cm,
        &id,
        &[
            ("outcome", "split"),
            ("partner_share_pct", "60"),
            ("rationale", "Both engaged the buyer in October."),
        ],
    )
    .await;
    assert_eq!(done.status, StatusCode::SEE_OTHER, "{}", done.text());
    let d = dispute::find(&mut app.conn(), &id).unwrap().unwrap();
    assert_eq!(d.outcome.map(|o| o.as_str()), Some("split"));
    assert_eq!(d.partner_share_pct, Some(60));
    assert_eq!(app.registration(&a).state.status.as_str(), "approved");
    for to in [REP, ANN] {
        let mails = app.emails_to(to, "dispute_resolved");
        assert_eq!(mails.len(), 1, "{to}");
        let text = app.email_text(&mails[0]);
        assert!(text.contains("Both engaged the buyer"), "{text}");
        assert!(text.contains("60%"), "{text}");
    }
    assert!(
        rep.get(&format!("/sales/disputes/{id}"))
            .await
            .text()
            .contains("Split credit")
    );
}

#[actix_web::test]
async fn the_queue_follows_the_sla_and_a_breach_is_escalated_once() {
    let app = program().await;
    let (ann, cm) = (app.login(ANN).await, app.login(CM1).await);
    let a = register_deal(&ann, &Deal::new(&app, "Umbrella Corp", "umbrella.example")).await;
    approve(&cm, &a).await;
    // A partner disputes its own (approved) registration.
    let first = partner_raises(
        &ann,
        &a,
        "territory",
        "A direct rep contacted Umbrella inside our protection window.",
    )
    .await;
    app.advance(TimeDelta::hours(10));
    let (ben, cm) = (app.login(BEN).await, app.login(CM1).await);
    let b = register_deal(&ben, &Deal::new(&app, "Stark Industries", "stark.example")).await;
    reject(&cm, &b).await;
    let second = partner_raises(
        &ben,
        &b,
        "other",
        "Rejected without a reason we understand.",
    )
    .await;

    let queue = cm.get("/review/disputes").await;
    assert_eq!(queue.status, StatusCode::OK);
    let text = queue.text();
    let (i, j) = (
        text.find("Umbrella Corp").unwrap(),
        text.find("Stark Industries").unwrap(),
    );
    assert!(i < j, "the nearest deadline first:\n{text}");
    assert!(text.contains("On time"));

    // 61 h after the first: due within 12 h; nothing escalated yet.
    app.advance(TimeDelta::hours(51));
    let cm = app.login(CM1).await;
    assert!(
        cm.get("/review/disputes")
            .await
            .text()
            .contains("Due within 12 h")
    );
    app.run_jobs().await;
    assert!(app.emails_of_kind("dispute_sla_breached").is_empty());

    // At 72 h the first is breached and escalated to each channel manager, once.
    app.advance(TimeDelta::hours(11));
    let cm = app.login(CM1).await;
    let text = cm.get("/review/disputes").await.text();
    assert!(text.contains("SLA breached"));
    let report = app.run_jobs().await;
    assert_eq!(report.disputes_escalated, 1);
    assert_eq!(app.emails_to(CM1, "dispute_sla_breached").len(), 1);
    assert_eq!(app.emails_to(CM2, "dispute_sla_breached").len(), 1);
    let report = app.run_jobs().await;
    assert_eq!(report.disputes_escalated, 0);
    assert_eq!(app.emails_of_kind("dispute_sla_breached").len(), 2);
    // The second follows 10 h later; a ruled dispute leaves the queue and is never escalated.
    let done = rule(
        &cm,
        &second,
        &[("outcome", "upheld"), ("rationale", "Rejection stands.")],
    )
    .await;
    assert_eq!(done.status, StatusCode::SEE_OTHER);
    app.advance(TimeDelta::hours(20));
    let cm = app.login(CM1).await;
    assert_eq!(app.run_jobs().await.disputes_escalated, 0);
    let text = cm.get("/review/disputes").await.text();
    assert!(text.contains("Umbrella Corp") && !text.contains("Stark Industries"));
    assert!(
        cm.get(&format!("/review/disputes/{first}"))
            .await
            .text()
            .contains("escalated")
    );
}

#[actix_web::test]
async fn past_rulings_are_searchable_by_text_and_outcome() {
    let app = program().await;
    let (ann, ben, cm) = (
        app.login(ANN).await,
        app.login(BEN).await,
        app.login(CM1).await,
    );
    let a = register_deal(&ann, &Deal::new(&app, "Wayne Enterprises", "wayne.example")).await;
    reject(&cm, &a).await;
    let d1 = partner_raises(
        &ann,
        &a,
        "registered_first",
        "We sent the quote in September.",
    )
    .await;
    rule(
        &cm,
        &d1,
        &[
            ("outcome", "reinstated"),
            ("rationale", "A signed NDA proves the earlier work."),
        ],
    )
    .await;
    let b = register_deal(
        &ben,
        &Deal::new(&app, "Tyrell Corporation", "tyrell.example"),
    )
    .await;
    reject(&cm, &b).await;
    let d2 = partner_raises(
        &ben,
        &b,
        "territory",
        "Tyrell's office is in our territory.",
    )
    .await;
    rule(
        &cm,
        &d2,
        &[
            ("outcome", "split"),
            ("partner_share_pct", "50"),
            ("rationale", "Territory lines overlap here."),
        ],
    )
    .await;
    // Open disputes are not rulings.
    let c = register_deal(&ann, &Deal::new(&app, "Cyberdyne", "cyberdyne.example")).await;
    partner_raises(&ann, &c, "other", "Open question about NDA terms.").await;

    let search = |q: &str, outcome: &str| {
        let path = format!(
            "/review/disputes/rulings?{}",
            truce::routes::view::query_string(&[("q", q), ("outcome", outcome)])
        );
        let cm = &cm;
        async move {
            let page = cm.get(&path).await;
            assert_eq!(page.status, StatusCode::OK);
            page.text()
        }
    };
    let all = search("", "").await;
    assert!(all.contains("Wayne Enterprises") && all.contains("Tyrell Corporation"));
    assert!(!all.contains("Cyberdyne"));
    let nda = search("nda", "").await;
    assert!(nda.contains("Wayne Enterprises") && !nda.contains("Tyrell"));
    let by_name = search("TYRELL", "").await;
    assert!(by_name.contains("Tyrell Corporation") && !by_name.contains("Wayne"));
    let split = search("", "split").await;
    assert!(split.contains("Tyrell") && !split.contains("Wayne"));
    assert!(
        search("territory", "reinstated")
            .await
            .contains("No ruling matches")
    );
    assert!(search("100%_", "").await.contains("No ruling matches"));
    // Not for partners or reps.
    assert_eq!(
        ann.get("/review/disputes/rulings").await.status,
        StatusCode::FORBIDDEN
    );
}

#[actix_web::test]
async fn partners_see_and_raise_only_on_their_own_organisation() {
    let app = program().await;
    let (ann, ben, cm) = (
        app.login(ANN).await,
        app.login(BEN).await,
        app.login(CM1).await,
    );
    let a = register_deal(&ann, &Deal::new(&app, "Soylent", "soylent.example")).await;
    reject(&cm, &a).await;
    let id = partner_raises(&ann, &a, "other", "Please look again.").await;
    assert!(
        ann.get("/partner/disputes")
            .await
            .text()
            .contains("Soylent")
    );
    assert!(
        !ben.get("/partner/disputes")
            .await
            .text()
            .contains("Soylent")
    );
    assert_eq!(
        ben.get(&format!("/partner/disputes/{id}")).await.status,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        ben.get(&format!("/partner/deals/{a}/dispute")).await.status,
        StatusCode::NOT_FOUND
    );
    let token = ben.csrf_from("/partner").await;
    let page = ben
        .post_with(
            &token,
            &format!("/partner/deals/{a}/dispute"),
            &[("reason", "other"), ("details", "Not ours.")],
        )
        .await;
    assert_eq!(page.status, StatusCode::NOT_FOUND);
    // A withdrawn registration cannot be disputed.
    let w = register_deal(&ben, &Deal::new(&app, "Vandelay", "vandelay.example")).await;
    let withdrawn = ben
        .submit(
            &format!("/partner/deals/{w}"),
            &format!("/partner/deals/{w}/withdraw"),
            &[("withdraw_reason", ""), ("withdraw_confirm", "yes")],
        )
        .await;
    assert_eq!(withdrawn.status, StatusCode::SEE_OTHER);
    assert_eq!(
        ben.get(&format!("/partner/deals/{w}/dispute")).await.status,
        StatusCode::CONFLICT
    );
    assert!(
        !ben.get(&format!("/partner/deals/{w}"))
            .await
            .text()
            .contains("Raise a dispute")
    );
}

#[actix_web::test]
async fn the_dispute_sla_is_a_policy_setting_fixed_when_raised() {
    let app = program().await;
    let (ann, cm, admin) = (
        app.login(ANN).await,
        app.login(CM1).await,
        app.login(ADMIN).await,
    );
    let a = register_deal(&ann, &Deal::new(&app, "Massive Dynamic", "massive.example")).await;
    reject(&cm, &a).await;
    let first = partner_raises(&ann, &a, "other", "Look again, please.").await;
    let saved = save_policy(&app, &admin, &[("dispute_sla_hours", "24")]).await;
    assert_eq!(saved.status, StatusCode::SEE_OTHER, "{}", saved.text());
    let refused = save_policy(&app, &admin, &[("dispute_sla_hours", "0")]).await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
    let b = register_deal(&ann, &Deal::new(&app, "Oscorp", "oscorp.example")).await;
    reject(&cm, &b).await;
    assert!(
        ann.get(&format!("/partner/deals/{b}/dispute"))
            .await
            .text()
            .contains("within 24 hours")
    );
    let second = partner_raises(&ann, &b, "other", "Look again, please.").await;
    let due = |id: &str| {
        dispute::find(&mut app.conn(), id)
            .unwrap()
            .unwrap()
            .due_at
            .map(secs)
    };
    assert_eq!(due(&first), Some(secs(now(&app) + TimeDelta::hours(72))));
    assert_eq!(due(&second), Some(secs(now(&app) + TimeDelta::hours(24))));
    let d = dispute::find(&mut app.conn(), &second).unwrap().unwrap();
    assert_eq!(d.policy_version, 2);
}

#[actix_web::test]
async fn a_transfer_from_a_holder_under_review_declines_the_rest_of_its_line() {
    let app = program().await;
    let (ann, ben, gil, cm) = (
        app.login(ANN).await,
        app.login(BEN).await,
        app.login(GIL).await,
        app.login(CM1).await,
    );
    let deal = Deal::new(&app, "Pied Piper", "piedpiper.example");
    let a = register_deal(&ann, &deal).await;
    let b = register_deal(&ben, &deal).await;
    let g = register_deal(&gil, &deal).await;
    for r in [&b, &g] {
        assert_eq!(app.registration(r).state.status.as_str(), "queued");
    }
    let id = partner_raises(
        &ben,
        &b,
        "registered_first",
        "We registered it by phone first.",
    )
    .await;
    let done = rule(
        &cm,
        &id,
        &[
            ("outcome", "transferred"),
            ("rationale", "Beta's phone registration came first."),
        ],
    )
    .await;
    assert_eq!(done.status, StatusCode::SEE_OTHER, "{}", done.text());
    assert_eq!(app.registration(&a).state.status.as_str(), "overturned");
    assert_eq!(app.registration(&b).state.status.as_str(), "approved");
    let gamma = app.registration(&g);
    assert_eq!(gamma.state.status.as_str(), "declined");
    assert!(app.emails_to(GIL, "registration_declined").len() == 1);
    assert_eq!(holder_of(&app, &g).as_deref(), Some(b.as_str()));
    // The overturned registration no longer waits in the review queue.
    assert!(!cm.get("/review").await.text().contains("Pied Piper"));
}
