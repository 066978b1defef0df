use super::errors::FieldErrors;
use super::role::Role;

/// Emails are compared and stored in lower case, trimmed.
pub fn normalize_email(email: &str) -> String {
    email.trim().to_lowercase()
}

/// A deliberately modest check: one '@', something on both sides, a dot in the domain, no
/// spaces. Real proof of an address is the set-password link arriving.
pub fn is_plausible_email(email: &str) -> bool {
    if email.len() > 254 || email.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return false;
    }
    let mut parts = email.split('@');
    match (parts.next(), parts.next(), parts.next()) {
        (Some(local), Some(domain), None) => {
            !local.is_empty()
                && domain.contains('.')
                && !domain.starts_with('.')
                && !domain.ends_with('.')
                && !domain.contains("..")
        }
        _ => false,
    }
}

/// A user's identity fields as submitted, validated.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UserFields {
    pub email: String,
    pub name: String,
    pub role: Role,
    pub org_id: Option<String>,
    pub org_admin: bool,
}

/// Validates a user form. `org_id` is an id the caller has already checked exists (or empty).
pub fn validate_user(
    email: &str,
    name: &str,
    role: &str,
    org_id: &str,
    org_admin: bool,
) -> Result<UserFields, FieldErrors> {
    let mut errors = FieldErrors::new();
    let email = normalize_email(email);
    if email.is_empty() {
        errors.add("email", "Enter an email address.");
    } else if !is_plausible_email(&email) {
        errors.add("email", "Enter an email address like name@example.com.");
    }
    let name = name.split_whitespace().collect::<Vec<_>>().join(" ");
    if name.is_empty() {
        errors.add("name", "Enter the person's name.");
    } else if name.chars().count() > 120 {
        errors.add("name", "Use at most 120 characters.");
    }
    let role = Role::parse(role);
    let org_id = Some(org_id.trim().to_owned()).filter(|s| !s.is_empty());
    match role {
        None => errors.add("role", "Choose a role from the list."),
        Some(r) if r.needs_org() && org_id.is_none() => errors.add(
            "org_id",
            "Partner users must belong to a partner organisation.",
        ),
        Some(r) if !r.needs_org() && org_id.is_some() => errors.add(
            "org_id",
            "Only partner users belong to a partner organisation; leave this empty.",
        ),
        Some(_) => {}
    }
    match role {
        Some(role) if errors.is_empty() => Ok(UserFields {
            email,
            name,
            role,
            org_admin: org_admin && role.needs_org(),
            org_id,
        }),
        _ => Err(errors),
    }
}

/// A user as an audit event names them: "Ann Lee <ann@acme.example>, Partner (Acme)".
pub fn describe(name: &str, email: &str, role: Role, org_name: Option<&str>) -> String {
    match org_name {
        Some(org) => format!("{name} <{email}>, {} ({org})", role.label()),
        None => format!("{name} <{email}>, {}", role.label()),
    }
}

/// What an edit changes about a user, for the audit log: (field, before, after), only the
/// fields that differ. Organisations are given by name (`org_before`, `org_after`), as an
/// admin reads them.
pub fn changes(
    before: &UserFields,
    org_before: Option<&str>,
    after: &UserFields,
    org_after: Option<&str>,
) -> Vec<(&'static str, String, String)> {
    let yes_no = |b: bool| if b { "yes" } else { "no" }.to_owned();
    [
        ("Name", before.name.clone(), after.name.clone()),
        ("Email", before.email.clone(), after.email.clone()),
        (
            "Role",
            before.role.label().to_owned(),
            after.role.label().to_owned(),
        ),
        (
            "Organisation",
            org_before.unwrap_or_default().to_owned(),
            org_after.unwrap_or_default().to_owned(),
        ),
        (
            "Organisation admin",
            yes_no(before.org_admin),
            yes_no(after.org_admin),
        ),
    ]
    .into_iter()
    .filter(|(_, old, new)| old != new)
    .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn emails_are_normalised_and_checked() {
        assert_eq!(normalize_email("  Jane@Example.COM "), "jane@example.com");
        assert!(is_plausible_email("a.b+c@example.co.uk"));
        for bad in [
            "", "a", "a@b", "@b.c", "a@b..c", "a b@c.d", "a@b@c.d", "a@.b.c",
        ] {
            assert!(!is_plausible_email(bad), "{bad}");
        }
    }

    #[test]
    fn partner_users_need_an_org_and_others_must_not_have_one() {
        assert!(
            validate_user("p@x.io", "P", "partner", "", false)
                .unwrap_err()
                .get("org_id")
                .is_some()
        );
        assert!(
            validate_user("s@x.io", "S", "sales", "org1", false)
                .unwrap_err()
                .get("org_id")
                .is_some()
        );
        let ok = validate_user("P@X.io", " Pat  Lee ", "partner", "org1", true).unwrap();
        assert_eq!(ok.email, "p@x.io");
        assert_eq!(ok.name, "Pat Lee");
        assert!(ok.org_admin);
        let sales = validate_user("s@x.io", "S", "sales", "", true).unwrap();
        assert!(!sales.org_admin, "org admin is a partner-only flag");
    }

    #[test]
    fn unknown_roles_are_refused() {
        assert!(
            validate_user("a@b.co", "A", "root", "", false)
                .unwrap_err()
                .get("role")
                .is_some()
        );
    }

    #[test]
    fn an_edit_lists_only_what_changed_with_organisations_by_name() {
        let before = validate_user("ann@a.example", "Ann", "partner", "o1", false).unwrap();
        let after = validate_user("ann@a.example", "Ann Lee", "channel", "", false).unwrap();
        assert_eq!(
            changes(&before, Some("Acme"), &after, None),
            vec![
                ("Name", "Ann".to_owned(), "Ann Lee".to_owned()),
                ("Role", "Partner".to_owned(), "Channel manager".to_owned()),
                ("Organisation", "Acme".to_owned(), String::new()),
            ]
        );
        assert!(changes(&before, Some("Acme"), &before, Some("Acme")).is_empty());
    }
}
