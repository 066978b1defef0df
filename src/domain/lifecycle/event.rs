//! The kinds of audit events: each transition records one, and the timeline shows its label.
//! Stored as text codes, so a kind keeps its code when the list grows.

use crate::domain::code::text_enum;

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
