//! Credits as the pages show them: a partner's earnings, a rep's credits, the admin report.

use crate::db::models::compensation::Listed;
use crate::domain::compensation::format_bp;
use crate::domain::dates::date;
use crate::domain::money::{amount_input, format_amount};

/// One credit, formatted. Amounts stay in the deal's currency.
pub struct CreditRow {
    pub id: String,
    pub registration_id: String,
    pub prospect: String,
    pub beneficiary_type: &'static str,
    pub beneficiary: String,
    pub kind: &'static str,
    pub kind_code: String,
    pub rate: String,
    pub bp: i64,
    pub amount: String,
    pub amount_minor: i64,
    pub amount_plain: String,
    pub currency: String,
    pub deal_amount: String,
    pub rules_version: i64,
    pub credited: String,
    pub credited_at: String,
}

impl CreditRow {
    pub fn new(c: &Listed) -> Self {
        let (beneficiary_type, beneficiary) = match (&c.org_name, &c.user_name) {
            (Some(org), _) => ("partner", org.clone()),
            (None, Some(user)) => ("rep", user.clone()),
            (None, None) => ("unknown", String::new()),
        };
        Self {
            id: c.id.clone(),
            registration_id: c.registration_id.clone(),
            prospect: c.company_name.clone(),
            beneficiary_type,
            beneficiary,
            kind: c.kind.label(),
            kind_code: c.kind.as_str().to_owned(),
            rate: format_bp(c.bp),
            bp: c.bp,
            amount: format_amount(c.amount_minor, &c.currency),
            amount_minor: c.amount_minor,
            amount_plain: amount_input(c.amount_minor, &c.currency),
            currency: c.currency.clone(),
            deal_amount: c
                .deal_amount_minor
                .map(|a| format_amount(a, &c.currency))
                .unwrap_or_default(),
            rules_version: c.rules_version,
            credited: date(c.created_at),
            credited_at: crate::domain::dates::iso_utc(c.created_at),
        }
    }
}
