//! The checks every command is made of, and the one rule on what a decision records. Kept
//! together so that a command reads as the list of its checks, in the order they refuse, and
//! so that a check's wording is the same for every command that makes it.

use crate::domain::money::group_thousands;

use super::{Actor, Context, EventKind, Lifecycle, Refusal, Status, Transition};

const MAX_TEXT: usize = 2000;

/// The trimmed text of a field that must not be empty, nor longer than 2,000 characters.
pub(super) fn required(
    field: &'static str,
    text: &str,
    message: &'static str,
) -> Result<String, Refusal> {
    let text = text.trim();
    if text.is_empty() {
        return Err(Refusal::Field { field, message });
    }
    if text.chars().count() > MAX_TEXT {
        return Err(Refusal::Field {
            field,
            message: "Use at most 2,000 characters.",
        });
    }
    Ok(text.to_owned())
}

/// Only the actors in `who` may give the command; `name` says who they are to the others.
pub(super) fn allow(actor: Actor, who: &[Actor], name: &'static str) -> Result<(), Refusal> {
    if who.contains(&actor) {
        Ok(())
    } else {
        Err(Refusal::NotYours(name))
    }
}

/// The command is only possible in one of `states`.
pub(super) fn in_state(current: &Lifecycle, states: &[Status]) -> Result<(), Refusal> {
    if states.contains(&current.status) {
        Ok(())
    } else {
        Err(Refusal::WrongState(current.status.label()))
    }
}

/// What approving needs under the policy in force, for a review and a dispute ruling alike:
/// the deal is not reserved for direct sales and the organisation is under its cap.
pub(super) fn approval_rules(ctx: &Context) -> Result<(), Refusal> {
    if ctx.policy.reserved_for_direct(ctx.program_units) {
        return Err(Refusal::Rule(format!(
            "Deals above {} {} are reserved for direct sales under the current policy.",
            group_thousands(ctx.policy.direct_threshold),
            ctx.policy.currency
        )));
    }
    if ctx.org_approved >= ctx.org_cap {
        return Err(Refusal::Rule(format!(
            "This partner already has {} approved registrations, its cap under the current \
             policy is {}.",
            ctx.org_approved, ctx.org_cap
        )));
    }
    Ok(())
}

/// The transition to `next`, explained by `event`. A decision (an approval, a rejection, a
/// ruling, a renewal's outcome, automatic or not) records the version of the policy it was
/// made under, so a later policy change never rewrites it; the rule goes by the event, so it
/// holds for every command that ends in one.
pub(super) fn transition(
    mut next: Lifecycle,
    ctx: &Context,
    event: EventKind,
    note: Option<String>,
) -> Transition {
    if matches!(
        event,
        EventKind::Approved
            | EventKind::Rejected
            | EventKind::Reinstated
            | EventKind::Overturned
            | EventKind::RenewalApproved
            | EventKind::RenewalRejected
    ) {
        next.decided_policy_version = Some(ctx.policy_version);
    }
    Transition { next, event, note }
}
