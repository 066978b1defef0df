//! The states a registration and its renewal request can be in: stored as text codes, shown
//! by their labels. Which states hold a prospect or count against a cap is decided here, once.

use crate::domain::code::text_enum;

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
