//! Does the lock check find the prospect among a million? Queries derived from the demo data
//! as reps type them, sent through the JSON API, and the plain PostgreSQL answer to the same
//! question (pg_trgm) on the same names in the same run.
//!
//!     cargo bench --bench recall
//!
//! Settings (environment):
//! - `TRUCE_BENCH_DB`, `TRUCE_BENCH_REGISTRATIONS`, `TRUCE_BENCH_ACCOUNTS`: the data, as for
//!   `benches/lock_check.rs` (default: 1,000,000 of each, generated once and kept).
//! - `TRUCE_BENCH_PROSPECTS` (default 300): prospects sampled, each queried as written, with
//!   two adjacent letters swapped, with another legal form, with its first two words
//!   swapped, and without its first, a middle or its last word (legal form aside, names of
//!   three words or more); plus a third as many names nobody has.
//! - `TRUCE_BENCH_SEED` (default 2026): the same seed asks the same questions.
//! - `TRUCE_BENCH_TRGM`: a `postgres://` URL where the peer runs: the names are copied into
//!   `bench_names` with a GIN trigram index (once), then each query is asked as
//!   `WHERE lower(name) % lower($1) ORDER BY similarity DESC LIMIT 20`. Unset: no peer.
//!
//! "The prospect" is any record whose exact name key (`domain::prospect::name_key`, the
//! engine's normaliser) is the sampled record's: an account and the registrations of one
//! company are one prospect. Found at rank 1 means first in the answer, best score first
//! (where another prospect has the same best score, the answer's order decides: such ties
//! are counted and reported); at rank 5, among the first five. Only prospects the check finds when asked as written are measured (a
//! withdrawn registration is shown to nobody). A name nobody has is a false claim when any
//! record scored "same prospect" carries a claim. A dropped-word query is "findable" when no
//! other prospect's name holds all its words; those are also reported on their own, since the
//! rest name several companies equally.

use std::time::Instant;

use diesel::prelude::*;
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use truce::db::{self, DatabaseUrl, DbConnection};
use truce::domain::prospect::name_key;

mod common;
use common::*;

const FORMS: [&str; 10] = [
    "Inc.",
    "GmbH",
    "Ltd",
    "S.A.",
    "LLC",
    "AG & Co. KG",
    "Oy",
    "sp. z o.o.",
    "SpA",
    "B.V.",
];

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Class {
    Exact,
    Typo,
    LegalForm,
    Reordered,
    DroppedFirst,
    DroppedInner,
    DroppedLast,
    Nobody,
}

impl Class {
    const ALL: [Class; 8] = [
        Class::Exact,
        Class::Typo,
        Class::LegalForm,
        Class::Reordered,
        Class::DroppedFirst,
        Class::DroppedInner,
        Class::DroppedLast,
        Class::Nobody,
    ];
    fn label(self) -> &'static str {
        match self {
            Class::Exact => "as written",
            Class::Typo => "two letters swapped",
            Class::LegalForm => "legal form changed",
            Class::Reordered => "first two words swapped",
            Class::DroppedFirst => "first word dropped",
            Class::DroppedInner => "a middle word dropped",
            Class::DroppedLast => "last word dropped",
            Class::Nobody => "a name nobody has",
        }
    }
}

struct Query {
    class: Class,
    text: String,
    /// The prospect's name key (none for a name nobody has).
    prospect: Option<String>,
    /// Whether the prospect is the only one whose name holds every word of the query. A name
    /// that lost a word is often another company's whole name, or as much a part of a
    /// hundred namesakes as of the prospect; no engine can pick the prospect from those but
    /// by chance, so the dropped-word goal is measured on the queries that name one prospect.
    findable: bool,
}

impl Class {
    fn dropped(self) -> bool {
        matches!(
            self,
            Class::DroppedFirst | Class::DroppedInner | Class::DroppedLast
        )
    }
}

/// Marks the dropped-word queries that name one prospect: no other name key in the data
/// holds all of the query's words. Reads every name key once (registrations and accounts)
/// and keeps, for the queries' words only, which keys hold them.
fn mark_findable(url: &str, queries: &mut [Query]) {
    use std::collections::{HashMap, HashSet};
    use truce::db::schema::{crm_accounts, registrations};
    let wanted: HashSet<String> = queries
        .iter()
        .filter(|q| q.class.dropped())
        .flat_map(|q| {
            name_key(&q.text)
                .split_whitespace()
                .map(str::to_owned)
                .collect::<Vec<_>>()
        })
        .collect();
    let pool = db::connect(&DatabaseUrl::parse(url).expect("database"), 1).expect("database");
    let mut conn = pool.get().expect("connection");
    let mut ids: HashMap<String, u32> = HashMap::new();
    let mut holders: HashMap<String, Vec<u32>> = HashMap::new();
    let mut add = |key: String| {
        let next = ids.len() as u32;
        let id = *ids.entry(key.clone()).or_insert(next);
        if id != next {
            return;
        }
        for w in key.split_whitespace() {
            if wanted.contains(w) {
                holders.entry(w.to_owned()).or_default().push(id);
            }
        }
    };
    let mut read = 0usize;
    let mut after = String::new();
    loop {
        let page: Vec<(String, String)> = registrations::table
            .filter(registrations::id.gt(&after))
            .order(registrations::id)
            .select((registrations::id, registrations::name_key))
            .limit(100_000)
            .load(&mut conn)
            .expect("registrations");
        let Some((last, _)) = page.last() else { break };
        after = last.clone();
        read += page.len();
        page.into_iter().for_each(|(_, k)| add(k));
        eprintln!("  findable: {read} names read");
    }
    let mut after = String::new();
    loop {
        let page: Vec<(String, String)> = crm_accounts::table
            .filter(crm_accounts::id.gt(&after))
            .order(crm_accounts::id)
            .select((crm_accounts::id, crm_accounts::name_key))
            .limit(100_000)
            .load(&mut conn)
            .expect("accounts");
        let Some((last, _)) = page.last() else { break };
        after = last.clone();
        read += page.len();
        page.into_iter().for_each(|(_, k)| add(k));
        eprintln!("  findable: {read} names read");
    }
    for q in queries.iter_mut().filter(|q| q.class.dropped()) {
        let Some(&own) = q.prospect.as_ref().and_then(|p| ids.get(p)) else {
            continue;
        };
        let key = name_key(&q.text);
        // A word the prospect's own key lacks (the normaliser read the shorter name
        // differently) leaves the query naming no record wholly: not counted as findable.
        let Some(mut lists) = key
            .split_whitespace()
            .map(|w| holders.get(w))
            .collect::<Option<Vec<&Vec<u32>>>>()
        else {
            continue;
        };
        lists.sort_by_key(|l| l.len());
        let rest: Vec<HashSet<u32>> = lists[1..]
            .iter()
            .map(|l| l.iter().copied().collect())
            .collect();
        q.findable = lists[0]
            .iter()
            .filter(|id| rest.iter().all(|s| s.contains(id)))
            .all(|&id| id == own);
    }
}

/// The name's words before its legal form: dropping a trailing word that leaves the name
/// key unchanged means it was a legal form.
fn core_words(name: &str) -> Vec<&str> {
    let mut words: Vec<&str> = name.split_whitespace().collect();
    let key = name_key(name);
    while words.len() > 1 {
        let shorter = words[..words.len() - 1].join(" ");
        if name_key(&shorter) == key {
            words.pop();
        } else {
            break;
        }
    }
    words
}

fn swap_letters(name: &str, rng: &mut StdRng) -> Option<String> {
    let words: Vec<&str> = name.split_whitespace().collect();
    let eligible: Vec<usize> = (0..words.len())
        .filter(|&i| words[i].chars().filter(|c| c.is_alphabetic()).count() >= 4)
        .collect();
    let &w = eligible.get(rng.random_range(0..eligible.len().max(1)))?;
    let mut chars: Vec<char> = words[w].chars().collect();
    let spots: Vec<usize> = (1..chars.len() - 1)
        .filter(|&i| {
            chars[i].is_alphabetic()
                && chars[i + 1].is_alphabetic()
                && !chars[i].eq_ignore_ascii_case(&chars[i + 1])
        })
        .collect();
    let &at = spots.get(rng.random_range(0..spots.len().max(1)))?;
    chars.swap(at, at + 1);
    let typo: String = chars.into_iter().collect();
    let mut out: Vec<&str> = words.clone();
    out[w] = &typo;
    Some(out.join(" "))
}

fn derive(class: Class, name: &str, rng: &mut StdRng) -> Option<String> {
    let core = core_words(name);
    match class {
        Class::Exact => Some(name.to_owned()),
        Class::Typo => swap_letters(name, rng),
        Class::LegalForm => {
            let form = FORMS[rng.random_range(0..FORMS.len())];
            Some(format!("{} {form}", core.join(" ")))
        }
        Class::Reordered => (core.len() >= 2).then(|| {
            let mut words = core.clone();
            words.swap(0, 1);
            words.join(" ")
        }),
        Class::DroppedFirst | Class::DroppedInner | Class::DroppedLast => {
            // Words, not the number that tells "Highland Anchor Solutions 3" from its
            // namesakes: without it the query names another company.
            let words: Vec<usize> = (0..core.len())
                .filter(|&i| core[i].chars().all(char::is_alphabetic))
                .collect();
            (words.len() >= 3).then(|| {
                let at = match class {
                    Class::DroppedFirst => words[0],
                    Class::DroppedLast => words[words.len() - 1],
                    _ => words[rng.random_range(1..words.len() - 1)],
                };
                let mut kept = core.clone();
                kept.remove(at);
                kept.join(" ")
            })
        }
        Class::Nobody => None,
    }
}

/// A company name made of invented words, with a common industry word and a legal form.
fn nobody(rng: &mut StdRng) -> String {
    const ONSETS: [&str; 12] = [
        "qu", "zh", "vr", "sk", "tl", "gw", "yx", "pf", "kv", "dr", "bl", "fj",
    ];
    const VOWELS: [&str; 6] = ["a", "e", "i", "o", "u", "y"];
    const CODAS: [&str; 8] = ["nd", "rk", "lt", "mb", "x", "zz", "st", "rp"];
    let mut word = || {
        let mut w = String::new();
        for _ in 0..rng.random_range(2..4) {
            w.push_str(ONSETS[rng.random_range(0..ONSETS.len())]);
            w.push_str(VOWELS[rng.random_range(0..VOWELS.len())]);
        }
        w.push_str(CODAS[rng.random_range(0..CODAS.len())]);
        let mut c = w.chars();
        c.next()
            .map(|f| f.to_uppercase().chain(c).collect::<String>())
            .unwrap_or_default()
    };
    let (a, b) = (word(), word());
    let form = FORMS[rng.random_range(0..FORMS.len())];
    format!("{a} {b} Logistics {form}")
}

/// Sampled names of registrations and accounts (half each), and a sales rep's token.
fn sample(url: &str, n: usize, rng: &mut StdRng) -> (Vec<String>, String) {
    use truce::db::schema::{crm_accounts, registrations};
    let pool = db::connect(&DatabaseUrl::parse(url).expect("database"), 1).expect("database");
    let mut conn = pool.get().expect("connection");
    let regs: Vec<String> = registrations::table
        .select(registrations::company_name)
        .limit(200_000)
        .load(&mut conn)
        .expect("registrations");
    let accounts: Vec<String> = crm_accounts::table
        .select(crm_accounts::name)
        .limit(200_000)
        .load(&mut conn)
        .expect("accounts");
    let names = (0..n)
        .map(|i| {
            let from = if i % 2 == 0 { &regs } else { &accounts };
            from[rng.random_range(0..from.len())].clone()
        })
        .collect();
    (names, sales_token(&mut conn))
}

/// One ranked answer: each record's name key and score, best first.
type Ranked = Vec<(String, f64)>;

/// The prospect's place in the answer, best score first (equal scores in the answer's
/// order); None when absent.
fn rank_of(ranked: &Ranked, prospect: &str) -> Option<usize> {
    ranked
        .iter()
        .position(|(k, _)| k == prospect)
        .map(|i| i + 1)
}

/// Whether the best score is shared by records of another prospect.
fn tied(ranked: &Ranked) -> bool {
    let Some((first, best)) = ranked.first() else {
        return false;
    };
    ranked
        .iter()
        .take_while(|(_, s)| s >= best)
        .any(|(k, _)| k != first)
}

#[derive(Default)]
struct Tally {
    asked: usize,
    at1: usize,
    at5: usize,
    ties: usize,
    false_claims: usize,
    ms: Vec<f64>,
    /// Dropped-word queries that name one prospect, and how many of those found it first
    /// and among the first five.
    findable: usize,
    findable_at1: usize,
    findable_at5: usize,
}

impl Tally {
    fn add(&mut self, ranked: &Ranked, q: &Query, false_claim: bool, ms: f64) {
        self.asked += 1;
        self.ms.push(ms);
        if let Some(p) = q.prospect.as_deref() {
            let rank = rank_of(ranked, p);
            let (at1, at5) = (rank == Some(1), rank.is_some_and(|r| r <= 5));
            self.at1 += usize::from(at1);
            self.at5 += usize::from(at5);
            if q.findable {
                self.findable += 1;
                self.findable_at1 += usize::from(at1);
                self.findable_at5 += usize::from(at5);
            }
            if tied(ranked) {
                self.ties += 1;
            }
        }
        if false_claim {
            self.false_claims += 1;
        }
    }

    fn line(&self, who: &str, class: Class) {
        let mut ms = self.ms.clone();
        ms.sort_by(f64::total_cmp);
        let share = |n: usize| n as f64 / self.asked.max(1) as f64;
        if class == Class::Nobody {
            println!(
                "| {who} | {} | {} | — | — | {} ({:.3} clean) | {:.2} | {:.2} |",
                class.label(),
                self.asked,
                self.false_claims,
                1.0 - share(self.false_claims),
                percentile(&ms, 0.5),
                percentile(&ms, 0.99),
            );
        } else {
            println!(
                "| {who} | {} | {} | {} ({:.3}) | {} ({:.3}) | {} ties | {:.2} | {:.2} |",
                class.label(),
                self.asked,
                self.at1,
                share(self.at1),
                self.at5,
                share(self.at5),
                self.ties,
                percentile(&ms, 0.5),
                percentile(&ms, 0.99),
            );
        }
    }

    /// The dropped-word class on the queries that name one prospect.
    fn findable_line(&self, who: &str, class: Class) {
        let share = |n: usize| n as f64 / self.findable.max(1) as f64;
        println!(
            "| {who} | {} | {} of {} | {} ({:.3}) | {} ({:.3}) |",
            class.label(),
            self.findable,
            self.asked,
            self.findable_at1,
            share(self.findable_at1),
            self.findable_at5,
            share(self.findable_at5),
        );
    }
}

/// The lock check's answer as ranked records, whether a "same" match carries a claim, and
/// the server time.
async fn ask_truce(client: &Client, text: &str) -> (Ranked, bool, f64) {
    let q: String = url::form_urlencoded::byte_serialize(text.as_bytes()).collect();
    let (status, headers, body) = client.get(&format!("/api/v1/lock?name={q}")).await;
    assert_eq!(status, reqwest::StatusCode::OK, "{text}: {body}");
    let v: serde_json::Value = serde_json::from_str(&body).expect("JSON");
    let mut records: Vec<&serde_json::Value> = Vec::new();
    records.extend(v["best"].as_object().map(|_| &v["best"]));
    for list in ["matches", "history"] {
        records.extend(v[list].as_array().into_iter().flatten());
    }
    let false_claim = records.iter().any(|r| {
        r["match"] == "same" && !matches!(r["claim"]["status"].as_str(), Some("open" | "history"))
    });
    let mut ranked: Ranked = records
        .iter()
        .map(|r| {
            (
                name_key(r["name"].as_str().unwrap_or_default()),
                r["score"].as_f64().unwrap_or(0.0),
            )
        })
        .collect();
    ranked.sort_by(|a, b| b.1.total_cmp(&a.1));
    (ranked, false_claim, server_ms(&headers).unwrap_or(f64::NAN))
}

#[derive(QueryableByName)]
struct TrgmHit {
    #[diesel(sql_type = diesel::sql_types::Text)]
    name: String,
    #[diesel(sql_type = diesel::sql_types::Float)]
    s: f32,
}

/// Copies every name into the peer's table with its trigram index, unless already there.
fn prepare_trgm(source: &str, peer: &str) -> db::PooledConnection {
    use truce::db::schema::{crm_accounts, registrations};
    let pool = db::connect(&DatabaseUrl::parse(peer).expect("peer URL"), 1).expect("peer");
    let mut pg = pool.get().expect("peer connection");
    let src_pool = db::connect(&DatabaseUrl::parse(source).expect("database"), 1).expect("db");
    let mut src = src_pool.get().expect("connection");
    let regs: i64 = registrations::table.count().get_result(&mut src).unwrap();
    let accounts: i64 = crm_accounts::table.count().get_result(&mut src).unwrap();
    let total = regs + accounts;
    diesel::sql_query("CREATE EXTENSION IF NOT EXISTS pg_trgm")
        .execute(&mut pg)
        .expect("pg_trgm");
    diesel::sql_query("CREATE TABLE IF NOT EXISTS bench_names (name TEXT NOT NULL)")
        .execute(&mut pg)
        .unwrap();
    #[derive(QueryableByName)]
    struct Count {
        #[diesel(sql_type = diesel::sql_types::BigInt)]
        n: i64,
    }
    let have: Vec<Count> = diesel::sql_query("SELECT count(*) AS n FROM bench_names")
        .load(&mut pg)
        .unwrap();
    if have[0].n == total {
        println!("pg_trgm: {total} names already in bench_names.");
    } else {
        let started = Instant::now();
        diesel::sql_query("DROP INDEX IF EXISTS bench_names_trgm")
            .execute(&mut pg)
            .unwrap();
        diesel::sql_query("TRUNCATE bench_names")
            .execute(&mut pg)
            .unwrap();
        let mut copied = 0usize;
        let mut copy = |names: Vec<String>, pg: &mut DbConnection| {
            for chunk in names.chunks(5_000) {
                let values: Vec<String> = (1..=chunk.len()).map(|i| format!("(${i})")).collect();
                let mut q = diesel::sql_query(format!(
                    "INSERT INTO bench_names (name) VALUES {}",
                    values.join(",")
                ))
                .into_boxed();
                for n in chunk {
                    q = q.bind::<diesel::sql_types::Text, _>(n.clone());
                }
                match pg {
                    DbConnection::Pg(c) => q.execute(c).expect("insert names"),
                    DbConnection::Sqlite(_) => panic!("TRUCE_BENCH_TRGM must be PostgreSQL"),
                };
                copied += chunk.len();
            }
            eprintln!("  pg_trgm: {copied}/{total} names copied");
        };
        let mut after = String::new();
        loop {
            let page: Vec<(String, String)> = registrations::table
                .filter(registrations::id.gt(&after))
                .order(registrations::id)
                .select((registrations::id, registrations::company_name))
                .limit(100_000)
                .load(&mut src)
                .unwrap();
            let Some((last, _)) = page.last() else { break };
            after = last.clone();
            copy(page.into_iter().map(|(_, n)| n).collect(), &mut pg);
        }
        let accounts: Vec<String> = crm_accounts::table
            .select(crm_accounts::name)
            .load(&mut src)
            .unwrap();
        copy(accounts, &mut pg);
        eprintln!("  pg_trgm: building the GIN trigram index ...");
        diesel::sql_query(
            "CREATE INDEX bench_names_trgm ON bench_names USING gin (lower(name) gin_trgm_ops)",
        )
        .execute(&mut pg)
        .unwrap();
        diesel::sql_query("ANALYZE bench_names")
            .execute(&mut pg)
            .unwrap();
        println!(
            "pg_trgm: {total} names copied and indexed in {:.0} s.",
            started.elapsed().as_secs_f64()
        );
    }
    pg
}

fn ask_trgm(pg: &mut DbConnection, text: &str) -> (Ranked, f64) {
    let started = Instant::now();
    let q = diesel::sql_query(
        "SELECT name, similarity(lower(name), lower($1)) AS s FROM bench_names \
         WHERE lower(name) % lower($1) ORDER BY s DESC LIMIT 20",
    )
    .bind::<diesel::sql_types::Text, _>(text);
    let hits: Vec<TrgmHit> = match pg {
        DbConnection::Pg(c) => q.load(c).expect("pg_trgm query"),
        DbConnection::Sqlite(_) => unreachable!(),
    };
    let ms = started.elapsed().as_secs_f64() * 1000.0;
    (
        hits.into_iter()
            .map(|h| (name_key(&h.name), f64::from(h.s)))
            .collect(),
        ms,
    )
}

async fn run() {
    let registrations = env_u64("TRUCE_BENCH_REGISTRATIONS", 1_000_000);
    let accounts = env_u64("TRUCE_BENCH_ACCOUNTS", 1_000_000);
    let prospects = env_u64("TRUCE_BENCH_PROSPECTS", 300) as usize;
    let seed = env_u64("TRUCE_BENCH_SEED", 2026);
    let url = actix_web::web::block(move || demo_database(registrations, accounts))
        .await
        .expect("database");
    let dir = tempfile::tempdir().expect("temp dir");
    let started = Instant::now();
    let base = start(config(&dir.path().to_string_lossy(), &url)).await;
    println!(
        "App started in {:.1} s (a first start after the keys changed rebuilds them).",
        started.elapsed().as_secs_f64()
    );

    let mut rng = StdRng::seed_from_u64(seed);
    let url2 = url.clone();
    let (names, token, mut rng) = actix_web::web::block(move || {
        let (names, token) = sample(&url2, prospects, &mut rng);
        (names, token, rng)
    })
    .await
    .expect("sample");
    let client = Client::with_token(&base, &token);

    // Keep the prospects the check finds as written.
    let mut queries = Vec::new();
    let mut unfindable = 0;
    for name in &names {
        let key = name_key(name);
        let (ranked, ..) = ask_truce(&client, name).await;
        if !ranked.iter().any(|(k, _)| *k == key) {
            unfindable += 1;
            continue;
        }
        for class in &Class::ALL[..7] {
            if let Some(text) = derive(*class, name, &mut rng) {
                queries.push(Query {
                    class: *class,
                    text,
                    prospect: Some(key.clone()),
                    findable: !class.dropped(),
                });
            }
        }
    }
    for _ in 0..prospects / 3 {
        queries.push(Query {
            class: Class::Nobody,
            text: nobody(&mut rng),
            prospect: None,
            findable: false,
        });
    }
    let queries = {
        let url = url.clone();
        actix_web::web::block(move || {
            mark_findable(&url, &mut queries);
            queries
        })
        .await
        .expect("findable")
    };
    println!(
        "{} prospects sampled (seed {seed}), {unfindable} not shown to a rep as written; {} queries.",
        names.len(),
        queries.len()
    );

    let mut truce_tally: Vec<Tally> = Class::ALL.iter().map(|_| Tally::default()).collect();
    let mut misses = Vec::new();
    for q in &queries {
        let (ranked, false_claim, ms) = ask_truce(&client, &q.text).await;
        let at = Class::ALL.iter().position(|c| *c == q.class).unwrap();
        truce_tally[at].add(&ranked, q, false_claim, ms);
        if let Some(p) = &q.prospect
            && q.findable
            && rank_of(&ranked, p) != Some(1)
            && misses.len() < 40
        {
            misses.push(format!(
                "  {}: {:?} -> {:?}",
                q.class.label(),
                q.text,
                ranked.first()
            ));
        }
    }

    let peer = std::env::var("TRUCE_BENCH_TRGM")
        .ok()
        .filter(|v| !v.trim().is_empty());
    let trgm_tally = match peer {
        Some(peer) => {
            let texts: Vec<Query> = queries
                .iter()
                .map(|q| Query {
                    text: q.text.clone(),
                    prospect: q.prospect.clone(),
                    ..*q
                })
                .collect();
            let url3 = url.clone();
            Some(
                actix_web::web::block(move || {
                    let mut pg = prepare_trgm(&url3, &peer);
                    let mut tally: Vec<Tally> =
                        Class::ALL.iter().map(|_| Tally::default()).collect();
                    for q in &texts {
                        let (ranked, ms) = ask_trgm(&mut pg, &q.text);
                        let at = Class::ALL.iter().position(|c| *c == q.class).unwrap();
                        // pg_trgm knows no claims: for a name nobody has, any answer at
                        // similarity 0.9 or more would be one.
                        let false_claim =
                            q.class == Class::Nobody && ranked.first().is_some_and(|r| r.1 >= 0.9);
                        tally[at].add(&ranked, q, false_claim, ms);
                    }
                    tally
                })
                .await
                .expect("pg_trgm"),
            )
        }
        None => None,
    };

    println!();
    println!(
        "| | query | n | recall@1 | recall@5 | ties at the top / false claims | p50 ms | p99 ms |"
    );
    println!("|---|---|---|---|---|---|---|---|");
    for (i, class) in Class::ALL.iter().enumerate() {
        truce_tally[i].line("Truce", *class);
        if let Some(t) = &trgm_tally {
            t[i].line("pg_trgm", *class);
        }
    }
    println!();
    println!(
        "A dropped word, on the queries that name one prospect (no other name holds all their words):"
    );
    println!();
    println!("| | query | findable | recall@1 | recall@5 |");
    println!("|---|---|---|---|---|");
    for (i, class) in Class::ALL.iter().enumerate().filter(|(_, c)| c.dropped()) {
        truce_tally[i].findable_line("Truce", *class);
        if let Some(t) = &trgm_tally {
            t[i].findable_line("pg_trgm", *class);
        }
    }
    let mut all: Vec<f64> = truce_tally.iter().flat_map(|t| t.ms.clone()).collect();
    all.sort_by(f64::total_cmp);
    println!();
    println!(
        "Truce, all queries: server p50 {:.2} ms, p99 {:.2} ms (Server-Timing).",
        percentile(&all, 0.5),
        percentile(&all, 0.99)
    );
    if let Some(t) = &trgm_tally {
        let mut all: Vec<f64> = t.iter().flat_map(|t| t.ms.clone()).collect();
        all.sort_by(f64::total_cmp);
        println!(
            "pg_trgm, all queries: p50 {:.2} ms, p99 {:.2} ms (client, one connection).",
            percentile(&all, 0.5),
            percentile(&all, 0.99)
        );
    }
    if !misses.is_empty() {
        println!();
        println!("Some queries whose prospect was not first (query -> best answer):");
        for m in &misses {
            println!("{m}");
        }
    }
    drop(dir);
}

fn main() {
    actix_web::rt::System::new().block_on(run());
}
