//! A registration's life in each state: the dates, decisions and outcome it carries, and
//! the audit events after its submission, as if the portal had been used for years.

use chrono::{NaiveDateTime, TimeDelta};
use rand::Rng;

use super::POLICY_VERSION;
use super::plan::Kind;
use super::random::{pick, secs};
use super::registrations::{Generator, Holder, Step};
use super::rows::RegRow;
use crate::domain::dates;
use crate::domain::policy::Segment;

/// Why the channel manager rejected a registration.
const REJECT_REASONS: [&str; 4] = [
    "The customer told us they are working with another partner on this project.",
    "Not enough evidence of an active opportunity; register again after the first meeting.",
    "The account is managed by direct sales in this territory.",
    "Duplicate of an earlier registration by your organisation.",
];

/// Why a protected deal was lost.
const LOST_REASONS: [&str; 4] = [
    "Lost to a competitor on price.",
    "Project cancelled by the customer.",
    "Budget moved to next year.",
    "The customer chose to build it in-house.",
];

/// Why a partner withdrew a registration; some give none.
const WITHDRAW_REASONS: [&str; 3] = [
    "Registered by mistake.",
    "The customer paused the project.",
    "",
];

/// What the channel manager asks before deciding.
const INFO_QUESTIONS: [&str; 3] = [
    "Who is the decision maker, and when is the next meeting?",
    "Please describe the project scope and the expected timeline.",
    "Is the customer also talking to direct sales? Send the contact's role.",
];

/// Why a partner asks for more time.
const RENEWAL_NOTES: [&str; 3] = [
    "Legal review of the contract is ongoing; signature expected within six weeks.",
    "Proof of concept extended by the customer; decision moved to next quarter.",
    "Budget approved, purchase order in progress.",
];

impl Generator<'_, '_> {
    /// Sets the dates, decision and outcome of `r`, a registration of this kind, and returns
    /// the events after its submission. `holder` is the registration a queued one waits
    /// behind; `partner` and `channel` are the users who act on it.
    pub(super) fn history<'s>(
        &mut self,
        kind: Kind,
        segment: Segment,
        holder: Option<&Holder>,
        r: &mut RegRow,
        partner: &'s str,
        channel: &'s str,
    ) -> Vec<Step<'s>> {
        let now = self.fill.now;
        let amount_minor = r.amount_minor;
        let window = TimeDelta::days(self.fill.policy.window_days(segment));
        let reminder = TimeDelta::days(self.fill.policy.reminder_days);
        let sla = TimeDelta::hours(self.fill.policy.approval_sla_hours);
        let hour = TimeDelta::hours(1);
        let day = TimeDelta::days(1);
        let history = TimeDelta::days(3 * 365);
        let mut later: Vec<Step> = Vec::new();
        let approved_note =
            |ends: NaiveDateTime| Some(format!("Protected until {}.", dates::date(ends)));
        match kind {
            Kind::Due | Kind::Approved | Kind::RenewalRequested => {
                let ends = match kind {
                    Kind::Due => {
                        now - secs(
                            &mut self.fill.rng,
                            TimeDelta::minutes(1),
                            TimeDelta::days(60),
                        )
                    }
                    Kind::Approved => now + secs(&mut self.fill.rng, hour, window),
                    _ => now + secs(&mut self.fill.rng, TimeDelta::days(2), reminder * 2),
                };
                let decided = ends - window;
                r.submitted_at = decided - secs(&mut self.fill.rng, hour, sla - hour);
                r.decided_at = Some(decided);
                r.decided_policy_version = Some(POLICY_VERSION);
                r.protection_ends_at = Some(ends);
                r.updated_at = decided;
                later.push((
                    decided,
                    "approved",
                    "pending",
                    "approved",
                    Some(channel),
                    approved_note(ends),
                ));
                if ends - reminder <= now {
                    let at = ends - reminder
                        + secs(&mut self.fill.rng, TimeDelta::zero(), TimeDelta::minutes(5));
                    let at = at.min(now);
                    r.reminder_sent_at = Some(at);
                    r.updated_at = at;
                    later.push((at, "reminder_sent", "approved", "approved", None, None));
                }
                if kind == Kind::RenewalRequested {
                    let due = now + secs(&mut self.fill.rng, hour, sla - hour);
                    let note = pick(&mut self.fill.rng, &RENEWAL_NOTES);
                    r.renewal = Some("requested");
                    r.renewal_note = Some(note);
                    r.review_due_at = Some(due);
                    r.updated_at = due - sla;
                    later.push((
                        due - sla,
                        "renewal_requested",
                        "approved",
                        "approved",
                        Some(partner),
                        Some(note.to_owned()),
                    ));
                }
            }
            Kind::Pending => {
                r.submitted_at = now
                    - secs(
                        &mut self.fill.rng,
                        TimeDelta::zero(),
                        sla + TimeDelta::hours(12),
                    );
                let due = r.submitted_at + sla;
                r.review_due_at = Some(due);
                if due <= now {
                    // The SLA job already escalated the breach.
                    let at = (due
                        + secs(&mut self.fill.rng, TimeDelta::zero(), TimeDelta::minutes(5)))
                    .min(now);
                    r.sla_escalated_at = Some(at);
                    r.updated_at = at;
                    later.push((at, "sla_escalated", "pending", "pending", None, None));
                } else {
                    r.updated_at = r.submitted_at;
                }
            }
            Kind::InfoRequested => {
                r.submitted_at = now - secs(&mut self.fill.rng, day, TimeDelta::days(10));
                let asked = r.submitted_at + secs(&mut self.fill.rng, hour, sla - hour);
                r.sla_paused_secs = Some((r.submitted_at + sla - asked).num_seconds());
                r.updated_at = asked;
                let question = pick(&mut self.fill.rng, &INFO_QUESTIONS);
                later.push((
                    asked,
                    "info_requested",
                    "pending",
                    "info_requested",
                    Some(channel),
                    Some(question.to_owned()),
                ));
            }
            Kind::Queued => {
                let holder = holder.expect("a queued registration has a holder");
                let since = (now - holder.submitted_at).max(TimeDelta::minutes(2));
                r.submitted_at = (holder.submitted_at
                    + secs(&mut self.fill.rng, TimeDelta::minutes(1), since))
                .min(now);
                r.queued_behind = Some(holder.id.clone());
                r.updated_at = r.submitted_at;
            }
            Kind::Won | Kind::Lost | Kind::Expired => {
                r.submitted_at = now - secs(&mut self.fill.rng, TimeDelta::days(200), history);
                let decided = r.submitted_at + secs(&mut self.fill.rng, hour, sla - hour);
                let ends = decided + window;
                r.decided_at = Some(decided);
                r.decided_policy_version = Some(POLICY_VERSION);
                r.protection_ends_at = Some(ends);
                later.push((
                    decided,
                    "approved",
                    "pending",
                    "approved",
                    Some(channel),
                    approved_note(ends),
                ));
                let closed = match kind {
                    Kind::Expired => ends + secs(&mut self.fill.rng, TimeDelta::zero(), hour),
                    _ => decided + secs(&mut self.fill.rng, day, window),
                };
                r.closed_at = Some(closed);
                r.updated_at = closed;
                match kind {
                    Kind::Won => {
                        let pct = self.fill.rng.random_range(80..=120);
                        r.close_amount_minor = Some(amount_minor / 100 * pct);
                        r.close_date = Some(closed.date());
                        later.push((closed, "closed_won", "approved", "won", Some(partner), None));
                    }
                    Kind::Lost => {
                        let reason = pick(&mut self.fill.rng, &LOST_REASONS);
                        r.outcome_reason = Some(reason.to_owned());
                        later.push((
                            closed,
                            "closed_lost",
                            "approved",
                            "lost",
                            Some(partner),
                            Some(reason.to_owned()),
                        ));
                    }
                    _ => {
                        r.reminder_sent_at = Some(ends - reminder);
                        later.push((
                            ends - reminder,
                            "reminder_sent",
                            "approved",
                            "approved",
                            None,
                            None,
                        ));
                        later.push((closed, "expired", "approved", "expired", None, None));
                    }
                }
            }
            Kind::Rejected | Kind::Withdrawn => {
                r.submitted_at = now - secs(&mut self.fill.rng, TimeDelta::days(3), history);
                let at = r.submitted_at + secs(&mut self.fill.rng, hour, sla - hour);
                r.closed_at = Some(at);
                r.updated_at = at;
                if kind == Kind::Rejected {
                    let reason = pick(&mut self.fill.rng, &REJECT_REASONS);
                    r.decided_at = Some(at);
                    r.decided_policy_version = Some(POLICY_VERSION);
                    r.outcome_reason = Some(reason.to_owned());
                    later.push((
                        at,
                        "rejected",
                        "pending",
                        "rejected",
                        Some(channel),
                        Some(reason.to_owned()),
                    ));
                } else {
                    let reason = pick(&mut self.fill.rng, &WITHDRAW_REASONS);
                    let reason = (!reason.is_empty()).then(|| reason.to_owned());
                    r.outcome_reason = reason.clone();
                    later.push((
                        at,
                        "withdrawn",
                        "pending",
                        "withdrawn",
                        Some(partner),
                        reason,
                    ));
                }
            }
            Kind::Declined => {
                r.submitted_at = now - secs(&mut self.fill.rng, TimeDelta::days(3), history);
                let until = r.submitted_at + secs(&mut self.fill.rng, TimeDelta::days(7), window);
                r.outcome_reason = Some(format!(
                    "This prospect is already registered and protected until {}.",
                    dates::date(until)
                ));
                r.closed_at = Some(r.submitted_at);
                r.updated_at = r.submitted_at;
            }
        }
        later
    }
}
