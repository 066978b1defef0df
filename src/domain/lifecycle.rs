//! The registration lifecycle (DESIGN.md, "Registration lifecycle"): which command is allowed
//! in which state, by whom, and what the registration looks like afterwards. The database layer
//! stores the result; nothing here reads the clock or the database.

use chrono::{NaiveDate, NaiveDateTime, TimeDelta};

use super::code::text_enum;
use super::dates;
use super::policy::{Policy, Segment};

text_enum! {
    pub enum Status {
        /// Behind an earlier pending registration of the same prospect.
        Queued,
        Pending,
        InfoRequested,
        Approved,
        Rejected,
        Withdrawn,
        /// Declined without review: the prospect was already locked by another registration.
        Declined,
        Won,
        Lost,
        Expired,
        /// Ended by a channel manager's ruling on a dispute; the prospect went to another party.
        Overturned,
    }
}

impl Status {
    /// The states that hold a prospect; the database allows one per prospect key.
    pub const HOLDING: [Status; 3] = [Status::Pending, Status::InfoRequested, Status::Approved];

    /// The states counted against an organisation's cap.
    pub const ACTIVE: [Status; 4] = [
        Status::Queued,
        Status::Pending,
        Status::InfoRequested,
        Status::Approved,
    ];

    pub fn label(self) -> &'static str {
        match self {
            Status::Queued => "Queued",
            Status::Pending => "Pending review",
            Status::InfoRequested => "Info requested",
            Status::Approved => "Approved",
            Status::Rejected => "Rejected",
            Status::Withdrawn => "Withdrawn",
            Status::Declined => "Declined",
            Status::Won => "Closed won",
            Status::Lost => "Closed lost",
            Status::Expired => "Expired",
            Status::Overturned => "Overturned by a dispute ruling",
        }
    }

    pub fn holds_prospect(self) -> bool {
        Status::HOLDING.contains(&self)
    }

    pub fn strs(states: &[Status]) -> Vec<&'static str> {
        states.iter().map(|s| s.as_str()).collect()
    }
}

text_enum! {
    /// A renewal request's state; at most one per registration.
    pub enum Renewal {
        Requested,
        Approved,
        Rejected,
    }
}

impl Renewal {
    pub fn label(self) -> &'static str {
        match self {
            Renewal::Requested => "Renewal requested",
            Renewal::Approved => "Renewed",
            Renewal::Rejected => "Renewal rejected",
        }
    }
}

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

text_enum! {
    /// What happened, as recorded in the audit trail and shown on the timeline.
    pub enum EventKind {
        Submitted,
        Queued,
        Declined,
        Advanced,
        Approved,
        Rejected,
        InfoRequested,
        InfoAnswered,
        Withdrawn,
        RenewalRequested,
        RenewalApproved,
        RenewalRejected,
        ClosedWon,
        ClosedLost,
        Expired,
        ReminderSent,
        SlaEscalated,
        /// Approved again by a dispute ruling.
        Reinstated,
        /// Ended by a dispute ruling.
        Overturned,
        /// Co-selling steps: they leave the status as it is.
        AssistRequested,
        AssistAccepted,
        AssistDeclined,
        AssistAssigned,
        /// The prospect keys changed and this registration now names the same prospect as an
        /// earlier holder: flagged for the channel team, nothing else changed.
        SharedProspect,
        /// The channel team kept a flagged registration: a different company after all.
        SharedProspectKept,
    }
}

impl EventKind {
    pub fn label(self) -> &'static str {
        match self {
            EventKind::Submitted => "Submitted for review",
            EventKind::Queued => "Queued behind an earlier registration",
            EventKind::Declined => "Declined: prospect already registered",
            EventKind::Advanced => "Moved to review (first in line)",
            EventKind::Approved => "Approved",
            EventKind::Rejected => "Rejected",
            EventKind::InfoRequested => "Information requested",
            EventKind::InfoAnswered => "Information provided",
            EventKind::Withdrawn => "Withdrawn",
            EventKind::RenewalRequested => "Renewal requested",
            EventKind::RenewalApproved => "Renewal approved",
            EventKind::RenewalRejected => "Renewal rejected",
            EventKind::ClosedWon => "Closed won",
            EventKind::ClosedLost => "Closed lost",
            EventKind::Expired => "Protection expired",
            EventKind::ReminderSent => "Expiry reminder sent",
            EventKind::SlaEscalated => "SLA breach escalated",
            EventKind::Reinstated => "Approved by a dispute ruling",
            EventKind::Overturned => "Overturned by a dispute ruling",
            EventKind::AssistRequested => "A sales rep asked to assist",
            EventKind::AssistAccepted => "Assist request accepted",
            EventKind::AssistDeclined => "Assist request declined",
            EventKind::AssistAssigned => "Sales rep assigned to assist",
            EventKind::SharedProspect => "Flagged: the same prospect as an earlier registration",
            EventKind::SharedProspectKept => {
                "Kept: a different company from the other registration"
            }
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

const MAX_TEXT: usize = 2000;

fn required(field: &'static str, text: &str, message: &'static str) -> Result<String, Refusal> {
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

fn allow(actor: Actor, who: &[Actor], name: &'static str) -> Result<(), Refusal> {
    if who.contains(&actor) {
        Ok(())
    } else {
        Err(Refusal::NotYours(name))
    }
}

fn in_state(current: &Lifecycle, states: &[Status]) -> Result<(), Refusal> {
    if states.contains(&current.status) {
        Ok(())
    } else {
        Err(Refusal::WrongState(current.status.label()))
    }
}

/// The state a new registration starts in, given who already claims the prospect.
pub enum ExistingClaim {
    Open,
    /// An earlier registration is under review; this one waits behind it.
    Pending {
        id: String,
    },
    /// An approved registration protects the prospect until then.
    Locked {
        until: NaiveDateTime,
    },
}

pub fn submit(claim: &ExistingClaim, policy: &Policy, now: NaiveDateTime) -> Transition {
    match claim {
        ExistingClaim::Open => Transition {
            next: Lifecycle {
                review_due_at: Some(now + TimeDelta::hours(policy.approval_sla_hours)),
                ..Lifecycle::new(Status::Pending)
            },
            event: EventKind::Submitted,
            note: None,
        },
        ExistingClaim::Pending { id } => Transition {
            next: Lifecycle {
                queued_behind: Some(id.clone()),
                ..Lifecycle::new(Status::Queued)
            },
            event: EventKind::Queued,
            note: Some(
                "Another registration of this prospect is under review. Yours is kept in line \
                 and goes to review if that one is rejected or withdrawn."
                    .into(),
            ),
        },
        ExistingClaim::Locked { until } => {
            let reason = format!(
                "This prospect is already registered and protected until {}.",
                dates::date(*until)
            );
            Transition {
                next: Lifecycle {
                    outcome_reason: Some(reason.clone()),
                    closed_at: Some(now),
                    ..Lifecycle::new(Status::Declined)
                },
                event: EventKind::Declined,
                note: Some(reason),
            }
        }
    }
}

/// What approving needs under the policy in force, for a review and a dispute ruling alike:
/// the deal is not reserved for direct sales and the organisation is under its cap.
fn approval_rules(ctx: &Context) -> Result<(), Refusal> {
    if ctx.policy.reserved_for_direct(ctx.program_units) {
        return Err(Refusal::Rule(format!(
            "Deals above {} {} are reserved for direct sales under the current policy.",
            super::money::group_thousands(ctx.policy.direct_threshold),
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

/// Applies `command` to a registration in state `current`, or says why not.
pub fn apply(current: &Lifecycle, ctx: &Context, command: Command) -> Result<Transition, Refusal> {
    use Actor::{Partner, Reviewer, System};
    let now = ctx.now;
    let mut next = current.clone();
    let (event, note) = match command {
        Command::Approve => {
            allow(ctx.actor, &[Reviewer], "a channel manager")?;
            in_state(current, &[Status::Pending, Status::InfoRequested])?;
            approval_rules(ctx)?;
            let ends = now + TimeDelta::days(ctx.policy.window_days(ctx.segment));
            next.status = Status::Approved;
            next.review_due_at = None;
            next.sla_paused_secs = None;
            next.decided_at = Some(now);
            next.protection_ends_at = Some(ends);
            (
                EventKind::Approved,
                Some(format!("Protected until {}.", dates::date(ends))),
            )
        }
        Command::Reject { reason } => {
            allow(ctx.actor, &[Reviewer], "a channel manager")?;
            in_state(current, &[Status::Pending, Status::InfoRequested])?;
            let reason = required("reason", &reason, "Give the partner a reason.")?;
            next.status = Status::Rejected;
            next.review_due_at = None;
            next.sla_paused_secs = None;
            next.decided_at = Some(now);
            next.closed_at = Some(now);
            next.outcome_reason = Some(reason.clone());
            (EventKind::Rejected, Some(reason))
        }
        Command::RequestInfo { question } => {
            allow(ctx.actor, &[Reviewer], "a channel manager")?;
            in_state(current, &[Status::Pending])?;
            let question = required("question", &question, "Say what information you need.")?;
            let due = current.review_due_at.unwrap_or(now);
            next.status = Status::InfoRequested;
            next.sla_paused_secs = Some((due - now).num_seconds());
            next.review_due_at = None;
            (EventKind::InfoRequested, Some(question))
        }
        Command::AnswerInfo { answer } => {
            allow(ctx.actor, &[Partner], "the registering partner")?;
            in_state(current, &[Status::InfoRequested])?;
            let answer = required("answer", &answer, "Write your answer.")?;
            let left = current.sla_paused_secs.unwrap_or(0);
            next.status = Status::Pending;
            next.review_due_at = Some(now + TimeDelta::seconds(left));
            next.sla_paused_secs = None;
            (EventKind::InfoAnswered, Some(answer))
        }
        Command::Withdraw { reason } => {
            allow(ctx.actor, &[Partner], "the registering partner")?;
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
            next.status = Status::Withdrawn;
            next.review_due_at = None;
            next.sla_paused_secs = None;
            next.queued_behind = None;
            next.closed_at = Some(now);
            next.outcome_reason = (!reason.is_empty()).then(|| reason.to_owned());
            (EventKind::Withdrawn, next.outcome_reason.clone())
        }
        Command::RequestRenewal { note } => {
            allow(ctx.actor, &[Partner], "the registering partner")?;
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
            let ends = current.protection_ends_at.unwrap_or(now);
            if ends <= now {
                return Err(Refusal::Rule(
                    "The protection window has ended; a renewal must be asked for before it ends."
                        .into(),
                ));
            }
            let note = required("note", &note, "Give an update on the deal's status.")?;
            next.renewal_note = Some(note.clone());
            if ctx.policy.auto_approve_renewals {
                let ends = ends + TimeDelta::days(ctx.policy.renewal_days(ctx.segment));
                next.renewal = Some(Renewal::Approved);
                next.protection_ends_at = Some(ends);
                next.reminder_sent_at = None;
                (
                    EventKind::RenewalApproved,
                    Some(format!(
                        "Renewed automatically under the program policy; protected until {}. \
                         Status update: {note}",
                        dates::date(ends)
                    )),
                )
            } else {
                next.renewal = Some(Renewal::Requested);
                next.review_due_at = Some(now + TimeDelta::hours(ctx.policy.approval_sla_hours));
                next.sla_escalated_at = None;
                (EventKind::RenewalRequested, Some(note))
            }
        }
        Command::ApproveRenewal => {
            allow(ctx.actor, &[Reviewer], "a channel manager")?;
            in_state(current, &[Status::Approved])?;
            if current.renewal != Some(Renewal::Requested) {
                return Err(Refusal::Rule(
                    "There is no renewal request to decide.".into(),
                ));
            }
            let ends = current.protection_ends_at.unwrap_or(now)
                + TimeDelta::days(ctx.policy.renewal_days(ctx.segment));
            next.renewal = Some(Renewal::Approved);
            next.review_due_at = None;
            next.protection_ends_at = Some(ends);
            next.reminder_sent_at = None;
            (
                EventKind::RenewalApproved,
                Some(format!("Protected until {}.", dates::date(ends))),
            )
        }
        Command::RejectRenewal { reason } => {
            allow(ctx.actor, &[Reviewer], "a channel manager")?;
            in_state(current, &[Status::Approved])?;
            if current.renewal != Some(Renewal::Requested) {
                return Err(Refusal::Rule(
                    "There is no renewal request to decide.".into(),
                ));
            }
            let reason = required("reason", &reason, "Give the partner a reason.")?;
            next.renewal = Some(Renewal::Rejected);
            next.review_due_at = None;
            (EventKind::RenewalRejected, Some(reason))
        }
        Command::CloseWon { amount_minor, date } => {
            allow(
                ctx.actor,
                &[Partner, Reviewer],
                "the partner or a channel manager",
            )?;
            in_state(current, &[Status::Approved])?;
            if amount_minor <= 0 {
                return Err(Refusal::Field {
                    field: "amount",
                    message: "Enter the final amount.",
                });
            }
            if date > now.date() {
                return Err(Refusal::Field {
                    field: "date",
                    message: "The close date cannot be in the future.",
                });
            }
            next.status = Status::Won;
            next.review_due_at = None;
            next.closed_at = Some(now);
            next.close_amount_minor = Some(amount_minor);
            next.close_date = Some(date);
            if next.renewal == Some(Renewal::Requested) {
                next.renewal = None;
            }
            (EventKind::ClosedWon, None)
        }
        Command::CloseLost { reason } => {
            allow(
                ctx.actor,
                &[Partner, Reviewer],
                "the partner or a channel manager",
            )?;
            in_state(current, &[Status::Approved])?;
            let reason = required("reason", &reason, "Say why the deal was lost.")?;
            next.status = Status::Lost;
            next.review_due_at = None;
            next.closed_at = Some(now);
            next.outcome_reason = Some(reason.clone());
            if next.renewal == Some(Renewal::Requested) {
                next.renewal = None;
            }
            (EventKind::ClosedLost, Some(reason))
        }
        Command::Expire => {
            allow(ctx.actor, &[System], "the expiry job")?;
            in_state(current, &[Status::Approved])?;
            match current.protection_ends_at {
                Some(ends) if ends <= now => {}
                _ => return Err(Refusal::Rule("The protection window has not ended.".into())),
            }
            if current.renewal == Some(Renewal::Requested) {
                return Err(Refusal::Rule(
                    "A renewal asked for in time is waiting for review.".into(),
                ));
            }
            next.status = Status::Expired;
            next.closed_at = Some(now);
            (EventKind::Expired, None)
        }
        Command::SendReminder => {
            allow(ctx.actor, &[System], "the reminder job")?;
            in_state(current, &[Status::Approved])?;
            let due = match current.protection_ends_at {
                Some(ends) => now < ends && ends - TimeDelta::days(ctx.policy.reminder_days) <= now,
                None => false,
            };
            if current.reminder_sent_at.is_some() || !due {
                return Err(Refusal::Rule("No reminder is due.".into()));
            }
            next.reminder_sent_at = Some(now);
            (EventKind::ReminderSent, None)
        }
        Command::EscalateSla => {
            allow(ctx.actor, &[System], "the SLA job")?;
            match current.review_due_at {
                Some(due) if due <= now && current.sla_escalated_at.is_none() => {}
                _ => return Err(Refusal::Rule("No SLA breach to escalate.".into())),
            }
            next.sla_escalated_at = Some(now);
            (EventKind::SlaEscalated, None)
        }
        Command::Advance => {
            allow(ctx.actor, &[System], "the queue")?;
            in_state(current, &[Status::Queued])?;
            next.status = Status::Pending;
            next.queued_behind = None;
            next.review_due_at = Some(now + TimeDelta::hours(ctx.policy.approval_sla_hours));
            (EventKind::Advanced, None)
        }
        Command::DeclineAsDuplicate { protected_until } => {
            allow(ctx.actor, &[System], "the queue")?;
            in_state(current, &[Status::Queued])?;
            let reason = format!(
                "Another registration of this prospect was approved first; it is protected \
                 until {}.",
                dates::date(protected_until)
            );
            next.status = Status::Declined;
            next.queued_behind = None;
            next.closed_at = Some(now);
            next.outcome_reason = Some(reason.clone());
            (EventKind::Declined, Some(reason))
        }
        Command::Reinstate {
            rationale,
            held_by_other,
        } => {
            allow(ctx.actor, &[Reviewer], "a channel manager")?;
            in_state(
                current,
                &[Status::Rejected, Status::Declined, Status::Queued],
            )?;
            let rationale = required("rationale", &rationale, "Write the ruling's rationale.")?;
            if held_by_other {
                return Err(Refusal::Rule(
                    "Another registration holds this prospect; transfer the lock instead, so \
                     that registration is ended explicitly first."
                        .into(),
                ));
            }
            approval_rules(ctx)?;
            let ends = now + TimeDelta::days(ctx.policy.window_days(ctx.segment));
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
            (
                EventKind::Reinstated,
                Some(format!(
                    "Protected until {}. Ruling: {rationale}",
                    dates::date(ends)
                )),
            )
        }
        Command::Overturn { rationale } => {
            allow(ctx.actor, &[Reviewer], "a channel manager")?;
            in_state(
                current,
                &[Status::Pending, Status::InfoRequested, Status::Approved],
            )?;
            let rationale = required("rationale", &rationale, "Write the ruling's rationale.")?;
            let reason = format!("Overturned by a dispute ruling: {rationale}");
            next.status = Status::Overturned;
            next.review_due_at = None;
            next.sla_paused_secs = None;
            next.closed_at = Some(now);
            next.outcome_reason = Some(reason.clone());
            if next.renewal == Some(Renewal::Requested) {
                next.renewal = None;
            }
            (EventKind::Overturned, Some(reason))
        }
        Command::DeclineSharedProspect { reason } => {
            allow(ctx.actor, &[Reviewer], "a channel manager")?;
            in_state(current, &Status::HOLDING)?;
            let reason = required("reason", &reason, "Give the partner a reason.")?;
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
            (EventKind::Declined, Some(reason))
        }
        Command::KeepSharedProspect { note } => {
            allow(ctx.actor, &[Reviewer], "a channel manager")?;
            in_state(current, &Status::HOLDING)?;
            let note = required(
                "note",
                &note,
                "Say why they are different companies, for the record.",
            )?;
            (EventKind::SharedProspectKept, Some(note))
        }
    };
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
    Ok(Transition { next, event, note })
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::NaiveDate;

    fn t0() -> NaiveDateTime {
        NaiveDate::from_ymd_opt(2026, 11, 23)
            .unwrap()
            .and_hms_opt(9, 0, 0)
            .unwrap()
    }

    fn ctx(policy: &Policy, actor: Actor, now: NaiveDateTime) -> Context<'_> {
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

    fn pending(policy: &Policy) -> Lifecycle {
        submit(&ExistingClaim::Open, policy, t0()).next
    }

    fn approved(policy: &Policy) -> Lifecycle {
        apply(
            &pending(policy),
            &ctx(policy, Actor::Reviewer, t0()),
            Command::Approve,
        )
        .unwrap()
        .next
    }

    fn refused(current: &Lifecycle, c: &Context, command: Command) -> Refusal {
        apply(current, c, command).expect_err("refused")
    }

    #[test]
    fn a_submission_is_pending_queued_or_declined_by_the_existing_claim() {
        let p = Policy::default();
        let open = submit(&ExistingClaim::Open, &p, t0());
        assert_eq!(open.next.status, Status::Pending);
        assert_eq!(open.next.review_due_at, Some(t0() + TimeDelta::hours(48)));
        let queued = submit(&ExistingClaim::Pending { id: "r1".into() }, &p, t0());
        assert_eq!(queued.next.status, Status::Queued);
        assert_eq!(queued.next.queued_behind.as_deref(), Some("r1"));
        assert_eq!(queued.next.review_due_at, None);
        let until = t0() + TimeDelta::days(30);
        let declined = submit(&ExistingClaim::Locked { until }, &p, t0());
        assert_eq!(declined.next.status, Status::Declined);
        assert_eq!(
            declined.note.as_deref(),
            Some("This prospect is already registered and protected until 23 Dec 2026.")
        );
    }

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
        let won = apply(
            &approved(&p),
            &c,
            Command::CloseWon {
                amount_minor: 1,
                date: t0().date(),
            },
        )
        .unwrap()
        .next;
        assert!(apply(&won, &c, Command::Withdraw { reason: "".into() }).is_err());
    }

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
