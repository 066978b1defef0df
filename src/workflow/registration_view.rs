//! A registration as the API lists it and as its webhooks carry it: one shape, so a CRM
//! that reads the feed and listens for events stores the same fields from both.

use chrono::NaiveDateTime;
use serde::Serialize;
use utoipa::ToSchema;

use crate::db::models::registration::Registration;

/// A registration as a list shows it.
#[derive(Serialize, ToSchema)]
pub struct RegistrationSummary {
    id: String,
    status: String,
    company_name: String,
    /// The prospect's normalised domain, when it has one.
    domain: Option<String>,
    org_id: String,
    org_name: String,
    /// The estimated deal size in minor units of `currency`.
    amount_minor: i64,
    currency: String,
    segment: String,
    submitted_at: NaiveDateTime,
    updated_at: NaiveDateTime,
    review_due_at: Option<NaiveDateTime>,
    decided_at: Option<NaiveDateTime>,
    protection_ends_at: Option<NaiveDateTime>,
    /// The registration it waits behind, when queued.
    queued_behind: Option<String>,
}

impl RegistrationSummary {
    pub fn of(r: Registration, org_name: String) -> Self {
        RegistrationSummary {
            status: r.status().as_str().to_owned(),
            segment: r.segment().as_str().to_owned(),
            id: r.id,
            company_name: r.company_name,
            domain: r.domain_key,
            org_id: r.org_id,
            org_name,
            amount_minor: r.amount_minor,
            currency: r.currency,
            submitted_at: r.submitted_at,
            updated_at: r.updated_at,
            review_due_at: r.state.review_due_at,
            decided_at: r.state.decided_at,
            protection_ends_at: r.state.protection_ends_at,
            queued_behind: r.state.queued_behind,
        }
    }
}
