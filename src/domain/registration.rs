//! A deal registration as the partner submits it: the form, its validation, and the lists it
//! chooses from (countries, industries, currencies).

use chrono::NaiveDate;
use serde::Deserialize;

use super::errors::FieldErrors;
use super::money::{self, parse_amount};
use super::policy::{Policy, Segment};
use super::prospect;
use super::user::is_plausible_email;

static COUNTRIES_TXT: &str = include_str!("countries.txt");

/// ISO 3166-1 countries as (alpha-2 code, English name), sorted by name.
pub fn countries() -> impl Iterator<Item = (&'static str, &'static str)> {
    COUNTRIES_TXT
        .lines()
        .filter(|l| !l.starts_with('#'))
        .filter_map(|l| l.split_once('\t'))
}

pub fn country_name(code: &str) -> Option<&'static str> {
    countries().find(|(c, _)| *c == code).map(|(_, n)| n)
}

pub const INDUSTRIES: &[&str] = &[
    "Agriculture",
    "Automotive",
    "Construction",
    "Education",
    "Energy and utilities",
    "Financial services",
    "Government",
    "Healthcare",
    "Hospitality",
    "Insurance",
    "Manufacturing",
    "Media and entertainment",
    "Non-profit",
    "Professional services",
    "Real estate",
    "Retail",
    "Software and internet",
    "Telecommunications",
    "Transport and logistics",
    "Other",
];

/// The registration form as typed; every field is text so that nothing typed is lost when
/// the form comes back with errors.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct RegistrationForm {
    pub company_name: String,
    pub website: String,
    pub country: String,
    pub industry: String,
    pub contact_name: String,
    pub contact_email: String,
    pub contact_phone: String,
    pub amount: String,
    pub currency: String,
    pub expected_close: String,
    pub relationship: String,
    /// Which button was pressed: "check" only looks the prospect up.
    pub intent: String,
}

/// A validated registration, ready to be stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewRegistration {
    pub company_name: String,
    pub name_key: String,
    pub website: String,
    pub domain_key: Option<String>,
    pub country: String,
    pub industry: String,
    pub contact_name: String,
    pub contact_email: String,
    pub contact_phone: String,
    pub amount_minor: i64,
    pub currency: String,
    pub program_units: i64,
    pub segment: Segment,
    pub expected_close: NaiveDate,
    pub relationship: String,
}

fn tidy(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

fn check_len(
    errors: &mut FieldErrors,
    field: &'static str,
    value: &str,
    min: usize,
    max: usize,
    what: &str,
) {
    let n = value.chars().count();
    if n < min {
        errors.add(field, format!("Enter {what}."));
    } else if n > max {
        errors.add(field, format!("Use at most {max} characters."));
    }
}

/// The prospect keys of a form, as far as they can be read: for the availability check,
/// which runs before the rest of the form is complete.
pub fn prospect_keys(
    company_name: &str,
    website: &str,
    contact_email: &str,
) -> (String, Option<String>) {
    prospect::keys(company_name, website, contact_email)
}

/// Validates the form under `policy`. `today` is the partner's day in UTC.
pub fn validate_registration(
    form: &RegistrationForm,
    policy: &Policy,
    today: NaiveDate,
) -> Result<NewRegistration, FieldErrors> {
    let mut errors = FieldErrors::new();
    let company_name = tidy(&form.company_name);
    check_len(
        &mut errors,
        "company_name",
        &company_name,
        2,
        200,
        "the prospect's company name",
    );
    if errors.get("company_name").is_none() && prospect::name_key(&company_name).is_empty() {
        errors.add(
            "company_name",
            "Enter the company's name with its letters or digits, as it is registered.",
        );
    }
    let website = form.website.trim().to_owned();
    if !website.is_empty() && super::matching::normalize_domain(&website).is_none() {
        errors.add(
            "website",
            "Enter a website such as acme.com, or leave it empty.",
        );
    }
    let country = form.country.trim().to_uppercase();
    if super::registration::country_name(&country).is_none() {
        errors.add("country", "Choose the prospect's country.");
    }
    let industry = form.industry.trim().to_owned();
    if !INDUSTRIES.contains(&industry.as_str()) {
        errors.add("industry", "Choose the prospect's industry.");
    }
    let contact_name = tidy(&form.contact_name);
    check_len(
        &mut errors,
        "contact_name",
        &contact_name,
        2,
        120,
        "the contact's name",
    );
    let contact_email = form.contact_email.trim().to_lowercase();
    if !is_plausible_email(&contact_email) {
        errors.add(
            "contact_email",
            "Enter the contact's email address, like name@company.com.",
        );
    }
    let contact_phone = form.contact_phone.trim().to_owned();
    let digits = contact_phone.chars().filter(char::is_ascii_digit).count();
    if !contact_phone.is_empty()
        && (digits < 6
            || contact_phone.len() > 40
            || !contact_phone
                .chars()
                .all(|c| c.is_ascii_digit() || " +-().".contains(c)))
    {
        errors.add(
            "contact_phone",
            "Enter a phone number with digits, spaces, + - ( ) only, or leave it empty.",
        );
    }
    let currency = form.currency.trim().to_uppercase();
    let accepted = policy.accepted_currencies();
    let mut amount_minor = 0;
    let mut program_units = 0;
    match money::currency(&currency).filter(|c| accepted.contains(&c.code)) {
        None => errors.add("currency", "Choose a currency from the list."),
        Some(c) => match parse_amount(&form.amount, c) {
            Err(message) => errors.add("amount", message),
            Ok(minor) => {
                amount_minor = minor;
                program_units = policy.to_program_units(minor, c.code).unwrap_or(i64::MAX);
                if policy.reserved_for_direct(program_units) {
                    errors.add(
                        "amount",
                        format!(
                            "Deals above {} {} are reserved for direct sales and cannot be registered. \
                             Talk to your channel manager about working the deal with the direct team.",
                            money::group_thousands(policy.direct_threshold),
                            policy.currency
                        ),
                    );
                }
            }
        },
    }
    let expected_close = match NaiveDate::parse_from_str(form.expected_close.trim(), "%Y-%m-%d") {
        Ok(date) if date < today => {
            errors.add(
                "expected_close",
                "The expected close date cannot be in the past.",
            );
            None
        }
        Ok(date) if date > today + chrono::TimeDelta::days(3 * 365) => {
            errors.add(
                "expected_close",
                "Choose a date within the next three years.",
            );
            None
        }
        Ok(date) => Some(date),
        Err(_) => {
            errors.add(
                "expected_close",
                "Enter the expected close date as YYYY-MM-DD.",
            );
            None
        }
    };
    let relationship = form.relationship.trim().to_owned();
    check_len(
        &mut errors,
        "relationship",
        &relationship,
        20,
        4000,
        "how you know the prospect (at least 20 characters): meetings held, people involved, needs found",
    );
    let (name_key, domain_key) = prospect_keys(&company_name, &website, &contact_email);
    match expected_close {
        Some(expected_close) if errors.is_empty() => Ok(NewRegistration {
            company_name,
            name_key,
            website,
            domain_key,
            country,
            industry,
            contact_name,
            contact_email,
            contact_phone,
            amount_minor,
            currency,
            segment: policy.segment(program_units),
            program_units,
            expected_close,
            relationship,
        }),
        _ => Err(errors),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn today() -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 11, 23).unwrap()
    }

    pub fn good_form() -> RegistrationForm {
        RegistrationForm {
            company_name: "  Acme   Robotics GmbH ".into(),
            website: "https://www.acme-robotics.de/en".into(),
            country: "de".into(),
            industry: "Manufacturing".into(),
            contact_name: "Jana Berg".into(),
            contact_email: "Jana.Berg@acme-robotics.de".into(),
            contact_phone: "+49 30 1234567".into(),
            amount: "40,000".into(),
            currency: "EUR".into(),
            expected_close: "2027-03-31".into(),
            relationship: "Two workshops with their CTO on fleet automation.".into(),
            intent: String::new(),
        }
    }

    #[test]
    fn a_good_form_is_tidied_keyed_and_segmented() {
        let r = validate_registration(&good_form(), &Policy::default(), today()).unwrap();
        assert_eq!(r.company_name, "Acme Robotics GmbH");
        assert_eq!(r.name_key, "acme robotics");
        assert_eq!(r.domain_key.as_deref(), Some("acme-robotics.de"));
        assert_eq!(r.country, "DE");
        assert_eq!(r.contact_email, "jana.berg@acme-robotics.de");
        assert_eq!(r.amount_minor, 4_000_000);
        assert_eq!(r.program_units, 43_200);
        assert_eq!(r.segment, Segment::MidMarket);
    }

    #[test]
    fn the_contact_domain_stands_in_for_a_missing_website_unless_free_mail() {
        let mut form = good_form();
        form.website.clear();
        let r = validate_registration(&form, &Policy::default(), today()).unwrap();
        assert_eq!(r.domain_key.as_deref(), Some("acme-robotics.de"));
        form.contact_email = "jana@gmail.com".into();
        let r = validate_registration(&form, &Policy::default(), today()).unwrap();
        assert_eq!(r.domain_key, None);
    }

    #[test]
    fn every_bad_field_gets_its_own_message() {
        let form = RegistrationForm {
            amount: "lots".into(),
            currency: "USD".into(),
            expected_close: "2026-11-22".into(),
            website: "not a website".into(),
            contact_phone: "call me".into(),
            ..RegistrationForm::default()
        };
        let errors = validate_registration(&form, &Policy::default(), today()).unwrap_err();
        for field in [
            "company_name",
            "website",
            "country",
            "industry",
            "contact_name",
            "contact_email",
            "contact_phone",
            "amount",
            "expected_close",
            "relationship",
        ] {
            assert!(errors.get(field).is_some(), "{field}");
        }
    }

    #[test]
    fn deals_above_the_direct_threshold_are_refused_with_the_reason() {
        let mut form = good_form();
        form.amount = "100,001".into();
        form.currency = "USD".into();
        let errors = validate_registration(&form, &Policy::default(), today()).unwrap_err();
        assert!(
            errors
                .get("amount")
                .unwrap()
                .contains("reserved for direct sales")
        );
        form.amount = "100,000".into();
        let r = validate_registration(&form, &Policy::default(), today()).unwrap();
        assert_eq!(r.segment, Segment::Enterprise);
    }

    #[test]
    fn today_is_a_valid_close_date() {
        let mut form = good_form();
        form.expected_close = "2026-11-23".into();
        assert!(validate_registration(&form, &Policy::default(), today()).is_ok());
    }

    #[test]
    fn the_country_list_is_complete() {
        assert_eq!(countries().count(), 249);
        assert_eq!(country_name("DE"), Some("Germany"));
    }
}
