//! What the benchmarks share: a client that records the server time each response
//! reports (`Server-Timing`) and its own latency, requests at a steady rate, percentiles.

#![allow(dead_code, reason = "each benchmark uses its own part of this module")]

use std::time::{Duration, Instant};

use reqwest::header::HeaderMap;
use truce::demo;

/// The app's settings for a benchmark: a free port, `dir` for its data, the database at
/// `url`, no background jobs.
pub fn config(dir: &str, url: &str) -> truce::config::Config {
    use clap::Parser;
    truce::cli::Cli::try_parse_from([
        "truce",
        "--bind",
        "127.0.0.1:0",
        "--data-dir",
        dir,
        "--database-url",
        url,
        "--no-jobs",
    ])
    .expect("flags parse")
    .serve
    .validate()
    .expect("config is valid")
}

/// Starts the app in-process on the system clock; its base URL.
pub async fn start(config: truce::config::Config) -> String {
    let clock: truce::clock::SharedClock = std::sync::Arc::new(truce::clock::SystemClock);
    let app = truce::Application::build(config, clock)
        .await
        .expect("app starts");
    let base = format!("http://127.0.0.1:{}", app.port());
    actix_web::rt::spawn(app.run_until_stopped());
    base
}

/// Requests per page sent before measuring, so that caches are warm as in steady use.
pub const WARM_UP: usize = 20;

pub fn env_u64(name: &str, default: u64) -> u64 {
    match std::env::var(name) {
        Ok(v) if !v.trim().is_empty() => v
            .trim()
            .replace(['_', ','], "")
            .parse()
            .unwrap_or_else(|_| panic!("{name} must be a whole number, not '{v}'")),
        _ => default,
    }
}

// ---------------------------------------------------------------------------------------
// The client side.

pub struct Client {
    pub http: reqwest::Client,
    pub base: String,
}

impl Client {
    pub fn new(base: &str) -> Client {
        let http = reqwest::Client::builder()
            .cookie_store(true)
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .expect("HTTP client");
        Client {
            http,
            base: base.to_owned(),
        }
    }

    pub async fn get(&self, path: &str) -> (reqwest::StatusCode, HeaderMap, String) {
        let resp = self
            .http
            .get(format!("{}{path}", self.base))
            .send()
            .await
            .unwrap_or_else(|e| panic!("GET {path}: {e}"));
        let status = resp.status();
        let headers = resp.headers().clone();
        (status, headers, resp.text().await.unwrap_or_default())
    }

    pub async fn login(&self, email: &str) {
        let (_, _, page) = self.get("/login").await;
        let token =
            attribute_after(&page, "name=\"csrf_token\"", "value").expect("CSRF token on /login");
        let resp = self
            .http
            .post(format!("{}/login", self.base))
            .form(&[
                ("csrf_token", token.as_str()),
                ("email", email),
                ("password", demo::DEFAULT_PASSWORD),
            ])
            .send()
            .await
            .expect("POST /login");
        assert_eq!(
            resp.status(),
            reqwest::StatusCode::SEE_OTHER,
            "sign-in of {email} failed"
        );
    }
}

/// The value of `attr` in the tag that contains `marker`.
pub fn attribute_after(html: &str, marker: &str, attr: &str) -> Option<String> {
    let at = html.find(marker)?;
    let start = html[..at].rfind('<')?;
    let end = at + html[at..].find('>')?;
    let tag = &html[start..end];
    let key = format!("{attr}=\"");
    let from = tag.find(&key)? + key.len();
    let to = from + tag[from..].find('"')?;
    Some(tag[from..to].replace("&amp;", "&"))
}

pub fn server_ms(headers: &HeaderMap) -> Option<f64> {
    let value = headers.get("server-timing")?.to_str().ok()?;
    value
        .split("dur=")
        .nth(1)?
        .split([';', ','])
        .next()?
        .trim()
        .parse()
        .ok()
}

#[derive(Default)]
pub struct Samples {
    pub server: Vec<f64>,
    pub client: Vec<f64>,
    pub failed: usize,
}

impl Samples {
    pub async fn take(&mut self, client: &Client, path: &str) -> bool {
        let started = Instant::now();
        let (status, headers, _) = client.get(path).await;
        let client_ms = started.elapsed().as_secs_f64() * 1000.0;
        if status != reqwest::StatusCode::OK {
            self.failed += 1;
            return false;
        }
        self.client.push(client_ms);
        if let Some(ms) = server_ms(&headers) {
            self.server.push(ms);
        }
        true
    }
}

pub fn percentile(sorted: &[f64], q: f64) -> f64 {
    if sorted.is_empty() {
        return f64::NAN;
    }
    let rank = ((q * sorted.len() as f64).ceil() as usize).clamp(1, sorted.len());
    sorted[rank - 1]
}

pub struct Stats {
    pub p50: f64,
    pub p95: f64,
    pub p99: f64,
    pub max: f64,
}

pub fn stats(values: &[f64]) -> Stats {
    let mut v = values.to_vec();
    v.sort_by(f64::total_cmp);
    Stats {
        p50: percentile(&v, 0.50),
        p95: percentile(&v, 0.95),
        p99: percentile(&v, 0.99),
        max: v.last().copied().unwrap_or(f64::NAN),
    }
}

pub fn report(label: &str, s: &Samples, target_ms: f64) -> bool {
    let server = stats(&s.server);
    let client = stats(&s.client);
    let ok = server.p99 < target_ms;
    println!(
        "{label:<34} {:>5}  {:>7.2} {:>7.2} {:>7.2} {:>7.2}  | {:>7.2} {:>7.2} {:>7.2} {:>7.2}  {}{}",
        s.client.len(),
        server.p50,
        server.p95,
        server.p99,
        server.max,
        client.p50,
        client.p95,
        client.p99,
        client.max,
        if ok {
            format!("p99 < {target_ms} ms: yes")
        } else {
            format!("p99 < {target_ms} ms: NO")
        },
        if s.failed > 0 {
            format!(" ({} failed)", s.failed)
        } else {
            String::new()
        },
    );
    ok
}

pub fn header() {
    println!(
        "{:<34} {:>5}  {:>31}  | {:>31}",
        "", "", "server time, ms (Server-Timing)", "client latency, ms"
    );
    println!(
        "{:<34} {:>5}  {:>7} {:>7} {:>7} {:>7}  | {:>7} {:>7} {:>7} {:>7}",
        "page", "n", "p50", "p95", "p99", "max", "p50", "p95", "p99", "max"
    );
}

/// Requests `path` at a steady `rate` per second, `n` times after a short warm-up.
pub async fn measure(client: &Client, path: &str, n: usize, rate: u64) -> Option<Samples> {
    let mut warm = Samples::default();
    if !warm.take(client, path).await {
        let (status, _, _) = client.get(path).await;
        println!("GET {path}: skipped, it answered {status}");
        return None;
    }
    for _ in 1..WARM_UP {
        warm.take(client, path).await;
    }
    let mut ticker = actix_web::rt::time::interval(Duration::from_micros(1_000_000 / rate.max(1)));
    ticker.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    let mut samples = Samples::default();
    for _ in 0..n {
        ticker.tick().await;
        samples.take(client, path).await;
    }
    Some(samples)
}
