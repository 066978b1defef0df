//! The registration lifecycle (DESIGN.md, "Registration lifecycle"): which command is allowed
//! in which state, by whom, and what the registration looks like afterwards. The database layer
//! stores the result; nothing here reads the clock or the database.
//!
//! This module is the whole public API: the states ([`Status`], [`Renewal`]), the audit events
//! ([`EventKind`]), a registration's changing part ([`Lifecycle`]), the commands and what they
//! need ([`Command`], [`Context`]), and what comes out ([`Transition`], [`Refusal`]). Each
//! command is one function in the file of its kind, so the rules of one step are read in one
//! place, with their tests beside them:
//!
//! - `submit.rs`: the state a new registration starts in ([`submit()`]);
//! - `review.rs`: approve, reject, ask for information and its answer;
//! - `renewal.rs`: ask for a renewal, approve or reject it;
//! - `close.rs`: close won, close lost, withdraw;
//! - `sweep.rs`: what the jobs do on time (expire, remind, escalate a breached SLA);
//! - `queue.rs`: a queued registration moves up or is declined as a duplicate;
//! - `ruling.rs`: a dispute ruling reinstates or overturns;
//! - `shared.rs`: a registration flagged as sharing a prospect is declined or kept;
//! - `progress.rs`: where a registration stands, as the steps a stepper draws;
//! - `rules.rs`: the checks every command is made of (who, which state, required text, the
//!   approval rules) and the one rule on which decisions record the policy version.

use chrono::{NaiveDate, NaiveDateTime};

use super::policy::{Policy, Segment};

mod close;
mod event;
mod progress;
mod queue;
mod renewal;
mod review;
mod rules;
mod ruling;
mod shared;
mod status;
mod submit;
mod sweep;

#[cfg(test)]
mod fixtures;

pub use event::EventKind;
pub use progress::{Step, StepState, steps};
pub use status::{Renewal, Status};
pub use submit::{ExistingClaim, submit};

/// Everything about a registration that changes as it moves through its lifecycle.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Lifecycle {
    pub status: Status,
    /// Set exactly while the item waits in the review queue (new, or a renewal request).
    pub review_due_at: Option<NaiveDateTime>,
    /// The SLA time left when the reviewer asked for information (the clock is stopped).
    pub sla_paused_secs: Option<i64>,
    pub sla_escalated_at: Option<NaiveDateTime>,
    pub queued_behind: Option<String>,
    pub decided_at: Option<NaiveDateTime>,
    pub decided_policy_version: Option<i64>,
    pub protection_ends_at: Option<NaiveDateTime>,
    pub reminder_sent_at: Option<NaiveDateTime>,
    pub renewal: Option<Renewal>,
    pub renewal_note: Option<String>,
    pub closed_at: Option<NaiveDateTime>,
    pub close_amount_minor: Option<i64>,
    pub close_date: Option<NaiveDate>,
    /// Why it was rejected, declined, withdrawn or lost, in words the partner reads.
    pub outcome_reason: Option<String>,
}

impl Lifecycle {
    fn new(status: Status) -> Self {
        Self {
            status,
            review_due_at: None,
            sla_paused_secs: None,
            sla_escalated_at: None,
            queued_behind: None,
            decided_at: None,
            decided_policy_version: None,
            protection_ends_at: None,
            reminder_sent_at: None,
            renewal: None,
            renewal_note: None,
            closed_at: None,
            close_amount_minor: None,
            close_date: None,
            outcome_reason: None,
        }
    }
}

/// Who asks for a transition. Reviewers are channel managers and admins.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Actor {
    Partner,
    Reviewer,
    System,
}

pub enum Command {
    Approve,
    Reject {
        reason: String,
    },
    RequestInfo {
        question: String,
    },
    AnswerInfo {
        answer: String,
    },
    Withdraw {
        reason: String,
    },
    RequestRenewal {
        note: String,
    },
    ApproveRenewal,
    RejectRenewal {
        reason: String,
    },
    CloseWon {
        amount_minor: i64,
        date: NaiveDate,
    },
    CloseLost {
        reason: String,
    },
    Expire,
    SendReminder,
    EscalateSla,
    /// The registration ahead in line was rejected or withdrawn: this one goes to review.
    Advance,
    /// The registration ahead in line was approved.
    DeclineAsDuplicate {
        protected_until: NaiveDateTime,
    },
    /// A dispute ruling approves a rejected, declined or queued registration, with a fresh
    /// protection window. Only possible while no other registration holds the prospect
    /// (`held_by_other`, read under the prospect's lock): the ruling must end that one first.
    Reinstate {
        rationale: String,
        held_by_other: bool,
    },
    /// A dispute ruling ends a registration that holds the prospect; the rationale is the
    /// reason its partner reads.
    Overturn {
        rationale: String,
    },
    /// A registration flagged as naming the same prospect as an earlier holder (after the
    /// prospect keys changed) is declined: the earlier one keeps the prospect.
    DeclineSharedProspect {
        reason: String,
    },
    /// A flagged registration stands beside the earlier one: they are different companies.
    KeepSharedProspect {
        note: String,
    },
}

/// What a transition needs to know besides the registration's own state.
pub struct Context<'a> {
    pub now: NaiveDateTime,
    pub actor: Actor,
    pub policy: &'a Policy,
    /// The version of `policy`, recorded on decisions.
    pub policy_version: i64,
    pub segment: Segment,
    /// The deal size in whole units of the program currency.
    pub program_units: i64,
    /// The organisation's approved registrations and its cap, checked at approval.
    pub org_approved: i64,
    pub org_cap: i64,
}

/// A registration's next state and the audit event that explains it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Transition {
    pub next: Lifecycle,
    pub event: EventKind,
    pub note: Option<String>,
}

impl Transition {
    /// True when the prospect was held before and is not any more: the next registration in
    /// line may move up.
    pub fn releases(&self, before: &Lifecycle) -> bool {
        before.status.holds_prospect() && !self.next.status.holds_prospect()
    }
}

/// Why a command was refused; the message is shown to the user as is.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Refusal {
    #[error("Only {0} can do that.")]
    NotYours(&'static str),
    #[error("This registration is {0}; that is not possible any more.")]
    WrongState(&'static str),
    #[error("{0}")]
    Rule(String),
    #[error("{field}: {message}")]
    Field {
        field: &'static str,
        message: &'static str,
    },
}

/// Applies `command` to a registration in state `current`, or says why not. Each command is
/// decided by its own function; this only hands it over.
pub fn apply(current: &Lifecycle, ctx: &Context, command: Command) -> Result<Transition, Refusal> {
    match command {
        Command::Approve => review::approve(current, ctx),
        Command::Reject { reason } => review::reject(current, ctx, &reason),
        Command::RequestInfo { question } => review::request_info(current, ctx, &question),
        Command::AnswerInfo { answer } => review::answer_info(current, ctx, &answer),
        Command::Withdraw { reason } => close::withdraw(current, ctx, &reason),
        Command::RequestRenewal { note } => renewal::request(current, ctx, &note),
        Command::ApproveRenewal => renewal::approve(current, ctx),
        Command::RejectRenewal { reason } => renewal::reject(current, ctx, &reason),
        Command::CloseWon { amount_minor, date } => close::won(current, ctx, amount_minor, date),
        Command::CloseLost { reason } => close::lost(current, ctx, &reason),
        Command::Expire => sweep::expire(current, ctx),
        Command::SendReminder => sweep::send_reminder(current, ctx),
        Command::EscalateSla => sweep::escalate_sla(current, ctx),
        Command::Advance => queue::advance(current, ctx),
        Command::DeclineAsDuplicate { protected_until } => {
            queue::decline_as_duplicate(current, ctx, protected_until)
        }
        Command::Reinstate {
            rationale,
            held_by_other,
        } => ruling::reinstate(current, ctx, &rationale, held_by_other),
        Command::Overturn { rationale } => ruling::overturn(current, ctx, &rationale),
        Command::DeclineSharedProspect { reason } => shared::decline(current, ctx, &reason),
        Command::KeepSharedProspect { note } => shared::keep(current, ctx, &note),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stored_status_codes_stay_as_they_are() {
        let codes: Vec<&str> = Status::ALL.iter().map(|s| s.as_str()).collect();
        assert_eq!(
            codes.join(" "),
            "queued pending info_requested approved rejected withdrawn declined won lost \
             expired overturned"
        );
        assert_eq!(EventKind::SlaEscalated.as_str(), "sla_escalated");
        assert_eq!(EventKind::ClosedWon.as_str(), "closed_won");
    }
}
