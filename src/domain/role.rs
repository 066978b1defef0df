use super::code::text_enum;

text_enum! {
    /// What a signed-in user is to the program. Stored as text in `users.role`.
    pub enum Role {
        Partner,
        Sales,
        Channel,
        Admin,
    }
}

impl Role {
    pub fn label(self) -> &'static str {
        match self {
            Role::Partner => "Partner",
            Role::Sales => "Direct sales",
            Role::Channel => "Channel manager",
            Role::Admin => "Administrator",
        }
    }

    /// Where this role lands after signing in.
    pub fn home_path(self) -> &'static str {
        match self {
            Role::Partner => "/partner",
            Role::Sales => "/sales",
            Role::Channel => "/review",
            Role::Admin => "/admin",
        }
    }

    /// Partner users belong to exactly one partner organisation; nobody else belongs to one.
    pub fn needs_org(self) -> bool {
        self == Role::Partner
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn roles_round_trip_through_their_stored_name() {
        let codes: Vec<&str> = Role::ALL.iter().map(|r| r.as_str()).collect();
        assert_eq!(codes, ["partner", "sales", "channel", "admin"]);
        assert_eq!(Role::parse("Admin"), None, "stored names are lower case");
        assert_eq!(Role::parse("root"), None);
    }

    #[test]
    fn each_role_has_its_own_home() {
        let homes: std::collections::HashSet<_> = Role::ALL.iter().map(|r| r.home_path()).collect();
        assert_eq!(homes.len(), Role::ALL.len());
    }
}
