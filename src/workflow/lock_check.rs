//! The sales lock check: every account, registration and direct opportunity that looks like
//! the prospect a rep typed, scored by the matching engine, each with what it claims (a
//! registration won inside the customer-protection period included, and past ones as
//! history), and the verdict (`domain::lock::decide`).
//!
//! Candidates come from the stored blocking keys (`prospect_key`), so the work grows with
//! the number of records sharing a key, not with the size of the CRM. Everything is read
//! from the database at the time of the check: a registration made through another
//! instance is seen at once.

use std::collections::HashMap;

use chrono::NaiveDateTime;
use diesel::QueryResult;

use crate::db::DbConnection;
use crate::db::models::prospect_key::{self, Kind as KeyKind};
use crate::db::models::{crm, registration, territory};
use crate::domain::code::text_enum;
use crate::domain::lock::{Claim, Hit, LockResult, Reserve, decide, registration_claim};
use crate::domain::matching::{Profile, Thresholds, score_with};
use crate::domain::policy::Policy;
use crate::domain::territory::direct_territory;

text_enum! {
    /// The kind of record a match is.
    pub enum Kind {
        Account,
        Registration,
        #[strum(serialize = "direct_opportunity")]
        Opportunity,
    }
}

impl Kind {
    pub fn label(self) -> &'static str {
        match self {
            Kind::Account => "CRM account",
            Kind::Registration => "Partner registration",
            Kind::Opportunity => "Direct opportunity",
        }
    }
}

/// A matched record as a rep sees it.
#[derive(Debug, Clone, PartialEq)]
pub struct Record {
    pub kind: Kind,
    pub id: String,
    pub name: String,
    /// The registrable domain the engine compared.
    pub domain: Option<String>,
    /// The account rep, for accounts and opportunities.
    pub owner: Option<String>,
    /// The CRM account, for accounts and opportunities.
    pub account_id: Option<String>,
    /// The partner organisation, for registrations.
    pub org_id: Option<String>,
}

pub type LockCheck = LockResult<Record>;

/// How many matches (and past registrations) a check returns besides the deciding one.
const SHOWN: usize = 20;

/// Checks the prospect `name` (and `domain`, a website or address) as of `now`.
pub fn check(
    conn: &mut DbConnection,
    name: &str,
    domain: Option<&str>,
    policy: &Policy,
    thresholds: &Thresholds,
    now: NaiveDateTime,
) -> QueryResult<LockCheck> {
    let query = Profile::new(name, domain);
    let candidates = prospect_key::candidates(conn, &query)?;
    let ids = |kind: KeyKind| -> Vec<String> {
        candidates
            .iter()
            .filter(|(_, k)| *k == kind)
            .map(|(id, _)| id.clone())
            .collect()
    };
    let mut hits = Vec::new();

    for listed in registration::listed_by_ids(conn, &ids(KeyKind::Registration))? {
        let r = &listed.registration;
        let Some(claim) = registration_claim(
            &r.state.to_domain(),
            &listed.org_name,
            r.submitted_at,
            policy.customer_protection_days,
            now,
        ) else {
            continue;
        };
        let profile = prospect_key::registration_profile(&r.company_name, r.domain_key.as_deref());
        if let Some(m) = score_with(&query, &profile, thresholds) {
            hits.push(Hit {
                record: Record {
                    kind: Kind::Registration,
                    id: r.id.clone(),
                    name: r.company_name.clone(),
                    domain: profile.domain,
                    owner: None,
                    account_id: None,
                    org_id: Some(r.org_id.clone()),
                },
                score: m.score,
                verdict: m.verdict,
                evidence: m.evidence,
                claim,
            });
        }
    }

    let mut accounts = Vec::new();
    for account in crm::find_many(conn, &ids(KeyKind::Account))? {
        let profile = account.profile();
        if let Some(m) = score_with(&query, &profile, thresholds) {
            accounts.push((account, profile.domain, m));
        }
    }
    // Only whether a territory reserves a matched account for direct sales, whoever asks;
    // most checks match no account and need no territory.
    let territories = if accounts.is_empty() {
        Vec::new()
    } else {
        territory::as_seen_by(conn, None)?
    };
    let account_ids: Vec<String> = accounts.iter().map(|(a, ..)| a.id.clone()).collect();
    let since = policy.active_since(now.date());
    let mut opportunities: HashMap<String, Vec<crm::Opportunity>> = HashMap::new();
    for o in crm::active_opportunities(conn, &account_ids, since)? {
        opportunities
            .entry(o.account_id.clone())
            .or_default()
            .push(o);
    }
    for (account, domain, m) in accounts {
        let reserve = if account.named_account {
            Some(Reserve::NamedAccount)
        } else if account.reserved_for_direct {
            Some(Reserve::FlaggedForDirect)
        } else {
            direct_territory(
                &territories,
                account.country.as_deref().unwrap_or(""),
                account.industry.as_deref().unwrap_or(""),
            )
            .map(|t| Reserve::DirectTerritory {
                territory: t.name.clone(),
            })
        };
        let active = opportunities.remove(&account.id).unwrap_or_default();
        for o in &active {
            let above = policy
                .to_program_units(o.amount_minor, &o.currency)
                .is_some_and(|units| policy.reserved_for_direct(units));
            hits.push(Hit {
                record: Record {
                    kind: Kind::Opportunity,
                    id: o.id.clone(),
                    name: account.name.clone(),
                    domain: domain.clone(),
                    owner: Some(o.owner_email.clone()),
                    account_id: Some(account.id.clone()),
                    org_id: None,
                },
                score: m.score,
                verdict: m.verdict,
                evidence: m.evidence.clone(),
                claim: if above {
                    Claim::Reserved(Reserve::AboveThreshold {
                        threshold: policy.direct_threshold,
                        currency: policy.currency.clone(),
                    })
                } else {
                    Claim::InPipeline {
                        owner: o.owner_email.clone(),
                        stage: o.stage.clone(),
                        last_activity: o.last_activity_on,
                    }
                },
            });
        }
        // An account someone works is shown through its opportunities.
        if reserve.is_some() || active.is_empty() {
            hits.push(Hit {
                record: Record {
                    kind: Kind::Account,
                    id: account.id.clone(),
                    name: account.name.clone(),
                    domain,
                    owner: account.owner_email.clone(),
                    account_id: Some(account.id.clone()),
                    org_id: None,
                },
                score: m.score,
                verdict: m.verdict,
                evidence: m.evidence,
                claim: reserve.map_or(Claim::Open, Claim::Reserved),
            });
        }
    }

    let mut outcome = decide(hits);
    outcome.others.truncate(SHOWN);
    outcome.history.truncate(SHOWN);
    Ok(outcome)
}
