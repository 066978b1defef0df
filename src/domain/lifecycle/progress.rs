//! Where a registration stands, as the four steps of its life a stepper draws: submitted,
//! in review, protected, closed. A registration that ended early (rejected, declined,
//! withdrawn, expired, overturned) ends on the step where it stopped, named for how.

use super::Status;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StepState {
    Done,
    /// Where the registration is now.
    Current,
    /// It stopped here, and the steps after it will not come.
    Ended,
    Upcoming,
}

impl StepState {
    /// The class the stepper's CSS draws the step with.
    pub fn css(self) -> &'static str {
        match self {
            StepState::Done => "done",
            StepState::Current => "current",
            StepState::Ended => "ended",
            StepState::Upcoming => "upcoming",
        }
    }

    /// What a screen reader says after the step's name.
    pub fn spoken(self) -> &'static str {
        match self {
            StepState::Done => "done",
            StepState::Current => "now",
            StepState::Ended => "ended here",
            StepState::Upcoming => "not yet",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Step {
    pub label: &'static str,
    pub state: StepState,
}

/// The steps of a registration in `status`; `decided` when a reviewer ever decided it (a
/// withdrawn registration was protected before if it was approved).
pub fn steps(status: Status, decided: bool) -> [Step; 4] {
    use StepState::{Current, Done, Ended, Upcoming};
    let step = |label, state| Step { label, state };
    let (review, protected, closed) = match status {
        Status::Queued => (
            step("Queued behind an earlier registration", Current),
            Upcoming,
            Upcoming,
        ),
        Status::Pending => (step("In review", Current), Upcoming, Upcoming),
        Status::InfoRequested => (step("Waiting for an answer", Current), Upcoming, Upcoming),
        Status::Rejected => (step("Rejected", Ended), Upcoming, Upcoming),
        Status::Declined => (step("Declined as a duplicate", Ended), Upcoming, Upcoming),
        Status::Withdrawn if !decided => (step("Withdrawn", Ended), Upcoming, Upcoming),
        Status::Approved => (step("Approved", Done), Current, Upcoming),
        Status::Withdrawn | Status::Expired | Status::Overturned => {
            (step("Approved", Done), Ended, Upcoming)
        }
        Status::Won | Status::Lost => (step("Approved", Done), Done, Current),
    };
    let protected_label = match status {
        Status::Withdrawn if decided => "Withdrawn",
        Status::Expired => "Protection expired",
        Status::Overturned => "Overturned by a ruling",
        _ => "Protected",
    };
    let closed_label = match status {
        Status::Won => "Won",
        Status::Lost => "Lost",
        _ => "Closed",
    };
    [
        step("Submitted", Done),
        review,
        step(protected_label, protected),
        step(closed_label, closed),
    ]
}

#[cfg(test)]
mod tests {
    use super::StepState::{Current, Done, Ended, Upcoming};
    use super::*;

    fn states(status: Status, decided: bool) -> Vec<(&'static str, StepState)> {
        steps(status, decided)
            .iter()
            .map(|s| (s.label, s.state))
            .collect()
    }

    #[test]
    fn a_registration_in_review_is_on_the_second_step() {
        assert_eq!(
            states(Status::Pending, false),
            [
                ("Submitted", Done),
                ("In review", Current),
                ("Protected", Upcoming),
                ("Closed", Upcoming)
            ]
        );
        assert_eq!(
            states(Status::InfoRequested, false)[1].0,
            "Waiting for an answer"
        );
    }

    #[test]
    fn an_approved_one_is_protected_and_a_won_one_closed() {
        assert_eq!(states(Status::Approved, true)[2], ("Protected", Current));
        assert_eq!(
            states(Status::Won, true),
            [
                ("Submitted", Done),
                ("Approved", Done),
                ("Protected", Done),
                ("Won", Current)
            ]
        );
    }

    #[test]
    fn an_early_end_is_named_where_it_happened() {
        assert_eq!(states(Status::Rejected, true)[1], ("Rejected", Ended));
        assert_eq!(
            states(Status::Declined, false)[1],
            ("Declined as a duplicate", Ended)
        );
        // Withdrawn in review, or after approval while protected.
        assert_eq!(states(Status::Withdrawn, false)[1], ("Withdrawn", Ended));
        assert_eq!(states(Status::Withdrawn, true)[2], ("Withdrawn", Ended));
        assert_eq!(
            states(Status::Expired, true)[2],
            ("Protection expired", Ended)
        );
        assert_eq!(states(Status::Overturned, true)[3], ("Closed", Upcoming));
    }
}
