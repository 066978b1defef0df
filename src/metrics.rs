//! What an operator alerts on, in the Prometheus text format (`/metrics`): requests by route
//! pattern and status with their latency, waits for a database connection, job runs and
//! failures, and the program's queues read from the database at each scrape. One registry
//! per app instance, so that two apps in one process (the tests) count apart.

use std::time::Duration;

use prometheus::{
    Encoder, Histogram, HistogramOpts, HistogramVec, IntCounter, IntCounterVec, IntGauge,
    IntGaugeVec, Opts, Registry, TextEncoder,
};

use crate::db::models::gauges::Gauges;

/// Seconds: from a cached page (a few ms) to the slowest reports (several seconds).
const LATENCY_BUCKETS: &[f64] = &[
    0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0,
];

pub struct Metrics {
    registry: Registry,
    requests: IntCounterVec,
    latency: HistogramVec,
    pool_wait: Histogram,
    pool_timeouts: IntCounter,
    job_runs: IntCounterVec,
    job_failures: IntCounterVec,
    job_seconds: HistogramVec,
    job_last_success: IntGaugeVec,
    outbox: IntGaugeVec,
    outbox_oldest_due: IntGauge,
    registrations: IntGaugeVec,
    review_queue: IntGauge,
    review_overdue: IntGauge,
    disputes_open: IntGauge,
}

impl Default for Metrics {
    fn default() -> Self {
        Self::new()
    }
}

impl Metrics {
    pub fn new() -> Self {
        let registry =
            Registry::new_custom(Some("truce".into()), None).expect("a fixed, valid prefix");
        let requests = IntCounterVec::new(
            Opts::new(
                "http_requests_total",
                "HTTP requests answered, by route pattern, method and status.",
            ),
            &["route", "method", "status"],
        )
        .expect("valid metric");
        let latency = HistogramVec::new(
            HistogramOpts::new(
                "http_request_duration_seconds",
                "Time to answer an HTTP request, by route pattern and method.",
            )
            .buckets(LATENCY_BUCKETS.to_vec()),
            &["route", "method"],
        )
        .expect("valid metric");
        let pool_wait = Histogram::with_opts(
            HistogramOpts::new(
                "db_pool_wait_seconds",
                "Time a request or job waited for a database connection from the pool.",
            )
            .buckets(LATENCY_BUCKETS.to_vec()),
        )
        .expect("valid metric");
        let pool_timeouts = IntCounter::new(
            "db_pool_timeouts_total",
            "Waits for a database connection that gave up (the pool stayed exhausted).",
        )
        .expect("valid metric");
        let job_runs = IntCounterVec::new(
            Opts::new("job_runs_total", "Runs of each background job."),
            &["job"],
        )
        .expect("valid metric");
        let job_failures = IntCounterVec::new(
            Opts::new(
                "job_failures_total",
                "Runs of each background job that failed (see the log).",
            ),
            &["job"],
        )
        .expect("valid metric");
        let job_seconds = HistogramVec::new(
            HistogramOpts::new("job_duration_seconds", "Time one run of a job took.")
                .buckets(LATENCY_BUCKETS.to_vec()),
            &["job"],
        )
        .expect("valid metric");
        let job_last_success = IntGaugeVec::new(
            Opts::new(
                "job_last_success_timestamp_seconds",
                "When each job last ran without failing (Unix time): alert when it falls behind.",
            ),
            &["job"],
        )
        .expect("valid metric");
        let outbox = IntGaugeVec::new(
            Opts::new(
                "outbox_emails",
                "Emails in the outbox by status (sent ones included).",
            ),
            &["status"],
        )
        .expect("valid metric");
        let outbox_oldest_due = IntGauge::new(
            "outbox_oldest_due_seconds",
            "How long the oldest email due for sending has waited (0 when none is due).",
        )
        .expect("valid metric");
        let registrations = IntGaugeVec::new(
            Opts::new("registrations", "Deal registrations by status."),
            &["status"],
        )
        .expect("valid metric");
        let review_queue = IntGauge::new(
            "review_queue_size",
            "Registrations waiting for a channel manager's decision.",
        )
        .expect("valid metric");
        let review_overdue = IntGauge::new(
            "review_sla_breaches",
            "Registrations in review past their approval SLA.",
        )
        .expect("valid metric");
        let disputes_open =
            IntGauge::new("disputes_open", "Disputes not yet ruled on.").expect("valid metric");
        for c in [
            Box::new(requests.clone()) as Box<dyn prometheus::core::Collector>,
            Box::new(latency.clone()),
            Box::new(pool_wait.clone()),
            Box::new(pool_timeouts.clone()),
            Box::new(job_runs.clone()),
            Box::new(job_failures.clone()),
            Box::new(job_seconds.clone()),
            Box::new(job_last_success.clone()),
            Box::new(outbox.clone()),
            Box::new(outbox_oldest_due.clone()),
            Box::new(registrations.clone()),
            Box::new(review_queue.clone()),
            Box::new(review_overdue.clone()),
            Box::new(disputes_open.clone()),
        ] {
            registry.register(c).expect("each metric registered once");
        }
        Self {
            registry,
            requests,
            latency,
            pool_wait,
            pool_timeouts,
            job_runs,
            job_failures,
            job_seconds,
            job_last_success,
            outbox,
            outbox_oldest_due,
            registrations,
            review_queue,
            review_overdue,
            disputes_open,
        }
    }

    /// One answered request. `route` is the pattern (`/deals/{id}`), never the path: paths
    /// carry ids and one-time tokens, and each would be a new series.
    pub fn request(&self, route: &str, method: &str, status: u16, took: Duration) {
        let status = status.to_string();
        self.requests
            .with_label_values(&[route, method, status.as_str()])
            .inc();
        self.latency
            .with_label_values(&[route, method])
            .observe(took.as_secs_f64());
    }

    /// One run of a background job.
    pub fn job(&self, job: &str, ok: bool, took: Duration, now_unix: i64) {
        self.job_runs.with_label_values(&[job]).inc();
        self.job_seconds
            .with_label_values(&[job])
            .observe(took.as_secs_f64());
        if ok {
            self.job_last_success
                .with_label_values(&[job])
                .set(now_unix);
        } else {
            self.job_failures.with_label_values(&[job]).inc();
        }
    }

    /// The text a scrape receives, with the queue sizes just read from the database.
    pub fn render(&self, gauges: &Gauges) -> String {
        self.outbox.reset();
        for (status, n) in &gauges.outbox_by_status {
            self.outbox.with_label_values(&[status.as_str()]).set(*n);
        }
        self.outbox_oldest_due.set(gauges.oldest_due_email_secs);
        self.registrations.reset();
        for (status, n) in &gauges.registrations_by_status {
            self.registrations
                .with_label_values(&[status.as_str()])
                .set(*n);
        }
        self.review_queue.set(gauges.review_queue);
        self.review_overdue.set(gauges.review_overdue);
        self.disputes_open.set(gauges.disputes_open);
        let mut out = Vec::new();
        TextEncoder::new()
            .encode(&self.registry.gather(), &mut out)
            .expect("text encoding into memory");
        String::from_utf8(out).expect("the text format is UTF-8")
    }

    /// Observes the pool's checkouts (`db::connect_observed`).
    pub fn pool_events(&self) -> PoolEvents {
        PoolEvents {
            wait: self.pool_wait.clone(),
            timeouts: self.pool_timeouts.clone(),
        }
    }
}

/// r2d2's checkout events into the pool-wait histogram.
pub struct PoolEvents {
    wait: Histogram,
    timeouts: IntCounter,
}

impl std::fmt::Debug for PoolEvents {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("PoolEvents")
    }
}

impl r2d2::HandleEvent for PoolEvents {
    fn handle_checkout(&self, event: r2d2::event::CheckoutEvent) {
        self.wait.observe(event.duration().as_secs_f64());
    }

    fn handle_timeout(&self, _event: r2d2::event::TimeoutEvent) {
        self.timeouts.inc();
    }
}
