//! Pages and the expiry sweep at scale: a database of a million registrations (made with the
//! `truce demo` generator), the real app in-process, a steady stream of page requests, then
//! the expiry sweep with pages requested while it runs.
//!
//!     cargo bench --bench registrations
//!
//! Settings (environment):
//! - `TRUCE_BENCH_REGISTRATIONS`: registrations to generate (default 1,000,000).
//! - `TRUCE_BENCH_DB`: reuse an existing demo database instead of generating one: a SQLite
//!   file (copied first, so the sweep does not change it) or a `postgres://` URL (used in
//!   place: the sweep expires its due rows, so it can be swept once).
//! - `TRUCE_BENCH_REQUESTS`: requests per page (default 500); `TRUCE_BENCH_RATE`: requests
//!   per second (default 50).
//! - `TRUCE_BENCH_PROFILE=1`: time every SQL statement (diesel instrumentation) and print the
//!   ones that took the most time in each phase, to find the slow code path.
//!
//! A generated SQLite database is kept at `<target>/tmp/registrations-N.db` for reuse.
//! Nothing is asserted: this reports figures, and whether each page's p99 is under 20 ms.

use std::time::{Duration, Instant};

use truce::clock::{Clock, SystemClock};
use truce::db::{self, DatabaseUrl};
use truce::demo::{self, Spec};

mod common;
use common::*;

/// Server time per page is held to this at p99.
const TARGET_MS: f64 = 20.0;
/// The program dashboard for 365 days (issue #16).
const DASHBOARD_TARGET_MS: f64 = 50.0;
/// The longest a sweep batch may hold the write lock.
const BATCH_TARGET: Duration = Duration::from_millis(100);

fn main() {
    // `cargo bench` passes `--bench`; this harness has no options of its own.
    if env_u64("TRUCE_BENCH_PROFILE", 0) > 0 {
        profile::enable();
    }
    actix_web::rt::System::new().block_on(run());
}

/// Statement timings from diesel's instrumentation, per SQL text (binds left out).
mod profile {
    use std::collections::HashMap;
    use std::sync::Mutex;
    use std::sync::atomic::{AtomicBool, Ordering};
    use std::time::{Duration, Instant};

    use diesel::connection::{Instrumentation, InstrumentationEvent, set_default_instrumentation};

    #[derive(Default, Clone, Copy)]
    struct Stat {
        count: u64,
        total: Duration,
        max: Duration,
    }

    static ON: AtomicBool = AtomicBool::new(false);
    static STATS: Mutex<Option<HashMap<(bool, String), Stat>>> = Mutex::new(None);

    thread_local! {
        static SWEEP: std::cell::Cell<bool> = const { std::cell::Cell::new(false) };
    }

    struct Timer {
        started: Option<Instant>,
    }

    impl Instrumentation for Timer {
        fn on_connection_event(&mut self, event: InstrumentationEvent<'_>) {
            match event {
                InstrumentationEvent::StartQuery { .. } => self.started = Some(Instant::now()),
                InstrumentationEvent::FinishQuery { query, .. } => {
                    let Some(started) = self.started.take() else {
                        return;
                    };
                    let took = started.elapsed();
                    let text = query.to_string();
                    let sql = text
                        .split(" -- binds:")
                        .next()
                        .unwrap_or(&text)
                        .trim()
                        .to_owned();
                    let sweep = SWEEP.with(|s| s.get());
                    let mut stats = STATS.lock().unwrap();
                    let stat = stats
                        .get_or_insert_with(HashMap::new)
                        .entry((sweep, sql))
                        .or_default();
                    stat.count += 1;
                    stat.total += took;
                    stat.max = stat.max.max(took);
                }
                _ => {}
            }
        }
    }

    pub fn enable() {
        ON.store(true, Ordering::Relaxed);
        set_default_instrumentation(|| Some(Box::new(Timer { started: None })))
            .expect("instrumentation");
    }

    /// Statements run on this thread count as the sweep's.
    pub fn mark_sweep_thread() {
        SWEEP.with(|s| s.set(true));
    }

    /// Prints the statements that took the most time since the last report, and forgets them.
    pub fn report(title: &str) {
        if !ON.load(Ordering::Relaxed) {
            return;
        }
        let stats = STATS.lock().unwrap().take().unwrap_or_default();
        for sweep in [false, true] {
            let mut rows: Vec<_> = stats.iter().filter(|((s, _), _)| *s == sweep).collect();
            if rows.is_empty() {
                continue;
            }
            rows.sort_by_key(|r| std::cmp::Reverse(r.1.total));
            let all: Duration = rows.iter().map(|(_, s)| s.total).sum();
            println!(
                "SQL time, {title}, {}: {:.1} s in all; the costliest statements:",
                if sweep {
                    "sweep connection"
                } else {
                    "app connections"
                },
                all.as_secs_f64()
            );
            for ((_, sql), s) in rows.iter().take(8) {
                let sql: String = sql.split_whitespace().collect::<Vec<_>>().join(" ");
                let short: String = sql.chars().take(220).collect();
                println!(
                    "  {:>8.1} ms total {:>7} x {:>8.3} ms avg {:>8.1} ms max  {short}",
                    s.total.as_secs_f64() * 1000.0,
                    s.count,
                    s.total.as_secs_f64() * 1000.0 / s.count as f64,
                    s.max.as_secs_f64() * 1000.0
                );
            }
        }
    }
}

struct Data {
    url: String,
    /// Keeps the working copy of a SQLite database until the end.
    _dir: tempfile::TempDir,
    dir: std::path::PathBuf,
}

/// The database to measure: generated, or a copy of `TRUCE_BENCH_DB`.
fn prepare_data(registrations: u64) -> Data {
    let dir = tempfile::tempdir().expect("temp dir");
    let working = dir.path().join("truce.db");
    let source = match std::env::var("TRUCE_BENCH_DB") {
        Ok(v) if !v.trim().is_empty() => v.trim().to_owned(),
        _ => {
            let kept = std::path::Path::new(env!("CARGO_TARGET_TMPDIR"))
                .join(format!("registrations-{registrations}.db"));
            generate(&kept, registrations);
            kept.to_string_lossy().into_owned()
        }
    };
    let url = match DatabaseUrl::parse(&source).expect("TRUCE_BENCH_DB is a database URL or path") {
        DatabaseUrl::Postgres(url) => {
            let pool = db::connect(&DatabaseUrl::Postgres(url.clone()), 1).expect("PostgreSQL");
            let mut conn = pool.get().expect("PostgreSQL connection");
            if demo::generated_at(&mut conn).ok().flatten().is_none() {
                db::migrate(&mut conn).expect("migrate");
                truce::db::models::policy::ensure_initial(&mut conn, SystemClock.naive_now())
                    .expect("policy");
                generate_into(&mut conn, registrations);
            }
            println!("Using PostgreSQL in place; the sweep changes it.");
            url
        }
        DatabaseUrl::Sqlite(path) => {
            let started = Instant::now();
            for suffix in ["", "-wal"] {
                let from = format!("{path}{suffix}");
                if std::path::Path::new(&from).exists() {
                    let to = format!("{}{suffix}", working.display());
                    std::fs::copy(&from, &to).unwrap_or_else(|e| panic!("cannot copy {from}: {e}"));
                    // Written out now, so that the first fsync of a checkpoint during the
                    // measurements does not have to flush gigabytes of freshly copied pages.
                    for file in [&from, &to] {
                        std::fs::File::open(file)
                            .and_then(|f| f.sync_all())
                            .unwrap_or_else(|e| panic!("cannot sync {file}: {e}"));
                    }
                }
            }
            println!(
                "Working copy of {path} made in {:.1} s.",
                started.elapsed().as_secs_f64()
            );
            format!("sqlite://{}", working.display())
        }
    };
    Data {
        url,
        dir: dir.path().to_owned(),
        _dir: dir,
    }
}

fn spec(registrations: u64) -> Spec {
    Spec::new(
        registrations,
        2_000,
        Some(10_000.min(registrations / 2)),
        Some(100_000.min(registrations / 10)),
        2026,
    )
    .expect("benchmark sizes are valid")
}

fn generate(path: &std::path::Path, registrations: u64) {
    for suffix in ["", "-wal", "-shm"] {
        let _ = std::fs::remove_file(format!("{}{suffix}", path.display()));
    }
    let url = DatabaseUrl::Sqlite(path.to_string_lossy().into_owned());
    // The pool is dropped before the file is copied: the last connection to close folds the
    // write-ahead log into the file.
    let pool = db::connect(&url, 1).expect("SQLite");
    let mut conn = pool.get().expect("SQLite connection");
    db::migrate(&mut conn).expect("migrate");
    truce::db::models::policy::ensure_initial(&mut conn, SystemClock.naive_now()).expect("policy");
    generate_into(&mut conn, registrations);
    println!(
        "Kept for reuse: TRUCE_BENCH_DB={} ({:.0} MB)",
        path.display(),
        std::fs::metadata(path).map(|m| m.len()).unwrap_or(0) as f64 / 1e6
    );
}

fn generate_into(conn: &mut db::DbConnection, registrations: u64) {
    let spec = spec(registrations);
    let hash =
        truce::auth::password::hash(&Default::default(), demo::DEFAULT_PASSWORD).expect("hash");
    println!(
        "Generating {registrations} registrations ({} orgs, big org {}, {} due) ...",
        spec.orgs, spec.big_org, spec.due
    );
    let summary = demo::generate(conn, &spec, &hash, SystemClock.naive_now(), &mut |line| {
        eprintln!("  {line}")
    })
    .expect("demo data");
    let secs = summary.elapsed.as_secs_f64();
    println!(
        "Generated {} registrations, {} events, {} CRM accounts in {:.1} s ({:.0} registrations/s).",
        summary.registrations,
        summary.events,
        summary.crm_accounts,
        secs,
        summary.registrations as f64 / secs
    );
}

/// A link's target as a path on the app: links may be absolute, or just a query string.
fn resolve(current: &str, href: &str) -> String {
    if let Some(rest) = href.split_once("://").map(|(_, rest)| rest) {
        return rest.find('/').map_or("/".into(), |i| rest[i..].to_owned());
    }
    if href.starts_with('?') {
        let page = current.split('?').next().unwrap_or(current);
        return format!("{page}{href}");
    }
    href.to_owned()
}

/// The URL a few pages deep, following the pages' "next" links.
async fn deep_page(client: &Client, first: &str, depth: usize) -> Option<(String, usize)> {
    let mut path = first.to_owned();
    let mut reached = 0;
    for _ in 0..depth {
        let (_, _, html) = client.get(&path).await;
        match attribute_after(&html, "rel=\"next\"", "href") {
            Some(next) => {
                path = resolve(&path, &next);
                reached += 1;
            }
            None => break,
        }
    }
    (reached > 0).then_some((path, reached + 1))
}

async fn run() {
    let registrations = env_u64("TRUCE_BENCH_REGISTRATIONS", 1_000_000);
    let requests = env_u64("TRUCE_BENCH_REQUESTS", 500) as usize;
    let rate = env_u64("TRUCE_BENCH_RATE", 50);
    println!(
        "Machine: {} CPU(s) available.",
        std::thread::available_parallelism().map_or(0, |n| n.get())
    );

    let data = actix_web::web::block(move || prepare_data(registrations))
        .await
        .expect("data");
    let url = data.url.clone();
    let dir = data.dir.to_string_lossy().into_owned();
    let config = config(&dir, &url);
    let base = start(config.clone()).await;

    let partner = Client::new(&base);
    partner
        .login(&format!("partner1@{}", demo::EMAIL_DOMAIN))
        .await;
    let channel = Client::new(&base);
    channel
        .login(&format!("channel@{}", demo::EMAIL_DOMAIN))
        .await;

    // 1. Pages at a steady rate.
    println!();
    println!(
        "Pages: {requests} requests each at {rate}/s, after {WARM_UP} warm-up requests; partner1 has the big organisation."
    );
    header();
    let mut all_ok = true;
    let mut pages: Vec<(String, &Client, String)> = vec![
        (
            "GET /partner (My deals)".into(),
            &partner,
            "/partner".into(),
        ),
        (
            "GET /partner?status=approved".into(),
            &partner,
            "/partner?status=approved".into(),
        ),
        (
            "GET /partner?sort=company".into(),
            &partner,
            "/partner?sort=company".into(),
        ),
    ];
    if let Some((deep, n)) = deep_page(&partner, "/partner", 50).await {
        pages.push((
            format!("GET /partner page {n} (next links)"),
            &partner,
            deep,
        ));
    } else {
        println!("GET /partner has no rel=\"next\" link: the deep page is skipped");
    }
    pages.push((
        "GET /review (review queue)".into(),
        &channel,
        "/review".into(),
    ));
    profile::report("before the pages");
    for (label, client, path) in &pages {
        if let Some(samples) = measure(client, path, requests, rate).await {
            all_ok &= report(label, &samples, TARGET_MS);
        }
        profile::report(label);
    }
    println!(
        "Every measured page p99 < {TARGET_MS} ms server time: {}",
        if all_ok { "yes" } else { "NO" }
    );
    // The dashboard has its own target (issue #16): a year of the whole program.
    let mut dashboards_ok = true;
    for (label, path) in [
        ("GET /dashboard?days=365", "/dashboard?days=365"),
        (
            "GET /dashboard?days=365&segment=enterprise",
            "/dashboard?days=365&segment=enterprise",
        ),
    ] {
        if let Some(samples) = measure(&channel, path, requests, rate).await {
            dashboards_ok &= report(label, &samples, DASHBOARD_TARGET_MS);
        }
        profile::report(label);
    }
    println!(
        "The dashboard pages p99 < {DASHBOARD_TARGET_MS} ms server time: {}",
        if dashboards_ok { "yes" } else { "NO" }
    );

    // 2. The expiry sweep, with "My deals" requested every 50 ms while it runs.
    println!();
    let pool = db::connect(&DatabaseUrl::parse(&url).expect("url"), 1).expect("pool");
    let now = {
        let mut conn = pool.get().expect("connection");
        demo::generated_at(&mut conn)
            .expect("generation time")
            .unwrap_or_else(|| SystemClock.naive_now())
    };
    println!(
        "Expiry sweep at the generation time ({now} UTC), pages requested every 50 ms meanwhile:"
    );
    let sweep_config = config.clone();
    let sweep = std::thread::spawn(move || {
        profile::mark_sweep_thread();
        let mut conn = pool.get().expect("connection");
        let started = Instant::now();
        let mut last_report = 0;
        let out = truce::jobs::registrations::sweep(&mut conn, &sweep_config, now, &mut |o| {
            let done = o.expired + o.reminded + o.escalated;
            if done / 10_000 > last_report / 10_000 {
                last_report = done;
                eprintln!(
                    "  sweep: {} expired, {} reminded, {} escalated ({:.1} s, longest batch {})",
                    o.expired,
                    o.reminded,
                    o.escalated,
                    started.elapsed().as_secs_f64(),
                    o.longest_batch
                );
            }
        })
        .expect("sweep");
        (out, started.elapsed())
    });
    let mut during = Samples::default();
    let mut ticker = actix_web::rt::time::interval(Duration::from_millis(50));
    ticker.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    while !sweep.is_finished() {
        ticker.tick().await;
        during.take(&partner, "/partner").await;
    }
    let (out, took) = sweep.join().expect("sweep thread");
    println!(
        "Sweep: {} expired, {} reminded, {} escalated in {:.1} s ({:.0} rows/s); longest batch {} ({})",
        out.expired,
        out.reminded,
        out.escalated,
        took.as_secs_f64(),
        out.expired as f64 / took.as_secs_f64(),
        out.longest_batch,
        if out.longest_batch.held() <= BATCH_TARGET {
            "<= 100 ms: yes"
        } else {
            "<= 100 ms: NO"
        }
    );
    header();
    report("GET /partner during the sweep", &during, TARGET_MS);
    profile::report("the sweep");
}
