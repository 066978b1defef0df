//! One prospect identity: the exact keys behind first-valid-wins are the matching engine's,
//! and a database whose keys an older normaliser computed is rekeyed at start. Where two
//! registrations holding a prospect now share a key, nothing fails and nobody is declined
//! unseen: the earlier one keeps it, the later one is flagged for the channel team.

use diesel::prelude::*;
use reqwest::StatusCode;
use truce::db::schema::{
    crm_accounts, prospect_identity, prospect_index, registration_details, registrations,
};

use crate::helpers::{Deal, TestApp, TestClient, approve, register_deal, spawn_app};

const CM: &str = "cm@vendor.example";
const ANN: &str = "ann@nordlight.example";
const BEN: &str = "ben@beta.example";
const CARL: &str = "carl@gamma.example";

/// Rewrites a registration as the old normaliser would have stored it: its own legal-form
/// list, no synonyms, and hosts without the Public Suffix List.
fn as_stored_before(
    app: &TestApp,
    id: &str,
    company: &str,
    website: &str,
    email: &str,
    name_key: &str,
    domain_key: Option<&str>,
) {
    let mut conn = app.conn();
    diesel::update(registrations::table.find(id))
        .set((
            registrations::company_name.eq(company),
            registrations::name_key.eq(name_key),
            registrations::domain_key.eq(domain_key),
        ))
        .execute(&mut conn)
        .unwrap();
    diesel::update(registration_details::table.find(id))
        .set((
            registration_details::website.eq(website),
            registration_details::contact_email.eq(email),
        ))
        .execute(&mut conn)
        .unwrap();
}

fn keys(app: &TestApp, id: &str) -> (String, Option<String>, Option<String>) {
    registrations::table
        .find(id)
        .select((
            registrations::name_key,
            registrations::domain_key,
            registrations::shares_prospect_with,
        ))
        .first(&mut app.conn())
        .unwrap()
}

#[actix_web::test]
async fn keys_of_the_old_normaliser_are_recomputed_and_colliding_holders_are_flagged_not_failed() {
    let app = spawn_app().await;
    app.create_user(CM, "channel", None, false);
    app.partner("Nordlight IT Services", ANN);
    app.partner("Beta Resellers", BEN);
    app.partner("Gamma Systems", CARL);
    let (ann, ben, carl) = (
        app.login(ANN).await,
        app.login(BEN).await,
        app.login(CARL).await,
    );
    let cm = app.login(CM).await;

    // Three registrations the old keys told apart: "Acme Technologies" (approved first) at
    // eu.acme.co.uk, "Acme Tech Ltd", and "Acme UK Sales" at acme.co.uk.
    let first = register_deal(&ann, &Deal::new(&app, "Placeholder One", "one.example")).await;
    approve(&cm, &first).await;
    let by_name = register_deal(&ben, &Deal::new(&app, "Placeholder Two", "")).await;
    let by_domain = register_deal(
        &carl,
        &Deal::new(&app, "Placeholder Three", "three.example"),
    )
    .await;
    let apart = register_deal(&carl, &Deal::new(&app, "Quillmoor Robotics", "")).await;
    as_stored_before(
        &app,
        &first,
        "Acme Technologies",
        "https://eu.acme.co.uk",
        "jana@eu.acme.co.uk",
        "acme technologies",
        Some("eu.acme.co.uk"),
    );
    as_stored_before(
        &app,
        &by_name,
        "Acme Tech Ltd",
        "",
        "jana@gmail.com",
        "acme tech",
        None,
    );
    as_stored_before(
        &app,
        &by_domain,
        "Acme UK Sales",
        "acme.co.uk",
        "jo@acme.co.uk",
        "acme uk sales",
        Some("acme.co.uk"),
    );
    let account = app.add_crm_account("Acme Technologies Inc", Some("eu.acme.co.uk"), false, false);
    {
        let mut conn = app.conn();
        diesel::update(crm_accounts::table.find(&account))
            .set((
                crm_accounts::name_key.eq("acme technologies"),
                crm_accounts::domain_key.eq("eu.acme.co.uk"),
            ))
            .execute(&mut conn)
            .unwrap();
        // As a database from before the keys were versioned (and its matching keys with it).
        diesel::delete(prospect_identity::table)
            .execute(&mut conn)
            .unwrap();
        diesel::update(prospect_index::table)
            .set(prospect_index::version.eq(0_i64))
            .execute(&mut conn)
            .unwrap();
    }

    // A restart rekeys: it must not fail on the unique index.
    let (other, _) = app.start_another_instance().await;
    assert_eq!(
        keys(&app, &first),
        ("acme technology".into(), Some("acme.co.uk".into()), None)
    );
    assert_eq!(
        keys(&app, &by_name),
        ("acme technology".into(), None, Some(first.clone()))
    );
    assert_eq!(
        keys(&app, &by_domain),
        (
            truce::domain::prospect::name_key("Acme UK Sales"),
            Some("acme.co.uk".into()),
            Some(first.clone())
        )
    );
    assert_eq!(keys(&app, &apart).2, None);
    let account_keys: (String, Option<String>) = crm_accounts::table
        .find(&account)
        .select((crm_accounts::name_key, crm_accounts::domain_key))
        .first(&mut app.conn())
        .unwrap();
    assert_eq!(
        account_keys,
        ("acme technology".into(), Some("acme.co.uk".into()))
    );
    // Nobody was declined: each keeps its status until the channel team decides.
    assert_eq!(app.registration(&first).status().as_str(), "approved");
    assert_eq!(app.registration(&by_name).status().as_str(), "pending");
    assert_eq!(app.registration(&by_domain).status().as_str(), "pending");
    let events = app.events(&by_name);
    let (_, note) = events
        .iter()
        .find(|(kind, _)| kind == "shared_prospect")
        .expect("an event on the timeline");
    assert!(!note.as_deref().unwrap().contains("Nordlight"), "{note:?}");

    // The queue lists both for a decision, naming the one that keeps the prospect.
    let cm = TestClient::new(&other);
    cm.login(CM, crate::helpers::PASSWORD).await;
    let queue = cm.get("/review").await.text();
    assert!(queue.contains("The same prospect held twice"), "{queue}");
    assert!(queue.contains("Acme Tech Ltd"), "{queue}");
    assert!(queue.contains("Acme UK Sales"), "{queue}");
    assert!(
        queue.contains("(registered by Nordlight IT Services, approved"),
        "{queue}"
    );
    // The channel managers are emailed once, by whichever instance's jobs get there first.
    assert_eq!(app.run_jobs().await.flags_notified, 2);
    assert_eq!(app.run_jobs().await.flags_notified, 0);
    let emails = app.emails_to(CM, "registration_flagged");
    assert_eq!(emails.len(), 2);
    assert!(
        app.email_text(&emails[0])
            .contains("names the same prospect as an earlier one"),
        "{}",
        app.email_text(&emails[0])
    );

    // A new registration of the prospect meets the one that keeps it.
    let dave = {
        app.partner("Delta Partners", "dave@delta.example");
        app.login("dave@delta.example").await
    };
    let page =
        crate::helpers::try_register(&dave, &Deal::new(&app, "ACME Technology GmbH", "")).await;
    let late = crate::helpers::registration_id(page.location.as_deref().unwrap());
    assert_eq!(app.registration(&late).status().as_str(), "declined");

    // Decide: the name match is declined with a reason the partner reads...
    let review = cm.get(&format!("/review/{by_name}")).await.text();
    assert!(review.contains("Decide the shared prospect"), "{review}");
    let missing = cm
        .submit(
            &format!("/review/{by_name}"),
            &format!("/review/{by_name}/shared/decline"),
            &[("shared_reason", " ")],
        )
        .await;
    assert_eq!(missing.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(missing.text().contains("Give the partner a reason."));
    let declined = cm
        .submit(
            &format!("/review/{by_name}"),
            &format!("/review/{by_name}/shared/decline"),
            &[(
                "shared_reason",
                "Acme Tech is Acme Technologies: registered earlier.",
            )],
        )
        .await;
    assert_eq!(
        declined.status,
        StatusCode::SEE_OTHER,
        "{}",
        declined.text()
    );
    assert_eq!(app.registration(&by_name).status().as_str(), "declined");
    assert!(
        app.email_text(&app.last_email_to(BEN))
            .contains("Acme Tech is Acme Technologies: registered earlier."),
    );
    // ... and a decision is made once.
    let again = cm
        .submit(
            &format!("/review/{by_name}"),
            &format!("/review/{by_name}/shared/keep"),
            &[("shared_note", "changed my mind")],
        )
        .await;
    assert_ne!(again.status, StatusCode::SEE_OTHER);

    // ... the domain match is a different company: both stand.
    let kept = cm
        .submit(
            &format!("/review/{by_domain}"),
            &format!("/review/{by_domain}/shared/keep"),
            &[(
                "shared_note",
                "Acme UK Sales is a separate reseller sharing the domain.",
            )],
        )
        .await;
    assert_eq!(kept.status, StatusCode::SEE_OTHER, "{}", kept.text());
    assert_eq!(app.registration(&by_domain).status().as_str(), "pending");
    assert!(
        app.events(&by_domain)
            .iter()
            .any(|(kind, _)| kind == "shared_prospect_kept")
    );
    let queue = cm.get("/review").await.text();
    assert!(!queue.contains("The same prospect held twice"), "{queue}");
    // The partner's timeline never names the other partner.
    let own = carl
        .get(&format!("/partner/deals/{by_domain}"))
        .await
        .text();
    assert!(own.contains("The channel team will decide"), "{own}");
    assert!(!own.contains("Nordlight"), "{own}");
}
