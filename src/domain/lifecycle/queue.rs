//! The line behind a pending registration (DESIGN.md, "Duplicate handling"): when the
//! registration ahead is approved, those behind it are declined as duplicates, with the date
//! the prospect is protected until but not who holds it; when it is rejected or withdrawn,
//! the next in line goes to review with a fresh SLA clock. The workflow picks which
//! registration moves; these say what moving means.

use chrono::{NaiveDateTime, TimeDelta};

use crate::domain::dates;

use super::rules::{allow, in_state, transition};
use super::{Actor, Context, EventKind, Lifecycle, Refusal, Status, Transition};

/// The registration ahead was rejected or withdrawn: this one goes to review.
pub(super) fn advance(current: &Lifecycle, ctx: &Context) -> Result<Transition, Refusal> {
    allow(ctx.actor, &[Actor::System], "the queue")?;
    in_state(current, &[Status::Queued])?;
    let mut next = current.clone();
    next.status = Status::Pending;
    next.queued_behind = None;
    next.review_due_at = Some(ctx.now + TimeDelta::hours(ctx.policy.approval_sla_hours));
    Ok(transition(next, ctx, EventKind::Advanced, None))
}

/// The registration ahead was approved: this one is declined, told until when the prospect
/// is protected.
pub(super) fn decline_as_duplicate(
    current: &Lifecycle,
    ctx: &Context,
    protected_until: NaiveDateTime,
) -> Result<Transition, Refusal> {
    allow(ctx.actor, &[Actor::System], "the queue")?;
    in_state(current, &[Status::Queued])?;
    let reason = format!(
        "Another registration of this prospect was approved first; it is protected \
         until {}.",
        dates::date(protected_until)
    );
    let mut next = current.clone();
    next.status = Status::Declined;
    next.queued_behind = None;
    next.closed_at = Some(ctx.now);
    next.outcome_reason = Some(reason.clone());
    Ok(transition(next, ctx, EventKind::Declined, Some(reason)))
}

#[cfg(test)]
mod tests {
    use crate::domain::lifecycle::fixtures::{ctx, pending, t0};
    use crate::domain::lifecycle::{Command, ExistingClaim, apply, submit};
    use crate::domain::policy::Policy;

    use super::*;

    #[test]
    fn the_queue_advances_or_declines() {
        let p = Policy::default();
        let queued = submit(&ExistingClaim::Pending { id: "r1".into() }, &p, t0()).next;
        let sys = ctx(&p, Actor::System, t0() + TimeDelta::hours(5));
        let advanced = apply(&queued, &sys, Command::Advance).unwrap().next;
        assert_eq!(advanced.status, Status::Pending);
        assert_eq!(advanced.review_due_at, Some(t0() + TimeDelta::hours(53)));
        let until = t0() + TimeDelta::days(90);
        let declined = apply(
            &queued,
            &sys,
            Command::DeclineAsDuplicate {
                protected_until: until,
            },
        )
        .unwrap();
        assert_eq!(declined.next.status, Status::Declined);
        assert!(declined.note.unwrap().contains("21 Feb 2027"));
        assert!(apply(&pending(&p), &sys, Command::Advance).is_err());
    }
}
