//! `/metrics` as Prometheus scrapes it: off by default, then only with the token, in the
//! text format a Prometheus parser reads, counting requests, jobs and the program's queues.

use prometheus_parse::{Sample, Scrape, Value};
use reqwest::StatusCode;

use crate::helpers::{Deal, register_deal, spawn_app, spawn_app_with};

const TOKEN: &str = "scrape-token-0123456789";

async fn scrape(address: &str, token: Option<&str>) -> (StatusCode, String) {
    let mut req = reqwest::Client::new().get(format!("{address}/metrics"));
    if let Some(t) = token {
        req = req.bearer_auth(t);
    }
    let resp = req.send().await.unwrap();
    (resp.status(), resp.text().await.unwrap())
}

fn value(scrape: &Scrape, name: &str, labels: &[(&str, &str)]) -> Option<f64> {
    scrape
        .samples
        .iter()
        .filter(|s: &&Sample| s.metric == name)
        .find(|s| labels.iter().all(|(k, v)| s.labels.get(k) == Some(*v)))
        .map(|s| match &s.value {
            Value::Counter(v) | Value::Gauge(v) | Value::Untyped(v) => *v,
            Value::Histogram(buckets) => buckets.last().map_or(0.0, |b| b.count),
            Value::Summary(_) => f64::NAN,
        })
}

#[actix_web::test]
async fn metrics_are_off_unless_a_token_is_set() {
    let app = spawn_app().await;
    assert_eq!(scrape(&app.address, None).await.0, StatusCode::NOT_FOUND);
    assert_eq!(
        scrape(&app.address, Some(TOKEN)).await.0,
        StatusCode::NOT_FOUND
    );
}

#[actix_web::test]
async fn a_scrape_counts_requests_jobs_and_queues() {
    let app = spawn_app_with(&["--metrics-token", TOKEN]).await;
    assert_eq!(scrape(&app.address, None).await.0, StatusCode::UNAUTHORIZED);
    assert_eq!(
        scrape(&app.address, Some("not-the-token-at-all")).await.0,
        StatusCode::UNAUTHORIZED
    );

    app.create_user("cm@vendor.example", "channel", None, false);
    app.partner("Alpha Partners", "ann@alpha.example");
    let ann = app.login("ann@alpha.example").await;
    register_deal(&ann, &Deal::new(&app, "Contoso", "contoso.example")).await;
    assert_eq!(
        ann.get("/partner/deals/no-such-deal").await.status,
        StatusCode::NOT_FOUND
    );
    app.run_jobs().await;

    let (status, text) = scrape(&app.address, Some(TOKEN)).await;
    assert_eq!(status, StatusCode::OK);
    let scrape = Scrape::parse(text.lines().map(|l| Ok(l.to_owned()))).unwrap();

    // Requests by route pattern (never the path with its id) and status, with latencies.
    assert!(
        value(
            &scrape,
            "truce_http_requests_total",
            &[("route", "/login"), ("method", "GET"), ("status", "200")]
        )
        .unwrap()
            >= 1.0,
        "{text}"
    );
    // Routes with a parameter keep the pattern as the logs name it. (This parser skips
    // samples whose label values hold braces, which the format allows: read the line.)
    assert!(
        text.contains(
            r#"truce_http_requests_total{method="GET",route="/partner/deals/{id}",status="404"} 1"#
        ),
        "{text}"
    );
    assert!(!text.contains("no-such-deal"), "paths are not labels");
    assert!(
        value(
            &scrape,
            "truce_http_request_duration_seconds",
            &[("route", "/login"), ("method", "POST")]
        )
        .unwrap()
            >= 1.0,
        "{text}"
    );
    assert!(value(&scrape, "truce_db_pool_wait_seconds", &[]).unwrap() >= 1.0);

    // Jobs: runs by job, none failed.
    assert_eq!(
        value(&scrape, "truce_job_runs_total", &[("job", "mail delivery")]),
        Some(1.0)
    );
    assert_eq!(
        value(
            &scrape,
            "truce_job_failures_total",
            &[("job", "mail delivery")]
        ),
        None
    );
    assert!(
        value(
            &scrape,
            "truce_job_last_success_timestamp_seconds",
            &[("job", "registration sweep")]
        )
        .unwrap()
            > 1.7e9
    );

    // The program's queues, read at the scrape.
    assert_eq!(
        value(&scrape, "truce_registrations", &[("status", "pending")]),
        Some(1.0),
        "{text}"
    );
    assert_eq!(value(&scrape, "truce_review_queue_size", &[]), Some(1.0));
    assert_eq!(value(&scrape, "truce_review_sla_breaches", &[]), Some(0.0));
    assert!(value(&scrape, "truce_outbox_emails", &[("status", "sent")]).unwrap() >= 1.0);
    assert_eq!(
        value(&scrape, "truce_outbox_oldest_due_seconds", &[]),
        Some(0.0)
    );
    assert_eq!(value(&scrape, "truce_disputes_open", &[]), Some(0.0));
}
