//! A channel manager's review of a new registration (DESIGN.md, "Registration lifecycle"):
//! approve, reject, or ask the partner for information, which stops the SLA clock until the
//! partner answers.

use chrono::TimeDelta;

use crate::domain::dates;

use super::rules::{allow, approval_rules, in_state, required, transition};
use super::{Actor, Context, EventKind, Lifecycle, Refusal, Status, Transition};

/// Approves a registration under review: the protection window of its segment starts now.
pub(super) fn approve(current: &Lifecycle, ctx: &Context) -> Result<Transition, Refusal> {
    allow(ctx.actor, &[Actor::Reviewer], "a channel manager")?;
    in_state(current, &[Status::Pending, Status::InfoRequested])?;
    approval_rules(ctx)?;
    let now = ctx.now;
    let ends = now + TimeDelta::days(ctx.policy.window_days(ctx.segment));
    let mut next = current.clone();
    next.status = Status::Approved;
    next.review_due_at = None;
    next.sla_paused_secs = None;
    next.decided_at = Some(now);
    next.protection_ends_at = Some(ends);
    Ok(transition(
        next,
        ctx,
        EventKind::Approved,
        Some(format!("Protected until {}.", dates::date(ends))),
    ))
}

/// Rejects a registration under review, with the reason its partner reads; the prospect is
/// released.
pub(super) fn reject(
    current: &Lifecycle,
    ctx: &Context,
    reason: &str,
) -> Result<Transition, Refusal> {
    allow(ctx.actor, &[Actor::Reviewer], "a channel manager")?;
    in_state(current, &[Status::Pending, Status::InfoRequested])?;
    let reason = required("reason", reason, "Give the partner a reason.")?;
    let now = ctx.now;
    let mut next = current.clone();
    next.status = Status::Rejected;
    next.review_due_at = None;
    next.sla_paused_secs = None;
    next.decided_at = Some(now);
    next.closed_at = Some(now);
    next.outcome_reason = Some(reason.clone());
    Ok(transition(next, ctx, EventKind::Rejected, Some(reason)))
}

/// Asks the partner a question. The SLA clock stops: the time left is kept, not the due date,
/// so the partner's time to answer is not the reviewer's.
pub(super) fn request_info(
    current: &Lifecycle,
    ctx: &Context,
    question: &str,
) -> Result<Transition, Refusal> {
    allow(ctx.actor, &[Actor::Reviewer], "a channel manager")?;
    in_state(current, &[Status::Pending])?;
    let question = required("question", question, "Say what information you need.")?;
    let now = ctx.now;
    let due = current.review_due_at.unwrap_or(now);
    let mut next = current.clone();
    next.status = Status::InfoRequested;
    next.sla_paused_secs = Some((due - now).num_seconds());
    next.review_due_at = None;
    Ok(transition(
        next,
        ctx,
        EventKind::InfoRequested,
        Some(question),
    ))
}

/// The partner's answer puts the registration back under review, with the SLA time that was
/// left when the question was asked.
pub(super) fn answer_info(
    current: &Lifecycle,
    ctx: &Context,
    answer: &str,
) -> Result<Transition, Refusal> {
    allow(ctx.actor, &[Actor::Partner], "the registering partner")?;
    in_state(current, &[Status::InfoRequested])?;
    let answer = required("answer", answer, "Write your answer.")?;
    let left = current.sla_paused_secs.unwrap_or(0);
    let mut next = current.clone();
    next.status = Status::Pending;
    next.review_due_at = Some(ctx.now + TimeDelta::seconds(left));
    next.sla_paused_secs = None;
    Ok(transition(next, ctx, EventKind::InfoAnswered, Some(answer)))
}

#[cfg(test)]
mod tests {
    use crate::domain::lifecycle::fixtures::{approved, ctx, pending, refused, t0};
    use crate::domain::lifecycle::{Command, apply};
    use crate::domain::policy::Policy;

    use super::*;

    #[test]
    fn approval_opens_the_segment_window_and_records_the_policy_version() {
        let p = Policy::default();
        let t = apply(
            &pending(&p),
            &ctx(&p, Actor::Reviewer, t0()),
            Command::Approve,
        )
        .unwrap();
        assert_eq!(t.next.status, Status::Approved);
        assert_eq!(t.next.protection_ends_at, Some(t0() + TimeDelta::days(120)));
        assert_eq!(t.next.decided_policy_version, Some(3));
        assert_eq!(t.next.review_due_at, None);
        assert_eq!(t.event, EventKind::Approved);
        assert!(!t.releases(&pending(&p)));
    }

    #[test]
    fn approving_twice_or_by_a_partner_is_refused() {
        let p = Policy::default();
        let a = approved(&p);
        assert_eq!(
            refused(&a, &ctx(&p, Actor::Reviewer, t0()), Command::Approve),
            Refusal::WrongState("Approved")
        );
        assert!(matches!(
            refused(
                &pending(&p),
                &ctx(&p, Actor::Partner, t0()),
                Command::Approve
            ),
            Refusal::NotYours(_)
        ));
    }

    #[test]
    fn approval_applies_the_cap_and_the_direct_threshold_in_force() {
        let p = Policy::default();
        let mut c = ctx(&p, Actor::Reviewer, t0());
        c.org_approved = 25;
        assert!(
            refused(&pending(&p), &c, Command::Approve)
                .to_string()
                .contains("cap")
        );
        let mut c = ctx(&p, Actor::Reviewer, t0());
        c.program_units = 150_000;
        assert!(
            refused(&pending(&p), &c, Command::Approve)
                .to_string()
                .contains("reserved for direct")
        );
    }

    #[test]
    fn rejection_needs_a_reason_and_releases_the_prospect() {
        let p = Policy::default();
        let c = ctx(&p, Actor::Reviewer, t0());
        assert!(matches!(
            refused(
                &pending(&p),
                &c,
                Command::Reject {
                    reason: "  ".into()
                }
            ),
            Refusal::Field {
                field: "reason",
                ..
            }
        ));
        let t = apply(
            &pending(&p),
            &c,
            Command::Reject {
                reason: "Existing customer".into(),
            },
        )
        .unwrap();
        assert_eq!(t.next.status, Status::Rejected);
        assert_eq!(t.next.outcome_reason.as_deref(), Some("Existing customer"));
        assert!(t.releases(&pending(&p)));
    }

    #[test]
    fn asking_for_information_stops_the_sla_clock_until_the_answer() {
        let p = Policy::default();
        let c = ctx(&p, Actor::Reviewer, t0() + TimeDelta::hours(10));
        let asked = apply(
            &pending(&p),
            &c,
            Command::RequestInfo {
                question: "Budget?".into(),
            },
        )
        .unwrap();
        assert_eq!(asked.next.status, Status::InfoRequested);
        assert_eq!(asked.next.review_due_at, None);
        assert_eq!(asked.next.sla_paused_secs, Some(38 * 3600));
        // The partner answers three days later: 38 hours are left, as when the clock stopped.
        let later = t0() + TimeDelta::days(3);
        let answered = apply(
            &asked.next,
            &ctx(&p, Actor::Partner, later),
            Command::AnswerInfo {
                answer: "100 seats".into(),
            },
        )
        .unwrap();
        assert_eq!(answered.next.status, Status::Pending);
        assert_eq!(
            answered.next.review_due_at,
            Some(later + TimeDelta::hours(38))
        );
        assert!(matches!(
            refused(
                &asked.next,
                &ctx(&p, Actor::Partner, later),
                Command::AnswerInfo { answer: "".into() }
            ),
            Refusal::Field {
                field: "answer",
                ..
            }
        ));
    }
}
