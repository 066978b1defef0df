//! How a registration ends on its partner's side: the deal is closed won or lost, or the
//! partner withdraws. A won deal is what commission and customer protection are computed
//! from (`domain::compensation`), so its amount and date are checked here.

use chrono::NaiveDate;

use super::rules::{allow, in_state, required, transition};
use super::{Actor, Context, EventKind, Lifecycle, Refusal, Renewal, Status, Transition};

/// Closes an approved deal as won, with its final amount and a close date not in the future.
/// A renewal still waiting is dropped: there is nothing left to protect.
pub(super) fn won(
    current: &Lifecycle,
    ctx: &Context,
    amount_minor: i64,
    date: NaiveDate,
) -> Result<Transition, Refusal> {
    allow(
        ctx.actor,
        &[Actor::Partner, Actor::Reviewer],
        "the partner or a channel manager",
    )?;
    in_state(current, &[Status::Approved])?;
    if amount_minor <= 0 {
        return Err(Refusal::Field {
            field: "amount",
            message: "Enter the final amount.",
        });
    }
    let now = ctx.now;
    if date > now.date() {
        return Err(Refusal::Field {
            field: "date",
            message: "The close date cannot be in the future.",
        });
    }
    let mut next = current.clone();
    next.status = Status::Won;
    next.review_due_at = None;
    next.closed_at = Some(now);
    next.close_amount_minor = Some(amount_minor);
    next.close_date = Some(date);
    if next.renewal == Some(Renewal::Requested) {
        next.renewal = None;
    }
    Ok(transition(next, ctx, EventKind::ClosedWon, None))
}

/// Closes an approved deal as lost, saying why. A renewal still waiting is dropped.
pub(super) fn lost(
    current: &Lifecycle,
    ctx: &Context,
    reason: &str,
) -> Result<Transition, Refusal> {
    allow(
        ctx.actor,
        &[Actor::Partner, Actor::Reviewer],
        "the partner or a channel manager",
    )?;
    in_state(current, &[Status::Approved])?;
    let reason = required("reason", reason, "Say why the deal was lost.")?;
    let mut next = current.clone();
    next.status = Status::Lost;
    next.review_due_at = None;
    next.closed_at = Some(ctx.now);
    next.outcome_reason = Some(reason.clone());
    if next.renewal == Some(Renewal::Requested) {
        next.renewal = None;
    }
    Ok(transition(next, ctx, EventKind::ClosedLost, Some(reason)))
}

/// The partner withdraws a registration at any point before the deal is closed: queued, under
/// review or approved. The reason is optional; a prospect it held is released.
pub(super) fn withdraw(
    current: &Lifecycle,
    ctx: &Context,
    reason: &str,
) -> Result<Transition, Refusal> {
    allow(ctx.actor, &[Actor::Partner], "the registering partner")?;
    in_state(
        current,
        &[
            Status::Queued,
            Status::Pending,
            Status::InfoRequested,
            Status::Approved,
        ],
    )?;
    let reason = reason.trim();
    let mut next = current.clone();
    next.status = Status::Withdrawn;
    next.review_due_at = None;
    next.sla_paused_secs = None;
    next.queued_behind = None;
    next.closed_at = Some(ctx.now);
    next.outcome_reason = (!reason.is_empty()).then(|| reason.to_owned());
    let note = next.outcome_reason.clone();
    Ok(transition(next, ctx, EventKind::Withdrawn, note))
}

#[cfg(test)]
mod tests {
    use crate::domain::lifecycle::fixtures::{approved, ctx, pending, refused, t0, won};
    use crate::domain::lifecycle::{Command, ExistingClaim, apply, submit};
    use crate::domain::policy::Policy;
    use chrono::{NaiveDateTime, TimeDelta};

    use super::*;

    #[test]
    fn closing_needs_an_approved_registration() {
        let p = Policy::default();
        let c = ctx(&p, Actor::Partner, t0());
        let withdrawn = apply(
            &approved(&p),
            &c,
            Command::Withdraw {
                reason: String::new(),
            },
        )
        .unwrap()
        .next;
        assert_eq!(
            refused(
                &withdrawn,
                &c,
                Command::CloseWon {
                    amount_minor: 100,
                    date: t0().date()
                }
            ),
            Refusal::WrongState("Withdrawn")
        );
        let future = t0().date() + TimeDelta::days(1);
        assert!(matches!(
            refused(
                &approved(&p),
                &c,
                Command::CloseWon {
                    amount_minor: 100,
                    date: future
                }
            ),
            Refusal::Field { field: "date", .. }
        ));
        let won = apply(
            &approved(&p),
            &c,
            Command::CloseWon {
                amount_minor: 4_200_000,
                date: t0().date(),
            },
        )
        .unwrap();
        assert_eq!(won.next.status, Status::Won);
        assert_eq!(won.next.close_amount_minor, Some(4_200_000));
        let lost = apply(
            &approved(&p),
            &ctx(&p, Actor::Reviewer, t0()),
            Command::CloseLost {
                reason: "Budget cut".into(),
            },
        )
        .unwrap();
        assert_eq!(lost.next.status, Status::Lost);
    }

    #[test]
    fn withdrawing_is_possible_until_the_deal_is_closed() {
        let p = Policy::default();
        let c = ctx(&p, Actor::Partner, t0());
        for current in [
            pending(&p),
            approved(&p),
            submit(&ExistingClaim::Pending { id: "x".into() }, &p, t0()).next,
        ] {
            assert_eq!(
                apply(&current, &c, Command::Withdraw { reason: "".into() })
                    .unwrap()
                    .next
                    .status,
                Status::Withdrawn
            );
        }
        assert!(apply(&won(&p), &c, Command::Withdraw { reason: "".into() }).is_err());
    }

    /// Every command, once: the `match` fails to compile when a command is added, so that
    /// whoever adds one decides here whether it may apply to a won deal.
    fn every_command(t: NaiveDateTime) -> Vec<(&'static str, Command)> {
        let all = vec![
            ("Approve", Command::Approve),
            ("Reject", Command::Reject { reason: "r".into() }),
            (
                "RequestInfo",
                Command::RequestInfo {
                    question: "q".into(),
                },
            ),
            ("AnswerInfo", Command::AnswerInfo { answer: "a".into() }),
            ("Withdraw", Command::Withdraw { reason: "r".into() }),
            (
                "RequestRenewal",
                Command::RequestRenewal { note: "n".into() },
            ),
            ("ApproveRenewal", Command::ApproveRenewal),
            (
                "RejectRenewal",
                Command::RejectRenewal { reason: "r".into() },
            ),
            (
                "CloseWon",
                Command::CloseWon {
                    amount_minor: 1,
                    date: t.date(),
                },
            ),
            ("CloseLost", Command::CloseLost { reason: "r".into() }),
            ("Expire", Command::Expire),
            ("SendReminder", Command::SendReminder),
            ("EscalateSla", Command::EscalateSla),
            ("Advance", Command::Advance),
            (
                "DeclineAsDuplicate",
                Command::DeclineAsDuplicate { protected_until: t },
            ),
            (
                "Reinstate",
                Command::Reinstate {
                    rationale: "r".into(),
                    held_by_other: false,
                },
            ),
            (
                "Overturn",
                Command::Overturn {
                    rationale: "r".into(),
                },
            ),
            (
                "DeclineSharedProspect",
                Command::DeclineSharedProspect { reason: "r".into() },
            ),
            (
                "KeepSharedProspect",
                Command::KeepSharedProspect { note: "n".into() },
            ),
        ];
        for (_, command) in &all {
            match command {
                Command::Approve
                | Command::Reject { .. }
                | Command::RequestInfo { .. }
                | Command::AnswerInfo { .. }
                | Command::Withdraw { .. }
                | Command::RequestRenewal { .. }
                | Command::ApproveRenewal
                | Command::RejectRenewal { .. }
                | Command::CloseWon { .. }
                | Command::CloseLost { .. }
                | Command::Expire
                | Command::SendReminder
                | Command::EscalateSla
                | Command::Advance
                | Command::DeclineAsDuplicate { .. }
                | Command::Reinstate { .. }
                | Command::Overturn { .. }
                | Command::DeclineSharedProspect { .. }
                | Command::KeepSharedProspect { .. } => {}
            }
        }
        all
    }

    /// The summary of "My deals" keeps an organisation's won-deal figures for as long as its
    /// count of won deals is the same (`routes::dashboard::org::Won`): that holds only while
    /// nothing ever changes a won deal.
    #[test]
    fn a_won_deal_is_final() {
        let p = Policy::default();
        let won = won(&p);
        let later = t0() + TimeDelta::days(400);
        for actor in [Actor::Partner, Actor::Reviewer, Actor::System] {
            for (name, command) in every_command(later) {
                assert!(
                    apply(&won, &ctx(&p, actor, later), command).is_err(),
                    "{name} applied to a won deal"
                );
            }
        }
    }
}
