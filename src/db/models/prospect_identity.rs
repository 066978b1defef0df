//! The stored exact prospect keys (`registrations.name_key`/`domain_key`, the same on CRM
//! accounts) kept equal to what `domain::prospect` computes today.
//!
//! The keys are a pure function of what the partner typed, so when the rules that compute
//! them change, [`VERSION`] goes up and [`ensure_current`] recomputes every stored key once,
//! at start-up or on `truce migrate` (under the migration lock). Registrations holding a
//! prospect may then turn out to share a key: the unique index would refuse the new keys,
//! and declining anyone without a person looking would break a promise. So the holder that
//! first-valid-wins ranks first keeps the prospect, and each other one is marked with it
//! (`shares_prospect_with`, which leaves it out of the index), flagged for the channel team
//! with an event on its timeline; the job runner emails the channel managers.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use crate::db::schema::{
    crm_accounts, partner_orgs, prospect_identity, registration_details, registrations,
};
use crate::db::{DbConnection, write_tx};
use crate::domain::dates;
use crate::domain::flag::FlagKind;
use crate::domain::lifecycle::{EventKind, Status};
use crate::domain::prospect::{self, Holder};

use super::flag::{self, NewFlag};
use super::registration::{self as registration_model, NewEvent};

/// The version of the rules the stored keys were computed by. 0: `domain::prospect`'s own
/// normaliser, before it became the matching engine's (#15). Bump it whenever the engine's
/// name or domain normal forms change (its tables included).
pub const VERSION: i64 = 1;

/// Rows read and written per batch.
const BATCH: i64 = 5_000;

/// What a rebuild changed.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Rekeyed {
    pub accounts: u64,
    pub registrations: u64,
    /// Registrations flagged as sharing a prospect with an earlier holder.
    pub shared: Vec<String>,
}

/// Recomputes the stored keys if they were computed by another [`VERSION`] (or before
/// versions were kept), reporting `(done, total)` rows after each batch. `None` when they
/// were current.
pub fn ensure_current(
    conn: &mut DbConnection,
    now: NaiveDateTime,
    mut progress: impl FnMut(u64, u64),
) -> QueryResult<Option<Rekeyed>> {
    let stored: Option<i64> = prospect_identity::table
        .select(prospect_identity::version)
        .first(conn)
        .optional()?;
    if stored == Some(VERSION) {
        return Ok(None);
    }
    let accounts: i64 = crm_accounts::table.count().get_result(conn)?;
    let regs: i64 = registrations::table.count().get_result(conn)?;
    let total = (accounts + regs) as u64;
    let mut done = 0;
    let mut out = Rekeyed::default();
    rekey_accounts(conn, &mut out, &mut |n| {
        done += n;
        progress(done, total);
    })?;
    let holders = rekey_registrations(conn, &mut out, &mut |n| {
        done += n;
        progress(done, total);
    })?;
    write_tx(conn, |conn| {
        out.shared = settle_holders(conn, &holders, now)?;
        diesel::delete(prospect_identity::table).execute(conn)?;
        diesel::insert_into(prospect_identity::table)
            .values((
                prospect_identity::id.eq(1),
                prospect_identity::version.eq(VERSION),
                prospect_identity::built_at.eq(now),
            ))
            .execute(conn)
    })?;
    Ok(Some(out))
}

fn rekey_accounts(
    conn: &mut DbConnection,
    out: &mut Rekeyed,
    progress: &mut dyn FnMut(u64),
) -> QueryResult<()> {
    let mut after = String::new();
    loop {
        type Row = (String, String, Option<String>, String, Option<String>);
        let rows: Vec<Row> = crm_accounts::table
            .filter(crm_accounts::id.gt(&after))
            .order(crm_accounts::id)
            .limit(BATCH)
            .select((
                crm_accounts::id,
                crm_accounts::name,
                crm_accounts::website,
                crm_accounts::name_key,
                crm_accounts::domain_key,
            ))
            .load(conn)?;
        let Some(last) = rows.last() else {
            return Ok(());
        };
        after = last.0.clone();
        let changed: Vec<(String, String, Option<String>)> = rows
            .iter()
            .filter_map(|(id, name, website, old_name, old_domain)| {
                let name_key = prospect::name_key(name);
                let domain_key = website
                    .as_deref()
                    .and_then(prospect::domain_key)
                    .or_else(|| old_domain.as_deref().and_then(prospect::domain_key));
                (name_key != *old_name || domain_key != *old_domain)
                    .then(|| (id.clone(), name_key, domain_key))
            })
            .collect();
        write_tx(conn, |conn| -> QueryResult<()> {
            for (id, name_key, domain_key) in &changed {
                diesel::update(crm_accounts::table.find(id))
                    .set((
                        crm_accounts::name_key.eq(name_key),
                        crm_accounts::domain_key.eq(domain_key),
                    ))
                    .execute(conn)?;
            }
            Ok(())
        })?;
        out.accounts += changed.len() as u64;
        progress(rows.len() as u64);
    }
}

/// A registration holding a prospect, with its keys as they are now computed.
struct Holding {
    id: String,
    company: String,
    org_name: String,
    status: Status,
    approved_at: Option<NaiveDateTime>,
    submitted_at: NaiveDateTime,
    name_key: String,
    domain_key: Option<String>,
    /// Whether the stored keys differ.
    changed: bool,
}

/// Rekeys every registration that holds no prospect (no uniqueness rule applies to those)
/// and returns the holders, whose keys [`settle_holders`] writes all at once.
fn rekey_registrations(
    conn: &mut DbConnection,
    out: &mut Rekeyed,
    progress: &mut dyn FnMut(u64),
) -> QueryResult<Vec<Holding>> {
    let holding = Status::strs(&Status::HOLDING);
    let mut holders = Vec::new();
    let mut after = String::new();
    loop {
        type Row = (
            String,
            String,
            String,
            Option<String>,
            String,
            Option<NaiveDateTime>,
            NaiveDateTime,
            Option<String>,
            String,
            String,
            String,
        );
        let rows: Vec<Row> = registrations::table
            .inner_join(registration_details::table)
            .inner_join(partner_orgs::table)
            .filter(registrations::id.gt(&after))
            .order(registrations::id)
            .limit(BATCH)
            .select((
                registrations::id,
                registrations::company_name,
                registrations::name_key,
                registrations::domain_key,
                registrations::status,
                registrations::decided_at,
                registrations::submitted_at,
                registrations::shares_prospect_with,
                registration_details::website,
                registration_details::contact_email,
                partner_orgs::name,
            ))
            .load(conn)?;
        let Some(last) = rows.last() else {
            return Ok(holders);
        };
        after = last.0.clone();
        let mut changed = Vec::new();
        for row in rows.iter() {
            let (id, company, old_name, old_domain, status, decided_at, submitted_at) =
                (&row.0, &row.1, &row.2, &row.3, &row.4, row.5, row.6);
            let (shares, website, email, org_name) = (&row.7, &row.8, &row.9, &row.10);
            let (name_key, domain_key) = prospect::keys(company, website, email);
            let differs = name_key != *old_name || domain_key != *old_domain;
            // A holder already set aside by an earlier rebuild stays out of the index.
            if holding.contains(&status.as_str()) && shares.is_none() {
                let status = Status::parse(status).unwrap_or(Status::Pending);
                holders.push(Holding {
                    id: id.clone(),
                    company: company.clone(),
                    org_name: org_name.clone(),
                    status,
                    approved_at: (status == Status::Approved).then_some(decided_at).flatten(),
                    submitted_at,
                    name_key,
                    domain_key,
                    changed: differs,
                });
            } else if differs {
                changed.push((id.clone(), name_key, domain_key));
            }
        }
        write_tx(conn, |conn| -> QueryResult<()> {
            for (id, name_key, domain_key) in &changed {
                set_keys(conn, id, name_key, domain_key.as_deref())?;
            }
            Ok(())
        })?;
        out.registrations += changed.len() as u64;
        progress(rows.len() as u64);
    }
}

fn set_keys(
    conn: &mut DbConnection,
    id: &str,
    name_key: &str,
    domain_key: Option<&str>,
) -> QueryResult<usize> {
    diesel::update(registrations::table.find(id))
        .set((
            registrations::name_key.eq(name_key),
            registrations::domain_key.eq(domain_key),
        ))
        .execute(conn)
}

/// Writes the holders' new keys in the caller's transaction: first sets aside each holder
/// that gives way ([`prospect::shared_holders`]), then moves every changed key out of the
/// way (a placeholder no real key can equal), then writes the new keys, so the unique
/// indexes never see two holders with one key, even where two keys swap. Returns the ids
/// set aside.
fn settle_holders(
    conn: &mut DbConnection,
    holders: &[Holding],
    now: NaiveDateTime,
) -> QueryResult<Vec<String>> {
    let view: Vec<Holder> = holders
        .iter()
        .map(|h| Holder {
            id: &h.id,
            approved_at: h.approved_at,
            submitted_at: h.submitted_at,
            name_key: &h.name_key,
            domain_key: h.domain_key.as_deref(),
        })
        .collect();
    let shared = prospect::shared_holders(&view);
    let policy_version = super::policy::current(conn)?.version;
    for &(i, k) in &shared {
        let (h, keeper) = (&holders[i], &holders[k]);
        diesel::update(registrations::table.find(&h.id))
            .set(registrations::shares_prospect_with.eq(&keeper.id))
            .execute(conn)?;
        let message = format!(
            "Since {}, Truce recognises {} and {} (registered by {}, {}) as the same prospect. \
             First valid registration wins, so that one keeps it; decide whether this one \
             stands beside it or is declined.",
            dates::date(now),
            h.company,
            keeper.company,
            keeper.org_name,
            match keeper.approved_at {
                Some(at) => format!("approved {}", dates::date(at)),
                None => format!("submitted {}", dates::date(keeper.submitted_at)),
            }
        );
        flag::insert(
            conn,
            &[NewFlag {
                registration_id: &h.id,
                kind: FlagKind::SharedProspect,
                message: &message,
                other_id: Some(&keeper.id),
            }],
            false,
            now,
        )?;
        // The partner reads the timeline too: it never names the other partner.
        registration_model::insert_event(
            conn,
            &NewEvent {
                registration_id: &h.id,
                actor_id: None,
                kind: EventKind::SharedProspect,
                from: Some(h.status),
                to: h.status,
                note: Some(
                    "Truce now recognises this prospect as the same company as one an earlier \
                     registration holds. The channel team will decide whether yours stands; \
                     until then nothing changes.",
                ),
                policy_version,
            },
            now,
        )?;
    }
    let changed: Vec<&Holding> = holders.iter().filter(|h| h.changed).collect();
    for h in &changed {
        set_keys(conn, &h.id, &format!("\u{1}{}", h.id), None)?;
    }
    for h in &changed {
        set_keys(conn, &h.id, &h.name_key, h.domain_key.as_deref())?;
    }
    Ok(shared.iter().map(|&(i, _)| holders[i].id.clone()).collect())
}
