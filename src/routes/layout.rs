//! What the base layout shows: who is signed in, the navigation for their role, notices.

use crate::auth::guard::{Allowed, Signed};
use crate::domain::role::Role;

#[derive(Clone)]
pub struct NavUser {
    pub name: String,
    pub role_label: &'static str,
    pub org_name: Option<String>,
}

#[derive(Clone)]
pub struct NavItem {
    pub href: &'static str,
    pub label: &'static str,
    pub current: bool,
}

#[derive(Clone)]
pub struct Layout {
    pub user: Option<NavUser>,
    pub nav: Vec<NavItem>,
    pub csrf: String,
    pub flash: Option<String>,
}

impl Layout {
    pub fn anonymous(csrf: String) -> Self {
        Self {
            user: None,
            nav: Vec::new(),
            csrf,
            flash: None,
        }
    }

    pub fn anonymous_with_flash(csrf: String, flash: Option<String>) -> Self {
        Self {
            flash,
            ..Self::anonymous(csrf)
        }
    }

    /// The layout for a signed-in page; `current` marks the nav entry of this page.
    pub fn signed<R: Allowed>(signed: &Signed<R>, current: &str) -> Self {
        let mut links: Vec<(&'static str, &'static str)> = match signed.role {
            Role::Partner => vec![
                ("/partner", "My deals"),
                ("/partner/deals/new", "Register a deal"),
                ("/partner/disputes", "Disputes"),
                ("/partner/earnings", "Earnings"),
                ("/roe", "Rules of engagement"),
            ],
            Role::Sales => vec![
                ("/sales", "Lock check"),
                ("/sales/disputes", "My disputes"),
                ("/sales/credits", "My credits"),
                ("/roe", "Rules of engagement"),
                ("/account/tokens", "API tokens"),
            ],
            Role::Channel => vec![
                ("/review", "Review queue"),
                ("/dashboard", "Dashboard"),
                ("/review/registrations", "All registrations"),
                ("/review/disputes", "Disputes"),
                ("/review/disputes/rulings", "Past rulings"),
            ],
            Role::Admin => vec![
                ("/admin", "Program"),
                ("/admin/policy", "Policy"),
                ("/admin/territories", "Territories"),
                ("/admin/compensation", "Compensation"),
                ("/admin/credits", "Credits"),
                ("/admin/roe", "Rules of engagement"),
                ("/sales", "Lock check"),
                ("/review", "Review queue"),
                ("/review/registrations", "Registrations"),
                ("/review/disputes", "Disputes"),
                ("/admin/orgs", "Organisations"),
                ("/admin/users", "Users"),
                ("/admin/outbox", "Outbox"),
                ("/admin/accounts/import", "CRM import"),
                ("/admin/system", "System"),
                ("/account/tokens", "API tokens"),
            ],
        };
        if signed.role == Role::Partner && signed.user.org_admin {
            links.push(("/org/users", "My organisation"));
        }
        links.push(("/account/password", "Password"));
        Self {
            user: Some(NavUser {
                name: signed.user.name.clone(),
                role_label: signed.role.label(),
                org_name: signed.org.as_ref().map(|o| o.name.clone()),
            }),
            nav: links
                .into_iter()
                .map(|(href, label)| NavItem {
                    href,
                    label,
                    current: href == current,
                })
                .collect(),
            csrf: signed.csrf.clone(),
            flash: signed.flash.clone(),
        }
    }
}
