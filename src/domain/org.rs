use super::code::text_enum;
use super::errors::FieldErrors;

text_enum! {
    /// Partner program tiers; caps and commission rules may differ per tier.
    pub enum Tier {
        Registered,
        Silver,
        Gold,
        Platinum,
    }
}

impl Tier {
    pub fn label(self) -> &'static str {
        match self {
            Tier::Registered => "Registered",
            Tier::Silver => "Silver",
            Tier::Gold => "Gold",
            Tier::Platinum => "Platinum",
        }
    }
}

text_enum! {
    /// An organisation's standing in the program. Users of a suspended organisation cannot sign in.
    pub enum OrgStatus {
        Active,
        Suspended,
    }
}

impl OrgStatus {
    pub fn label(self) -> &'static str {
        match self {
            OrgStatus::Active => "Active",
            OrgStatus::Suspended => "Suspended",
        }
    }
}

/// A partner organisation as submitted, validated.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OrgFields {
    pub name: String,
    pub name_key: String,
    pub tier: Tier,
    pub status: OrgStatus,
}

/// The key two organisation names collide on: case and spacing do not make a new partner.
pub fn name_key(name: &str) -> String {
    name.split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
        .to_lowercase()
}

pub fn validate_org(name: &str, tier: &str, status: &str) -> Result<OrgFields, FieldErrors> {
    let mut errors = FieldErrors::new();
    let name = name.split_whitespace().collect::<Vec<_>>().join(" ");
    let len = name.chars().count();
    if len < 2 {
        errors.add(
            "name",
            "Enter the organisation's name (at least 2 characters).",
        );
    } else if len > 120 {
        errors.add("name", "Use at most 120 characters.");
    }
    let tier = Tier::parse(tier);
    if tier.is_none() {
        errors.add("tier", "Choose a tier from the list.");
    }
    let status = OrgStatus::parse(status);
    if status.is_none() {
        errors.add("status", "Choose a status from the list.");
    }
    match (tier, status) {
        (Some(tier), Some(status)) if errors.is_empty() => Ok(OrgFields {
            name_key: name_key(&name),
            name,
            tier,
            status,
        }),
        _ => Err(errors),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_tidied_and_keyed_case_insensitively() {
        let org = validate_org("  Acme   Partners ", "gold", "active").unwrap();
        assert_eq!(org.name, "Acme Partners");
        assert_eq!(org.name_key, "acme partners");
        assert_eq!(name_key("ACME  partners"), org.name_key);
    }

    #[test]
    fn every_bad_field_gets_its_own_message() {
        let errors = validate_org(" ", "diamond", "gone").unwrap_err();
        assert!(errors.get("name").is_some());
        assert!(errors.get("tier").is_some());
        assert!(errors.get("status").is_some());
    }
}
