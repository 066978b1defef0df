//! What the load wrote, and how `truce demo` prints it.

use std::time::Duration;

use super::EMAIL_DOMAIN;
use super::plan::Plan;
use super::spec::Spec;
use crate::domain::money::group_count;

/// What was written, for the summary.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Summary {
    pub orgs: u64,
    pub users: u64,
    pub big_org_name: String,
    pub registrations: u64,
    pub events: u64,
    pub crm_accounts: u64,
    pub territories: u64,
    pub disputes: u64,
    /// Reps asking to assist, accepted, declined or assigned.
    pub assists: u64,
    /// Acknowledgements of the rules of engagement (of both versions).
    pub acknowledgements: u64,
    /// The caps on active registrations by tier: "Registered 75, Silver 75, ...".
    pub caps: String,
    pub opportunities: u64,
    /// Registrations by status, in lifecycle order.
    pub by_status: Vec<(&'static str, u64)>,
    /// Items in the review queue (pending, and renewals waiting for review).
    pub in_review: u64,
    /// Approved registrations whose protection ended before `now`.
    pub due: u64,
    pub elapsed: Duration,
}

impl Summary {
    /// The counts by state the plan decided, now written.
    pub(super) fn count_plan(&mut self, plan: &Plan) {
        self.by_status = vec![
            ("queued", plan.queued),
            ("pending", plan.pending),
            ("info_requested", plan.info_requested),
            ("approved", plan.due + plan.approved),
            ("rejected", plan.rejected),
            ("withdrawn", plan.withdrawn),
            ("declined", plan.declined),
            ("won", plan.won),
            ("lost", plan.lost),
            ("expired", plan.expired),
        ];
        self.in_review = plan.pending + plan.renewal_requested;
        self.due = plan.due;
    }
}

/// The summary `truce demo` prints: what was written and who to sign in as.
pub(super) fn print_summary(spec: &Spec, s: &Summary, password: &str) {
    let statuses: Vec<String> = s
        .by_status
        .iter()
        .filter(|(_, n)| *n > 0)
        .map(|(status, n)| format!("{} {status}", group_count(*n)))
        .collect();
    println!(
        "Demo data ready in {}:",
        crate::domain::dates::elapsed(s.elapsed)
    );
    println!(
        "  {} partner organisations, {} users",
        group_count(s.orgs),
        group_count(s.users)
    );
    println!(
        "  {} registrations ({})",
        group_count(s.registrations),
        statuses.join(", ")
    );
    println!("  {} audit events", group_count(s.events));
    println!(
        "  {} CRM accounts, {} direct opportunities",
        group_count(s.crm_accounts),
        group_count(s.opportunities)
    );
    println!(
        "  {} territories, {} disputes, {} assists by direct reps",
        group_count(s.territories),
        group_count(s.disputes),
        group_count(s.assists)
    );
    println!(
        "  compensation rules version 2 (double credit on enterprise deals); rules of \
         engagement version 2, {} acknowledgements",
        group_count(s.acknowledgements)
    );
    println!(
        "  caps on active registrations (policy version 2): {}",
        s.caps
    );
    println!("  {} items in the review queue", group_count(s.in_review));
    println!(
        "  {} approved registrations are past their protection end: the expiry sweep \
         (`truce jobs run-once`, or the server's jobs) expires them",
        group_count(s.due)
    );
    println!();
    println!("Sign in with the password \"{password}\" as:");
    println!(
        "  partner1@{EMAIL_DOMAIN}        partner (org admin) of {}, {} registrations",
        s.big_org_name,
        group_count(spec.big_org)
    );
    println!(
        "  partner2@{EMAIL_DOMAIN} ... partner{}@{EMAIL_DOMAIN}   the other partner organisations",
        spec.orgs
    );
    println!("  channel@{EMAIL_DOMAIN}         channel manager (review queue)");
    println!(
        "  sales@{EMAIL_DOMAIN}           direct sales rep (North America; sales2@ to sales{}@ work the other territories)",
        super::orgs::REPS
    );
    println!("  admin@{EMAIL_DOMAIN}           program admin");
}
