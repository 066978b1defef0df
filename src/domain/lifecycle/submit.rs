//! A new registration's first state, from the claim already on its prospect (DESIGN.md,
//! "Duplicate handling": first valid registration wins). Not a [`Command`](super::Command):
//! there is no state before it, and it is not refused here; what a submission must pass is
//! checked before it gets this far (`domain::registration`, the territory and policy rules).

use chrono::{NaiveDateTime, TimeDelta};

use crate::domain::dates;
use crate::domain::policy::Policy;

use super::{EventKind, Lifecycle, Status, Transition};

/// The state a new registration starts in, given who already claims the prospect.
pub enum ExistingClaim {
    Open,
    /// An earlier registration is under review; this one waits behind it.
    Pending {
        id: String,
    },
    /// An approved registration protects the prospect until then.
    Locked {
        until: NaiveDateTime,
    },
}

/// Pending with the SLA clock running, queued behind the earlier pending registration, or
/// declined at once with the date the prospect is protected until (never the other partner).
pub fn submit(claim: &ExistingClaim, policy: &Policy, now: NaiveDateTime) -> Transition {
    match claim {
        ExistingClaim::Open => Transition {
            next: Lifecycle {
                review_due_at: Some(now + TimeDelta::hours(policy.approval_sla_hours)),
                ..Lifecycle::new(Status::Pending)
            },
            event: EventKind::Submitted,
            note: None,
        },
        ExistingClaim::Pending { id } => Transition {
            next: Lifecycle {
                queued_behind: Some(id.clone()),
                ..Lifecycle::new(Status::Queued)
            },
            event: EventKind::Queued,
            note: Some(
                "Another registration of this prospect is under review. Yours is kept in line \
                 and goes to review if that one is rejected or withdrawn."
                    .into(),
            ),
        },
        ExistingClaim::Locked { until } => {
            let reason = format!(
                "This prospect is already registered and protected until {}.",
                dates::date(*until)
            );
            Transition {
                next: Lifecycle {
                    outcome_reason: Some(reason.clone()),
                    closed_at: Some(now),
                    ..Lifecycle::new(Status::Declined)
                },
                event: EventKind::Declined,
                note: Some(reason),
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::domain::lifecycle::fixtures::t0;

    use super::*;

    #[test]
    fn a_submission_is_pending_queued_or_declined_by_the_existing_claim() {
        let p = Policy::default();
        let open = submit(&ExistingClaim::Open, &p, t0());
        assert_eq!(open.next.status, Status::Pending);
        assert_eq!(open.next.review_due_at, Some(t0() + TimeDelta::hours(48)));
        let queued = submit(&ExistingClaim::Pending { id: "r1".into() }, &p, t0());
        assert_eq!(queued.next.status, Status::Queued);
        assert_eq!(queued.next.queued_behind.as_deref(), Some("r1"));
        assert_eq!(queued.next.review_due_at, None);
        let until = t0() + TimeDelta::days(30);
        let declined = submit(&ExistingClaim::Locked { until }, &p, t0());
        assert_eq!(declined.next.status, Status::Declined);
        assert_eq!(
            declined.note.as_deref(),
            Some("This prospect is already registered and protected until 23 Dec 2026.")
        );
    }
}
