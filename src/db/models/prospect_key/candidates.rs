//! The candidate search: which records share keys with a profile, the rarest shared keys
//! first.
//!
//! It asks, for each of the profile's 40 to 50 keys, how many records name it (counted up
//! to [`COMMON_KEY`] + 1, reading the index only), then reads the records of the rare keys
//! in full and a sample of the common ones. How it asks depends on the database:
//!
//! - **PostgreSQL**: two statements, each one round trip for all the keys (a `UNION ALL` of
//!   one lookup per key; raw SQL because diesel's unions cannot limit their members). A
//!   round trip costs more there than parsing the statement.
//! - **SQLite**: one statement per eight keys for the counts and one per key for the records,
//!   each prepared once per connection. SQLite has no round trips, and it parsed the union
//!   of fifty lookups again at every check (diesel never keeps the statement of
//!   `sql_query`): two thirds of a lock check's work.

use diesel::pg::Pg;
use diesel::prelude::*;
use diesel::query_builder::{AstPass, Query, QueryFragment, QueryId};
use diesel::sql_types::{BigInt, Text};
use diesel::sqlite::{Sqlite, SqliteConnection};

use super::Kind;
use crate::db::DbConnection;
use crate::db::schema::prospect_keys;
use crate::domain::matching::{Profile, profile_keys};

/// A key naming more records than this is common ("t:highland" at a million records): its
/// records are not read in full, only the first [`COMMON_SAMPLE`] (or [`TELLING_SAMPLE`]),
/// and they rank below the records of rarer keys.
const COMMON_KEY: i64 = 500;
/// How many records a common key contributes: enough for a query made only of common words.
const COMMON_SAMPLE: i64 = 25;
/// The same for a common sorted-words or domain key, which says more about the record.
const TELLING_SAMPLE: i64 = 100;
/// How many candidates a search returns at most, rarest shared keys first: what the engine
/// then scores (a few microseconds each) after reading the records.
const MOST_CANDIDATES: usize = 120;

fn sample_limit(key: &str) -> i64 {
    match key.split_once(':').map(|(prefix, _)| prefix) {
        Some("k" | "d") => TELLING_SAMPLE,
        _ => COMMON_SAMPLE,
    }
}

/// The records sharing a key with `profile`, each once, those sharing the rarest keys first.
///
/// A record's rank is the sum, over the keys it shares, of one over the key's count, so the
/// one record sharing a rare key ("w:hihland anchor") outranks thousands sharing a common
/// word. Reading a fixed number of records per key instead lost the record sought among a
/// million (issue #23).
pub fn candidates(conn: &mut DbConnection, profile: &Profile) -> QueryResult<Vec<(String, Kind)>> {
    let keys = profile_keys(profile);
    if keys.is_empty() {
        return Ok(Vec::new());
    }
    let count = match conn {
        DbConnection::Sqlite(c) => {
            let mut count = Vec::with_capacity(keys.len());
            for chunk in keys.chunks(COUNTED_AT_ONCE) {
                // The slots past the last key ask for the empty key; their counts are not
                // read.
                let mut asked = [""; COUNTED_AT_ONCE];
                for (slot, key) in asked.iter_mut().zip(chunk) {
                    *slot = key;
                }
                let n: Counts = CountUpTo { keys: asked }.get_result(c)?;
                let n = [n.0, n.1, n.2, n.3, n.4, n.5, n.6, n.7];
                count.extend_from_slice(&n[..chunk.len()]);
            }
            count
        }
        DbConnection::Pg(c) => counted_in_one(c, &keys)?,
    };
    // Each key naming any record, with how many of its records to read.
    let asked: Vec<(usize, &str, i64)> = keys
        .iter()
        .enumerate()
        .filter(|(i, _)| count[*i] > 0)
        .map(|(i, key)| {
            let limit = if count[i] > COMMON_KEY {
                sample_limit(key)
            } else {
                count[i]
            };
            (i, key.as_str(), limit)
        })
        .collect();
    if asked.is_empty() {
        return Ok(Vec::new());
    }
    let hits = match conn {
        DbConnection::Sqlite(c) => {
            let mut hits = Vec::new();
            for &(ord, key, limit) in &asked {
                let records: Vec<(String, String)> = prospect_keys::table
                    .filter(prospect_keys::key.eq(key))
                    .select((prospect_keys::record_id, prospect_keys::kind))
                    .limit(limit)
                    .load(c)?;
                hits.extend(records.into_iter().map(|(record_id, kind)| KeyHit {
                    record_id,
                    kind,
                    ord: ord as i32,
                }));
            }
            hits
        }
        DbConnection::Pg(c) => read_in_one(c, &asked)?,
    };
    Ok(rank(hits, &count))
}

/// How many keys [`CountUpTo`] counts in one execution.
const COUNTED_AT_ONCE: usize = 8;

/// What [`CountUpTo`] returns: each key's count, in the order asked.
type Counts = (i64, i64, i64, i64, i64, i64, i64, i64);

/// How many records name each of eight keys, counted up to [`COMMON_KEY`] + 1 from the index
/// alone (SQLite), as one row. A type of its own rather than `sql_query`, so that diesel keeps
/// the statement prepared: its text is the same at every execution. Eight at once because
/// each execution costs about as much again as the index seek it makes.
struct CountUpTo<'a> {
    keys: [&'a str; COUNTED_AT_ONCE],
}

impl QueryId for CountUpTo<'_> {
    type QueryId = CountUpTo<'static>;
    const HAS_STATIC_QUERY_ID: bool = true;
}

impl Query for CountUpTo<'_> {
    type SqlType = (
        BigInt,
        BigInt,
        BigInt,
        BigInt,
        BigInt,
        BigInt,
        BigInt,
        BigInt,
    );
}

impl QueryFragment<Sqlite> for CountUpTo<'_> {
    fn walk_ast<'b>(&'b self, mut out: AstPass<'_, 'b, Sqlite>) -> QueryResult<()> {
        out.push_sql("SELECT ");
        for (i, key) in self.keys.iter().enumerate() {
            if i > 0 {
                out.push_sql(", ");
            }
            out.push_sql("(SELECT count(*) FROM (SELECT 1 FROM prospect_keys WHERE key = ");
            out.push_bind_param::<Text, _>(*key)?;
            out.push_sql(&format!(" LIMIT {}))", COMMON_KEY + 1));
        }
        Ok(())
    }
}

impl RunQueryDsl<SqliteConnection> for CountUpTo<'_> {}

#[derive(QueryableByName)]
struct KeyCount {
    #[diesel(sql_type = diesel::sql_types::Integer)]
    ord: i32,
    #[diesel(sql_type = BigInt)]
    n: i64,
}

#[derive(QueryableByName)]
struct KeyHit {
    #[diesel(sql_type = Text)]
    record_id: String,
    #[diesel(sql_type = Text)]
    kind: String,
    #[diesel(sql_type = diesel::sql_types::Integer)]
    ord: i32,
}

/// Each key's count in one statement (PostgreSQL).
fn counted_in_one(c: &mut PgConnection, keys: &[String]) -> QueryResult<Vec<i64>> {
    let counting: Vec<String> = (0..keys.len())
        .map(|i| {
            format!(
                "SELECT {i} AS ord, (SELECT count(*) FROM (SELECT 1 FROM prospect_keys \
                 WHERE key = ? LIMIT {}) AS c{i}) AS n",
                COMMON_KEY + 1
            )
        })
        .collect();
    let binds: Vec<&str> = keys.iter().map(String::as_str).collect();
    let counts: Vec<KeyCount> = load_numbered(c, &counting.join(" UNION ALL "), &binds)?;
    let mut count = vec![0i64; keys.len()];
    for c in counts {
        count[c.ord as usize] = c.n;
    }
    Ok(count)
}

/// The records of every key asked, in one statement (PostgreSQL).
fn read_in_one(c: &mut PgConnection, asked: &[(usize, &str, i64)]) -> QueryResult<Vec<KeyHit>> {
    let members: Vec<String> = asked
        .iter()
        .map(|(i, _, limit)| {
            format!(
                "SELECT record_id, kind, {i} AS ord FROM (SELECT record_id, kind FROM prospect_keys \
                 WHERE key = ? LIMIT {limit}) AS k{i}"
            )
        })
        .collect();
    let binds: Vec<&str> = asked.iter().map(|(_, key, _)| *key).collect();
    load_numbered(c, &members.join(" UNION ALL "), &binds)
}

/// Runs `sql`, written with `?` placeholders, with `binds` on PostgreSQL (which numbers them).
fn load_numbered<T>(c: &mut PgConnection, sql: &str, binds: &[&str]) -> QueryResult<Vec<T>>
where
    T: QueryableByName<Pg> + 'static,
{
    let mut numbered = String::with_capacity(sql.len() + 16);
    for (n, part) in sql.split('?').enumerate() {
        if n > 0 {
            numbered.push_str(&format!("${n}"));
        }
        numbered.push_str(part);
    }
    let mut query = diesel::sql_query(numbered).into_boxed();
    for key in binds {
        query = query.bind::<Text, _>(*key);
    }
    query.load(c)
}

/// Orders the records by the summed rarity of the keys they share (see [`candidates`]),
/// first seen first among equals, and keeps [`MOST_CANDIDATES`].
fn rank(hits: Vec<KeyHit>, count: &[i64]) -> Vec<(String, Kind)> {
    let mut by_id: std::collections::HashMap<String, usize> = Default::default();
    let mut ranked: Vec<(f64, String, Kind)> = Vec::new();
    for hit in hits {
        let weight = 1.0 / count[hit.ord as usize].max(1) as f64;
        match by_id.get(&hit.record_id) {
            Some(&at) => ranked[at].0 += weight,
            None => {
                by_id.insert(hit.record_id.clone(), ranked.len());
                ranked.push((weight, hit.record_id, Kind::parse(&hit.kind)));
            }
        }
    }
    // Stable: equal ranks keep the order their keys were asked in.
    ranked.sort_by(|a, b| b.0.total_cmp(&a.0));
    ranked.truncate(MOST_CANDIDATES);
    ranked.into_iter().map(|(_, id, kind)| (id, kind)).collect()
}
