//! The sales lock check at scale: a database of a million CRM accounts and a million
//! registrations (the `truce demo` generator), the real app in-process, and lock checks
//! through the JSON API sent at a steady rate, open loop (each request leaves on its tick
//! whether or not the previous one has answered).
//!
//!     cargo bench --bench lock_check
//!
//! Settings (environment):
//! - `TRUCE_BENCH_REGISTRATIONS` and `TRUCE_BENCH_ACCOUNTS`: what to generate (default
//!   1,000,000 each).
//! - `TRUCE_BENCH_DB`: use an existing demo database (a SQLite path or a `postgres://` URL;
//!   the check only reads, so it is used in place).
//! - `TRUCE_BENCH_REQUESTS` (default 3,000) and `TRUCE_BENCH_RATE` (requests per second,
//!   default 100).
//!
//! The queries are what reps type: registered and CRM names as stored, with a typo, with
//! another legal form, a website alone, and names nobody has. A generated SQLite database is
//! kept at `<target>/tmp/lock-R-A.db` for reuse. Reports whether server time p99 < 25 ms.

use std::sync::Arc;
use std::time::{Duration, Instant};

use diesel::prelude::*;
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use truce::db::{self, DatabaseUrl};

mod common;
use common::*;

const TARGET_MS: f64 = 25.0;

fn main() {
    actix_web::rt::System::new().block_on(run());
}

/// Company names with their stored domain keys.
type Names = Vec<(String, Option<String>)>;

/// A sample of stored names and domains, and a token for the demo's sales rep.
fn prepare(url: &str) -> (Names, Names, String) {
    use truce::db::schema::{crm_accounts, registrations};
    let parsed = DatabaseUrl::parse(url).expect("a database URL or path");
    let pool = db::connect(&parsed, 1).expect("database");
    let mut conn = pool.get().expect("connection");
    let regs: Vec<(String, Option<String>)> = registrations::table
        .select((registrations::company_name, registrations::domain_key))
        .limit(100_000)
        .load(&mut conn)
        .expect("registrations");
    let accounts: Vec<(String, Option<String>)> = crm_accounts::table
        .select((crm_accounts::name, crm_accounts::domain_key))
        .limit(100_000)
        .load(&mut conn)
        .expect("accounts");
    (regs, accounts, sales_token(&mut conn))
}

fn typo(name: &str, rng: &mut StdRng) -> String {
    let mut chars: Vec<char> = name.chars().collect();
    let letters: Vec<usize> = (1..chars.len().saturating_sub(1))
        .filter(|&i| chars[i].is_alphabetic() && chars[i + 1].is_alphabetic())
        .collect();
    if let Some(&i) = letters.get(rng.random_range(0..letters.len().max(1))) {
        chars.swap(i, i + 1);
    }
    chars.into_iter().collect()
}

const FORMS: [&str; 8] = [
    "Inc",
    "GmbH",
    "Ltd",
    "S.A.",
    "LLC",
    "AG & Co. KG",
    "Oy",
    "sp. z o.o.",
];
const UNKNOWN: [&str; 8] = [
    "Qorvantic",
    "Zelmora",
    "Brisklyn",
    "Tovarek",
    "Ulvenheim",
    "Marquessa",
    "Pellucid",
    "Yarrowby",
];

/// One query string, as a rep would send it.
fn query(
    rng: &mut StdRng,
    regs: &[(String, Option<String>)],
    accounts: &[(String, Option<String>)],
) -> (&'static str, String) {
    let enc = |s: &str| url::form_urlencoded::byte_serialize(s.as_bytes()).collect::<String>();
    let pick = |rng: &mut StdRng, from: &[(String, Option<String>)]| {
        from[rng.random_range(0..from.len())].clone()
    };
    match rng.random_range(0..100) {
        0..25 => {
            let (name, domain) = pick(rng, regs);
            let domain = domain.unwrap_or_default();
            (
                "registered name + website",
                format!("name={}&domain={}", enc(&name), enc(&domain)),
            )
        }
        25..45 => {
            let (name, _) = pick(rng, regs);
            (
                "registered name with a typo",
                format!("name={}", enc(&typo(&name, rng))),
            )
        }
        45..65 => {
            let (name, _) = pick(rng, accounts);
            let base = name.rsplit_once(' ').map_or(name.as_str(), |(b, _)| b);
            let form = FORMS[rng.random_range(0..FORMS.len())];
            (
                "CRM name, other legal form",
                format!("name={}", enc(&format!("{base} {form}"))),
            )
        }
        65..80 => {
            let (_, domain) = pick(rng, accounts);
            (
                "CRM website alone",
                format!("domain={}", enc(&domain.unwrap_or("example.com".into()))),
            )
        }
        _ => {
            let a = UNKNOWN[rng.random_range(0..UNKNOWN.len())];
            let b = UNKNOWN[rng.random_range(0..UNKNOWN.len())];
            (
                "a name nobody has",
                format!(
                    "name={}",
                    enc(&format!("{a} {b} {}", rng.random_range(1..1000)))
                ),
            )
        }
    }
}

/// The `verdict` of a lock check's JSON, or what went wrong.
fn verdict_of(body: &str) -> String {
    serde_json::from_str::<serde_json::Value>(body)
        .ok()
        .and_then(|v| v["verdict"].as_str().map(str::to_owned))
        .unwrap_or_else(|| "error".into())
}

async fn run() {
    let registrations = env_u64("TRUCE_BENCH_REGISTRATIONS", 1_000_000);
    let accounts = env_u64("TRUCE_BENCH_ACCOUNTS", 1_000_000);
    let requests = env_u64("TRUCE_BENCH_REQUESTS", 3_000) as usize;
    let rate = env_u64("TRUCE_BENCH_RATE", 100);
    println!(
        "Machine: {} CPU(s) available.",
        std::thread::available_parallelism().map_or(0, |n| n.get())
    );
    let url = actix_web::web::block(move || demo_database(registrations, accounts))
        .await
        .expect("database");
    let dir = tempfile::tempdir().expect("temp dir");
    let dir_path = dir.path().to_string_lossy().into_owned();
    let started = Instant::now();
    let mut cfg = config(&dir_path, &url);
    // The bench asks with one token, `rate` times a second: above the per-token limit (600
    // a minute by default), which would answer most checks with 429.
    cfg.api_requests_per_minute = u32::try_from(rate * 60 * 2).unwrap_or(u32::MAX);
    let base = start(cfg).await;
    println!("App started in {:.1} s.", started.elapsed().as_secs_f64());

    let url2 = url.clone();
    let (regs, accts, token) = actix_web::web::block(move || prepare(&url2))
        .await
        .expect("sample");
    let client = Arc::new(Client::with_token(&base, &token));

    let mut rng = StdRng::seed_from_u64(7);
    let queries: Vec<(&'static str, String)> = (0..requests + WARM_UP)
        .map(|_| query(&mut rng, &regs, &accts))
        .collect();
    let mut warm = Samples::default();
    for (_, q) in &queries[..WARM_UP] {
        warm.take(&client, &format!("/api/v1/lock?{q}")).await;
    }
    assert_eq!(warm.failed, 0, "warm-up requests failed");

    println!();
    println!(
        "Lock checks over HTTP (GET /api/v1/lock, bearer token): {requests} requests at {rate}/s, open loop, after {WARM_UP} warm-up requests."
    );
    let mut ticker = actix_web::rt::time::interval(Duration::from_micros(1_000_000 / rate.max(1)));
    ticker.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Burst);
    let mut tasks = Vec::with_capacity(requests);
    for (kind, q) in queries[WARM_UP..].iter().cloned() {
        ticker.tick().await;
        let client = client.clone();
        tasks.push(actix_web::rt::spawn(async move {
            let mut s = Samples::default();
            let started = Instant::now();
            let (status, headers, body) = client.get(&format!("/api/v1/lock?{q}")).await;
            let verdict = verdict_of(&body);
            if status == reqwest::StatusCode::OK {
                s.client.push(started.elapsed().as_secs_f64() * 1000.0);
                s.server.extend(server_ms(&headers));
            } else {
                s.failed += 1;
            }
            (kind, s, verdict)
        }));
    }
    let mut all = Samples::default();
    let mut by_kind: Vec<(&'static str, Samples)> = Vec::new();
    let mut verdicts: Vec<(String, usize)> = Vec::new();
    for t in tasks {
        let (kind, s, verdict) = t.await.expect("request task");
        match verdicts.iter_mut().find(|(v, _)| *v == verdict) {
            Some((_, n)) => *n += 1,
            None => verdicts.push((verdict, 1)),
        }
        let entry = match by_kind.iter().position(|(k, _)| *k == kind) {
            Some(i) => &mut by_kind[i].1,
            None => {
                by_kind.push((kind, Samples::default()));
                &mut by_kind.last_mut().unwrap().1
            }
        };
        for (into, from) in [(&mut all, &s), (entry, &s)] {
            into.server.extend(&from.server);
            into.client.extend(&from.client);
            into.failed += from.failed;
        }
    }
    header();
    let ok = report("all lock checks", &all, TARGET_MS);
    for (kind, s) in &by_kind {
        report(kind, s, TARGET_MS);
    }
    verdicts.sort_by_key(|(_, n)| std::cmp::Reverse(*n));
    let tally: Vec<String> = verdicts.iter().map(|(v, n)| format!("{v} {n}")).collect();
    println!();
    println!("Verdicts: {}.", tally.join(", "));
    println!(
        "Lock check server time p99 < {TARGET_MS} ms: {}",
        if ok { "yes" } else { "NO" }
    );
    drop(dir);
}
