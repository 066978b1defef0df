//! A lock check as shown: one structure rendered by the sales page and serialised by the
//! JSON API, so the two always say the same thing.

use chrono::{NaiveDate, NaiveDateTime};
use serde::Serialize;

use crate::domain::lock::{Claim, Hit, Reserve};
use crate::domain::matching::Verdict;
use crate::domain::sla::days_left;
use crate::workflow::lock_check::{LockCheck, Record};

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct LockView {
    pub query: QueryView,
    /// A claim on a same-prospect match: locked, pending, partner_customer, reserved or
    /// in_pipeline. A claim only on a possible match: check_first. No claim: open.
    pub verdict: &'static str,
    pub title: &'static str,
    pub message: String,
    pub advice: &'static str,
    /// The match that decided the verdict (for check_first, the possible match whose claim it
    /// names; when open, the best-scored match).
    pub best: Option<MatchView>,
    /// The other matches, best score first.
    pub matches: Vec<MatchView>,
    /// Registrations that claimed the prospect once (claim status "history"), best score
    /// first.
    pub history: Vec<MatchView>,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct QueryView {
    pub name: String,
    pub domain: Option<String>,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct MatchView {
    /// account, registration or direct_opportunity.
    pub kind: &'static str,
    #[serde(skip)]
    pub kind_label: &'static str,
    pub id: String,
    pub name: String,
    pub domain: Option<String>,
    /// The CRM account, for accounts and direct opportunities.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub account_id: Option<String>,
    /// 0–1, two decimals.
    pub score: f64,
    /// same or possible.
    #[serde(rename = "match")]
    pub verdict: &'static str,
    pub evidence: Vec<EvidenceView>,
    pub claim: ClaimView,
}

impl MatchView {
    pub fn score_text(&self) -> String {
        format!("{:.2}", self.score)
    }

    pub fn verdict_label(&self) -> &'static str {
        if self.verdict == "same" {
            "same prospect"
        } else {
            "possible match"
        }
    }

    /// "same domain, typo: softwre ~ software".
    pub fn evidence_text(&self) -> String {
        self.evidence
            .iter()
            .map(|e| e.detail.as_str())
            .collect::<Vec<_>>()
            .join("; ")
    }
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct EvidenceView {
    pub field: &'static str,
    pub kind: &'static str,
    pub detail: String,
    pub strength: f64,
    /// True when this speaks against the match.
    pub against: bool,
}

/// What the record claims, in words and as data.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct ClaimView {
    pub status: &'static str,
    pub title: &'static str,
    pub message: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub partner: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub protected_until: Option<NaiveDateTime>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub days_left: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub under_review_since: Option<NaiveDateTime>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub decision_due: Option<NaiveDateTime>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reserved_because: Option<&'static str>,
    /// The direct-only territory, when that is what reserves the account.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub territory: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub owner: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub stage: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub last_activity: Option<NaiveDate>,
    /// partner_customer and won history: the day the deal was won.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub won_on: Option<NaiveDate>,
    /// partner_customer: the first day the prospect is no longer protected as the partner's
    /// customer; won history: when that protection ended.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub customer_until: Option<NaiveDate>,
    /// history: how the registration ended (expired, rejected, withdrawn, lost, overturned,
    /// won) and on which day.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub outcome: Option<&'static str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ended_on: Option<NaiveDate>,
}

impl ClaimView {
    fn of(claim: &Claim, now: NaiveDateTime) -> Self {
        let mut v = ClaimView {
            status: claim.code(),
            title: claim.title(),
            message: claim.describe(now),
            partner: None,
            protected_until: None,
            days_left: None,
            under_review_since: None,
            decision_due: None,
            reserved_because: None,
            territory: None,
            owner: None,
            stage: None,
            last_activity: None,
            won_on: None,
            customer_until: None,
            outcome: None,
            ended_on: None,
        };
        match claim {
            Claim::Locked { partner, until } => {
                v.partner = Some(partner.clone());
                v.protected_until = Some(*until);
                v.days_left = Some(days_left(*until, now));
            }
            Claim::Pending {
                partner,
                since,
                due,
            } => {
                v.partner = Some(partner.clone());
                v.under_review_since = Some(*since);
                v.decision_due = *due;
            }
            Claim::Reserved(reserve) => {
                v.reserved_because = Some(match reserve {
                    Reserve::NamedAccount => "named_account",
                    Reserve::FlaggedForDirect => "flagged_for_direct",
                    Reserve::DirectTerritory { .. } => "direct_territory",
                    Reserve::AboveThreshold { .. } => "above_threshold",
                });
                if let Reserve::DirectTerritory { territory } = reserve {
                    v.territory = Some(territory.clone());
                }
            }
            Claim::InPipeline {
                owner,
                stage,
                last_activity,
            } => {
                v.owner = Some(owner.clone());
                v.stage = Some(stage.clone());
                v.last_activity = Some(*last_activity);
            }
            Claim::Customer {
                partner,
                won_on,
                until,
            } => {
                v.partner = Some(partner.clone());
                v.won_on = Some(*won_on);
                v.customer_until = Some(*until);
            }
            Claim::Past(past) => {
                v.partner = Some(past.partner.clone());
                v.outcome = Some(past.status.as_str());
                v.ended_on = Some(past.on);
                if past.status == crate::domain::lifecycle::Status::Won {
                    v.won_on = Some(past.on);
                    v.customer_until = past.customer_until;
                }
            }
            Claim::Open => {}
        }
        v
    }
}

fn match_view(hit: Hit<Record>, now: NaiveDateTime) -> MatchView {
    let mut claim = ClaimView::of(&hit.claim, now);
    if claim.owner.is_none() {
        claim.owner = hit.record.owner.clone();
    }
    MatchView {
        kind: hit.record.kind.as_str(),
        kind_label: hit.record.kind.label(),
        id: hit.record.id,
        name: hit.record.name,
        domain: hit.record.domain,
        account_id: hit.record.account_id,
        score: (hit.score * 100.0).round() / 100.0,
        verdict: match hit.verdict {
            Verdict::Same => "same",
            Verdict::Possible => "possible",
        },
        evidence: hit
            .evidence
            .into_iter()
            .map(|e| EvidenceView {
                field: e.field.as_str(),
                kind: e.kind.as_str(),
                against: e.kind.is_against(),
                detail: e.detail,
                strength: (e.strength * 100.0).round() / 100.0,
            })
            .collect(),
        claim,
    }
}

impl LockView {
    pub fn new(name: &str, domain: Option<&str>, check: LockCheck, now: NaiveDateTime) -> Self {
        LockView {
            query: QueryView {
                name: name.to_owned(),
                domain: domain.map(str::to_owned),
            },
            verdict: check.code(),
            title: check.title(),
            message: check.message(now, |r| r.name.clone()),
            advice: check.advice(),
            best: check.best.map(|h| match_view(h, now)),
            matches: check
                .others
                .into_iter()
                .map(|h| match_view(h, now))
                .collect(),
            history: check
                .history
                .into_iter()
                .map(|h| match_view(h, now))
                .collect(),
        }
    }
}

impl LockView {
    /// The notice's CSS class: red where the rep must stay away, amber where to hold off or
    /// coordinate, green where they may go ahead.
    pub fn tone(&self) -> &'static str {
        match self.verdict {
            "locked" => "bad",
            "pending" | "in_pipeline" | "partner_customer" | "check_first" => "warn",
            _ => "ok",
        }
    }
}
