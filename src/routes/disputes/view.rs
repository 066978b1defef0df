//! How a dispute reads on a page.

use chrono::NaiveDateTime;

use crate::db::models::dispute::Dispute;
use crate::domain::dates::date_time;
use crate::domain::dispute::RulingOutcome;
use crate::domain::role::Role;
use crate::domain::sla::{SlaState, describe_due, sla_state};

pub struct DisputeView {
    pub id: String,
    pub prospect_name: String,
    pub reason: &'static str,
    pub details: String,
    pub is_open: bool,
    /// "Open", or the ruling.
    pub status_label: &'static str,
    pub raised: String,
    pub raised_by_rep: bool,
    pub sla: Option<SlaState>,
    pub sla_text: Option<String>,
    pub due: Option<String>,
    pub escalated: bool,
    pub outcome: Option<RulingOutcome>,
    pub rationale: Option<String>,
    pub partner_share_pct: Option<i32>,
    pub resolved: Option<String>,
    pub policy_version: i64,
    pub roe_version: Option<i64>,
}

impl DisputeView {
    pub fn new(d: &Dispute, now: NaiveDateTime) -> Self {
        Self {
            id: d.id.clone(),
            prospect_name: d.prospect_name.clone(),
            reason: d.reason_label(),
            details: d.details.clone(),
            is_open: d.is_open(),
            status_label: d.outcome_label(),
            raised: date_time(d.raised_at),
            raised_by_rep: d.raiser_role == Role::Sales.as_str(),
            sla: sla_state(d.due_at, None, now),
            sla_text: d.due_at.map(|due| describe_due(due, now)),
            due: d.due_at.map(date_time),
            escalated: d.sla_escalated_at.is_some(),
            outcome: d.outcome(),
            rationale: d.rationale.clone(),
            partner_share_pct: d.partner_share_pct,
            resolved: d.resolved_at.map(date_time),
            policy_version: d.policy_version,
            roe_version: d.roe_version,
        }
    }

    pub fn status_css(&self) -> &'static str {
        match self.outcome {
            None => "warn",
            Some(RulingOutcome::Upheld) => "muted",
            Some(_) => "ok",
        }
    }
}
