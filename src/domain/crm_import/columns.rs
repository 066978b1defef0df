//! The header line: which column of an export holds which field. CRMs name their columns in
//! many ways (Salesforce, HubSpot, a spreadsheet someone made), so each field is known by
//! several headers, and a file is refused only when a required field has no column at all,
//! with what it does have named back.

use std::fmt;

use super::shorten;

/// One thing an account row can say. Serialised by its canonical name (in stored reports).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Field {
    ExternalId,
    Name,
    Website,
    Country,
    Industry,
    OwnerEmail,
    NamedAccount,
    ReservedForDirect,
}

impl Field {
    pub const ALL: [Field; 8] = [
        Field::ExternalId,
        Field::Name,
        Field::Website,
        Field::Country,
        Field::Industry,
        Field::OwnerEmail,
        Field::NamedAccount,
        Field::ReservedForDirect,
    ];

    pub fn canonical(self) -> &'static str {
        match self {
            Field::ExternalId => "external_id",
            Field::Name => "name",
            Field::Website => "website",
            Field::Country => "country",
            Field::Industry => "industry",
            Field::OwnerEmail => "owner_email",
            Field::NamedAccount => "named_account",
            Field::ReservedForDirect => "reserved_for_direct",
        }
    }

    /// How the field is named to a person ("the file has no column for the account name").
    pub fn label(self) -> &'static str {
        match self {
            Field::ExternalId => "external id",
            Field::Name => "account name",
            Field::Website => "website",
            Field::Country => "country",
            Field::Industry => "industry",
            Field::OwnerEmail => "owner's email",
            Field::NamedAccount => "named account",
            Field::ReservedForDirect => "reserved for direct",
        }
    }

    pub fn required(self) -> bool {
        matches!(self, Field::ExternalId | Field::Name)
    }

    /// The headers this field is read from, most specific first: when a file has two of
    /// them, the earlier one wins and the other is left out. Matching ignores case, spaces,
    /// punctuation and Salesforce's `__c` suffix, so "Billing Country", "BillingCountry" and
    /// "billing_country" are one header.
    pub fn headers(self) -> &'static [&'static str] {
        match self {
            Field::ExternalId => &[
                "external_id",
                "Account ID",
                "Record ID",
                "Company ID",
                "CRM ID",
                "Salesforce ID",
                "Id",
            ],
            Field::Name => &[
                "name",
                "Account Name",
                "Company name",
                "Company",
                "Account",
                "Organization",
                "Organisation",
            ],
            Field::Website => &[
                "website",
                "Company Domain Name",
                "Website URL",
                "Web site",
                "Domain",
                "URL",
            ],
            Field::Country => &[
                "country",
                "Billing Country",
                "Country/Region",
                "Billing Country Code",
                "Country Code",
                "Shipping Country",
            ],
            Field::Industry => &["industry", "Sector"],
            Field::OwnerEmail => &[
                "owner_email",
                "Account Owner Email",
                "Account Owner: Email",
                "Company owner email",
                "Rep Email",
                "Account Owner",
                "Company owner",
                "Owner",
            ],
            Field::NamedAccount => &["named_account", "Named", "Is Named Account"],
            Field::ReservedForDirect => &[
                "reserved_for_direct",
                "Reserved for Direct Sales",
                "Direct Reserved",
                "Reserved",
            ],
        }
    }
}

/// A header reduced to what matters: lower-case letters and digits, without Salesforce's
/// custom-field suffix.
pub fn header_key(header: &str) -> String {
    let h = header.trim().trim_start_matches('\u{feff}').trim();
    let h = h.strip_suffix("__c").unwrap_or(h);
    h.chars()
        .filter(|c| c.is_alphanumeric())
        .flat_map(char::to_lowercase)
        .collect()
}

/// Which column holds which field, as read from the header line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Columns {
    index: [Option<usize>; 8],
    /// The header line as it is in the file.
    pub headers: Vec<String>,
}

/// Why a header line cannot be imported: required fields without a column.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MissingColumns {
    pub missing: Vec<Field>,
    pub found: Vec<String>,
}

impl fmt::Display for MissingColumns {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let what: Vec<&str> = self.missing.iter().map(|m| m.label()).collect();
        let found: Vec<String> = self
            .found
            .iter()
            .filter(|h| !h.trim().is_empty())
            .map(|h| format!("\"{}\"", shorten(h.trim(), 40)))
            .collect();
        write!(
            f,
            "The file has no column for the {}. Found: {}. ",
            what.join(" or the "),
            if found.is_empty() {
                "no column names".to_owned()
            } else {
                found.join(", ")
            }
        )?;
        let examples: Vec<String> = self
            .missing
            .iter()
            .map(|m| format!("\"{}\" (or \"{}\")", m.headers()[1], m.canonical()))
            .collect();
        write!(
            f,
            "Name the column{} {} in the first line of the file.",
            if examples.len() > 1 { "s" } else { "" },
            examples.join(" and ")
        )
    }
}

impl Columns {
    /// Maps a header line. Unknown headers are left out (see [`Columns::ignored`]).
    pub fn from_headers<S: AsRef<str>>(headers: &[S]) -> Result<Columns, MissingColumns> {
        let keys: Vec<String> = headers.iter().map(|h| header_key(h.as_ref())).collect();
        let mut index = [None; 8];
        for (slot, field) in Field::ALL.iter().enumerate() {
            index[slot] = field.headers().iter().find_map(|alias| {
                let wanted = header_key(alias);
                keys.iter().position(|k| *k == wanted)
            });
        }
        let headers: Vec<String> = headers
            .iter()
            .map(|h| h.as_ref().trim_start_matches('\u{feff}').trim().to_owned())
            .collect();
        let missing: Vec<Field> = Field::ALL
            .iter()
            .zip(index)
            .filter(|(f, i)| f.required() && i.is_none())
            .map(|(f, _)| *f)
            .collect();
        if !missing.is_empty() {
            return Err(MissingColumns {
                missing,
                found: headers,
            });
        }
        Ok(Columns { index, headers })
    }

    fn slot(field: Field) -> usize {
        Field::ALL
            .iter()
            .position(|f| *f == field)
            .expect("every field")
    }

    /// The position of the field's column.
    pub fn index(&self, field: Field) -> Option<usize> {
        self.index[Self::slot(field)]
    }

    /// True when the file has a column for the field: fields without one are left as they
    /// are on existing accounts.
    pub fn has(&self, field: Field) -> bool {
        self.index(field).is_some()
    }

    /// The file's own name for the field's column.
    pub fn header(&self, field: Field) -> &str {
        self.index(field)
            .and_then(|i| self.headers.get(i))
            .map_or(field.canonical(), String::as_str)
    }

    /// `(field, the file's header)` for every column that is read.
    pub fn used(&self) -> Vec<(Field, String)> {
        Field::ALL
            .iter()
            .filter(|f| self.has(**f))
            .map(|f| (*f, self.header(*f).to_owned()))
            .collect()
    }

    /// The headers that are not read (unknown, or a second column for a field).
    pub fn ignored(&self) -> Vec<String> {
        self.headers
            .iter()
            .enumerate()
            .filter(|(i, h)| !self.index.contains(&Some(*i)) && !h.is_empty())
            .map(|(_, h)| h.clone())
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn salesforce_and_hubspot_headers_are_recognised() {
        let sf = Columns::from_headers(&[
            "Account ID",
            "Account Name",
            "Website",
            "Billing Country",
            "Industry",
            "Account Owner",
            "Named_Account__c",
            "Phone",
        ])
        .unwrap();
        assert_eq!(sf.index(Field::ExternalId), Some(0));
        assert_eq!(sf.index(Field::Country), Some(3));
        assert_eq!(sf.index(Field::OwnerEmail), Some(5));
        assert_eq!(sf.index(Field::NamedAccount), Some(6));
        assert!(!sf.has(Field::ReservedForDirect));
        assert_eq!(sf.ignored(), vec!["Phone".to_owned()]);
        assert_eq!(sf.header(Field::Country), "Billing Country");

        let hs = Columns::from_headers(&[
            "Record ID",
            "Company name",
            "Company Domain Name",
            "Country/Region",
            "Company owner",
        ])
        .unwrap();
        assert_eq!(hs.index(Field::ExternalId), Some(0));
        assert_eq!(hs.index(Field::Name), Some(1));
        assert_eq!(hs.index(Field::Website), Some(2));
        assert_eq!(hs.index(Field::Country), Some(3));
        assert_eq!(hs.index(Field::OwnerEmail), Some(4));
    }

    #[test]
    fn headers_ignore_case_spaces_underscores_and_a_byte_order_mark() {
        let c = Columns::from_headers(&[
            "\u{feff}EXTERNAL ID",
            " account_name ",
            "BillingCountry",
            "owner-email",
            "Reserved For Direct",
            "named account",
        ])
        .unwrap();
        assert_eq!(c.index(Field::ExternalId), Some(0));
        assert_eq!(c.index(Field::Name), Some(1));
        assert_eq!(c.index(Field::Country), Some(2));
        assert_eq!(c.index(Field::OwnerEmail), Some(3));
        assert_eq!(c.index(Field::ReservedForDirect), Some(4));
        assert_eq!(c.index(Field::NamedAccount), Some(5));
        assert_eq!(c.header(Field::ExternalId), "EXTERNAL ID");
    }

    #[test]
    fn the_more_specific_header_wins_and_the_other_is_ignored() {
        let c = Columns::from_headers(&[
            "Id",
            "Account ID",
            "Name",
            "Account Owner",
            "Account Owner Email",
        ])
        .unwrap();
        assert_eq!(c.index(Field::ExternalId), Some(1));
        assert_eq!(c.index(Field::OwnerEmail), Some(4));
        assert_eq!(
            c.ignored(),
            vec!["Id".to_owned(), "Account Owner".to_owned()]
        );
    }

    #[test]
    fn missing_required_columns_are_named_with_what_was_found() {
        let err = Columns::from_headers(&["Website", "Billing Country"]).unwrap_err();
        assert_eq!(err.missing, vec![Field::ExternalId, Field::Name]);
        let text = err.to_string();
        assert!(
            text.starts_with(
                "The file has no column for the external id or the account name. Found: \"Website\", \"Billing Country\"."
            ),
            "{text}"
        );
        assert!(text.contains("\"Account Name\""), "{text}");
        let err = Columns::from_headers(&["Account ID", "Website"]).unwrap_err();
        assert!(err.to_string().starts_with(
            "The file has no column for the account name. Found: \"Account ID\", \"Website\"."
        ));
    }
}
