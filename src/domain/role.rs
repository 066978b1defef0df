use std::fmt;

/// What a signed-in user is to the program. Stored as text in `users.role`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Role {
    Partner,
    Sales,
    Channel,
    Admin,
}

impl Role {
    pub const ALL: [Role; 4] = [Role::Partner, Role::Sales, Role::Channel, Role::Admin];

    pub fn as_str(self) -> &'static str {
        match self {
            Role::Partner => "partner",
            Role::Sales => "sales",
            Role::Channel => "channel",
            Role::Admin => "admin",
        }
    }

    pub fn parse(value: &str) -> Option<Role> {
        Role::ALL.into_iter().find(|r| r.as_str() == value)
    }

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

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn roles_round_trip_through_their_stored_name() {
        for role in Role::ALL {
            assert_eq!(Role::parse(role.as_str()), Some(role));
        }
        assert_eq!(Role::parse("Admin"), None, "stored names are lower case");
        assert_eq!(Role::parse("root"), None);
    }

    #[test]
    fn each_role_has_its_own_home() {
        let homes: std::collections::HashSet<_> = Role::ALL.iter().map(|r| r.home_path()).collect();
        assert_eq!(homes.len(), Role::ALL.len());
    }
}
