//! Our pages beside the framework's floor, in one run: "My deals" (`/partner` for the
//! organisation with 10,000 registrations), the review queue (`/review`) and the lock check's
//! JSON API, each measured with `wrk -t2 -c4` alternately with the minimal peer page
//! (`../shared/peers/fortunes`: actix-web + diesel SQLite + askama, a session lookup and one
//! keyset page of 25 rows of 1,000,000). Prints each figure, the peer's, and the ratio.
//!
//!     cargo build --release
//!     truce demo --registrations 1000000 --accounts 1000000 --data-dir /tmp/demo1m
//!     TRUCE_BENCH_DATA=/tmp/demo1m cargo bench --bench pages
//!
//! Settings (environment): `TRUCE_BENCH_DATA` (required: a demo data dir), `TRUCE_BIN`
//! (default `target/release/truce`, or `$CARGO_TARGET_DIR/release/truce`), `PEER_BIN` (default:
//! the peer built into /tmp/peer-target from `../shared/peers/fortunes`),
//! `TRUCE_BENCH_SECONDS` (each run, default 10), `TRUCE_BENCH_ROUNDS` (default 2).
//! Needs `wrk` (`apt-get install wrk`).

use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

mod common;
use common::env_u64;

struct Killed(Child);

impl Drop for Killed {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

fn truce_bin() -> PathBuf {
    if let Ok(bin) = std::env::var("TRUCE_BIN") {
        return bin.into();
    }
    let target = std::env::var("CARGO_TARGET_DIR").unwrap_or_else(|_| "target".into());
    PathBuf::from(target).join("release/truce")
}

fn peer_bin() -> PathBuf {
    if let Ok(bin) = std::env::var("PEER_BIN") {
        return bin.into();
    }
    let bin = PathBuf::from("/tmp/peer-target/release/fortunes-peer");
    if !bin.exists() {
        let source = concat!(env!("CARGO_MANIFEST_DIR"), "/../shared/peers/fortunes");
        eprintln!("building the peer page from {source} ...");
        let built = Command::new("cargo")
            .args(["build", "--release", "-q"])
            .current_dir(source)
            .env("CARGO_TARGET_DIR", "/tmp/peer-target")
            .status()
            .expect("cargo builds the peer");
        assert!(built.success(), "the peer page builds");
    }
    bin
}

async fn wait_up(url: &str) {
    let started = Instant::now();
    while reqwest::get(url).await.is_err() {
        assert!(
            started.elapsed() < Duration::from_secs(120),
            "{url} answers"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// Requests a second `wrk -t2 -c4` reached on `url` with `header`, and its non-2xx count.
fn wrk(url: &str, header: &str, seconds: u64) -> (f64, u64) {
    let out = Command::new("wrk")
        .args(["-t2", "-c4", &format!("-d{seconds}s"), "-H", header, url])
        .output()
        .expect("wrk runs (apt-get install wrk)");
    let text = String::from_utf8_lossy(&out.stdout);
    let rate = text
        .lines()
        .find_map(|l| l.strip_prefix("Requests/sec:"))
        .and_then(|v| v.trim().parse().ok())
        .unwrap_or_else(|| panic!("wrk's report: {text}"));
    let bad = text
        .lines()
        .find_map(|l| l.trim().strip_prefix("Non-2xx or 3xx responses:"))
        .and_then(|v| v.trim().parse().ok())
        .unwrap_or(0);
    (rate, bad)
}

#[tokio::main(flavor = "current_thread")]
async fn main() {
    let Ok(data) = std::env::var("TRUCE_BENCH_DATA") else {
        eprintln!("set TRUCE_BENCH_DATA to a `truce demo --registrations 1000000` data dir");
        return;
    };
    let seconds = env_u64("TRUCE_BENCH_SECONDS", 10);
    let rounds = env_u64("TRUCE_BENCH_ROUNDS", 2);
    let (truce, peer) = (truce_bin(), peer_bin());
    let (tp, pp) = (free_port(), free_port());
    let peer_db = std::env::temp_dir().join(format!("peer-{}.db", std::process::id()));
    let _peer = Killed(
        Command::new(&peer)
            .env("PEER_DB", &peer_db)
            .env("PEER_BIND", format!("127.0.0.1:{pp}"))
            .env("PEER_ROWS", "1000000")
            .stderr(Stdio::null())
            .spawn()
            .expect("the peer starts"),
    );
    let token = Command::new(&truce)
        .args([
            "token",
            "create",
            "--data-dir",
            &data,
            "--label",
            "pages bench",
        ])
        .args(["--email", "sales@demo.truce.test"])
        .output()
        .expect("truce token create");
    let token = String::from_utf8_lossy(&token.stdout)
        .lines()
        .last()
        .unwrap_or_default()
        .trim()
        .to_owned();
    let _truce = Killed(
        Command::new(&truce)
            .args(["serve", "--no-jobs", "--data-dir", &data])
            .args(["--bind", &format!("127.0.0.1:{tp}")])
            .env("RUST_LOG", "warn")
            // The per-token limit would answer most of the lock checks with 429.
            .env("TRUCE_API_REQUESTS_PER_MINUTE", "1000000000")
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("truce serve starts"),
    );
    let (ours, theirs) = (
        format!("http://127.0.0.1:{tp}"),
        format!("http://127.0.0.1:{pp}"),
    );
    wait_up(&format!("{ours}/healthz")).await;
    wait_up(&format!("{theirs}/deals")).await;
    let partner = common::Client::new(&ours);
    partner.login("partner1@demo.truce.test").await;
    let channel = common::Client::new(&ours);
    channel.login("channel@demo.truce.test").await;
    let cookie = |c: &common::Client| format!("Cookie: {}", c.cookie_header());
    let pages = [
        (
            "My deals (/partner)",
            format!("{ours}/partner"),
            cookie(&partner),
        ),
        (
            "review queue (/review)",
            format!("{ours}/review"),
            cookie(&channel),
        ),
        (
            "lock check API",
            format!("{ours}/api/v1/lock?name=Prospect%2042%20Holdings&domain=prospect42.example"),
            format!("Authorization: Bearer {token}"),
        ),
    ];
    println!(
        "wrk -t2 -c4, {seconds} s a run, alternating with the peer page ({})",
        peer.display()
    );
    for round in 1..=rounds {
        let (peer_rate, _) = wrk(&format!("{theirs}/deals"), "Cookie: sid=peer", seconds);
        println!("round {round}: peer {peer_rate:.0} req/s");
        for (name, url, header) in &pages {
            let (rate, bad) = wrk(url, header, seconds);
            let ratio = rate / peer_rate;
            let verdict = if ratio >= 0.5 {
                "≥ 0.5×"
            } else {
                "below 0.5×"
            };
            println!(
                "  {name}: {rate:.0} req/s = {ratio:.2}× the peer ({verdict}){}",
                if bad > 0 {
                    format!(", {bad} answers not 2xx: check the sign-in")
                } else {
                    String::new()
                }
            );
        }
    }
    let _ = std::fs::remove_file(&peer_db);
}
