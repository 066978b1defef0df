//! `truce audit verify` at scale: 3,000,000 audit events, chained as Truce chains them,
//! bulk-loaded into a fresh database; then the chain is verified (the function the command
//! runs), one event near the end is edited in the database and it is verified again, which
//! must name that event.
//!
//!     cargo bench --bench audit
//!
//! Settings (environment):
//! - `TRUCE_BENCH_AUDIT_EVENTS`: how many events (default 3,000,000).
//! - `TRUCE_BENCH_AUDIT_DB`: write the SQLite database to this path (which must not exist)
//!   and keep it, the edited event put back, to time the command itself on it:
//!   `truce audit verify --database-url sqlite://PATH`.
//! - `TRUCE_BENCH_POSTGRES_URL`: measure PostgreSQL too: a URL of a server where a scratch
//!   database may be created (and is dropped afterwards), e.g.
//!   `postgres://postgres@127.0.0.1:5432/postgres`.
//!
//! The target: a whole verification in under 30 s.

use std::time::{Duration, Instant};

use chrono::{NaiveDateTime, TimeDelta};
use diesel::prelude::*;
use diesel::{Connection, PgConnection};
use truce::db::schema::{audit_chain, audit_events};
use truce::db::{self, DatabaseUrl, DbConnection, insert_rows, write_tx};
use truce::domain::audit::{Action, Fields, GENESIS, Problem, hash};
use truce::domain::money::group_count;

mod common;
use common::env_u64;

const TARGET: Duration = Duration::from_secs(30);

/// Events per write transaction while loading.
const PER_TX: u64 = 20_000;

/// One generated event, owned.
struct Row {
    seq: i64,
    id: String,
    at: NaiveDateTime,
    actor_id: Option<String>,
    actor_role: Option<&'static str>,
    client_addr: Option<String>,
    action: &'static str,
    subject: String,
    detail: Option<String>,
    prev_hash: String,
    hash: String,
}

/// A plausible program: 2,000 people, every kind of action, most of them decisions on
/// registrations, some sign-ins from nobody (failures), details of a sentence.
fn event(seq: i64, start: NaiveDateTime, prev_hash: &str) -> Row {
    let n = seq as u64;
    let person = n.wrapping_mul(2_654_435_761) % 2_000;
    let action = Action::ALL[(n % Action::ALL.len() as u64) as usize];
    let anonymous = action == Action::SignInFailed;
    let roles = ["partner", "sales", "channel", "admin"];
    let mut row = Row {
        seq,
        id: format!("0194{:028x}", n.wrapping_mul(0x9E37_79B9_7F4A_7C15)),
        at: start + TimeDelta::seconds(seq * 20),
        actor_id: (!anonymous).then(|| format!("0193{person:028x}")),
        actor_role: (!anonymous).then(|| roles[(person % 4) as usize]),
        client_addr: Some(format!(
            "10.{}.{}.{}",
            person % 200,
            n % 250,
            (n / 250) % 250
        )),
        action: action.as_str(),
        subject: format!("registration:0192{:028x}", n / 3),
        detail: Some(format!(
            "Pending review → Approved. Protected until {} Apr 2027.",
            1 + n % 28
        )),
        prev_hash: prev_hash.to_owned(),
        hash: String::new(),
    };
    let fields = Fields {
        id: &row.id,
        at: row.at,
        actor_id: row.actor_id.as_deref(),
        actor_role: row.actor_role,
        client_addr: row.client_addr.as_deref(),
        action: row.action,
        subject: &row.subject,
        detail: row.detail.as_deref(),
    };
    row.hash = hash(seq, &fields, prev_hash);
    row
}

/// Loads `n` chained events and sets the chain head, the secondary indexes dropped while
/// loading and built after.
fn load(conn: &mut DbConnection, n: u64) -> Duration {
    let started = Instant::now();
    let start = bench_start();
    let dropped = db::drop_indexes(conn, &["audit_events"]).expect("drop indexes");
    let mut prev = GENESIS.to_owned();
    let mut seq = 0i64;
    let mut last_report = Instant::now();
    while (seq as u64) < n {
        let upto = (seq as u64 + PER_TX).min(n) as i64;
        let rows: Vec<Row> = ((seq + 1)..=upto)
            .map(|s| {
                let r = event(s, start, &prev);
                prev.clone_from(&r.hash);
                r
            })
            .collect();
        write_tx(conn, |conn| {
            insert_rows(
                conn,
                audit_events::table,
                11,
                rows.iter().map(|r| {
                    (
                        audit_events::id.eq(&r.id),
                        audit_events::at.eq(r.at),
                        audit_events::actor_id.eq(&r.actor_id),
                        audit_events::actor_role.eq(r.actor_role),
                        audit_events::client_addr.eq(&r.client_addr),
                        audit_events::action.eq(r.action),
                        audit_events::subject.eq(&r.subject),
                        audit_events::detail.eq(&r.detail),
                        audit_events::seq.eq(r.seq),
                        audit_events::prev_hash.eq(&r.prev_hash),
                        audit_events::hash.eq(&r.hash),
                    )
                }),
            )
        })
        .expect("insert events");
        seq = upto;
        if last_report.elapsed() >= Duration::from_secs(5) {
            last_report = Instant::now();
            eprintln!(
                "  {} of {} events loaded…",
                group_count(seq as u64),
                group_count(n)
            );
        }
    }
    let last_at = start + TimeDelta::seconds(seq * 20);
    diesel::update(audit_chain::table.find(1))
        .set((
            audit_chain::seq.eq(seq),
            audit_chain::hash.eq(&prev),
            audit_chain::at.eq(last_at),
        ))
        .execute(conn)
        .expect("chain head");
    eprintln!("  building the indexes…");
    dropped.rebuild(conn).expect("rebuild indexes");
    started.elapsed()
}

fn verify(conn: &mut DbConnection, what: &str) -> (Duration, Result<u64, (i64, Problem)>) {
    let started = Instant::now();
    let mut last = Instant::now();
    let found = truce::workflow::audit::verify(conn, |done, total| {
        if last.elapsed() >= Duration::from_secs(3) {
            last = Instant::now();
            eprintln!("  {} of {} checked…", group_count(done), group_count(total));
        }
    })
    .expect("verify reads");
    let took = started.elapsed();
    let found = found
        .map(|i| i.events)
        .map_err(|b| (b.event.map_or(0, |e| e.seq), b.problem));
    println!(
        "  {what}: {:.1} s ({:.0} events/s) -> {found:?}",
        took.as_secs_f64(),
        match &found {
            Ok(n) => *n as f64 / took.as_secs_f64(),
            Err((seq, _)) => *seq as f64 / took.as_secs_f64(),
        }
    );
    (took, found)
}

/// The admin page's read (`audit::page`, 51 rows) under each filter, best of five.
fn pages(conn: &mut DbConnection, n: u64) {
    use truce::db::models::audit::{self, Filter};
    let start = chrono::NaiveDate::from_ymd_opt(2025, 1, 1).unwrap();
    // A day a third of the way in, and the event then.
    let mid = start + TimeDelta::seconds(n as i64 * 20 / 3);
    let day = |d: chrono::NaiveDate| d.and_hms_opt(0, 0, 0).unwrap();
    let cases: Vec<(&str, Filter, Option<i64>)> = vec![
        ("newest 50", Filter::default(), None),
        (
            "page 1,000 deep (after=)",
            Filter::default(),
            Some(n as i64 - 50_000),
        ),
        (
            "action = role_changed",
            Filter {
                action: Some("role_changed".into()),
                ..Filter::default()
            },
            None,
        ),
        (
            "one record (11 subjects)",
            Filter {
                subjects: truce::domain::audit::subjects_matching(&format!(
                    "0192{:028x}",
                    n / 2 / 3
                )),
                ..Filter::default()
            },
            None,
        ),
        (
            "one day, a third of the way in",
            Filter {
                from: Some(day(mid)),
                until: Some(day(mid + TimeDelta::days(1))),
                ..Filter::default()
            },
            None,
        ),
        (
            "a year, the first one",
            Filter {
                from: Some(day(start)),
                until: Some(day(start + TimeDelta::days(365))),
                ..Filter::default()
            },
            None,
        ),
        (
            "one day and an action",
            Filter {
                action: Some("signed_in".into()),
                from: Some(day(mid)),
                until: Some(day(mid + TimeDelta::days(1))),
                ..Filter::default()
            },
            None,
        ),
    ];
    // (The actor filter reads the same way as a record's: an IN list on an index ending in
    // the sequence number; the generated actors have no user rows to find by email.)
    for (what, filter, before) in cases {
        let mut best = Duration::MAX;
        let mut rows = 0;
        for _ in 0..5 {
            let t = Instant::now();
            rows = audit::page(conn, &filter, before, 51).expect("page").len();
            best = best.min(t.elapsed());
        }
        println!(
            "  page, {what}: {:.2} ms ({rows} rows)",
            best.as_secs_f64() * 1e3
        );
    }
}

fn measure(label: &str, url: &DatabaseUrl, n: u64) {
    println!("{label}");
    let mut conn = db::open(url).expect("open the database");
    db::migrate(&mut conn).expect("migrate");
    let loaded = load(&mut conn, n);
    println!(
        "  loaded {} events in {:.1} s",
        group_count(n),
        loaded.as_secs_f64()
    );
    let (took, found) = verify(&mut conn, "verify, intact");
    assert_eq!(found, Ok(n), "the generated chain verifies");
    println!(
        "  target {} s: {}",
        TARGET.as_secs(),
        if took < TARGET { "met" } else { "MISSED" }
    );
    pages(&mut conn, n);
    let near_end = n as i64 - 10;
    diesel::update(audit_events::table.filter(audit_events::seq.eq(near_end)))
        .set(audit_events::detail.eq("nothing happened"))
        .execute(&mut conn)
        .expect("tamper");
    let (_, found) = verify(&mut conn, &format!("verify, event {near_end} edited"));
    assert_eq!(found, Err((near_end, Problem::Altered)));
    let restored = event(near_end, bench_start(), "");
    diesel::update(audit_events::table.filter(audit_events::seq.eq(near_end)))
        .set(audit_events::detail.eq(restored.detail))
        .execute(&mut conn)
        .expect("put the event back");
}

fn bench_start() -> NaiveDateTime {
    chrono::NaiveDate::from_ymd_opt(2025, 1, 1)
        .unwrap()
        .and_hms_opt(8, 0, 0)
        .unwrap()
}

fn main() {
    // `cargo bench` passes `--bench`; this harness has no options of its own.
    let n = env_u64("TRUCE_BENCH_AUDIT_EVENTS", 3_000_000);
    println!("Audit chain of {} events", group_count(n));
    let dir = tempfile::tempdir().expect("temp dir");
    let path = match std::env::var("TRUCE_BENCH_AUDIT_DB") {
        Ok(p) if !p.trim().is_empty() => {
            assert!(
                !std::path::Path::new(p.trim()).exists(),
                "TRUCE_BENCH_AUDIT_DB must name a new file"
            );
            std::path::PathBuf::from(p.trim())
        }
        _ => dir.path().join("audit.db"),
    };
    let sqlite = DatabaseUrl::Sqlite(path.to_string_lossy().into_owned());
    measure("SQLite (a fresh database):", &sqlite, n);
    if let Ok(size) = std::fs::metadata(&path) {
        println!(
            "  file: {:.0} MB ({})",
            size.len() as f64 / 1e6,
            path.display()
        );
    }

    if let Ok(admin_url) = std::env::var("TRUCE_BENCH_POSTGRES_URL")
        && !admin_url.trim().is_empty()
    {
        let name = format!("truce_bench_audit_{}", std::process::id());
        let mut admin = PgConnection::establish(&admin_url).expect("TRUCE_BENCH_POSTGRES_URL");
        diesel::sql_query(format!("CREATE DATABASE \"{name}\""))
            .execute(&mut admin)
            .expect("create the scratch database");
        let mut url = url::Url::parse(&admin_url).expect("a URL");
        url.set_path(&name);
        measure(
            "PostgreSQL (a fresh database):",
            &DatabaseUrl::Postgres(url.to_string()),
            n,
        );
        let _ = diesel::sql_query(format!("DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)"))
            .execute(&mut admin);
    }
}
