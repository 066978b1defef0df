//! The CRM account import at scale: a CSV export of 100,000 realistic accounts (company
//! names with legal forms, websites, countries by name or code, owners, flags, quoted
//! values) imported into a fresh database; then the same file again (every row unchanged);
//! then a version with 10% of the rows changed.
//!
//!     cargo bench --bench import
//!
//! Settings (environment):
//! - `TRUCE_BENCH_ACCOUNTS`: rows to generate (default 100,000).
//! - `TRUCE_BENCH_POSTGRES_URL`: measure PostgreSQL too: a URL of a server where a scratch
//!   database may be created (and is dropped afterwards), e.g.
//!   `postgres://postgres@127.0.0.1:5432/postgres`.
//!
//! - `TRUCE_BENCH_PROFILE=1`: time every SQL statement (diesel instrumentation) and print
//!   the ones that took the most time in each run.
//!
//! Nothing is asserted but the counts: this reports figures, and whether the first import
//! met the 30 s target.

use std::path::Path;
use std::time::{Duration, Instant};

use diesel::{Connection, PgConnection, RunQueryDsl};
use rand::rngs::SmallRng;
use rand::{Rng, SeedableRng};
use truce::db::{self, DatabaseUrl};
use truce::domain::money::group_count;
use truce::workflow::crm_import::{self, Report};

mod common;
use common::env_u64;

/// The first import of the whole file must finish within this.
const TARGET: Duration = Duration::from_secs(30);

const FIRST: [&str; 40] = [
    "Blue",
    "Northern",
    "Silver",
    "Bright",
    "Granite",
    "Coastal",
    "Summit",
    "Evergreen",
    "Crimson",
    "Golden",
    "Pacific",
    "Atlantic",
    "Alpine",
    "Prairie",
    "Harbor",
    "Meridian",
    "Cedar",
    "Oak",
    "Maple",
    "Willow",
    "Nordic",
    "Baltic",
    "Iberian",
    "Rhine",
    "Danube",
    "Vista",
    "Apex",
    "Nova",
    "Stellar",
    "Quantum",
    "Vertex",
    "Orbit",
    "Falcon",
    "Lynx",
    "Otter",
    "Heron",
    "Aurora",
    "Zenith",
    "Polar",
    "Solar",
];
const SECOND: [&str; 40] = [
    "Data",
    "Logic",
    "Works",
    "Systems",
    "Foods",
    "Freight",
    "Health",
    "Energy",
    "Capital",
    "Labs",
    "Robotics",
    "Textiles",
    "Pharma",
    "Media",
    "Retail",
    "Motors",
    "Analytics",
    "Networks",
    "Cloud",
    "Security",
    "Steel",
    "Timber",
    "Dairy",
    "Optics",
    "Printing",
    "Travel",
    "Insurance",
    "Bank",
    "Telecom",
    "Chemicals",
    "Plastics",
    "Glass",
    "Paper",
    "Marine",
    "Aviation",
    "Rail",
    "Mining",
    "Solar",
    "Water",
    "Learning",
];
const THIRD: [&str; 8] = [
    "",
    "",
    "",
    "Solutions",
    "Group",
    "International",
    "Partners",
    "Services",
];

/// (ISO code, how CRMs write the country, top-level domain, legal forms used there).
const COUNTRIES: [(&str, &str, &str, &[&str]); 14] = [
    (
        "US",
        "United States",
        "com",
        &["Inc.", "LLC", "Corp.", "Inc", ""],
    ),
    ("US", "USA", "com", &["Inc.", "Corporation", ""]),
    ("GB", "United Kingdom", "co.uk", &["Ltd", "Limited", "plc"]),
    ("DE", "Germany", "de", &["GmbH", "AG", "GmbH & Co. KG"]),
    ("FR", "France", "fr", &["SAS", "SARL", "S.A."]),
    ("NL", "Netherlands", "nl", &["B.V.", "N.V."]),
    ("SE", "SE", "se", &["AB"]),
    ("FI", "Finland", "fi", &["Oy", "Oyj"]),
    ("PL", "Poland", "pl", &["sp. z o.o.", "S.A."]),
    ("ES", "Spain", "es", &["S.A.", "S.L."]),
    ("IT", "Italy", "it", &["S.r.l.", "SpA"]),
    ("CA", "Canada", "ca", &["Inc.", "Ltd"]),
    ("AU", "Australia", "com.au", &["Pty Ltd", "Ltd"]),
    ("DK", "DK", "dk", &["ApS", "A/S"]),
];
const INDUSTRIES: [&str; 10] = [
    "Manufacturing",
    "Financial Services",
    "Healthcare",
    "Technology",
    "Retail",
    "Transportation",
    "Energy",
    "Education",
    "Media",
    "",
];
const OWNERS: [&str; 12] = [
    "dana.smith",
    "lee.chen",
    "maria.garcia",
    "olaf.jensen",
    "priya.patel",
    "tom.brown",
    "anna.nowak",
    "jonas.virtanen",
    "chloe.martin",
    "marco.rossi",
    "sara.lind",
    "",
];

/// One account of the generated export: `[id, name, website, country, industry, owner,
/// named, reserved]`.
fn account(i: u64, rng: &mut SmallRng) -> [String; 8] {
    let a = FIRST[(i % 40) as usize];
    let b = SECOND[((i / 40) % 40) as usize];
    let c = THIRD[((i / 1600) % 8) as usize];
    let round = i / 12_800;
    let (_, country, tld, forms) = COUNTRIES[rng.random_range(0..COUNTRIES.len())];
    let form = forms[rng.random_range(0..forms.len())];
    let mut base = [a, b, c]
        .iter()
        .filter(|w| !w.is_empty())
        .copied()
        .collect::<Vec<_>>()
        .join(" ");
    if round > 0 {
        base = format!("{base} {}", round + 1);
    }
    // Some exports write "Acme, Inc." with a comma: quoted in the file.
    let name = match (form, rng.random_range(0..10)) {
        ("", _) => base.clone(),
        ("Inc." | "Ltd", 0) => format!("{base}, {form}"),
        _ => format!("{base} {form}"),
    };
    let slug = base.to_lowercase().replace(' ', "-");
    let website = match rng.random_range(0..10) {
        0 => String::new(),
        1..=3 => format!("https://www.{slug}.{tld}"),
        4 => format!("http://{slug}.{tld}/en/"),
        _ => format!("{slug}.{tld}"),
    };
    let owner = OWNERS[rng.random_range(0..OWNERS.len())];
    let owner = if owner.is_empty() {
        String::new()
    } else {
        format!("{owner}@vendor.example")
    };
    let flag = |p: u32, rng: &mut SmallRng| {
        if rng.random_range(0..100) < p {
            "true"
        } else {
            "false"
        }
        .to_owned()
    };
    [
        format!("0015g{i:013}"),
        name,
        website,
        country.to_owned(),
        INDUSTRIES[rng.random_range(0..INDUSTRIES.len())].to_owned(),
        owner,
        flag(3, rng),
        flag(2, rng),
    ]
}

const HEADER: [&str; 9] = [
    "Account ID",
    "Account Name",
    "Website",
    "Billing Country",
    "Industry",
    "Account Owner Email",
    "Named Account",
    "Reserved for Direct",
    "Phone",
];

/// Writes the export; with `changed`, every tenth row differs in its name, a flag, its
/// country or its website. Returns the number of changed rows.
fn write_csv(path: &Path, n: u64, changed: bool) -> u64 {
    let mut rng = SmallRng::seed_from_u64(2026);
    let mut out = csv::Writer::from_path(path).expect("write the CSV file");
    out.write_record(HEADER).unwrap();
    let mut changes = 0;
    for i in 0..n {
        let mut row = account(i, &mut rng);
        if changed && i % 10 == 3 {
            changes += 1;
            match (i / 10) % 4 {
                0 => row[1] = format!("{} Holding", row[1]),
                1 => row[6] = if row[6] == "true" { "false" } else { "true" }.into(),
                2 => {
                    row[3] = if row[3] == "Germany" {
                        "France"
                    } else {
                        "Germany"
                    }
                    .into()
                }
                _ => row[2] = format!("new-{}.example", i),
            }
        }
        let phone = format!("+1 555 {:04}", i % 10_000);
        out.write_record(row.iter().map(String::as_str).chain([phone.as_str()]))
            .unwrap();
    }
    out.flush().unwrap();
    changes
}

/// Statement timings from diesel's instrumentation, per SQL text (binds and the length of
/// multi-row VALUES lists left out).
mod profile {
    use std::collections::HashMap;
    use std::sync::Mutex;
    use std::sync::atomic::{AtomicBool, Ordering};
    use std::time::{Duration, Instant};

    use diesel::connection::{Instrumentation, InstrumentationEvent, set_default_instrumentation};

    static ON: AtomicBool = AtomicBool::new(false);
    static STATS: Mutex<Option<HashMap<String, (u64, Duration)>>> = Mutex::new(None);

    struct Timer(Option<Instant>);

    impl Instrumentation for Timer {
        fn on_connection_event(&mut self, event: InstrumentationEvent<'_>) {
            match event {
                InstrumentationEvent::StartQuery { .. } => self.0 = Some(Instant::now()),
                InstrumentationEvent::FinishQuery { query, .. } => {
                    let Some(started) = self.0.take() else { return };
                    let text = query.to_string();
                    let sql = text.split(" -- binds:").next().unwrap_or(&text);
                    let sql: String = match sql.find(" VALUES ") {
                        Some(i) => format!("{} VALUES ...", &sql[..i]),
                        None => sql.chars().take(120).collect(),
                    };
                    let mut stats = STATS.lock().unwrap();
                    let e = stats
                        .get_or_insert_with(HashMap::new)
                        .entry(sql)
                        .or_default();
                    e.0 += 1;
                    e.1 += started.elapsed();
                }
                _ => {}
            }
        }
    }

    pub fn enable() {
        ON.store(true, Ordering::Relaxed);
        set_default_instrumentation(|| Some(Box::new(Timer(None)))).expect("instrumentation");
    }

    pub fn report() {
        if !ON.load(Ordering::Relaxed) {
            return;
        }
        let stats = STATS.lock().unwrap().take().unwrap_or_default();
        let mut rows: Vec<_> = stats.into_iter().collect();
        rows.sort_by_key(|r| std::cmp::Reverse(r.1.1));
        let all: Duration = rows.iter().map(|r| r.1.1).sum();
        println!(
            "  SQL time {:.1} s; the costliest statements:",
            all.as_secs_f64()
        );
        for (sql, (n, t)) in rows.iter().take(6) {
            println!("    {:6.2} s {n:>7}x  {sql}", t.as_secs_f64());
        }
    }
}

fn run(url: &DatabaseUrl, path: &Path, total: u64, what: &str) -> (Report, Duration) {
    let pool = db::connect(url, 1).expect("database");
    let mut conn = pool.get().expect("connection");
    let now = chrono::Utc::now().naive_utc();
    let started = Instant::now();
    let mut last = Instant::now();
    let report = crm_import::import_file(&mut conn, path, false, now, |_, done, all| {
        if last.elapsed() >= Duration::from_secs(5) {
            last = Instant::now();
            eprintln!("  {} of {} rows…", group_count(done), group_count(all));
        }
    })
    .expect("the import runs");
    let took = started.elapsed();
    println!(
        "{what}: {:.1} s ({:.0} rows/s): {} new, {} updated, {} unchanged, {} errors",
        took.as_secs_f64(),
        total as f64 / took.as_secs_f64(),
        group_count(report.created),
        group_count(report.updated),
        group_count(report.unchanged),
        group_count(report.invalid_rows),
    );
    profile::report();
    (report, took)
}

fn measure(label: &str, url: &DatabaseUrl, dir: &Path, n: u64) {
    println!("\n{label}");
    {
        let pool = db::connect(url, 1).expect("database");
        db::migrate(&mut pool.get().expect("connection")).expect("migrate");
    }
    profile::report();
    let file = dir.join("accounts.csv");
    let changed_file = dir.join("accounts-changed.csv");
    write_csv(&file, n, false);
    let changes = write_csv(&changed_file, n, true);

    let (first, took) = run(url, &file, n, "First import");
    assert_eq!(first.created, n, "every generated row is valid and new");
    println!(
        "  target {} s: {}",
        TARGET.as_secs(),
        if took < TARGET { "met" } else { "MISSED" }
    );
    let (same, _) = run(url, &file, n, "Same file again");
    assert_eq!(same.unchanged, n);
    let (changed, _) = run(url, &changed_file, n, "10% of the rows changed");
    assert_eq!(changed.updated, changes);
    assert_eq!(changed.unchanged, n - changes);
}

fn main() {
    // `cargo bench` passes `--bench`; this harness has no options of its own.
    let n = env_u64("TRUCE_BENCH_ACCOUNTS", 100_000);
    if env_u64("TRUCE_BENCH_PROFILE", 0) > 0 {
        profile::enable();
    }
    let dir = tempfile::tempdir().expect("temp dir");
    {
        let file = dir.path().join("size.csv");
        write_csv(&file, n, false);
        println!(
            "CRM import of {} accounts ({:.1} MB of CSV)",
            group_count(n),
            std::fs::metadata(&file).map(|m| m.len()).unwrap_or(0) as f64 / 1e6
        );
    }
    let sqlite = DatabaseUrl::Sqlite(dir.path().join("import.db").to_string_lossy().into_owned());
    measure("SQLite (a fresh database):", &sqlite, dir.path(), n);

    if let Ok(admin_url) = std::env::var("TRUCE_BENCH_POSTGRES_URL")
        && !admin_url.trim().is_empty()
    {
        let name = format!("truce_bench_import_{}", std::process::id());
        let mut admin = PgConnection::establish(&admin_url).expect("TRUCE_BENCH_POSTGRES_URL");
        diesel::sql_query(format!("CREATE DATABASE \"{name}\""))
            .execute(&mut admin)
            .expect("create the scratch database");
        let mut url = url::Url::parse(&admin_url).expect("a URL");
        url.set_path(&name);
        measure(
            "PostgreSQL (a fresh database):",
            &DatabaseUrl::Postgres(url.to_string()),
            dir.path(),
            n,
        );
        let _ = diesel::sql_query(format!("DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)"))
            .execute(&mut admin);
    }
}
