//! Flags: what a reviewer must weigh before deciding a registration, beside the matching
//! evidence. A flag never decides anything by itself; it puts a fact in front of a person.

use super::code::text_enum;
use chrono::NaiveDate;

text_enum! {
    /// Why a registration is flagged. Stored as text (`as_str`).
    pub enum FlagKind {
        /// Let through outside the partner's territories (the program flags instead of blocking).
        OutsideTerritory,
        /// The prospect is another partner's customer: a deal of theirs was won inside the
        /// customer-protection period.
        PartnerCustomer,
        /// After the prospect keys changed, this registration names the same prospect as another
        /// one holding it, which keeps it; the channel team decides whether this one stands.
        SharedProspect,
    }
}

impl FlagKind {
    /// The badge on a queue row.
    pub fn badge(self) -> &'static str {
        match self {
            FlagKind::OutsideTerritory => "Outside territory",
            FlagKind::PartnerCustomer => "Partner customer",
            FlagKind::SharedProspect => "Same prospect held twice",
        }
    }

    /// The heading of the notice on the registration's review page.
    pub fn heading(self) -> &'static str {
        match self {
            FlagKind::OutsideTerritory => "Outside the partner's territories.",
            FlagKind::PartnerCustomer => "Another partner's customer.",
            FlagKind::SharedProspect => "The same prospect as another registration.",
        }
    }

    /// Whether the flag asks the channel team for a decision of its own (the others are
    /// facts to weigh in the ordinary review).
    pub fn asks_for_decision(self) -> bool {
        self == FlagKind::SharedProspect
    }
}

/// What the reviewer reads on a registration of another partner's customer.
pub fn customer_message(
    org: &str,
    company: &str,
    won_on: NaiveDate,
    until: NaiveDate,
    score: f64,
) -> String {
    format!(
        "A recent customer of {org}: they won {company} on {}, protected as their customer \
         until {} (same prospect, {score:.2}).",
        super::dates::day(won_on),
        super::dates::day(until),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kinds_round_trip_through_their_stored_names() {
        let codes: Vec<&str> = FlagKind::ALL.iter().map(|k| k.as_str()).collect();
        assert_eq!(
            codes,
            ["outside_territory", "partner_customer", "shared_prospect"]
        );
        assert_eq!(FlagKind::parse("territory"), None);
    }

    #[test]
    fn the_customer_message_names_the_win_for_the_reviewer() {
        let day = |m, d| NaiveDate::from_ymd_opt(2026, m, d).unwrap();
        assert_eq!(
            customer_message("Alpha Partners", "Acme GmbH", day(3, 3), day(12, 1), 0.954),
            "A recent customer of Alpha Partners: they won Acme GmbH on 3 Mar 2026, protected \
             as their customer until 1 Dec 2026 (same prospect, 0.95)."
        );
    }
}
