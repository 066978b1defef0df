//! The job runner: each job runs and fails on its own, so one broken job never holds up the
//! others (a failing sweep must not stop the mail).

use chrono::TimeDelta;
use diesel::RunQueryDsl;
use truce::clock::Clock;

use crate::helpers::{Deal, approve, register_deal, spawn_app};

#[actix_web::test]
async fn a_failing_job_is_reported_and_the_others_still_run() {
    let app = spawn_app().await;
    app.create_user("cm@vendor.example", "channel", None, false);
    app.partner("Alpha Partners", "ann@alpha.example");
    let ann = app.login("ann@alpha.example").await;
    let cm = app.login("cm@vendor.example").await;
    let id = register_deal(&ann, &Deal::new(&app, "Quillmoor Robotics", "")).await;
    approve(&cm, &id).await;
    let ends = app.registration(&id).state.protection_ends_at.unwrap();
    app.advance(ends - app.clock.naive_now() + TimeDelta::hours(1));

    // The dispute escalation's table is gone: that job fails every time.
    let rename = |from: &str, to: &str| {
        diesel::sql_query(format!("ALTER TABLE {from} RENAME TO {to}"))
            .execute(&mut app.conn())
            .unwrap();
    };
    rename("disputes", "disputes_away");
    let jobs = app.jobs.clone();
    let report = actix_web::web::block(move || jobs.run_once())
        .await
        .unwrap();
    assert_eq!(report.failed, ["dispute SLA escalation"]);
    // The sweep before it and the mail delivery after it did their work.
    assert_eq!(report.registrations.expired, 1);
    assert_eq!(app.registration(&id).status().as_str(), "expired");
    assert!(report.emails.sent >= 1, "{report:?}");

    rename("disputes_away", "disputes");
    assert!(app.run_jobs().await.failed.is_empty());
}
