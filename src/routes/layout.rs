//! What the base layout shows: who is signed in, the navigation for their role, notices.

use crate::auth::guard::{Allowed, Signed, TwoStep};
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

/// Links under one heading. Roles with a handful of pages get one group without a label
/// (a plain row of links); admins, with many, get named groups that open as menus.
#[derive(Clone)]
pub struct NavGroup {
    pub label: Option<&'static str>,
    pub items: Vec<NavItem>,
    /// Holds the page shown.
    pub current: bool,
}

/// The admin's pages by what they are for.
const ADMIN_GROUPS: &[(&str, &[(&str, &str)])] = &[
    (
        "Program",
        &[
            ("/admin", "Dashboard"),
            ("/review", "Review queue"),
            ("/review/registrations", "Registrations"),
            ("/review/disputes", "Disputes"),
            ("/sales", "Lock check"),
        ],
    ),
    (
        "Partners",
        &[
            ("/admin/orgs", "Organisations"),
            ("/admin/users", "Users"),
            ("/admin/credits", "Credits"),
        ],
    ),
    (
        "Rules",
        &[
            ("/admin/policy", "Policy"),
            ("/admin/territories", "Territories"),
            ("/admin/compensation", "Compensation"),
            ("/admin/roe", "Rules of engagement"),
        ],
    ),
    (
        "Data",
        &[
            ("/admin/accounts", "CRM accounts"),
            ("/admin/accounts/import", "CRM import"),
            ("/admin/outbox", "Outbox"),
            ("/admin/system", "System"),
            ("/admin/audit", "Audit log"),
            ("/account/tokens", "API tokens"),
            ("/admin/webhooks", "Webhooks"),
            ("/account/password", "Password"),
            ("/account/two-step", "Two-step sign-in"),
        ],
    ),
];

#[derive(Clone)]
pub struct Layout {
    pub user: Option<NavUser>,
    pub nav: Vec<NavGroup>,
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
        if signed.two_step == TwoStep::MustSetUp {
            // Every other page sends them back to the setup: no links to follow.
            return Self::with_nav(signed, Vec::new());
        }
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
                ("/admin/webhooks", "Webhooks"),
            ],
            Role::Channel => vec![
                ("/review", "Review queue"),
                ("/dashboard", "Dashboard"),
                ("/review/registrations", "All registrations"),
                ("/review/disputes", "Disputes"),
                ("/review/disputes/rulings", "Past rulings"),
            ],
            Role::Admin => {
                return Self::with_nav(
                    signed,
                    ADMIN_GROUPS
                        .iter()
                        .map(|(label, links)| group(Some(label), links.to_vec(), current))
                        .collect(),
                );
            }
        };
        if signed.role == Role::Partner && signed.user.org_admin {
            links.push(("/org/users", "My organisation"));
        }
        links.push(("/account/password", "Password"));
        links.push(("/account/two-step", "Two-step sign-in"));
        Self::with_nav(signed, vec![group(None, links, current)])
    }

    fn with_nav<R: Allowed>(signed: &Signed<R>, nav: Vec<NavGroup>) -> Self {
        Self {
            user: Some(NavUser {
                name: signed.user.name.clone(),
                role_label: signed.role.label(),
                org_name: signed.org.as_ref().map(|o| o.name.clone()),
            }),
            nav,
            csrf: signed.csrf.clone(),
            flash: signed.flash.clone(),
        }
    }
}

fn group(
    label: Option<&'static str>,
    links: Vec<(&'static str, &'static str)>,
    current: &str,
) -> NavGroup {
    let items: Vec<NavItem> = links
        .into_iter()
        .map(|(href, label)| NavItem {
            href,
            label,
            current: href == current,
        })
        .collect();
    NavGroup {
        label,
        current: items.iter().any(|i| i.current),
        items,
    }
}
