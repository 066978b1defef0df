//! What a reviewer (and, without names, a partner) needs to know about a prospect before
//! deciding: other registrations of it, CRM accounts, and active direct opportunities, each
//! with why it matched.
//!
//! The matching engine (`domain::matching`, candidates from `prospect_key`) finds the other
//! registrations and the CRM accounts when a registration is submitted, and again while it
//! awaits review whenever the CRM accounts change ([`refresh_stale`], run by the jobs). What
//! it found is stored (`registration_match`): the queue counts it and the review page lists
//! it, so the two always agree, and a queue page never runs the engine 25 times. Whether a
//! matched account's direct opportunities are active is read live.

use std::collections::HashMap;

use chrono::{NaiveDate, NaiveDateTime, TimeDelta};
use diesel::QueryResult;

use crate::db::models::registration::{self, Registration};
use crate::db::models::registration_match::{self, Found, Kind};
use crate::db::models::{crm, prospect_key};
use crate::db::{DbConnection, write_tx};
use crate::domain::dates;
use crate::domain::lifecycle::Status;
use crate::domain::matching::{Match, Profile, Thresholds, Verdict, score_with};
use crate::domain::policy::Policy;

/// Why two records look like one prospect, as the engine found it.
#[derive(Debug, Clone, PartialEq)]
pub struct Why {
    /// 0–1.
    pub score: f64,
    /// At or above the "same prospect" threshold when found; else a possible duplicate.
    pub same: bool,
    /// The engine's evidence: "same domain; typo: holdngs ~ holdings".
    pub reason: String,
}

impl Why {
    pub fn is_same(&self) -> bool {
        self.same
    }

    pub fn score_text(&self) -> String {
        format!("{:.2}", self.score)
    }

    fn of(found: &Found) -> Why {
        Why {
            score: f64::from(found.score) / 100.0,
            same: found.same_prospect,
            reason: found.evidence.clone(),
        }
    }
}

pub struct RegistrationMatch {
    pub id: String,
    pub company_name: String,
    pub org_name: String,
    pub status: Status,
    pub protection_ends_at: Option<NaiveDateTime>,
    pub why: Why,
}

pub struct AccountMatch {
    pub account: crm::Account,
    pub why: Why,
}

pub struct OpportunityMatch {
    pub account_name: String,
    pub opportunity: crm::Opportunity,
}

#[derive(Default)]
pub struct ReviewEvidence {
    pub registrations: Vec<RegistrationMatch>,
    pub accounts: Vec<AccountMatch>,
    pub opportunities: Vec<OpportunityMatch>,
    /// When the engine last looked; `None` if it never has (a registration stored before
    /// the engine, not in review).
    pub matched_at: Option<NaiveDateTime>,
}

impl ReviewEvidence {
    pub fn is_empty(&self) -> bool {
        self.summary().is_empty()
    }

    pub fn summary(&self) -> Summary {
        let same = self
            .registrations
            .iter()
            .filter(|m| m.why.is_same())
            .count();
        Summary {
            same,
            possible: self.registrations.len() - same,
            accounts: self.accounts.len(),
            opportunities: self.opportunities.len(),
        }
    }

    /// "on 23 Nov 2026", for the page.
    pub fn matched_on(&self) -> Option<String> {
        self.matched_at.map(dates::date)
    }
}

/// How much evidence there is, for the queue: counted from what [`gather`] lists.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Summary {
    pub same: usize,
    pub possible: usize,
    pub accounts: usize,
    pub opportunities: usize,
}

impl Summary {
    pub fn is_empty(&self) -> bool {
        *self == Self::default()
    }

    /// "2 same-prospect registrations, 1 CRM account".
    pub fn text(&self) -> String {
        let mut parts = Vec::new();
        if self.same > 0 {
            parts.push(format!(
                "{} same-prospect registration{}",
                self.same,
                plural(self.same)
            ));
        }
        if self.possible > 0 {
            parts.push(format!(
                "{} possible duplicate{}",
                self.possible,
                plural(self.possible)
            ));
        }
        if self.accounts > 0 {
            parts.push(format!(
                "{} CRM account{}",
                self.accounts,
                plural(self.accounts)
            ));
        }
        if self.opportunities > 0 {
            parts.push(format!(
                "{} active direct opportunit{}",
                self.opportunities,
                if self.opportunities == 1 { "y" } else { "ies" }
            ));
        }
        if parts.is_empty() {
            "No conflicts found".into()
        } else {
            parts.join(", ")
        }
    }
}

fn plural(n: usize) -> &'static str {
    if n == 1 { "" } else { "s" }
}

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

/// Whether `reg`'s prospect is another partner's customer: a registration the engine found
/// as the same prospect (stored by [`record`]) that was won inside the policy's
/// customer-protection period. Returns that registration's id and what the reviewer reads.
pub fn customer_of_another(
    conn: &mut DbConnection,
    reg: &Registration,
    policy: &Policy,
    now: NaiveDateTime,
) -> QueryResult<Option<(String, String)>> {
    use crate::domain::lock::{Claim, registration_claim};
    if policy.customer_protection_days == 0 {
        return Ok(None);
    }
    let same: Vec<Found> = registration_match::of(conn, std::slice::from_ref(&reg.id))?
        .into_iter()
        .map(|(_, f)| f)
        .filter(|f| f.kind == Kind::Registration && f.same_prospect)
        .collect();
    let ids: Vec<String> = same.iter().map(|f| f.other_id.clone()).collect();
    let customers = registration::listed_by_ids(conn, &ids)?
        .into_iter()
        .filter(|l| l.registration.org_id != reg.org_id)
        .filter_map(|l| {
            let r = &l.registration;
            let claim = registration_claim(
                &r.state.to_domain(),
                &l.org_name,
                r.submitted_at,
                policy.customer_protection_days,
                now,
            )?;
            let Claim::Customer { won_on, until, .. } = claim else {
                return None;
            };
            let score = same.iter().find(|f| f.other_id == r.id)?.score;
            let message = crate::domain::flag::customer_message(
                &l.org_name,
                &r.company_name,
                won_on,
                until,
                f64::from(score) / 100.0,
            );
            Some((won_on, r.id.clone(), message))
        });
    // The most recent win speaks for the customer relationship.
    Ok(customers
        .max_by_key(|(won_on, ..)| *won_on)
        .map(|(_, id, message)| (id, message)))
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

/// Everything stored as matching registration `id`, the strongest matches first, with the
/// active direct opportunities of the matched accounts.
pub fn gather(
    conn: &mut DbConnection,
    id: &str,
    policy: &Policy,
    today: NaiveDate,
) -> QueryResult<ReviewEvidence> {
    let found: Vec<Found> = registration_match::of(conn, &[id.to_owned()])?
        .into_iter()
        .map(|(_, f)| f)
        .collect();
    let of_kind = |kind: Kind| -> Vec<String> {
        found
            .iter()
            .filter(|f| f.kind == kind)
            .map(|f| f.other_id.clone())
            .collect()
    };
    let mut rows = registration::listed_by_ids(conn, &of_kind(Kind::Registration))?;
    let mut accounts = crm::find_many(conn, &of_kind(Kind::Account))?;
    let mut registrations = Vec::new();
    let mut account_matches = Vec::new();
    for f in &found {
        match f.kind {
            Kind::Registration => {
                let Some(at) = rows.iter().position(|l| l.registration.id == f.other_id) else {
                    continue;
                };
                let l = rows.swap_remove(at);
                let r = l.registration;
                registrations.push(RegistrationMatch {
                    status: r.status(),
                    protection_ends_at: r.state.protection_ends_at,
                    id: r.id,
                    company_name: r.company_name,
                    org_name: l.org_name,
                    why: Why::of(f),
                });
            }
            Kind::Account => {
                let Some(at) = accounts.iter().position(|a| a.id == f.other_id) else {
                    continue;
                };
                account_matches.push(AccountMatch {
                    account: accounts.swap_remove(at),
                    why: Why::of(f),
                });
            }
        }
    }
    let since = today - TimeDelta::days(policy.active_engagement_days);
    let opportunities = crm::active_opportunities(conn, &of_kind(Kind::Account), since)?
        .into_iter()
        .map(|o| OpportunityMatch {
            account_name: account_matches
                .iter()
                .find(|a| a.account.id == o.account_id)
                .map(|a| a.account.name.clone())
                .unwrap_or_default(),
            opportunity: o,
        })
        .collect();
    Ok(ReviewEvidence {
        registrations,
        accounts: account_matches,
        opportunities,
        matched_at: registration_match::matched_at(conn, id)?,
    })
}

/// What [`gather`] lists for each of `ids`, counted, in three queries for the whole page.
pub fn summarize_all(
    conn: &mut DbConnection,
    ids: &[String],
    policy: &Policy,
    today: NaiveDate,
) -> QueryResult<Vec<Summary>> {
    let mut by_id: HashMap<&str, (Summary, Vec<String>)> = HashMap::new();
    let stored = registration_match::of(conn, ids)?;
    for (id, f) in &stored {
        let (summary, accounts) = by_id.entry(id.as_str()).or_default();
        match f.kind {
            Kind::Registration if f.same_prospect => summary.same += 1,
            Kind::Registration => summary.possible += 1,
            Kind::Account => {
                summary.accounts += 1;
                accounts.push(f.other_id.clone());
            }
        }
    }
    let matched: Vec<String> = by_id.values().flat_map(|(_, a)| a.clone()).collect();
    let since = today - TimeDelta::days(policy.active_engagement_days);
    let opportunities = crm::active_opportunities(conn, &matched, since)?;
    Ok(ids
        .iter()
        .map(|id| {
            let Some((mut summary, accounts)) = by_id.remove(id.as_str()) else {
                return Summary::default();
            };
            summary.opportunities = opportunities
                .iter()
                .filter(|o| accounts.contains(&o.account_id))
                .count();
            summary
        })
        .collect())
}

/// How many CRM accounts with the prospect's exact name or domain key the availability check
/// reads; one reserved account among them is enough.
const EXACT_ACCOUNTS: i64 = 50;

/// What a partner is told about a prospect before registering it. Never names another
/// partner.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Availability {
    Available,
    YoursAlready {
        id: String,
    },
    UnderReview,
    Locked {
        until: NaiveDateTime,
    },
    Reserved,
    DirectEngagement,
    /// Another partner won a deal with this prospect inside the customer-protection period:
    /// a registration goes to review with that noted.
    Customer,
    /// The matching engine finds a claim on the same prospect spelled differently, or on a
    /// similar one: a hint only, the exact keys decide, and the channel team judges.
    Similar,
}

impl Availability {
    pub fn message(&self) -> String {
        match self {
            Availability::Available => "No registration or direct claim was found for this prospect: it looks available.".into(),
            Availability::YoursAlready { .. } => "Your organisation already has an active registration for this prospect.".into(),
            Availability::UnderReview => "Another registration of this prospect is under review. If you submit, yours waits in line and goes to review only if that one is rejected or withdrawn.".into(),
            Availability::Locked { until } => format!(
                "This prospect is already registered and protected until {}. A new registration would be declined.",
                dates::date(*until)
            ),
            Availability::Reserved => "This prospect is reserved for direct sales (a named account); it cannot be registered.".into(),
            Availability::DirectEngagement => "The direct sales team is actively working this prospect. You may register it, but the channel manager may decline it.".into(),
            Availability::Customer => "This prospect is a recent customer of another partner. You may register it; the channel team will review it with that in mind.".into(),
            Availability::Similar => "A similar prospect is already registered or claimed. If you submit, the channel team will decide whether it is the same company: check the name and the website.".into(),
        }
    }

    /// A CSS class for the notice.
    pub fn tone(&self) -> &'static str {
        match self {
            Availability::Available => "ok",
            Availability::DirectEngagement
            | Availability::UnderReview
            | Availability::Customer
            | Availability::Similar => "warn",
            _ => "bad",
        }
    }

    /// True when submitting is refused outright.
    pub fn blocks(&self) -> bool {
        matches!(
            self,
            Availability::YoursAlready { .. } | Availability::Reserved
        )
    }
}

/// The partner-facing verdict for a prospect.
pub fn availability(
    conn: &mut DbConnection,
    org_id: &str,
    name_key: &str,
    domain_key: Option<&str>,
    policy: &Policy,
    today: NaiveDate,
) -> QueryResult<Availability> {
    // The exact keys only: they decide what a partner may register.
    let domains: Vec<String> = domain_key.map(str::to_owned).into_iter().collect();
    let accounts = crm::by_exact(conn, &[name_key.to_owned()], &domains, EXACT_ACCOUNTS)?;
    if accounts.iter().any(crm::Account::is_reserved) {
        return Ok(Availability::Reserved);
    }
    if let Some(mine) = registration::active_in_org(conn, org_id, name_key, domain_key)? {
        return Ok(Availability::YoursAlready { id: mine.id });
    }
    if let Some(holder) = registration::find_holder(conn, name_key, domain_key)? {
        return Ok(match (holder.status(), holder.state.protection_ends_at) {
            (Status::Approved, Some(until)) => Availability::Locked { until },
            _ => Availability::UnderReview,
        });
    }
    let ids: Vec<String> = accounts.iter().map(|a| a.id.clone()).collect();
    let since = today - TimeDelta::days(policy.active_engagement_days);
    if !crm::active_opportunities(conn, &ids, since)?.is_empty() {
        return Ok(Availability::DirectEngagement);
    }
    Ok(Availability::Available)
}

/// What a partner is told before submitting: [`availability`] by the exact keys, then, when
/// those find no claim, the lock check's verdict on the prospect as typed: another
/// partner's recent customer is [`Availability::Customer`], a direct opportunity on the
/// same prospect [`Availability::DirectEngagement`], any other claim (a differently spelled
/// registration or reserved account, or any claim on a merely similar prospect: the lock
/// check's Check first) [`Availability::Similar`]. Only the exact keys ever refuse a
/// submission.
#[expect(
    clippy::too_many_arguments,
    reason = "the prospect as typed, who asks, and when"
)]
pub fn hint(
    conn: &mut DbConnection,
    org_id: &str,
    company_name: &str,
    website_or_email: Option<&str>,
    name_key: &str,
    domain_key: Option<&str>,
    policy: &Policy,
    now: NaiveDateTime,
) -> QueryResult<Availability> {
    let exact = availability(conn, org_id, name_key, domain_key, policy, now.date())?;
    if !matches!(
        exact,
        Availability::Available | Availability::DirectEngagement
    ) {
        return Ok(exact);
    }
    let check = super::lock_check::check(
        conn,
        company_name,
        website_or_email,
        policy,
        &policy.thresholds(),
        now,
    )?;
    use crate::domain::lock::{Answer, Claim, Reserve};
    let own = check
        .best
        .as_ref()
        .is_some_and(|b| b.record.org_id.as_deref() == Some(org_id));
    Ok(match (check.answer, &check.claim) {
        (Answer::Open, _) => exact,
        // The partner's own customer, or its own registration spelled otherwise.
        (Answer::Claimed, _) if own => exact,
        (Answer::Claimed, Claim::Customer { .. }) => Availability::Customer,
        (
            Answer::Claimed,
            Claim::InPipeline { .. } | Claim::Reserved(Reserve::AboveThreshold { .. }),
        ) => Availability::DirectEngagement,
        (Answer::Claimed | Answer::CheckFirst, _) => Availability::Similar,
    })
}
