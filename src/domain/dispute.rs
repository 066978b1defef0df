//! Disputes over who may claim a prospect: who may raise one on which registration, what a
//! ruling may decide, and the dispute's own SLA clock. The registrations a ruling changes go
//! through `lifecycle` commands (`Reinstate`, `Overturn`); nothing here reads the clock or
//! the database.

use chrono::{NaiveDateTime, TimeDelta};

use super::code::text_enum;
use super::errors::FieldErrors;
use super::lifecycle::{Refusal, Status};

const MAX_TEXT: usize = 4000;

text_enum! {
    pub enum Reason {
        RegisteredFirst,
        ExistingRelationship,
        DirectEngagedFirst,
        Territory,
        Other,
    }
}

impl Reason {
    pub fn label(self) -> &'static str {
        match self {
            Reason::RegisteredFirst => "We registered first",
            Reason::ExistingRelationship => "Existing relationship with the prospect",
            Reason::DirectEngagedFirst => "Direct team engaged first",
            Reason::Territory => "Territory",
            Reason::Other => "Other",
        }
    }
}

text_enum! {
    /// How a dispute ended.
    pub enum RulingOutcome {
        /// The registrations stay as they were.
        Upheld,
        /// The raiser's registration is approved again (the prospect was free).
        Reinstated,
        /// The holder's registration is ended and the raiser's approved (or, for a sales rep's
        /// dispute, the prospect goes to direct sales).
        Transferred,
        /// The registrations stay; credit is split as recorded, for the compensation rules.
        Split,
    }
}

impl RulingOutcome {
    pub fn label(self) -> &'static str {
        match self {
            RulingOutcome::Upheld => "Upheld: the current state stands",
            RulingOutcome::Reinstated => "Overturned: registration reinstated",
            RulingOutcome::Transferred => "Overturned: lock transferred",
            RulingOutcome::Split => "Split credit",
        }
    }
}

/// Who raises a dispute.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Raiser {
    /// A partner, on one of its organisation's registrations.
    Partner,
    /// A direct sales rep, on a partner's registration.
    Sales,
}

/// Whether `raiser` may dispute a registration in `status`. A partner disputes its own
/// registration unless it gave it up or closed it; a rep disputes a partner's claim on a
/// prospect (under review or approved).
pub fn may_raise(raiser: Raiser, status: Status) -> Result<(), Refusal> {
    let allowed: &[Status] = match raiser {
        Raiser::Partner => &[
            Status::Queued,
            Status::Pending,
            Status::InfoRequested,
            Status::Approved,
            Status::Rejected,
            Status::Declined,
            Status::Expired,
            Status::Overturned,
        ],
        Raiser::Sales => &[Status::Pending, Status::InfoRequested, Status::Approved],
    };
    if allowed.contains(&status) {
        Ok(())
    } else {
        Err(Refusal::WrongState(status.label()))
    }
}

/// A dispute as its raiser wrote it, checked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewDispute {
    pub reason: Reason,
    pub details: String,
}

fn text(
    errors: &mut FieldErrors,
    field: &'static str,
    value: &str,
    missing: &'static str,
) -> String {
    let value = value.trim();
    if value.is_empty() {
        errors.add(field, missing);
    } else if value.chars().count() > MAX_TEXT {
        errors.add(field, "Use at most 4,000 characters.");
    }
    value.to_owned()
}

pub fn validate(reason: &str, details: &str) -> Result<NewDispute, FieldErrors> {
    let mut errors = FieldErrors::new();
    let reason = Reason::parse(reason);
    if reason.is_none() {
        errors.add("reason", "Choose the reason for the dispute.");
    }
    let details = text(
        &mut errors,
        "details",
        details,
        "Describe what happened, with dates, so the channel team can rule on it.",
    );
    match reason {
        Some(reason) if errors.is_empty() => Ok(NewDispute { reason, details }),
        _ => Err(errors),
    }
}

/// What the parties of a dispute are, as the ruling sees them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Parties {
    /// The raiser's own registration and its state, for a partner's dispute.
    pub raiser: Option<Status>,
    /// The other registration involved (the one holding the prospect when raised, or the one
    /// a rep disputes) and its state now.
    pub other: Option<Status>,
}

/// A ruling, checked against the dispute's parties.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Ruling {
    pub outcome: RulingOutcome,
    pub rationale: String,
    /// Split credit only: the raising partner's share, 0–100.
    pub partner_share_pct: Option<i64>,
}

/// Checks a ruling's form: a rationale is required for every outcome, a split needs a share,
/// and an overturn needs a registration to change. The registration rules themselves
/// (states, the prospect's holder) are the lifecycle's, applied when the ruling is stored.
pub fn rule(
    outcome: &str,
    rationale: &str,
    share: &str,
    parties: Parties,
) -> Result<Ruling, FieldErrors> {
    let mut errors = FieldErrors::new();
    let outcome = RulingOutcome::parse(outcome);
    if outcome.is_none() {
        errors.add("outcome", "Choose the ruling.");
    }
    let rationale = text(
        &mut errors,
        "rationale",
        rationale,
        "Write the rationale: both parties read it.",
    );
    let mut partner_share_pct = None;
    match outcome {
        Some(RulingOutcome::Split) => match share.trim().parse::<i64>() {
            Ok(pct) if (0..=100).contains(&pct) => partner_share_pct = Some(pct),
            _ => errors.add(
                "partner_share_pct",
                "Enter the partner's share as a whole percentage from 0 to 100.",
            ),
        },
        Some(RulingOutcome::Reinstated) if parties.raiser.is_none() => errors.add(
            "outcome",
            "There is no registration of the raiser to reinstate.",
        ),
        Some(RulingOutcome::Transferred) if parties.other.is_none() => errors.add(
            "outcome",
            "No other registration holds this prospect: there is no lock to transfer.",
        ),
        _ => {}
    }
    match outcome {
        Some(outcome) if errors.is_empty() => Ok(Ruling {
            outcome,
            rationale,
            partner_share_pct,
        }),
        _ => Err(errors),
    }
}

/// A dispute's clock: due `sla_hours` (the policy's) after it was raised.
pub fn due_at(raised_at: NaiveDateTime, sla_hours: i64) -> NaiveDateTime {
    raised_at + TimeDelta::hours(sla_hours)
}

/// Whether an open dispute's breach is to be escalated now: once, at or after its deadline.
pub fn escalation_due(
    due: Option<NaiveDateTime>,
    escalated_at: Option<NaiveDateTime>,
    now: NaiveDateTime,
) -> bool {
    matches!(due, Some(due) if due <= now) && escalated_at.is_none()
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

    const BOTH: Parties = Parties {
        raiser: Some(Status::Declined),
        other: Some(Status::Approved),
    };

    #[test]
    fn a_dispute_needs_a_reason_from_the_list_and_details() {
        let errors = validate("", " ").unwrap_err();
        assert!(errors.get("reason").is_some());
        assert!(errors.get("details").is_some());
        assert!(
            validate("bribery", "x")
                .unwrap_err()
                .get("reason")
                .is_some()
        );
        let ok = validate("registered_first", "  We registered on 3 Nov.  ").unwrap();
        assert_eq!(ok.reason, Reason::RegisteredFirst);
        assert_eq!(ok.details, "We registered on 3 Nov.");
    }

    #[test]
    fn partners_dispute_their_own_claims_and_reps_dispute_live_ones() {
        for s in [
            Status::Declined,
            Status::Rejected,
            Status::Approved,
            Status::Queued,
        ] {
            assert!(may_raise(Raiser::Partner, s).is_ok(), "{s:?}");
        }
        assert!(may_raise(Raiser::Partner, Status::Withdrawn).is_err());
        assert!(may_raise(Raiser::Partner, Status::Won).is_err());
        assert!(may_raise(Raiser::Sales, Status::Approved).is_ok());
        assert!(may_raise(Raiser::Sales, Status::Declined).is_err());
    }

    #[test]
    fn every_ruling_needs_a_rationale() {
        for outcome in RulingOutcome::ALL {
            let errors = rule(outcome.as_str(), "  ", "50", BOTH).unwrap_err();
            assert!(errors.get("rationale").is_some(), "{outcome:?}");
        }
        assert!(
            rule("", "why", "", BOTH)
                .unwrap_err()
                .get("outcome")
                .is_some()
        );
        let upheld = rule("upheld", "The holder registered first.", "", BOTH).unwrap();
        assert_eq!(upheld.outcome, RulingOutcome::Upheld);
        assert_eq!(upheld.partner_share_pct, None);
    }

    #[test]
    fn a_split_records_a_share_from_0_to_100() {
        for bad in ["", "101", "-1", "fifty", "12.5"] {
            assert!(
                rule("split", "Both worked it.", bad, BOTH)
                    .unwrap_err()
                    .get("partner_share_pct")
                    .is_some(),
                "{bad}"
            );
        }
        for pct in [0, 40, 100] {
            let r = rule("split", "Both worked it.", &pct.to_string(), BOTH).unwrap();
            assert_eq!(r.partner_share_pct, Some(pct));
        }
    }

    #[test]
    fn an_overturn_needs_a_registration_to_change() {
        let own_only = Parties {
            raiser: Some(Status::Approved),
            other: None,
        };
        assert!(rule("transferred", "x", "", own_only).is_err());
        let rep = Parties {
            raiser: None,
            other: Some(Status::Approved),
        };
        assert!(rule("reinstated", "x", "", rep).is_err());
        assert!(rule("transferred", "Direct engaged first.", "", rep).is_ok());
        assert!(rule("reinstated", "Registered first.", "", BOTH).is_ok());
    }

    #[test]
    fn the_dispute_clock_is_72_hours_and_escalates_once() {
        let due = due_at(
            t0(),
            crate::domain::policy::Policy::default().dispute_sla_hours,
        );
        assert_eq!(due, t0() + TimeDelta::hours(72));
        assert!(!escalation_due(
            Some(due),
            None,
            due - TimeDelta::seconds(1)
        ));
        assert!(escalation_due(Some(due), None, due));
        assert!(!escalation_due(
            Some(due),
            Some(due),
            due + TimeDelta::hours(1)
        ));
        // Resolved: no deadline any more.
        assert!(!escalation_due(None, None, due));
    }

    #[test]
    fn stored_codes_stay_as_they_are() {
        let codes = |all: &[&'static str]| all.join(" ");
        let reasons: Vec<&str> = Reason::ALL.iter().map(|r| r.as_str()).collect();
        let outcomes: Vec<&str> = RulingOutcome::ALL.iter().map(|o| o.as_str()).collect();
        assert_eq!(
            codes(&reasons),
            "registered_first existing_relationship direct_engaged_first territory other"
        );
        assert_eq!(codes(&outcomes), "upheld reinstated transferred split");
    }
}
