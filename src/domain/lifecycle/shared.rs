//! A registration flagged as naming the same prospect as an earlier holder: this happens when
//! the rules that compute the prospect keys change, the stored keys are computed again, and
//! two holders turn out to share one. Declining either without a person looking would break a
//! promise, so a channel manager decides whether the later one is declined (first valid
//! registration wins: the earlier keeps the prospect) or kept (different companies after all).

use super::rules::{allow, in_state, required, transition};
use super::{Actor, Context, EventKind, Lifecycle, Refusal, Renewal, Status, Transition};

/// Declines a flagged registration that holds the prospect, with the reason its partner
/// reads. It is a decision, so it records the policy version, though its event (`Declined`)
/// is also the queue's, which records none.
pub(super) fn decline(
    current: &Lifecycle,
    ctx: &Context,
    reason: &str,
) -> Result<Transition, Refusal> {
    allow(ctx.actor, &[Actor::Reviewer], "a channel manager")?;
    in_state(current, &Status::HOLDING)?;
    let reason = required("reason", reason, "Give the partner a reason.")?;
    let now = ctx.now;
    let mut next = current.clone();
    next.status = Status::Declined;
    next.review_due_at = None;
    next.sla_paused_secs = None;
    next.queued_behind = None;
    next.decided_at = Some(now);
    next.decided_policy_version = Some(ctx.policy_version);
    next.closed_at = Some(now);
    next.outcome_reason = Some(reason.clone());
    if next.renewal == Some(Renewal::Requested) {
        next.renewal = None;
    }
    Ok(transition(next, ctx, EventKind::Declined, Some(reason)))
}

/// Keeps a flagged registration as it is: only the note, for the record, says why they are
/// different companies.
pub(super) fn keep(current: &Lifecycle, ctx: &Context, note: &str) -> Result<Transition, Refusal> {
    allow(ctx.actor, &[Actor::Reviewer], "a channel manager")?;
    in_state(current, &Status::HOLDING)?;
    let note = required(
        "note",
        note,
        "Say why they are different companies, for the record.",
    )?;
    Ok(transition(
        current.clone(),
        ctx,
        EventKind::SharedProspectKept,
        Some(note),
    ))
}

#[cfg(test)]
mod tests {
    use chrono::TimeDelta;

    use crate::domain::lifecycle::fixtures::{approved, ctx, pending, refused, t0};
    use crate::domain::lifecycle::{Command, apply};
    use crate::domain::policy::Policy;

    use super::*;

    #[test]
    fn a_registration_sharing_a_prospect_is_declined_or_kept_by_a_reviewer_only() {
        let p = Policy::default();
        let reviewer = ctx(&p, Actor::Reviewer, t0() + TimeDelta::hours(1));
        for current in [pending(&p), approved(&p)] {
            let declined = apply(
                &current,
                &reviewer,
                Command::DeclineSharedProspect {
                    reason: "Same company as an earlier registration.".into(),
                },
            )
            .unwrap();
            assert_eq!(declined.next.status, Status::Declined);
            assert_eq!(declined.event, EventKind::Declined);
            assert_eq!(declined.next.review_due_at, None);
            assert_eq!(declined.next.decided_policy_version, Some(3));
            assert_eq!(
                declined.next.outcome_reason.as_deref(),
                Some("Same company as an earlier registration.")
            );
            assert!(declined.releases(&current));

            let kept = apply(
                &current,
                &reviewer,
                Command::KeepSharedProspect {
                    note: "Different companies in two countries.".into(),
                },
            )
            .unwrap();
            assert_eq!(kept.next, current, "keeping changes nothing");
            assert_eq!(kept.event, EventKind::SharedProspectKept);

            let partner = ctx(&p, Actor::Partner, t0());
            assert!(matches!(
                refused(
                    &current,
                    &partner,
                    Command::KeepSharedProspect { note: "x".into() }
                ),
                Refusal::NotYours(_)
            ));
            assert!(matches!(
                refused(
                    &current,
                    &reviewer,
                    Command::DeclineSharedProspect { reason: " ".into() }
                ),
                Refusal::Field {
                    field: "reason",
                    ..
                }
            ));
        }
        let declined = apply(
            &pending(&p),
            &reviewer,
            Command::DeclineSharedProspect { reason: "x".into() },
        )
        .unwrap()
        .next;
        assert_eq!(
            refused(
                &declined,
                &reviewer,
                Command::KeepSharedProspect { note: "x".into() }
            ),
            Refusal::WrongState("Declined")
        );
    }
}
