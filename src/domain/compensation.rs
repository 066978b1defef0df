//! Compensation and credit: what a deal closed won pays the partner and credits the direct
//! rep who assisted. The rules are versioned like the policy; every closed deal records the
//! version it was computed under, so a rule change never rewrites a past payout.
//!
//! Precedence of the partner commission rate, most specific first:
//! 1. a rule for the partner's tier AND the deal's segment,
//! 2. a rule for the segment,
//! 3. a rule for the tier,
//! 4. the default rate.
//!
//! Rates are integer basis points (1 bp = 0.01 %); the admin types and reads them as
//! percentages in a tier × segment grid ([`form`]). Amounts are integer minor units of the
//! deal's currency. Rounding: half-up (away from zero for the positive amounts used here) to
//! the minor unit, computed in `i128` so no multiplication overflows; no floating point.

use serde::{Deserialize, Serialize};

use super::code::text_enum;
use super::org::Tier;
use super::policy::Segment;

pub mod form;

/// 100 % in basis points.
pub const FULL_BP: i64 = 10_000;

/// A commission rate for one tier and/or segment. Neither set is not a valid rule (that is
/// the default rate).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RateRule {
    pub tier: Option<String>,
    pub segment: Option<String>,
    pub bp: i64,
}

/// The compensation rules in force.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default)]
pub struct Rules {
    /// Partner commission when no tier or segment rule applies.
    pub default_commission_bp: i64,
    pub commission_rules: Vec<RateRule>,
    /// Partner-assisted quota credit for the direct rep, as a share of the deal amount.
    pub assist_credit_bp: i64,
    /// Segments where the double-credit model applies: the partner earns its full
    /// commission AND the assisting rep gets full quota credit.
    pub double_credit_segments: Vec<String>,
}

impl Default for Rules {
    fn default() -> Self {
        Self {
            default_commission_bp: 1_000,
            commission_rules: Vec::new(),
            assist_credit_bp: 5_000,
            double_credit_segments: Vec::new(),
        }
    }
}

/// The rules are looked up by tier and segment, so their order means nothing: a version
/// typed one per line in another order equals the same grid (saving it makes no new version).
impl PartialEq for Rules {
    fn eq(&self, other: &Self) -> bool {
        let Rules {
            default_commission_bp,
            commission_rules,
            assist_credit_bp,
            double_credit_segments,
        } = self;
        let sorted = |rules: &[RateRule]| {
            let mut v = rules.to_vec();
            v.sort_by(|a, b| (&a.tier, &a.segment, a.bp).cmp(&(&b.tier, &b.segment, b.bp)));
            v
        };
        *default_commission_bp == other.default_commission_bp
            && sorted(commission_rules) == sorted(&other.commission_rules)
            && *assist_credit_bp == other.assist_credit_bp
            && *double_credit_segments == other.double_credit_segments
    }
}

impl Eq for Rules {}

/// Which rule decided a rate, shown beside the amount so nobody has to guess.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RateSource {
    TierAndSegment,
    Segment,
    Tier,
    Default,
}

impl RateSource {
    pub fn label(self) -> &'static str {
        match self {
            RateSource::TierAndSegment => "tier and segment rule",
            RateSource::Segment => "segment rule",
            RateSource::Tier => "tier rule",
            RateSource::Default => "default rate",
        }
    }
}

impl Rules {
    /// The partner commission rate for a deal; see the module docs for the precedence.
    pub fn commission_bp(&self, tier: Option<Tier>, segment: Segment) -> (i64, RateSource) {
        let seg = Some(segment);
        if tier.is_some()
            && let Some(bp) = self.rate(tier, seg)
        {
            return (bp, RateSource::TierAndSegment);
        }
        if let Some(bp) = self.rate(None, seg) {
            return (bp, RateSource::Segment);
        }
        if tier.is_some()
            && let Some(bp) = self.rate(tier, None)
        {
            return (bp, RateSource::Tier);
        }
        (self.default_commission_bp, RateSource::Default)
    }

    /// The rate set for exactly this tier and segment, without falling back (`None`: no
    /// rule); neither is the default rate. One cell of the admin's grid.
    pub fn rate(&self, tier: Option<Tier>, segment: Option<Segment>) -> Option<i64> {
        if tier.is_none() && segment.is_none() {
            return Some(self.default_commission_bp);
        }
        let (t, s) = (tier.map(Tier::as_str), segment.map(Segment::as_str));
        self.commission_rules
            .iter()
            .find(|r| r.tier.as_deref() == t && r.segment.as_deref() == s)
            .map(|r| r.bp)
    }

    /// Whether the double-credit model applies. `territory_double_credit` is the territory's
    /// own switch (`None` where no territory covers the deal): a covering territory
    /// that says yes turns it on even where the segment does not.
    pub fn double_credit(&self, segment: Segment, territory_double_credit: Option<bool>) -> bool {
        territory_double_credit == Some(true)
            || self
                .double_credit_segments
                .iter()
                .any(|s| s == segment.as_str())
    }
}

/// `amount × bp / 10 000`, rounded half-up to the minor unit.
pub fn apply_bp(amount_minor: i64, bp: i64) -> i64 {
    let product = i128::from(amount_minor) * i128::from(bp);
    let full = i128::from(FULL_BP);
    let rounded = if product >= 0 {
        (product + full / 2) / full
    } else {
        (product - full / 2) / full
    };
    i64::try_from(rounded).unwrap_or(if rounded > 0 { i64::MAX } else { i64::MIN })
}

text_enum! {
    /// What a credit is for.
    pub enum CreditKind {
        /// The partner organisation's commission.
        PartnerCommission,
        /// Partner-assisted quota credit for a direct rep.
        AssistCredit,
        /// Full quota credit for a direct rep under the double-credit model.
        DoubleCredit,
    }
}

impl CreditKind {
    pub fn label(self) -> &'static str {
        match self {
            CreditKind::PartnerCommission => "Partner commission",
            CreditKind::AssistCredit => "Partner-assisted quota credit",
            CreditKind::DoubleCredit => "Full quota credit (double credit)",
        }
    }
}

/// Who a credit goes to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Beneficiary {
    Org(String),
    Rep(String),
}

/// One credit to be stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Credit {
    pub beneficiary: Beneficiary,
    pub kind: CreditKind,
    pub bp: i64,
    pub amount_minor: i64,
}

/// A deal closed won, as the compensation rules see it.
#[derive(Debug, Clone)]
pub struct ClosedDeal<'a> {
    pub org_id: &'a str,
    pub tier: Option<Tier>,
    pub segment: Segment,
    pub amount_minor: i64,
    /// Closed while the protection window was still open.
    pub within_window: bool,
    /// Reps accepted or assigned to assist.
    pub assisting_reps: &'a [String],
    pub territory_double_credit: Option<bool>,
}

/// The credits a deal earns. Inside the window the partner always gets its full commission,
/// whatever the direct team did; after the window ended nobody is credited through the
/// partner program (the deal was open to direct sales).
pub fn credits(rules: &Rules, deal: &ClosedDeal) -> Vec<Credit> {
    if !deal.within_window {
        return Vec::new();
    }
    let (bp, _) = rules.commission_bp(deal.tier, deal.segment);
    let mut out = vec![Credit {
        beneficiary: Beneficiary::Org(deal.org_id.to_owned()),
        kind: CreditKind::PartnerCommission,
        bp,
        amount_minor: apply_bp(deal.amount_minor, bp),
    }];
    let double = rules.double_credit(deal.segment, deal.territory_double_credit);
    let (kind, rep_bp) = if double {
        (CreditKind::DoubleCredit, FULL_BP)
    } else {
        (CreditKind::AssistCredit, rules.assist_credit_bp)
    };
    for rep in deal.assisting_reps {
        out.push(Credit {
            beneficiary: Beneficiary::Rep(rep.clone()),
            kind,
            bp: rep_bp,
            amount_minor: apply_bp(deal.amount_minor, rep_bp),
        });
    }
    out
}

/// The partner commission the approved pipeline would earn if every deal were won inside
/// its window under `rules`: each (tier, segment, deal size) group priced at its rate.
/// Rounded once per group, so it can differ from the sum of the deals' own commissions by
/// less than one unit per group; it is a forecast, not a credit.
pub fn pipeline_commission(rules: &Rules, approved: &[(Option<Tier>, Segment, i64)]) -> i64 {
    approved
        .iter()
        .map(|&(tier, segment, units)| apply_bp(units, rules.commission_bp(tier, segment).0))
        .sum()
}

/// "12.5" from 1250 bp, without floating point: the number an admin types for that rate.
pub fn percent(bp: i64) -> String {
    let whole = bp / 100;
    let frac = bp % 100;
    if frac == 0 {
        format!("{whole}")
    } else if frac % 10 == 0 {
        format!("{whole}.{}", frac / 10)
    } else {
        format!("{whole}.{frac:02}")
    }
}

/// "12.5 %" from 1250 bp.
pub fn format_bp(bp: i64) -> String {
    format!("{} %", percent(bp))
}

#[cfg(test)]
mod tests {
    use super::*;

    pub(super) fn rules() -> Rules {
        Rules {
            default_commission_bp: 1000,
            commission_rules: vec![
                RateRule {
                    tier: Some("gold".into()),
                    segment: Some("enterprise".into()),
                    bp: 1500,
                },
                RateRule {
                    tier: None,
                    segment: Some("enterprise".into()),
                    bp: 800,
                },
                RateRule {
                    tier: Some("gold".into()),
                    segment: None,
                    bp: 1200,
                },
            ],
            assist_credit_bp: 5000,
            double_credit_segments: vec!["mid_market".into()],
        }
    }

    #[test]
    fn tier_and_segment_beats_segment_beats_tier_beats_default() {
        let r = rules();
        assert_eq!(
            r.commission_bp(Some(Tier::Gold), Segment::Enterprise),
            (1500, RateSource::TierAndSegment)
        );
        assert_eq!(
            r.commission_bp(Some(Tier::Silver), Segment::Enterprise),
            (800, RateSource::Segment)
        );
        assert_eq!(
            r.commission_bp(None, Segment::Enterprise),
            (800, RateSource::Segment)
        );
        assert_eq!(
            r.commission_bp(Some(Tier::Gold), Segment::Smb),
            (1200, RateSource::Tier)
        );
        assert_eq!(
            r.commission_bp(Some(Tier::Silver), Segment::Smb),
            (1000, RateSource::Default)
        );
        assert_eq!(
            r.commission_bp(None, Segment::Smb),
            (1000, RateSource::Default)
        );
    }

    #[test]
    fn rounding_is_half_up_to_the_minor_unit() {
        // 10 % of 0.05 is 0.005: half a cent rounds up.
        assert_eq!(apply_bp(5, 1000), 1);
        // 10 % of 0.04 is 0.004: rounds down.
        assert_eq!(apply_bp(4, 1000), 0);
        // 12.5 % of 0.99 = 0.12375 → 0.12.
        assert_eq!(apply_bp(99, 1250), 12);
        // 0.01 % of 50.00 = 0.5 cent → 1 cent; of 49.99 → 0.4999 → 0.
        assert_eq!(apply_bp(5000, 1), 1);
        assert_eq!(apply_bp(4999, 1), 0);
        assert_eq!(apply_bp(1_234_567, 10_000), 1_234_567);
        assert_eq!(apply_bp(1_234_567, 0), 0);
        // No overflow near the top of i64.
        assert_eq!(apply_bp(i64::MAX, 10_000), i64::MAX);
        assert_eq!(apply_bp(i64::MAX, 5_000), i64::MAX / 2 + 1);
    }

    #[test]
    fn inside_the_window_the_partner_gets_full_commission_and_the_rep_assist_credit() {
        let reps = vec!["rep1".to_owned()];
        let deal = ClosedDeal {
            org_id: "org",
            tier: Some(Tier::Gold),
            segment: Segment::Enterprise,
            amount_minor: 20_000_000,
            within_window: true,
            assisting_reps: &reps,
            territory_double_credit: None,
        };
        let c = credits(&rules(), &deal);
        assert_eq!(c.len(), 2);
        assert_eq!(c[0].kind, CreditKind::PartnerCommission);
        assert_eq!(c[0].amount_minor, 3_000_000);
        assert_eq!(c[1].beneficiary, Beneficiary::Rep("rep1".into()));
        assert_eq!(c[1].kind, CreditKind::AssistCredit);
        assert_eq!(c[1].amount_minor, 10_000_000);
    }

    #[test]
    fn double_credit_by_segment_or_territory_gives_the_rep_full_credit() {
        let reps = vec!["rep1".to_owned()];
        let mut deal = ClosedDeal {
            org_id: "org",
            tier: None,
            segment: Segment::MidMarket,
            amount_minor: 5_000_000,
            within_window: true,
            assisting_reps: &reps,
            territory_double_credit: None,
        };
        let c = credits(&rules(), &deal);
        assert_eq!(c[0].amount_minor, 500_000);
        assert_eq!(c[1].kind, CreditKind::DoubleCredit);
        assert_eq!(c[1].amount_minor, 5_000_000);
        deal.segment = Segment::Smb;
        assert_eq!(credits(&rules(), &deal)[1].kind, CreditKind::AssistCredit);
        deal.territory_double_credit = Some(true);
        assert_eq!(credits(&rules(), &deal)[1].kind, CreditKind::DoubleCredit);
    }

    #[test]
    fn after_the_window_nothing_is_credited() {
        let reps = vec!["rep1".to_owned()];
        let deal = ClosedDeal {
            org_id: "org",
            tier: None,
            segment: Segment::Smb,
            amount_minor: 100,
            within_window: false,
            assisting_reps: &reps,
            territory_double_credit: None,
        };
        assert!(credits(&rules(), &deal).is_empty());
    }

    #[test]
    fn basis_points_format_without_floats() {
        assert_eq!(format_bp(1000), "10 %");
        assert_eq!(format_bp(1250), "12.5 %");
        assert_eq!(format_bp(1205), "12.05 %");
        assert_eq!(percent(1), "0.01");
    }

    #[test]
    fn the_order_of_the_rules_does_not_make_a_new_version() {
        let mut reordered = rules();
        reordered.commission_rules.reverse();
        assert_eq!(reordered, rules());
        reordered.commission_rules[0].bp += 1;
        assert_ne!(reordered, rules());
    }

    #[test]
    fn the_pipeline_is_priced_at_each_group_rate() {
        let rules = Rules {
            default_commission_bp: 1_000,
            commission_rules: vec![
                RateRule {
                    tier: Some("gold".into()),
                    segment: None,
                    bp: 1_500,
                },
                RateRule {
                    tier: None,
                    segment: Some("enterprise".into()),
                    bp: 500,
                },
            ],
            ..Rules::default()
        };
        let approved = [
            (Some(Tier::Gold), Segment::MidMarket, 10_000), // tier rule: 1,500
            (Some(Tier::Gold), Segment::Enterprise, 10_000), // segment rule first: 500
            (None, Segment::Smb, 3_333),                    // default: 333.3, rounds to 333
        ];
        assert_eq!(pipeline_commission(&rules, &approved), 1_500 + 500 + 333);
        assert_eq!(pipeline_commission(&rules, &[]), 0);
    }
}
