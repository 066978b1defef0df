//! A direct opportunity a sales rep logs on a CRM account: what makes one valid. Its last
//! activity date is what "active engagement" counts from (the policy's N days).

use chrono::NaiveDate;
use serde::Deserialize;

use super::errors::FieldErrors;
use super::money::{self, parse_amount};
use super::policy::Policy;

/// The pipeline stages a rep picks from; the order is the sales process.
pub const STAGES: [&str; 6] = [
    "Prospecting",
    "Qualification",
    "Proposal",
    "Negotiation",
    "Closed Won",
    "Closed Lost",
];

/// The form as typed, kept for showing it again.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct OpportunityForm {
    pub stage: String,
    pub amount: String,
    pub currency: String,
    pub last_activity_on: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ValidOpportunity {
    pub stage: &'static str,
    pub amount_minor: i64,
    pub currency: &'static str,
    pub last_activity_on: NaiveDate,
}

/// Checks the form as of `today` (the rep cannot log activity in the future).
pub fn validate(
    form: &OpportunityForm,
    policy: &Policy,
    today: NaiveDate,
) -> Result<ValidOpportunity, FieldErrors> {
    let mut errors = FieldErrors::new();
    let stage = STAGES.iter().copied().find(|s| *s == form.stage.trim());
    if stage.is_none() {
        errors.add("stage", "Choose a stage from the list.");
    }
    let accepted = policy.accepted_currencies();
    let code = form.currency.trim().to_uppercase();
    let currency = money::currency(&code).filter(|c| accepted.contains(&c.code));
    let mut amount_minor = 0;
    match currency {
        None => errors.add("currency", "Choose a currency from the list."),
        Some(c) => match parse_amount(&form.amount, c) {
            Ok(minor) => amount_minor = minor,
            Err(message) => errors.add("amount", message),
        },
    }
    let last = NaiveDate::parse_from_str(form.last_activity_on.trim(), "%Y-%m-%d");
    let last_activity_on = match last {
        Ok(d) if d > today => {
            errors.add(
                "last_activity_on",
                "The last activity cannot be in the future: enter today or an earlier date.",
            );
            today
        }
        Ok(d) => d,
        Err(_) => {
            errors.add(
                "last_activity_on",
                "Enter the date of the last activity as YYYY-MM-DD, for example 2026-11-20.",
            );
            today
        }
    };
    errors.into_result(ValidOpportunity {
        stage: stage.unwrap_or(STAGES[0]),
        amount_minor,
        currency: currency.map_or("USD", |c| c.code),
        last_activity_on,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn today() -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 11, 23).unwrap()
    }

    fn form() -> OpportunityForm {
        OpportunityForm {
            stage: "Proposal".into(),
            amount: "45,000".into(),
            currency: "usd".into(),
            last_activity_on: "2026-11-20".into(),
        }
    }

    #[test]
    fn a_valid_opportunity() {
        let v = validate(&form(), &Policy::default(), today()).unwrap();
        assert_eq!(v.stage, "Proposal");
        assert_eq!(v.amount_minor, 4_500_000);
        assert_eq!(v.currency, "USD");
        assert_eq!(
            v.last_activity_on,
            NaiveDate::from_ymd_opt(2026, 11, 20).unwrap()
        );
    }

    #[test]
    fn each_bad_field_gets_its_own_message() {
        let f = OpportunityForm {
            stage: "Won-ish".into(),
            amount: "lots".into(),
            currency: "USD".into(),
            last_activity_on: "2026-11-24".into(),
        };
        let errors = validate(&f, &Policy::default(), today()).unwrap_err();
        assert!(errors.get("stage").is_some());
        assert!(errors.get("amount").is_some());
        assert!(errors.get("last_activity_on").unwrap().contains("future"));
        let f = OpportunityForm {
            currency: "XYZ".into(),
            last_activity_on: "yesterday".into(),
            ..form()
        };
        let errors = validate(&f, &Policy::default(), today()).unwrap_err();
        assert!(errors.get("currency").is_some());
        assert!(
            errors
                .get("last_activity_on")
                .unwrap()
                .contains("YYYY-MM-DD")
        );
    }
}
