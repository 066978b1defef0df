//! The matching engine's findings for each registration, stored: the other registrations
//! and CRM accounts it looks like, with score and evidence (`registration_match`).
//!
//! The engine (`domain::matching`, candidates from `prospect_key`) looks when a registration
//! is submitted ([`record`], in the submitting transaction), again while it awaits review
//! whenever the CRM accounts change ([`refresh_stale`], run by the jobs), and when a
//! reviewer asks ([`refresh`]). Storing what it found means a queue page of 25 items never
//! runs the engine 25 times, and the queue and the registration's page read the same rows.

use chrono::NaiveDateTime;
use diesel::QueryResult;

use crate::db::models::registration::{self, Registration};
use crate::db::models::registration_match::{self, Found, Kind};
use crate::db::models::{crm, prospect_key};
use crate::db::{DbConnection, write_tx};
use crate::domain::matching::{Match, Profile, Thresholds, Verdict, score_with};

/// How many matches of each kind are kept, strongest first.
const SHOWN: usize = 20;

/// How many registrations in review [`refresh_stale`] matches again per write transaction.
pub const REFRESH_BATCH: i64 = 20;

/// What the engine finds for one registration: its matches, and for each other registration
/// found, the match as that one sees this (scores are not quite symmetric).
struct Findings {
    found: Vec<Found>,
    reverse: Vec<(String, Found)>,
}

fn found(kind: Kind, other_id: &str, m: &Match) -> Found {
    Found {
        kind,
        other_id: other_id.to_owned(),
        score: (m.score * 100.0).round() as i32,
        same_prospect: m.verdict == Verdict::Same,
        evidence: m
            .evidence
            .iter()
            .map(|e| e.detail.as_str())
            .collect::<Vec<_>>()
            .join("; "),
    }
}

fn profile_of(r: &Registration) -> Profile {
    prospect_key::registration_profile(&r.company_name, r.domain_key.as_deref())
}

/// Strongest first, then by id so that equal scores keep one order; at most [`SHOWN`].
fn strongest(mut found: Vec<Found>) -> Vec<Found> {
    found.sort_by(|a, b| {
        b.score
            .cmp(&a.score)
            .then_with(|| a.other_id.cmp(&b.other_id))
    });
    found.truncate(SHOWN);
    found
}

/// Runs the engine for `reg` against every registration and CRM account sharing a blocking
/// key with it. Reads only.
fn find(
    conn: &mut DbConnection,
    reg: &Registration,
    thresholds: &Thresholds,
) -> QueryResult<Findings> {
    let me = profile_of(reg);
    let candidates = prospect_key::candidates(conn, &me)?;
    let ids = |kind: Kind| -> Vec<String> {
        candidates
            .iter()
            .filter(|(id, k)| *k == kind && *id != reg.id)
            .map(|(id, _)| id.clone())
            .collect()
    };
    let mut registrations = Vec::new();
    let mut reverse = Vec::new();
    for other in registration::find_many(conn, &ids(Kind::Registration))? {
        let theirs = profile_of(&other);
        if let Some(m) = score_with(&me, &theirs, thresholds) {
            registrations.push(found(Kind::Registration, &other.id, &m));
            if let Some(back) = score_with(&theirs, &me, thresholds) {
                reverse.push((other.id, found(Kind::Registration, &reg.id, &back)));
            }
        }
    }
    let mut accounts = Vec::new();
    for account in crm::find_many(conn, &ids(Kind::Account))? {
        if let Some(m) = score_with(&me, &account.profile(), thresholds) {
            accounts.push(found(Kind::Account, &account.id, &m));
        }
    }
    let mut found = strongest(registrations);
    found.extend(strongest(accounts));
    let kept: Vec<&str> = found.iter().map(|f| f.other_id.as_str()).collect();
    reverse.retain(|(other, _)| kept.contains(&other.as_str()));
    Ok(Findings { found, reverse })
}

fn store(
    conn: &mut DbConnection,
    reg: &Registration,
    findings: &Findings,
    accounts_epoch: i64,
    now: NaiveDateTime,
) -> QueryResult<()> {
    registration_match::replace(conn, &reg.id, &findings.found, accounts_epoch, now)?;
    for (other, back) in &findings.reverse {
        registration_match::upsert(conn, other, back)?;
    }
    Ok(())
}

/// Finds and stores the matches of a registration just written, in the caller's transaction,
/// so that it and the registrations it matches show each other at once.
pub fn record(
    conn: &mut DbConnection,
    reg: &Registration,
    thresholds: &Thresholds,
    now: NaiveDateTime,
) -> QueryResult<()> {
    let findings = find(conn, reg, thresholds)?;
    let epoch = prospect_key::accounts_epoch(conn)?;
    store(conn, reg, &findings, epoch, now)
}

/// Matches again, in batches of [`REFRESH_BATCH`], the registrations in review whose matches
/// were found before the CRM accounts last changed (or never), until none is left; the
/// engine reads outside the write transactions. Returns how many were matched again, and
/// tells `progress` after each batch.
pub fn refresh_stale(
    conn: &mut DbConnection,
    thresholds: &Thresholds,
    now: NaiveDateTime,
    progress: &mut dyn FnMut(usize),
) -> QueryResult<usize> {
    let mut done = 0;
    loop {
        let epoch = prospect_key::accounts_epoch(conn)?;
        let ids = registration_match::stale_in_review(conn, epoch, REFRESH_BATCH)?;
        if ids.is_empty() {
            return Ok(done);
        }
        let mut batch = Vec::with_capacity(ids.len());
        for reg in registration::find_many(conn, &ids)? {
            let findings = find(conn, &reg, thresholds)?;
            batch.push((reg, findings));
        }
        write_tx(conn, |conn| -> QueryResult<()> {
            for (reg, findings) in &batch {
                store(conn, reg, findings, epoch, now)?;
            }
            Ok(())
        })?;
        done += batch.len();
        progress(done);
    }
}

/// Matches one registration again now, for a reviewer who asks.
pub fn refresh(
    conn: &mut DbConnection,
    reg: &Registration,
    thresholds: &Thresholds,
    now: NaiveDateTime,
) -> QueryResult<()> {
    let findings = find(conn, reg, thresholds)?;
    write_tx(conn, |conn| {
        let epoch = prospect_key::accounts_epoch(conn)?;
        store(conn, reg, &findings, epoch, now)
    })
}
