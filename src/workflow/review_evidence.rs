//! What a reviewer needs to know about a prospect before deciding: other registrations of
//! it, CRM accounts and active direct opportunities, each with why it matched, and whether it
//! is another partner's customer. Read from what the matching engine stored
//! (`workflow::matching`), so the queue's counts and the page's list always agree; whether a
//! matched account's direct opportunities are active is read live.

use chrono::{NaiveDate, NaiveDateTime};
use diesel::QueryResult;

use crate::db::DbConnection;
use crate::db::models::crm;
use crate::db::models::registration::{self, Counted, Registration};
use crate::db::models::registration_match::{self, Found, Kind};
use crate::domain::dates;
use crate::domain::lifecycle::Status;
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

/// How much evidence there is, for the queue: what [`gather`] lists, counted in SQL
/// ([`registration::review_queue`]).
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Summary {
    pub same: usize,
    pub possible: usize,
    pub accounts: usize,
    pub opportunities: usize,
}

impl Summary {
    pub(crate) fn of(counted: Counted) -> Self {
        let n = |count: i64| usize::try_from(count).unwrap_or_default();
        Self {
            same: n(counted.same),
            possible: n(counted.possible),
            accounts: n(counted.accounts),
            opportunities: n(counted.opportunities),
        }
    }

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
    let since = policy.active_since(today);
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
