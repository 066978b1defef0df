//! What the jobs do when time passes (DESIGN.md, "Expiry" and the approval SLA): an approved
//! registration lapses at the end of its window, its partner is reminded once before that,
//! and a review that overruns its SLA is escalated once. Only the system gives these
//! commands, and each refuses when it is not due, so a job run twice does nothing twice.

use chrono::TimeDelta;

use super::rules::{allow, in_state, transition};
use super::{Actor, Context, EventKind, Lifecycle, Refusal, Renewal, Status, Transition};

/// An approved registration lapses once its window has ended, unless a renewal asked for in
/// time is still waiting for review. The prospect is open again.
pub(super) fn expire(current: &Lifecycle, ctx: &Context) -> Result<Transition, Refusal> {
    allow(ctx.actor, &[Actor::System], "the expiry job")?;
    in_state(current, &[Status::Approved])?;
    let now = ctx.now;
    match current.protection_ends_at {
        Some(ends) if ends <= now => {}
        _ => return Err(Refusal::Rule("The protection window has not ended.".into())),
    }
    if current.renewal == Some(Renewal::Requested) {
        return Err(Refusal::Rule(
            "A renewal asked for in time is waiting for review.".into(),
        ));
    }
    let mut next = current.clone();
    next.status = Status::Expired;
    next.closed_at = Some(now);
    Ok(transition(next, ctx, EventKind::Expired, None))
}

/// The reminder before expiry: once, inside the policy's reminder period before the window
/// ends (a renewal approval clears it, so the new end gets its own).
pub(super) fn send_reminder(current: &Lifecycle, ctx: &Context) -> Result<Transition, Refusal> {
    allow(ctx.actor, &[Actor::System], "the reminder job")?;
    in_state(current, &[Status::Approved])?;
    let now = ctx.now;
    let due = match current.protection_ends_at {
        Some(ends) => now < ends && ends - TimeDelta::days(ctx.policy.reminder_days) <= now,
        None => false,
    };
    if current.reminder_sent_at.is_some() || !due {
        return Err(Refusal::Rule("No reminder is due.".into()));
    }
    let mut next = current.clone();
    next.reminder_sent_at = Some(now);
    Ok(transition(next, ctx, EventKind::ReminderSent, None))
}

/// An item past its review due time is escalated once; it stays in the queue as it is. Any
/// state with a due time counts: a new registration or a renewal request.
pub(super) fn escalate_sla(current: &Lifecycle, ctx: &Context) -> Result<Transition, Refusal> {
    allow(ctx.actor, &[Actor::System], "the SLA job")?;
    let now = ctx.now;
    match current.review_due_at {
        Some(due) if due <= now && current.sla_escalated_at.is_none() => {}
        _ => return Err(Refusal::Rule("No SLA breach to escalate.".into())),
    }
    let mut next = current.clone();
    next.sla_escalated_at = Some(now);
    Ok(transition(next, ctx, EventKind::SlaEscalated, None))
}

#[cfg(test)]
mod tests {
    use crate::domain::lifecycle::fixtures::{approved, ctx, pending, refused, t0};
    use crate::domain::lifecycle::{Command, apply};
    use crate::domain::policy::Policy;

    use super::*;

    #[test]
    fn expiry_happens_at_the_window_end_not_before() {
        let p = Policy::default();
        let a = approved(&p);
        let ends = a.protection_ends_at.unwrap();
        let sys = |at| ctx(&p, Actor::System, at);
        assert!(apply(&a, &sys(ends - TimeDelta::seconds(1)), Command::Expire).is_err());
        let t = apply(&a, &sys(ends), Command::Expire).unwrap();
        assert_eq!(t.next.status, Status::Expired);
        assert!(t.releases(&a));
        assert!(matches!(
            refused(&a, &ctx(&p, Actor::Partner, ends), Command::Expire),
            Refusal::NotYours(_)
        ));
    }

    #[test]
    fn a_pending_renewal_holds_off_expiry() {
        let p = Policy::default();
        let a = approved(&p);
        let ends = a.protection_ends_at.unwrap();
        let asked = apply(
            &a,
            &ctx(&p, Actor::Partner, ends - TimeDelta::days(1)),
            Command::RequestRenewal { note: "x".into() },
        )
        .unwrap()
        .next;
        assert!(apply(&asked, &ctx(&p, Actor::System, ends), Command::Expire).is_err());
    }

    #[test]
    fn the_reminder_goes_once_inside_the_reminder_period() {
        let p = Policy::default();
        let a = approved(&p);
        let ends = a.protection_ends_at.unwrap();
        let sys = |at| ctx(&p, Actor::System, at);
        assert!(
            apply(
                &a,
                &sys(ends - TimeDelta::days(14) - TimeDelta::seconds(1)),
                Command::SendReminder
            )
            .is_err()
        );
        let sent = apply(&a, &sys(ends - TimeDelta::days(14)), Command::SendReminder)
            .unwrap()
            .next;
        assert!(sent.reminder_sent_at.is_some());
        assert!(
            apply(
                &sent,
                &sys(ends - TimeDelta::days(1)),
                Command::SendReminder
            )
            .is_err()
        );
    }

    #[test]
    fn a_breach_is_escalated_once() {
        let p = Policy::default();
        let sys = |at| ctx(&p, Actor::System, at);
        let due = t0() + TimeDelta::hours(48);
        assert!(
            apply(
                &pending(&p),
                &sys(due - TimeDelta::seconds(1)),
                Command::EscalateSla
            )
            .is_err()
        );
        let escalated = apply(&pending(&p), &sys(due), Command::EscalateSla)
            .unwrap()
            .next;
        assert_eq!(escalated.sla_escalated_at, Some(due));
        assert!(
            apply(
                &escalated,
                &sys(due + TimeDelta::hours(1)),
                Command::EscalateSla
            )
            .is_err()
        );
    }
}
