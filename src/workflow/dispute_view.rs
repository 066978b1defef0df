//! A dispute as the API shows it and as its webhooks carry it.

use chrono::NaiveDateTime;
use serde::Serialize;
use utoipa::ToSchema;

use crate::db::models::dispute::Dispute;

/// A dispute and, once resolved, its ruling.
#[derive(Serialize, ToSchema)]
pub struct DisputeView {
    id: String,
    /// `open` or `resolved`.
    status: String,
    prospect_name: String,
    reason: String,
    details: String,
    raiser_role: String,
    raiser_org_id: Option<String>,
    raiser_registration_id: Option<String>,
    other_registration_id: Option<String>,
    raised_at: NaiveDateTime,
    due_at: Option<NaiveDateTime>,
    policy_version: i64,
    roe_version: Option<i64>,
    ruling: Option<Ruling>,
}

#[derive(Serialize, ToSchema)]
pub struct Ruling {
    outcome: String,
    rationale: Option<String>,
    /// The partner's share of the commission, for a split.
    partner_share_pct: Option<i32>,
    resolved_by: Option<String>,
    resolved_at: Option<NaiveDateTime>,
}

impl From<Dispute> for DisputeView {
    fn from(d: Dispute) -> Self {
        let ruling = d.outcome.map(|o| Ruling {
            outcome: o.as_str().to_owned(),
            rationale: d.rationale,
            partner_share_pct: d.partner_share_pct,
            resolved_by: d.resolved_by,
            resolved_at: d.resolved_at,
        });
        DisputeView {
            id: d.id,
            status: d.status,
            prospect_name: d.prospect_name,
            reason: d.reason.as_str().to_owned(),
            details: d.details,
            raiser_role: d.raiser_role,
            raiser_org_id: d.raiser_org_id,
            raiser_registration_id: d.raiser_registration_id,
            other_registration_id: d.other_registration_id,
            raised_at: d.raised_at,
            due_at: d.due_at,
            policy_version: d.policy_version,
            roe_version: d.roe_version,
            ruling,
        }
    }
}
