//! What to generate: the counts asked for on the command line, checked, with the defaults
//! that scale with them.

use super::plan::Plan;
use crate::domain::money::group_count;

/// What to generate, checked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Spec {
    pub registrations: u64,
    pub orgs: u64,
    pub big_org: u64,
    pub due: u64,
    pub seed: u64,
    /// CRM accounts; `None` for one per 200 registrations, between 100 and 5,000.
    pub accounts: Option<u64>,
}

impl Spec {
    /// `big_org` and `due` default to 10,000 and 100,000, capped for small runs.
    pub fn new(
        registrations: u64,
        orgs: u64,
        big_org: Option<u64>,
        due: Option<u64>,
        seed: u64,
    ) -> Result<Spec, String> {
        if registrations < 100 {
            return Err("--registrations must be at least 100".into());
        }
        if registrations > 50_000_000 {
            return Err("--registrations must be at most 50,000,000".into());
        }
        if !(2..=1_000_000).contains(&orgs) {
            return Err(
                "--orgs must be between 2 and 1,000,000 (one big organisation and the others)"
                    .into(),
            );
        }
        let big_org = big_org.unwrap_or_else(|| 10_000.min(registrations / 2));
        if big_org > registrations {
            return Err(format!(
                "--big-org ({}) cannot be more than --registrations ({}); lower it or raise --registrations",
                group_count(big_org),
                group_count(registrations)
            ));
        }
        let due = due.unwrap_or_else(|| 100_000.min(registrations / 10));
        let spec = Spec {
            registrations,
            orgs,
            big_org,
            due,
            seed,
            accounts: None,
        };
        let plan = Plan::new(registrations, due);
        if plan.is_none() {
            return Err(format!(
                "--due ({}) leaves too few registrations for the other states; use at most {} or raise --registrations",
                group_count(due),
                group_count(Plan::max_due(registrations))
            ));
        }
        Ok(spec)
    }

    pub(super) fn plan(&self) -> Plan {
        Plan::new(self.registrations, self.due).expect("checked in Spec::new")
    }
}

#[cfg(test)]
mod tests {
    use super::Spec;

    #[test]
    fn counts_are_checked_with_the_fix_in_the_message() {
        assert!(
            Spec::new(1_000, 1, None, None, 1)
                .unwrap_err()
                .contains("--orgs")
        );
        assert!(
            Spec::new(1_000, 10, Some(2_000), None, 1)
                .unwrap_err()
                .contains("--big-org")
        );
        assert!(
            Spec::new(1_000, 10, None, Some(990), 1)
                .unwrap_err()
                .contains("use at most")
        );
        let spec = Spec::new(1_000_000, 2_000, None, None, 1).unwrap();
        assert_eq!((spec.big_org, spec.due), (10_000, 100_000));
        assert_eq!(spec.plan().total(), 1_000_000);
    }
}
