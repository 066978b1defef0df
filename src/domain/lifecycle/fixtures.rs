//! What the command tests start from: one moment, one context, and a registration pending or
//! approved under the default policy, reached through the public API as a caller would.

use chrono::{NaiveDate, NaiveDateTime};

use crate::domain::policy::{Policy, Segment};

use super::{Actor, Command, Context, ExistingClaim, Lifecycle, Refusal, apply, submit};

pub(super) fn t0() -> NaiveDateTime {
    NaiveDate::from_ymd_opt(2026, 11, 23)
        .unwrap()
        .and_hms_opt(9, 0, 0)
        .unwrap()
}

/// A mid-market deal of 50,000 under policy version 3, for an organisation with nothing
/// approved yet and a cap of 25.
pub(super) fn ctx(policy: &Policy, actor: Actor, now: NaiveDateTime) -> Context<'_> {
    Context {
        now,
        actor,
        policy,
        policy_version: 3,
        segment: Segment::MidMarket,
        program_units: 50_000,
        org_approved: 0,
        org_cap: 25,
    }
}

pub(super) fn pending(policy: &Policy) -> Lifecycle {
    submit(&ExistingClaim::Open, policy, t0()).next
}

pub(super) fn approved(policy: &Policy) -> Lifecycle {
    apply(
        &pending(policy),
        &ctx(policy, Actor::Reviewer, t0()),
        Command::Approve,
    )
    .unwrap()
    .next
}

/// An approved registration closed as won by its partner, for 1.
pub(super) fn won(policy: &Policy) -> Lifecycle {
    apply(
        &approved(policy),
        &ctx(policy, Actor::Partner, t0()),
        Command::CloseWon {
            amount_minor: 1,
            date: t0().date(),
        },
    )
    .unwrap()
    .next
}

pub(super) fn refused(current: &Lifecycle, c: &Context, command: Command) -> Refusal {
    apply(current, c, command).expect_err("refused")
}
