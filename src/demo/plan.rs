//! How many registrations of each kind the load writes: a believable mix of states for
//! any total, with exactly the asked-for number due for expiry.

use rand::rngs::SmallRng;
use rand::seq::SliceRandom;

/// How many registrations of each kind.
#[derive(Debug, Clone, Copy)]
pub(super) struct Plan {
    pub(super) due: u64,
    pub(super) approved: u64,
    pub(super) renewal_requested: u64,
    pub(super) pending: u64,
    pub(super) info_requested: u64,
    pub(super) queued: u64,
    pub(super) won: u64,
    pub(super) lost: u64,
    pub(super) expired: u64,
    pub(super) rejected: u64,
    pub(super) withdrawn: u64,
    pub(super) declined: u64,
}

impl Plan {
    fn others(n: u64) -> (u64, u64, u64, u64, u64) {
        let approved = n / 20;
        let renewal_requested = approved / 100;
        let pending = (n * 3 / 1000).max(1);
        let info_requested = n / 2000;
        let queued = (n / 2000).min(pending);
        (approved, renewal_requested, pending, info_requested, queued)
    }

    pub(super) fn max_due(n: u64) -> u64 {
        let (approved, _, pending, info, queued) = Self::others(n);
        // A tenth of the registrations stays closed, for a believable history.
        (n - n / 10).saturating_sub(approved + pending + info + queued)
    }

    pub(super) fn new(n: u64, due: u64) -> Option<Plan> {
        if due > Self::max_due(n) {
            return None;
        }
        let (approved, renewal_requested, pending, info_requested, queued) = Self::others(n);
        let closed = n - due - approved - pending - info_requested - queued;
        let won = closed / 4;
        let lost = closed / 5;
        let expired = closed / 4;
        let rejected = closed / 8;
        let withdrawn = closed / 8;
        let declined = closed - won - lost - expired - rejected - withdrawn;
        Some(Plan {
            due,
            approved,
            renewal_requested,
            pending,
            info_requested,
            queued,
            won,
            lost,
            expired,
            rejected,
            withdrawn,
            declined,
        })
    }

    /// The kinds of every registration but the queued ones, in random order.
    pub(super) fn kinds(&self, rng: &mut SmallRng) -> Vec<Kind> {
        let mut kinds =
            Vec::with_capacity(usize::try_from(self.total() - self.queued).unwrap_or(0));
        let mut add = |kind: Kind, n: u64| kinds.extend(std::iter::repeat_n(kind, n as usize));
        add(Kind::Due, self.due);
        add(Kind::Approved, self.approved - self.renewal_requested);
        add(Kind::RenewalRequested, self.renewal_requested);
        add(Kind::Pending, self.pending);
        add(Kind::InfoRequested, self.info_requested);
        add(Kind::Won, self.won);
        add(Kind::Lost, self.lost);
        add(Kind::Expired, self.expired);
        add(Kind::Rejected, self.rejected);
        add(Kind::Withdrawn, self.withdrawn);
        add(Kind::Declined, self.declined);
        kinds.shuffle(rng);
        kinds
    }

    pub(super) fn total(&self) -> u64 {
        self.due
            + self.approved
            + self.pending
            + self.info_requested
            + self.queued
            + self.won
            + self.lost
            + self.expired
            + self.rejected
            + self.withdrawn
            + self.declined
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Kind {
    /// Approved, protection ended before now: the expiry sweep's work.
    Due,
    Approved,
    /// Approved, with a renewal waiting in the review queue.
    RenewalRequested,
    Pending,
    InfoRequested,
    Queued,
    Won,
    Lost,
    Expired,
    Rejected,
    Withdrawn,
    Declined,
}

impl Kind {
    pub(super) fn holds(self) -> bool {
        matches!(
            self,
            Kind::Due
                | Kind::Approved
                | Kind::RenewalRequested
                | Kind::Pending
                | Kind::InfoRequested
        )
    }

    pub(super) fn status(self) -> &'static str {
        match self {
            Kind::Due | Kind::Approved | Kind::RenewalRequested => "approved",
            Kind::Pending => "pending",
            Kind::InfoRequested => "info_requested",
            Kind::Queued => "queued",
            Kind::Won => "won",
            Kind::Lost => "lost",
            Kind::Expired => "expired",
            Kind::Rejected => "rejected",
            Kind::Withdrawn => "withdrawn",
            Kind::Declined => "declined",
        }
    }
}
