//! A channel manager's ruling on a dispute (`domain::dispute`), as it changes registrations:
//! one that lost out is reinstated, one that held the prospect is overturned. A ruling never
//! moves a lock silently: the holder is overturned first, explicitly and with the ruling's
//! rationale as its reason, and only then can the other be reinstated.

use chrono::TimeDelta;

use crate::domain::dates;

use super::rules::{allow, approval_rules, in_state, required, transition};
use super::{Actor, Context, EventKind, Lifecycle, Refusal, Renewal, Status, Transition};

/// Approves a rejected, declined or queued registration by a ruling, with a fresh protection
/// window and a clean slate (no outcome, reminder or renewal left from before). The approval
/// rules in force apply as at a review; `held_by_other` refuses it while another
/// registration holds the prospect.
pub(super) fn reinstate(
    current: &Lifecycle,
    ctx: &Context,
    rationale: &str,
    held_by_other: bool,
) -> Result<Transition, Refusal> {
    allow(ctx.actor, &[Actor::Reviewer], "a channel manager")?;
    in_state(
        current,
        &[Status::Rejected, Status::Declined, Status::Queued],
    )?;
    let rationale = required("rationale", rationale, "Write the ruling's rationale.")?;
    if held_by_other {
        return Err(Refusal::Rule(
            "Another registration holds this prospect; transfer the lock instead, so \
             that registration is ended explicitly first."
                .into(),
        ));
    }
    approval_rules(ctx)?;
    let now = ctx.now;
    let ends = now + TimeDelta::days(ctx.policy.window_days(ctx.segment));
    let mut next = current.clone();
    next.status = Status::Approved;
    next.review_due_at = None;
    next.sla_paused_secs = None;
    next.queued_behind = None;
    next.decided_at = Some(now);
    next.closed_at = None;
    next.outcome_reason = None;
    next.protection_ends_at = Some(ends);
    next.reminder_sent_at = None;
    next.renewal = None;
    next.renewal_note = None;
    Ok(transition(
        next,
        ctx,
        EventKind::Reinstated,
        Some(format!(
            "Protected until {}. Ruling: {rationale}",
            dates::date(ends)
        )),
    ))
}

/// Ends a registration that holds the prospect by a ruling; its partner reads the rationale
/// as the reason. The prospect is released, so the ruling can reinstate another.
pub(super) fn overturn(
    current: &Lifecycle,
    ctx: &Context,
    rationale: &str,
) -> Result<Transition, Refusal> {
    allow(ctx.actor, &[Actor::Reviewer], "a channel manager")?;
    in_state(
        current,
        &[Status::Pending, Status::InfoRequested, Status::Approved],
    )?;
    let rationale = required("rationale", rationale, "Write the ruling's rationale.")?;
    let reason = format!("Overturned by a dispute ruling: {rationale}");
    let mut next = current.clone();
    next.status = Status::Overturned;
    next.review_due_at = None;
    next.sla_paused_secs = None;
    next.closed_at = Some(ctx.now);
    next.outcome_reason = Some(reason.clone());
    if next.renewal == Some(Renewal::Requested) {
        next.renewal = None;
    }
    Ok(transition(next, ctx, EventKind::Overturned, Some(reason)))
}

#[cfg(test)]
mod tests {
    use crate::domain::lifecycle::fixtures::{approved, ctx, pending, refused, t0};
    use crate::domain::lifecycle::{Command, ExistingClaim, apply, submit};
    use crate::domain::policy::Policy;

    use super::*;

    fn declined(policy: &Policy) -> Lifecycle {
        submit(
            &ExistingClaim::Locked {
                until: t0() + TimeDelta::days(30),
            },
            policy,
            t0(),
        )
        .next
    }

    #[test]
    fn a_ruling_reinstates_a_declined_or_rejected_registration_with_a_fresh_window() {
        let p = Policy::default();
        let later = t0() + TimeDelta::days(10);
        let c = ctx(&p, Actor::Reviewer, later);
        let rejected = apply(
            &pending(&p),
            &c,
            Command::Reject {
                reason: "Existing customer".into(),
            },
        )
        .unwrap()
        .next;
        for current in [declined(&p), rejected] {
            let t = apply(
                &current,
                &c,
                Command::Reinstate {
                    rationale: "They registered first.".into(),
                    held_by_other: false,
                },
            )
            .unwrap();
            assert_eq!(t.event, EventKind::Reinstated);
            assert_eq!(t.next.status, Status::Approved);
            assert_eq!(
                t.next.protection_ends_at,
                Some(later + TimeDelta::days(120))
            );
            assert_eq!(t.next.closed_at, None);
            assert_eq!(t.next.outcome_reason, None);
            assert_eq!(t.next.decided_policy_version, Some(3));
            assert!(t.note.unwrap().contains("They registered first."));
        }
    }

    #[test]
    fn reinstating_is_refused_while_another_registration_holds_the_prospect() {
        let p = Policy::default();
        let c = ctx(&p, Actor::Reviewer, t0());
        let held = |held_by_other| Command::Reinstate {
            rationale: "x".into(),
            held_by_other,
        };
        assert!(
            refused(&declined(&p), &c, held(true))
                .to_string()
                .contains("transfer the lock")
        );
        // Not by a partner, not on a registration that holds, not without a rationale.
        assert!(matches!(
            refused(&declined(&p), &ctx(&p, Actor::Partner, t0()), held(false)),
            Refusal::NotYours(_)
        ));
        assert_eq!(
            refused(&approved(&p), &c, held(false)),
            Refusal::WrongState("Approved")
        );
        assert!(matches!(
            refused(
                &declined(&p),
                &c,
                Command::Reinstate {
                    rationale: " ".into(),
                    held_by_other: false
                }
            ),
            Refusal::Field {
                field: "rationale",
                ..
            }
        ));
        // The cap applies as at approval.
        let mut capped = ctx(&p, Actor::Reviewer, t0());
        capped.org_approved = 25;
        assert!(
            refused(&declined(&p), &capped, held(false))
                .to_string()
                .contains("cap")
        );
    }

    #[test]
    fn overturning_ends_a_holder_explicitly_with_the_reason() {
        let p = Policy::default();
        let c = ctx(&p, Actor::Reviewer, t0() + TimeDelta::days(2));
        let a = approved(&p);
        let t = apply(
            &a,
            &c,
            Command::Overturn {
                rationale: "Beta registered first.".into(),
            },
        )
        .unwrap();
        assert_eq!(t.next.status, Status::Overturned);
        assert_eq!(t.event, EventKind::Overturned);
        assert_eq!(
            t.next.outcome_reason.as_deref(),
            Some("Overturned by a dispute ruling: Beta registered first.")
        );
        assert!(t.releases(&a));
        assert!(!Status::Overturned.holds_prospect());
        assert!(!Status::ACTIVE.contains(&Status::Overturned));
        // Only a channel manager, only a holder, only with a rationale.
        assert!(matches!(
            refused(
                &a,
                &ctx(&p, Actor::System, t0()),
                Command::Overturn {
                    rationale: "x".into()
                }
            ),
            Refusal::NotYours(_)
        ));
        assert_eq!(
            refused(
                &declined(&p),
                &c,
                Command::Overturn {
                    rationale: "x".into()
                }
            ),
            Refusal::WrongState("Declined")
        );
        assert!(matches!(
            refused(
                &a,
                &c,
                Command::Overturn {
                    rationale: "".into()
                }
            ),
            Refusal::Field {
                field: "rationale",
                ..
            }
        ));
    }
}
