//! The matching engine's blocking keys, stored: one row per key and record (CRM account or
//! registration), so a candidate search reads a few index ranges instead of every record.
//!
//! A record's keys are a pure function of its stored name and domain
//! (`domain::matching::profile_keys`), so they are never read back to be deleted: the caller
//! recomputes the old ones. When the engine's keys change, [`VERSION`] goes up and
//! [`ensure_current`] rebuilds the table once, at start-up or on `truce migrate`.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use crate::db::DbConnection;
use crate::db::schema::{crm_accounts, prospect_index, prospect_keys, registrations};
use crate::domain::matching::{Profile, profile_keys};

mod candidates;
pub use candidates::candidates;

/// The version of the keys the code computes. Bump it whenever `domain::matching`'s tables,
/// normalisation or blocking keys change.
pub const VERSION: i64 = 2;

/// Which table a key's record is in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Kind {
    Account,
    Registration,
}

impl Kind {
    pub fn as_str(self) -> &'static str {
        match self {
            Kind::Account => "account",
            Kind::Registration => "registration",
        }
    }

    pub(crate) fn parse(s: &str) -> Kind {
        if s == "account" {
            Kind::Account
        } else {
            Kind::Registration
        }
    }
}

/// The profile the engine matches an account by: its name and its website, or the domain
/// key stored before websites were imported.
pub fn account_profile(name: &str, website: Option<&str>, domain_key: Option<&str>) -> Profile {
    Profile::new(name, website.or(domain_key))
}

/// The profile of a registration: the company name and the domain key taken at submission
/// (the website, or the contact's email domain unless free mail).
pub fn registration_profile(company_name: &str, domain_key: Option<&str>) -> Profile {
    Profile::new(company_name, domain_key)
}

// The rebuild's staging table: keys are appended here unsorted, then copied into
// `prospect_keys` in key order, so each page of its index is written once.
diesel::table! {
    staged_prospect_keys (key, record_id) {
        key -> Text,
        record_id -> Text,
        kind -> Text,
    }
}

/// Multi-row inserts of `(key, record id, kind)` rows into `$table`, through the backend's
/// own connection: diesel's `MultiConnection` only builds single-row ones.
macro_rules! insert_key_rows {
    ($conn:expr, $table:ident, $rows:expr) => {{
        // Three values a row, well under SQLite's 32,766 bound values a statement.
        for chunk in $rows.chunks(5_000) {
            let values: Vec<_> = chunk
                .iter()
                .map(|(key, id, kind)| {
                    (
                        $table::key.eq(key),
                        $table::record_id.eq(*id),
                        $table::kind.eq(*kind),
                    )
                })
                .collect();
            let insert = diesel::insert_into($table::table).values(values);
            match &mut *$conn {
                DbConnection::Sqlite(c) => insert.execute(c)?,
                DbConnection::Pg(c) => insert.execute(c)?,
            };
        }
    }};
}

fn key_rows<'a>(
    records: &'a [(Kind, &'a str, &'a Profile)],
) -> Vec<(String, &'a str, &'static str)> {
    records
        .iter()
        .flat_map(|(kind, id, profile)| {
            profile_keys(profile)
                .into_iter()
                .map(move |key| (key, *id, kind.as_str()))
        })
        .collect()
}

/// Stores the keys of many records (`(kind, record id, profile)`), in multi-row inserts.
/// New or changed accounts raise [`accounts_epoch`].
pub fn insert(conn: &mut DbConnection, records: &[(Kind, &str, &Profile)]) -> QueryResult<()> {
    let mut rows = key_rows(records);
    // In key order, so neighbouring keys share index pages.
    rows.sort_unstable();
    insert_key_rows!(conn, prospect_keys, rows);
    if records.iter().any(|(kind, ..)| *kind == Kind::Account) {
        accounts_changed(conn)?;
    }
    Ok(())
}

/// Raises [`accounts_epoch`]: the CRM accounts changed (one added, changed or removed), so
/// the registrations in review are matched again against them.
pub fn accounts_changed(conn: &mut DbConnection) -> QueryResult<()> {
    diesel::update(prospect_index::table)
        .set(prospect_index::accounts_epoch.eq(prospect_index::accounts_epoch + 1))
        .execute(conn)?;
    Ok(())
}

/// Goes up whenever accounts are added or change how they match (and when the keys are
/// rebuilt): registrations in review matched at an older epoch are matched again
/// (`workflow::matching::refresh_stale`).
pub fn accounts_epoch(conn: &mut DbConnection) -> QueryResult<i64> {
    Ok(prospect_index::table
        .select(prospect_index::accounts_epoch)
        .first(conn)
        .optional()?
        .unwrap_or(0))
}

/// Removes a record's keys, computed from the profile it was stored with.
pub fn delete(conn: &mut DbConnection, record_id: &str, profile: &Profile) -> QueryResult<()> {
    diesel::delete(
        prospect_keys::table
            .filter(prospect_keys::key.eq_any(profile_keys(profile)))
            .filter(prospect_keys::record_id.eq(record_id)),
    )
    .execute(conn)?;
    Ok(())
}

/// Replaces a record's keys after its name or domain changed.
pub fn replace(
    conn: &mut DbConnection,
    kind: Kind,
    record_id: &str,
    before: &Profile,
    after: &Profile,
) -> QueryResult<()> {
    if before == after {
        return Ok(());
    }
    delete(conn, record_id, before)?;
    insert(conn, &[(kind, record_id, after)])
}

/// Rebuilds the keys if they were computed by another [`VERSION`] (or never): every account
/// and registration, in batches, reporting `(done, total)` after each. Several instances
/// starting together are kept apart by the caller (`db::migrate`).
pub fn ensure_current(
    conn: &mut DbConnection,
    now: NaiveDateTime,
    progress: impl FnMut(u64, u64),
) -> QueryResult<bool> {
    let stored: Option<i64> = prospect_index::table
        .select(prospect_index::version)
        .first(conn)
        .optional()?;
    if stored == Some(VERSION) {
        return Ok(false);
    }
    rebuild(conn, now, progress)?;
    Ok(true)
}

/// Stages the keys of one table's records, a batch at a time in id order: `page(conn,
/// after)` reads the records after id `after` as `(id, profile)`; `staged(n)` is told how many
/// each batch held.
fn stage_all(
    conn: &mut DbConnection,
    kind: Kind,
    mut page: impl FnMut(&mut DbConnection, &str) -> QueryResult<Vec<(String, Profile)>>,
    staged: &mut impl FnMut(u64),
) -> QueryResult<()> {
    let mut after = String::new();
    loop {
        let batch = page(conn, &after)?;
        let Some((last, _)) = batch.last() else {
            return Ok(());
        };
        after = last.clone();
        let records: Vec<(Kind, &str, &Profile)> =
            batch.iter().map(|(id, p)| (kind, id.as_str(), p)).collect();
        let keyed = key_rows(&records);
        crate::db::write_tx(conn, |conn| -> QueryResult<()> {
            insert_key_rows!(conn, staged_prospect_keys, keyed);
            Ok(())
        })?;
        staged(batch.len() as u64);
    }
}

/// Recomputes every key: after a bulk load that wrote records without them (demo data), or
/// for a new [`VERSION`]. Keys are computed in batches into a temporary staging table
/// (`progress(done, total)` after each), then copied into `prospect_keys` in one sorted pass:
/// inserting 30 million keys in random order would write each index page many times over.
pub fn rebuild(
    conn: &mut DbConnection,
    now: NaiveDateTime,
    mut progress: impl FnMut(u64, u64),
) -> QueryResult<()> {
    let accounts: i64 = crm_accounts::table.count().get_result(conn)?;
    let regs: i64 = registrations::table.count().get_result(conn)?;
    let total = (accounts + regs) as u64;
    let mut done = 0u64;
    diesel::sql_query("DROP TABLE IF EXISTS staged_prospect_keys").execute(conn)?;
    diesel::sql_query(
        "CREATE TEMPORARY TABLE staged_prospect_keys \
         (key TEXT NOT NULL, record_id TEXT NOT NULL, kind TEXT NOT NULL)",
    )
    .execute(conn)?;
    const BATCH: i64 = 10_000;
    let mut report = |n: u64| {
        done += n;
        progress(done, total);
    };
    stage_all(
        conn,
        Kind::Account,
        |conn, after| {
            let rows: Vec<(String, String, Option<String>, Option<String>)> = crm_accounts::table
                .filter(crm_accounts::id.gt(after))
                .order(crm_accounts::id.asc())
                .limit(BATCH)
                .select((
                    crm_accounts::id,
                    crm_accounts::name,
                    crm_accounts::website,
                    crm_accounts::domain_key,
                ))
                .load(conn)?;
            Ok(rows
                .into_iter()
                .map(|(id, name, web, domain)| {
                    let profile = account_profile(&name, web.as_deref(), domain.as_deref());
                    (id, profile)
                })
                .collect())
        },
        &mut report,
    )?;
    stage_all(
        conn,
        Kind::Registration,
        |conn, after| {
            let rows: Vec<(String, String, Option<String>)> = registrations::table
                .filter(registrations::id.gt(after))
                .order(registrations::id.asc())
                .limit(BATCH)
                .select((
                    registrations::id,
                    registrations::company_name,
                    registrations::domain_key,
                ))
                .load(conn)?;
            Ok(rows
                .into_iter()
                .map(|(id, name, domain)| (id, registration_profile(&name, domain.as_deref())))
                .collect())
        },
        &mut report,
    )?;
    crate::db::write_tx(conn, |conn| -> QueryResult<()> {
        let epoch = accounts_epoch(conn)?;
        diesel::delete(prospect_keys::table).execute(conn)?;
        diesel::sql_query(
            "INSERT INTO prospect_keys (key, record_id, kind) \
             SELECT key, record_id, kind FROM staged_prospect_keys ORDER BY key, record_id",
        )
        .execute(conn)?;
        diesel::delete(prospect_index::table).execute(conn)?;
        diesel::insert_into(prospect_index::table)
            .values((
                prospect_index::id.eq(1),
                prospect_index::version.eq(VERSION),
                prospect_index::built_at.eq(now),
                prospect_index::accounts_epoch.eq(epoch + 1),
            ))
            .execute(conn)?;
        Ok(())
    })?;
    diesel::sql_query("DROP TABLE staged_prospect_keys").execute(conn)?;
    // Tens of millions of new keys: the candidate search's plans need to know.
    crate::db::refresh_statistics(conn, &["prospect_keys"])
}
