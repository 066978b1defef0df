//! One data row checked and normalised: what the portal stores of an account, or every reason
//! it cannot, each with the line and the file's own column name, so a person can fix the file.

use crate::domain::prospect::{domain_key, name_key};
use crate::domain::user::is_plausible_email;

use super::country::country_code;
use super::{Columns, Field, shorten};

/// The longest values a row may hold, in characters (the owner's email in bytes).
pub const MAX_EXTERNAL_ID: usize = 100;
pub const MAX_NAME: usize = 200;
pub const MAX_WEBSITE: usize = 255;
pub const MAX_INDUSTRY: usize = 100;
pub const MAX_EMAIL: usize = 254;

/// A row that can be stored, with its values normalised.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AccountRow {
    pub line: u64,
    pub external_id: String,
    pub name: String,
    pub website: Option<String>,
    pub domain_key: Option<String>,
    /// ISO 3166-1 alpha-2.
    pub country: Option<String>,
    pub industry: Option<String>,
    pub owner_email: Option<String>,
    pub named_account: bool,
    pub reserved_for_direct: bool,
}

/// Why a row, or one of its values, cannot be stored.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct RowError {
    pub line: u64,
    /// The file's header of the column at fault; empty when the whole line is.
    pub column: String,
    pub message: String,
}

/// What one data row turned out to be.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Row {
    Valid(AccountRow),
    Invalid(Vec<RowError>),
}

/// Runs of whitespace, line breaks of a quoted value too, made one space.
fn tidy(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// Checks one row (`values` in the file's column order) and normalises what it holds.
pub fn validate_row(columns: &Columns, values: &[&str], line: u64) -> Row {
    let mut errors = Vec::new();
    let get = |field: Field| columns.index(field).map_or("", |i| values[i]);
    let mut fail = |field: Field, message: String| {
        errors.push(RowError {
            line,
            column: columns.header(field).to_owned(),
            message,
        });
    };

    let external_id = get(Field::ExternalId).trim().to_owned();
    if external_id.is_empty() {
        fail(
            Field::ExternalId,
            "The external id is empty: every row needs the CRM's id of the account, so that a \
             later import updates it."
                .into(),
        );
    } else if external_id.chars().count() > MAX_EXTERNAL_ID {
        fail(
            Field::ExternalId,
            format!("The external id is longer than {MAX_EXTERNAL_ID} characters."),
        );
    }

    let name = tidy(get(Field::Name));
    if name.is_empty() {
        fail(Field::Name, "The account name is empty.".into());
    } else if name.chars().count() > MAX_NAME {
        fail(
            Field::Name,
            format!("The account name is longer than {MAX_NAME} characters."),
        );
    } else if name_key(&name).is_empty() {
        fail(
            Field::Name,
            format!("\"{}\" has no letters or digits.", shorten(&name, 60)),
        );
    }

    let website = get(Field::Website).trim().to_owned();
    let mut domain = None;
    if !website.is_empty() {
        domain = domain_key(&website);
        if website.chars().count() > MAX_WEBSITE {
            fail(
                Field::Website,
                format!("The website is longer than {MAX_WEBSITE} characters."),
            );
        } else if domain.is_none() || website.contains('@') {
            fail(
                Field::Website,
                format!(
                    "\"{}\" is not a website: use a domain such as acme.com or a URL such as \
                     https://www.acme.com, or leave it empty.",
                    shorten(&website, 60)
                ),
            );
        }
    }

    let country_text = get(Field::Country).trim();
    let country = if country_text.is_empty() {
        None
    } else {
        match country_code(country_text) {
            Some(code) => Some(code.to_owned()),
            None => {
                fail(
                    Field::Country,
                    format!(
                        "\"{}\" is not a country the portal knows: use an ISO 3166 code such as \
                         DE or an English name such as Germany, or leave it empty.",
                        shorten(country_text, 60)
                    ),
                );
                None
            }
        }
    };

    let industry = tidy(get(Field::Industry));
    if industry.chars().count() > MAX_INDUSTRY {
        fail(
            Field::Industry,
            format!("The industry is longer than {MAX_INDUSTRY} characters."),
        );
    }

    let owner = get(Field::OwnerEmail).trim().to_lowercase();
    if !owner.is_empty() && (owner.len() > MAX_EMAIL || !is_plausible_email(&owner)) {
        fail(
            Field::OwnerEmail,
            format!(
                "\"{}\" is not an email address: the owner column needs the rep's email, \
                 like jo@vendor.com (in Salesforce, export \"Account Owner: Email\").",
                shorten(get(Field::OwnerEmail).trim(), 60)
            ),
        );
    }

    let mut flag = |field: Field| match parse_flag(get(field)) {
        Some(v) => v,
        None => {
            fail(
                field,
                format!(
                    "\"{}\" is not a yes/no value: use yes, no, true, false, 1, 0 or x, or \
                     leave it empty for no.",
                    shorten(get(field).trim(), 30)
                ),
            );
            false
        }
    };
    let named_account = flag(Field::NamedAccount);
    let reserved_for_direct = flag(Field::ReservedForDirect);

    if !errors.is_empty() {
        return Row::Invalid(errors);
    }
    let some = |s: String| (!s.is_empty()).then_some(s);
    Row::Valid(AccountRow {
        line,
        external_id,
        name,
        domain_key: domain,
        website: some(website),
        country,
        industry: some(industry),
        owner_email: some(owner),
        named_account,
        reserved_for_direct,
    })
}

/// A yes/no cell: true/false, yes/no, y/n, 1/0, x or empty (no), in any case.
pub fn parse_flag(text: &str) -> Option<bool> {
    match text.trim().to_lowercase().as_str() {
        "true" | "yes" | "y" | "1" | "x" => Some(true),
        "false" | "no" | "n" | "0" | "" => Some(false),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::crm_import::fixtures::{errors, read_rows, valid};

    #[test]
    fn a_good_row_is_normalised() {
        let (_, rows) = read_rows(
            "Account ID,Account Name,Website,Billing Country,Industry,Account Owner Email,Named Account,Reserved for Direct\n\
             001A,\"  Acme   GmbH \",https://www.Acme.de/kontakt,Germany,Manufacturing,Jo@Vendor.example,Yes,\n\
             001B,Globex,,us,,,x,TRUE\n",
        );
        let a = valid(&rows[0]);
        assert_eq!(a.line, 2);
        assert_eq!(a.external_id, "001A");
        assert_eq!(a.name, "Acme GmbH");
        assert_eq!(a.website.as_deref(), Some("https://www.Acme.de/kontakt"));
        assert_eq!(a.domain_key.as_deref(), Some("acme.de"));
        assert_eq!(a.country.as_deref(), Some("DE"));
        assert_eq!(a.industry.as_deref(), Some("Manufacturing"));
        assert_eq!(a.owner_email.as_deref(), Some("jo@vendor.example"));
        assert!(a.named_account);
        assert!(!a.reserved_for_direct);
        let b = valid(&rows[1]);
        assert_eq!((b.website.clone(), b.domain_key.clone()), (None, None));
        assert_eq!(b.country.as_deref(), Some("US"));
        assert_eq!((b.industry.clone(), b.owner_email.clone()), (None, None));
        assert!(b.named_account && b.reserved_for_direct);
    }

    #[test]
    fn bad_values_are_reported_with_line_and_column() {
        let (_, rows) = read_rows(
            "Account ID,Account Name,Website,Billing Country,Account Owner,Named Account\n\
             1,Fine Ltd,fine.example,GB,a@b.example,no\n\
             ,Nameless id,,,,\n\
             3,,,,,\n\
             4,Bad Web,not a website,Germny,Jane Smith,maybe\n\
             5,!!!,,,,\n",
        );
        assert!(matches!(rows[0], Row::Valid(_)));
        let e = errors(&rows[1]);
        assert_eq!((e[0].line, e[0].column.as_str()), (3, "Account ID"));
        let e = errors(&rows[2]);
        assert_eq!((e[0].line, e[0].column.as_str()), (4, "Account Name"));
        let e = errors(&rows[3]);
        let columns: Vec<&str> = e.iter().map(|e| e.column.as_str()).collect();
        assert_eq!(
            columns,
            [
                "Website",
                "Billing Country",
                "Account Owner",
                "Named Account"
            ]
        );
        assert!(e.iter().all(|e| e.line == 5));
        assert!(e[1].message.contains("\"Germny\""), "{}", e[1].message);
        assert!(e[2].message.contains("not an email address"));
        assert!(errors(&rows[4])[0].message.contains("no letters or digits"));
    }

    #[test]
    fn lengths_are_capped() {
        let long = "x".repeat(MAX_NAME + 1);
        let id = "9".repeat(MAX_EXTERNAL_ID + 1);
        let (_, rows) = read_rows(&format!("external_id,name,industry\n{id},{long},{long}\n"));
        let e = errors(&rows[0]);
        assert_eq!(e.len(), 3);
        assert!(e[1].message.contains("longer than 200"));
    }

    #[test]
    fn flags() {
        for yes in ["true", "YES", "y", "1", "x", " X "] {
            assert_eq!(parse_flag(yes), Some(true), "{yes}");
        }
        for no in ["false", "No", "n", "0", "", "  "] {
            assert_eq!(parse_flag(no), Some(false), "{no}");
        }
        assert_eq!(parse_flag("maybe"), None);
        assert_eq!(parse_flag("2"), None);
    }
}
