//! Renewal (DESIGN.md: "One renewal per registration, requested with an updated status,
//! extending the window"): the partner asks before the window ends, a channel manager
//! decides, or the policy approves it at once. The extension counts from the window's end, so
//! asking early costs the partner nothing.

use chrono::TimeDelta;

use crate::domain::dates;

use super::rules::{allow, in_state, required, transition};
use super::{Actor, Context, EventKind, Lifecycle, Refusal, Renewal, Status, Transition};

/// The partner asks for the one renewal, with a status update on the deal. It goes to the
/// review queue with a fresh SLA clock, or is approved at once when the policy says so.
pub(super) fn request(
    current: &Lifecycle,
    ctx: &Context,
    note: &str,
) -> Result<Transition, Refusal> {
    allow(ctx.actor, &[Actor::Partner], "the registering partner")?;
    in_state(current, &[Status::Approved])?;
    match current.renewal {
        Some(Renewal::Requested) => {
            return Err(Refusal::Rule(
                "A renewal is already waiting for review.".into(),
            ));
        }
        Some(_) => {
            return Err(Refusal::Rule(
                "A registration can be renewed once; this one already was.".into(),
            ));
        }
        None => {}
    }
    if !ctx.policy.renewals_allowed {
        return Err(Refusal::Rule("The program does not allow renewals.".into()));
    }
    let now = ctx.now;
    let ends = current.protection_ends_at.unwrap_or(now);
    if ends <= now {
        return Err(Refusal::Rule(
            "The protection window has ended; a renewal must be asked for before it ends.".into(),
        ));
    }
    let note = required("note", note, "Give an update on the deal's status.")?;
    let mut next = current.clone();
    next.renewal_note = Some(note.clone());
    if ctx.policy.auto_approve_renewals {
        let ends = ends + TimeDelta::days(ctx.policy.renewal_days(ctx.segment));
        next.renewal = Some(Renewal::Approved);
        next.protection_ends_at = Some(ends);
        next.reminder_sent_at = None;
        Ok(transition(
            next,
            ctx,
            EventKind::RenewalApproved,
            Some(format!(
                "Renewed automatically under the program policy; protected until {}. \
                 Status update: {note}",
                dates::date(ends)
            )),
        ))
    } else {
        next.renewal = Some(Renewal::Requested);
        next.review_due_at = Some(now + TimeDelta::hours(ctx.policy.approval_sla_hours));
        next.sla_escalated_at = None;
        Ok(transition(
            next,
            ctx,
            EventKind::RenewalRequested,
            Some(note),
        ))
    }
}

/// A channel manager approves the requested renewal: the window is extended from its end, and
/// a new reminder will go before the new end.
pub(super) fn approve(current: &Lifecycle, ctx: &Context) -> Result<Transition, Refusal> {
    allow(ctx.actor, &[Actor::Reviewer], "a channel manager")?;
    in_state(current, &[Status::Approved])?;
    if current.renewal != Some(Renewal::Requested) {
        return Err(Refusal::Rule(
            "There is no renewal request to decide.".into(),
        ));
    }
    let ends = current.protection_ends_at.unwrap_or(ctx.now)
        + TimeDelta::days(ctx.policy.renewal_days(ctx.segment));
    let mut next = current.clone();
    next.renewal = Some(Renewal::Approved);
    next.review_due_at = None;
    next.protection_ends_at = Some(ends);
    next.reminder_sent_at = None;
    Ok(transition(
        next,
        ctx,
        EventKind::RenewalApproved,
        Some(format!("Protected until {}.", dates::date(ends))),
    ))
}

/// A channel manager rejects the requested renewal, with a reason: the registration stays
/// approved until its window ends, and cannot ask again.
pub(super) fn reject(
    current: &Lifecycle,
    ctx: &Context,
    reason: &str,
) -> Result<Transition, Refusal> {
    allow(ctx.actor, &[Actor::Reviewer], "a channel manager")?;
    in_state(current, &[Status::Approved])?;
    if current.renewal != Some(Renewal::Requested) {
        return Err(Refusal::Rule(
            "There is no renewal request to decide.".into(),
        ));
    }
    let reason = required("reason", reason, "Give the partner a reason.")?;
    let mut next = current.clone();
    next.renewal = Some(Renewal::Rejected);
    next.review_due_at = None;
    Ok(transition(
        next,
        ctx,
        EventKind::RenewalRejected,
        Some(reason),
    ))
}

#[cfg(test)]
mod tests {
    use crate::domain::lifecycle::fixtures::{approved, ctx, refused, t0};
    use crate::domain::lifecycle::{Command, apply};
    use crate::domain::policy::Policy;

    use super::*;

    #[test]
    fn one_renewal_before_expiry_extends_from_the_window_end() {
        let p = Policy::default();
        let a = approved(&p);
        let ends = a.protection_ends_at.unwrap();
        let partner = ctx(&p, Actor::Partner, t0() + TimeDelta::days(100));
        assert!(matches!(
            refused(&a, &partner, Command::RequestRenewal { note: " ".into() }),
            Refusal::Field { field: "note", .. }
        ));
        let asked = apply(
            &a,
            &partner,
            Command::RequestRenewal {
                note: "PO in legal".into(),
            },
        )
        .unwrap();
        assert_eq!(asked.next.renewal, Some(Renewal::Requested));
        assert!(asked.next.review_due_at.is_some());
        assert!(
            refused(
                &asked.next,
                &partner,
                Command::RequestRenewal {
                    note: "again".into()
                }
            )
            .to_string()
            .contains("already waiting")
        );
        let reviewer = ctx(&p, Actor::Reviewer, t0() + TimeDelta::days(101));
        let renewed = apply(&asked.next, &reviewer, Command::ApproveRenewal).unwrap();
        assert_eq!(
            renewed.next.protection_ends_at,
            Some(ends + TimeDelta::days(120))
        );
        assert_eq!(renewed.next.review_due_at, None);
        assert!(
            refused(
                &renewed.next,
                &partner,
                Command::RequestRenewal {
                    note: "third".into()
                }
            )
            .to_string()
            .contains("once")
        );
    }

    #[test]
    fn renewal_after_the_window_ended_is_refused() {
        let p = Policy::default();
        let a = approved(&p);
        let ends = a.protection_ends_at.unwrap();
        let at_end = ctx(&p, Actor::Partner, ends);
        assert!(
            refused(
                &a,
                &at_end,
                Command::RequestRenewal {
                    note: "late".into()
                }
            )
            .to_string()
            .contains("ended")
        );
        let just_before = ctx(&p, Actor::Partner, ends - TimeDelta::seconds(1));
        assert!(
            apply(
                &a,
                &just_before,
                Command::RequestRenewal {
                    note: "in time".into()
                }
            )
            .is_ok()
        );
    }

    #[test]
    fn renewals_may_be_approved_automatically_by_policy() {
        let p = Policy {
            auto_approve_renewals: true,
            renewal_extension_days: Some(60),
            ..Policy::default()
        };
        let a = approved(&p);
        let t = apply(
            &a,
            &ctx(&p, Actor::Partner, t0()),
            Command::RequestRenewal {
                note: "Pilot".into(),
            },
        )
        .unwrap();
        assert_eq!(t.event, EventKind::RenewalApproved);
        assert_eq!(
            t.next.protection_ends_at,
            Some(a.protection_ends_at.unwrap() + TimeDelta::days(60))
        );
        assert_eq!(t.next.review_due_at, None);
    }
}
