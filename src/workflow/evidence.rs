//! What a reviewer (and, without names, a partner) needs to know about a prospect before
//! deciding: other registrations of it, CRM accounts, and active direct opportunities, each
//! with why it matched.

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
        self.registrations.is_empty() && self.accounts.is_empty() && self.opportunities.is_empty()
    }

    /// "2 registrations, 1 CRM account": for the queue.
    pub fn summary(&self) -> String {
        let mut parts = Vec::new();
        let exact = self
            .registrations
            .iter()
            .filter(|m| m.why.is_exact())
            .count();
        let possible = self.registrations.len() - exact;
        if exact > 0 {
            parts.push(format!(
                "{exact} same-prospect registration{}",
                plural(exact)
            ));
        }
        if possible > 0 {
            parts.push(format!("{possible} possible duplicate{}", plural(possible)));
        }
        if !self.accounts.is_empty() {
            parts.push(format!(
                "{} CRM account{}",
                self.accounts.len(),
                plural(self.accounts.len())
            ));
        }
        if !self.opportunities.is_empty() {
            parts.push(format!(
                "{} active direct opportunit{}",
                self.opportunities.len(),
                if self.opportunities.len() == 1 {
                    "y"
                } else {
                    "ies"
                }
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

/// Everything matching a prospect, the strongest matches first. `exclude_id` is the
/// registration under review.
pub fn gather(
    conn: &mut DbConnection,
    exclude_id: &str,
    name_key: &str,
    domain_key: Option<&str>,
    policy: &Policy,
    today: NaiveDate,
) -> QueryResult<Evidence> {
    let mut registrations: Vec<RegistrationMatch> =
        registration::candidates(conn, exclude_id, name_key, domain_key, CANDIDATES)?
            .into_iter()
            .filter_map(|l| {
                let r = &l.registration;
                why(name_key, domain_key, &r.name_key, r.domain_key.as_deref()).map(|why| {
                    RegistrationMatch {
                        id: r.id.clone(),
                        company_name: r.company_name.clone(),
                        org_name: l.org_name,
                        status: r.status(),
                        protection_ends_at: r.state.protection_ends_at,
                        why,
                    }
                })
            })
            .collect();
    registrations.sort_by(|a, b| b.why.score.total_cmp(&a.why.score));
    registrations.truncate(20);
    let mut accounts: Vec<AccountMatch> = crm::candidates(conn, name_key, domain_key, CANDIDATES)?
        .into_iter()
        .filter_map(|a| {
            why(name_key, domain_key, &a.name_key, a.domain_key.as_deref())
                .map(|why| AccountMatch { account: a, why })
        })
        .collect();
    accounts.sort_by(|a, b| b.why.score.total_cmp(&a.why.score));
    accounts.truncate(20);
    let ids: Vec<String> = accounts.iter().map(|a| a.account.id.clone()).collect();
    let since = today - TimeDelta::days(policy.active_engagement_days);
    let opportunities = crm::active_opportunities(conn, &ids, since)?
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

/// What a partner is told about a prospect before registering it. Never names another
/// partner.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Availability {
    Available,
    YoursAlready { id: String },
    UnderReview,
    Locked { until: NaiveDateTime },
    Reserved,
    DirectEngagement,
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
        }
    }

    /// A CSS class for the notice.
    pub fn tone(&self) -> &'static str {
        match self {
            Availability::Available => "ok",
            Availability::DirectEngagement | Availability::UnderReview => "warn",
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
