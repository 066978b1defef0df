//! What a reviewer (and, without names, a partner) needs to know about a prospect before
//! deciding: other registrations of it, CRM accounts, and active direct opportunities, each
//! with why it matched.

use std::collections::HashSet;

use chrono::{NaiveDate, NaiveDateTime, TimeDelta};
use diesel::QueryResult;

use crate::db::DbConnection;
use crate::db::models::crm;
use crate::db::models::registration;
use crate::domain::lifecycle::{Status, format_date};
use crate::domain::policy::Policy;
use crate::domain::prospect::{POSSIBLE_DUPLICATE, similarity};

/// Why two records look like one prospect, and how strongly (1.0 = exact key).
#[derive(Debug, Clone, PartialEq)]
pub struct Why {
    pub score: f64,
    pub reason: String,
}

impl Why {
    pub fn is_exact(&self) -> bool {
        self.score >= 1.0
    }

    pub fn score_text(&self) -> String {
        format!("{:.2}", self.score)
    }
}

pub fn why(
    name_key: &str,
    domain_key: Option<&str>,
    other_name: &str,
    other_domain: Option<&str>,
) -> Option<Why> {
    if let (Some(a), Some(b)) = (domain_key, other_domain)
        && a == b
    {
        return Some(Why {
            score: 1.0,
            reason: format!("same domain ({a})"),
        });
    }
    if name_key == other_name {
        return Some(Why {
            score: 1.0,
            reason: "same name".into(),
        });
    }
    let s = similarity(name_key, other_name);
    (s >= POSSIBLE_DUPLICATE).then(|| Why {
        score: s,
        reason: "similar name".into(),
    })
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
pub struct Evidence {
    pub registrations: Vec<RegistrationMatch>,
    pub accounts: Vec<AccountMatch>,
    pub opportunities: Vec<OpportunityMatch>,
}

impl Evidence {
    pub fn is_empty(&self) -> bool {
        self.summary().is_empty()
    }

    pub fn summary(&self) -> Summary {
        Summary {
            same: self
                .registrations
                .iter()
                .filter(|m| m.why.is_exact())
                .count(),
            possible: self
                .registrations
                .iter()
                .filter(|m| !m.why.is_exact())
                .count(),
            accounts: self.accounts.len(),
            opportunities: self.opportunities.len(),
        }
    }
}

/// How much evidence there is, for the queue: counted the way [`gather`] finds it.
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

/// How many candidates each search returns (exact name, exact domain, same first word).
const CANDIDATES: i64 = 50;

/// How many matches of each kind are shown.
const SHOWN: usize = 20;

/// The registration under review and its prospect keys.
#[derive(Debug, Clone, Copy)]
pub struct Prospect<'a> {
    pub exclude_id: &'a str,
    pub name_key: &'a str,
    pub domain_key: Option<&'a str>,
}

impl<'a> Prospect<'a> {
    /// The prospect a stored registration claims; the registration itself is left out.
    pub fn of(r: &'a registration::Registration) -> Self {
        Self {
            exclude_id: &r.id,
            name_key: &r.name_key,
            domain_key: r.domain_key.as_deref(),
        }
    }

    fn why(&self, other_name: &str, other_domain: Option<&str>) -> Option<Why> {
        why(self.name_key, self.domain_key, other_name, other_domain)
    }
}

/// Ids of other registrations of the prospect and why each matched, strongest first.
fn registration_matches(conn: &mut DbConnection, p: Prospect) -> QueryResult<Vec<(String, Why)>> {
    let keys =
        registration::candidate_keys(conn, p.exclude_id, p.name_key, p.domain_key, CANDIDATES)?;
    Ok(rank_registrations(p, keys))
}

fn rank_registrations(p: Prospect, keys: Vec<registration::Keys>) -> Vec<(String, Why)> {
    let mut seen = HashSet::new();
    let mut found: Vec<(String, Why)> = keys
        .into_iter()
        .filter(|k| k.id != p.exclude_id && seen.insert(k.id.clone()))
        .filter_map(|k| {
            p.why(&k.name_key, k.domain_key.as_deref())
                .map(|w| (k.id, w))
        })
        .collect();
    found.sort_by(|a, b| b.1.score.total_cmp(&a.1.score));
    found.truncate(SHOWN);
    found
}

fn account_matches(conn: &mut DbConnection, p: Prospect) -> QueryResult<Vec<AccountMatch>> {
    let accounts = crm::candidates(conn, p.name_key, p.domain_key, CANDIDATES)?;
    Ok(rank_accounts(p, accounts))
}

fn rank_accounts(p: Prospect, accounts: Vec<crm::Account>) -> Vec<AccountMatch> {
    let mut seen = HashSet::new();
    let mut found: Vec<AccountMatch> = accounts
        .into_iter()
        .filter(|a| seen.insert(a.id.clone()))
        .filter_map(|a| {
            p.why(&a.name_key, a.domain_key.as_deref())
                .map(|why| AccountMatch { account: a, why })
        })
        .collect();
    found.sort_by(|a, b| b.why.score.total_cmp(&a.why.score));
    found.truncate(SHOWN);
    found
}

fn active_opportunities(
    conn: &mut DbConnection,
    accounts: &[AccountMatch],
    policy: &Policy,
    today: NaiveDate,
) -> QueryResult<Vec<crm::Opportunity>> {
    let ids: Vec<String> = accounts.iter().map(|a| a.account.id.clone()).collect();
    let since = today - TimeDelta::days(policy.active_engagement_days);
    crm::active_opportunities(conn, &ids, since)
}

/// Everything matching a prospect, the strongest matches first.
pub fn gather(
    conn: &mut DbConnection,
    p: Prospect,
    policy: &Policy,
    today: NaiveDate,
) -> QueryResult<Evidence> {
    let matched = registration_matches(conn, p)?;
    let ids: Vec<String> = matched.iter().map(|(id, _)| id.clone()).collect();
    let mut rows = registration::listed_by_ids(conn, &ids)?;
    let registrations = matched
        .into_iter()
        .filter_map(|(id, why)| {
            let at = rows.iter().position(|l| l.registration.id == id)?;
            let l = rows.swap_remove(at);
            let r = l.registration;
            Some(RegistrationMatch {
                status: r.status(),
                protection_ends_at: r.state.protection_ends_at,
                id: r.id,
                company_name: r.company_name,
                org_name: l.org_name,
                why,
            })
        })
        .collect();
    let accounts = account_matches(conn, p)?;
    let opportunities = active_opportunities(conn, &accounts, policy, today)?
        .into_iter()
        .map(|o| OpportunityMatch {
            account_name: accounts
                .iter()
                .find(|a| a.account.id == o.account_id)
                .map(|a| a.account.name.clone())
                .unwrap_or_default(),
            opportunity: o,
        })
        .collect();
    Ok(Evidence {
        registrations,
        accounts,
        opportunities,
    })
}

/// What [`gather`] would find for each prospect, counted: for a page of many prospects. It
/// reads only keys, and runs the exact-key searches of all the prospects together.
pub fn summarize_all(
    conn: &mut DbConnection,
    prospects: &[Prospect],
    policy: &Policy,
    today: NaiveDate,
) -> QueryResult<Vec<Summary>> {
    let names: Vec<String> = prospects.iter().map(|p| p.name_key.to_owned()).collect();
    let domains: Vec<String> = prospects
        .iter()
        .filter_map(|p| p.domain_key.map(str::to_owned))
        .collect();
    // Each prospect takes at most CANDIDATES of each search, as `gather` does; the shared
    // searches may return that many for every prospect.
    let limit = CANDIDATES * prospects.len().max(1) as i64;
    let registrations = registration::keys_by_exact(conn, &names, &domains, limit)?;
    let accounts = crm::by_exact(conn, &names, &domains, limit)?;
    let mut found = Vec::with_capacity(prospects.len());
    for p in prospects {
        let mut keys = exact_candidates(p, &registrations, |k| {
            (k.id != p.exclude_id).then_some((k.name_key.as_str(), k.domain_key.as_deref()))
        });
        keys.extend(registration::keys_by_head(
            conn,
            p.exclude_id,
            p.name_key,
            CANDIDATES,
        )?);
        let mut candidates = exact_candidates(p, &accounts, |a| {
            Some((a.name_key.as_str(), a.domain_key.as_deref()))
        });
        candidates.extend(crm::by_head(conn, p.name_key, CANDIDATES)?);
        found.push((rank_registrations(*p, keys), rank_accounts(*p, candidates)));
    }
    let matched: Vec<String> = found
        .iter()
        .flat_map(|(_, accounts)| accounts.iter().map(|a| a.account.id.clone()))
        .collect();
    let since = today - TimeDelta::days(policy.active_engagement_days);
    let opportunities = crm::active_opportunities(conn, &matched, since)?;
    Ok(found
        .into_iter()
        .map(|(registrations, accounts)| {
            let same = registrations.iter().filter(|(_, w)| w.is_exact()).count();
            Summary {
                same,
                possible: registrations.len() - same,
                accounts: accounts.len(),
                opportunities: opportunities
                    .iter()
                    .filter(|o| accounts.iter().any(|a| a.account.id == o.account_id))
                    .count(),
            }
        })
        .collect())
}

/// Of the rows found for many prospects, the ones sharing `p`'s name key and those sharing
/// its domain key, at most [`CANDIDATES`] of each, as `gather`'s own searches take them.
/// `keys` gives a row's name and domain key, or `None` to leave it out.
fn exact_candidates<T: Clone>(
    p: &Prospect,
    rows: &[T],
    keys: impl Fn(&T) -> Option<(&str, Option<&str>)>,
) -> Vec<T> {
    let by_name = rows
        .iter()
        .filter(|r| keys(r).is_some_and(|(name, _)| name == p.name_key))
        .take(CANDIDATES as usize);
    let by_domain = rows
        .iter()
        .filter(|r| keys(r).is_some_and(|(_, domain)| domain.is_some() && domain == p.domain_key))
        .take(CANDIDATES as usize);
    by_name.chain(by_domain).cloned().collect()
}

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
    /// No exact match, but the matching engine finds the same prospect spelled differently,
    /// registered or reserved: a hint only, the exact keys decide.
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
                format_date(*until)
            ),
            Availability::Reserved => "This prospect is reserved for direct sales (a named account); it cannot be registered.".into(),
            Availability::DirectEngagement => "The direct sales team is actively working this prospect. You may register it, but the channel manager may decline it.".into(),
            Availability::Similar => "No registration has this exact name or website, but a prospect spelled very much like it is already registered or reserved for direct sales. If it is the same company, the channel manager will decline or queue your registration: check the name and the website.".into(),
        }
    }

    /// A CSS class for the notice.
    pub fn tone(&self) -> &'static str {
        match self {
            Availability::Available => "ok",
            Availability::DirectEngagement | Availability::UnderReview | Availability::Similar => {
                "warn"
            }
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
    let accounts: Vec<crm::Account> = crm::candidates(conn, name_key, domain_key, CANDIDATES)?
        .into_iter()
        .filter(|a| {
            why(name_key, domain_key, &a.name_key, a.domain_key.as_deref())
                .is_some_and(|w| w.is_exact())
        })
        .collect();
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
/// those find no claim, the matching engine's view of the prospect as typed (a differently
/// spelled registration or reserved account makes it [`Availability::Similar`], a direct
/// opportunity [`Availability::DirectEngagement`]). Only the exact keys ever refuse a
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
    use crate::domain::lock::{Claim, Reserve};
    Ok(match check.claim {
        Claim::Locked { .. }
        | Claim::Pending { .. }
        | Claim::Reserved(Reserve::NamedAccount | Reserve::FlaggedForDirect) => {
            Availability::Similar
        }
        Claim::InPipeline { .. } | Claim::Reserved(Reserve::AboveThreshold { .. }) => {
            Availability::DirectEngagement
        }
        Claim::Open => exact,
    })
}
