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

/// The version of the keys the code computes. Bump it whenever `domain::matching`'s tables,
/// normalisation or blocking keys change.
pub const VERSION: i64 = 1;

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

    fn parse(s: &str) -> Kind {
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

/// Stores the keys of many records (`(kind, record id, profile)`), in multi-row inserts.
pub fn insert(conn: &mut DbConnection, records: &[(Kind, &str, &Profile)]) -> QueryResult<()> {
    let mut rows: Vec<(String, &str, &str)> = records
        .iter()
        .flat_map(|(kind, id, profile)| {
            profile_keys(profile)
                .into_iter()
                .map(move |key| (key, *id, kind.as_str()))
        })
        .collect();
    // In index order: a batch then writes each page of the index once, not at random.
    rows.sort_unstable();
    // Three values a row, well under SQLite's 32,766 bound values a statement.
    for chunk in rows.chunks(5_000) {
        let values: Vec<_> = chunk
            .iter()
            .map(|(key, id, kind)| {
                (
                    prospect_keys::key.eq(key),
                    prospect_keys::record_id.eq(*id),
                    prospect_keys::kind.eq(*kind),
                )
            })
            .collect();
        // Multi-row inserts go through the backend's own connection: diesel's
        // `MultiConnection` only builds single-row ones.
        let insert = diesel::insert_into(prospect_keys::table).values(values);
        match conn {
            DbConnection::Sqlite(c) => insert.execute(c)?,
            DbConnection::Pg(c) => insert.execute(c)?,
        };
    }
    Ok(())
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

/// How many records one key contributes at most. A key as telling as the sorted words of a
/// name or a domain gets more room than a typo or acronym key, which common words share
/// with thousands of records.
fn per_key_limit(key: &str) -> i64 {
    match key.split_once(':').map(|(prefix, _)| prefix) {
        Some("k" | "d") => 100,
        _ => 25,
    }
}

/// The records sharing a key with `profile`, each once, in the order their keys were asked.
pub fn candidates(conn: &mut DbConnection, profile: &Profile) -> QueryResult<Vec<(String, Kind)>> {
    let mut found: Vec<(String, Kind)> = Vec::new();
    let mut seen = std::collections::HashSet::new();
    for key in profile_keys(profile) {
        let rows: Vec<(String, String)> = prospect_keys::table
            .filter(prospect_keys::key.eq(&key))
            .select((prospect_keys::record_id, prospect_keys::kind))
            .limit(per_key_limit(&key))
            .load(conn)?;
        for (id, kind) in rows {
            if seen.insert(id.clone()) {
                found.push((id, Kind::parse(&kind)));
            }
        }
    }
    Ok(found)
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

/// Recomputes every key: after a bulk load that wrote records without them (demo data), or
/// for a new [`VERSION`].
pub fn rebuild(
    conn: &mut DbConnection,
    now: NaiveDateTime,
    mut progress: impl FnMut(u64, u64),
) -> QueryResult<()> {
    let accounts: i64 = crm_accounts::table.count().get_result(conn)?;
    let regs: i64 = registrations::table.count().get_result(conn)?;
    let total = (accounts + regs) as u64;
    let mut done = 0u64;
    diesel::delete(prospect_keys::table).execute(conn)?;
    const BATCH: i64 = 5_000;
    let mut after = String::new();
    loop {
        let rows: Vec<(String, String, Option<String>, Option<String>)> = crm_accounts::table
            .filter(crm_accounts::id.gt(&after))
            .order(crm_accounts::id.asc())
            .limit(BATCH)
            .select((
                crm_accounts::id,
                crm_accounts::name,
                crm_accounts::website,
                crm_accounts::domain_key,
            ))
            .load(conn)?;
        let Some(last) = rows.last() else { break };
        after = last.0.clone();
        let profiles: Vec<Profile> = rows
            .iter()
            .map(|(_, name, web, domain)| account_profile(name, web.as_deref(), domain.as_deref()))
            .collect();
        let records: Vec<(Kind, &str, &Profile)> = rows
            .iter()
            .zip(&profiles)
            .map(|(r, p)| (Kind::Account, r.0.as_str(), p))
            .collect();
        crate::db::write_tx(conn, |conn| insert(conn, &records))?;
        done += rows.len() as u64;
        progress(done, total);
    }
    let mut after = String::new();
    loop {
        let rows: Vec<(String, String, Option<String>)> = registrations::table
            .filter(registrations::id.gt(&after))
            .order(registrations::id.asc())
            .limit(BATCH)
            .select((
                registrations::id,
                registrations::company_name,
                registrations::domain_key,
            ))
            .load(conn)?;
        let Some(last) = rows.last() else { break };
        after = last.0.clone();
        let profiles: Vec<Profile> = rows
            .iter()
            .map(|(_, name, domain)| registration_profile(name, domain.as_deref()))
            .collect();
        let records: Vec<(Kind, &str, &Profile)> = rows
            .iter()
            .zip(&profiles)
            .map(|(r, p)| (Kind::Registration, r.0.as_str(), p))
            .collect();
        crate::db::write_tx(conn, |conn| insert(conn, &records))?;
        done += rows.len() as u64;
        progress(done, total);
    }
    diesel::delete(prospect_index::table).execute(conn)?;
    diesel::insert_into(prospect_index::table)
        .values((
            prospect_index::id.eq(1),
            prospect_index::version.eq(VERSION),
            prospect_index::built_at.eq(now),
        ))
        .execute(conn)?;
    Ok(())
}
