//! The admin's compensation form: the commission rates as a tier × segment grid of
//! percentages, the assist credit in percent, the double-credit switches; its validation
//! (each bad cell reported next to itself) and the history's "what changed", in percent.

use serde::Deserialize;

use super::{FULL_BP, RateRule, Rules, format_bp, percent};
use crate::domain::errors::FieldErrors;
use crate::domain::org::Tier;
use crate::domain::policy::Segment;

/// Basis points from a percentage as typed: "12.5", "12,5" or "12.5 %", from 0 to 100 with
/// at most two decimals (a basis point is the finest step a rate can take). The messages are
/// short because they sit in a grid cell.
pub fn parse_percent(text: &str) -> Result<i64, &'static str> {
    let number = text.trim();
    let number = number.strip_suffix('%').unwrap_or(number).trim_end();
    let (whole, fraction) = number.split_once(['.', ',']).unwrap_or((number, ""));
    if whole.is_empty() && fraction.is_empty()
        || !whole
            .chars()
            .chain(fraction.chars())
            .all(|c| c.is_ascii_digit())
    {
        return Err("Enter a number, such as 12.5.");
    }
    let fraction = fraction.trim_end_matches('0');
    if fraction.len() > 2 {
        return Err("Use at most two decimals.");
    }
    // Too many digits to parse is far above 100 as well.
    let whole: i64 = if whole.is_empty() {
        0
    } else {
        whole.parse().unwrap_or(i64::MAX)
    };
    let hundredths: i64 = format!("{fraction:0<2}").parse().unwrap_or(0);
    let bp = whole.saturating_mul(100).saturating_add(hundredths);
    if bp > FULL_BP {
        return Err("Enter 0 to 100.");
    }
    Ok(bp)
}

/// Rows of the admin's rate grid: any tier (the segment rules and the default), then each
/// tier. Sized by `Tier::ALL`, so a new tier does not compile until the grid has it.
pub const GRID_TIERS: [Option<Tier>; Tier::ALL.len() + 1] = [
    None,
    Some(Tier::Registered),
    Some(Tier::Silver),
    Some(Tier::Gold),
    Some(Tier::Platinum),
];

/// Columns of the rate grid: any segment (the tier rules and the default), then each segment.
pub const GRID_SEGMENTS: [Option<Segment>; Segment::ALL.len() + 1] = [
    None,
    Some(Segment::Smb),
    Some(Segment::MidMarket),
    Some(Segment::Enterprise),
];

const ROWS: usize = GRID_TIERS.len();
const COLS: usize = GRID_SEGMENTS.len();

/// Each grid cell's form field and what the history calls it, in the grid's rows and
/// columns. Written out because error keys are `&'static str`; a test checks them against
/// the tier and segment codes and labels.
pub const CELLS: [[(&str, &str); COLS]; ROWS] = [
    [
        ("rate_any_any", "Default commission"),
        ("rate_any_smb", "Any tier, SMB"),
        ("rate_any_mid_market", "Any tier, Mid-market"),
        ("rate_any_enterprise", "Any tier, Enterprise"),
    ],
    [
        ("rate_registered_any", "Registered, any segment"),
        ("rate_registered_smb", "Registered, SMB"),
        ("rate_registered_mid_market", "Registered, Mid-market"),
        ("rate_registered_enterprise", "Registered, Enterprise"),
    ],
    [
        ("rate_silver_any", "Silver, any segment"),
        ("rate_silver_smb", "Silver, SMB"),
        ("rate_silver_mid_market", "Silver, Mid-market"),
        ("rate_silver_enterprise", "Silver, Enterprise"),
    ],
    [
        ("rate_gold_any", "Gold, any segment"),
        ("rate_gold_smb", "Gold, SMB"),
        ("rate_gold_mid_market", "Gold, Mid-market"),
        ("rate_gold_enterprise", "Gold, Enterprise"),
    ],
    [
        ("rate_platinum_any", "Platinum, any segment"),
        ("rate_platinum_smb", "Platinum, SMB"),
        ("rate_platinum_mid_market", "Platinum, Mid-market"),
        ("rate_platinum_enterprise", "Platinum, Enterprise"),
    ],
];

/// The double-credit checkboxes' segments, as the history calls them.
const DOUBLE_CREDIT: [(Segment, &str); 3] = [
    (Segment::Smb, "Double credit: SMB"),
    (Segment::MidMarket, "Double credit: mid-market"),
    (Segment::Enterprise, "Double credit: enterprise"),
];

/// The admin form as typed, in percent, kept whole so an error loses nothing. Read from the
/// posted pairs (the grid's field names are a table, not struct fields).
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(from = "Vec<(String, String)>")]
pub struct RulesForm {
    /// The rate grid, rows [`GRID_TIERS`] by columns [`GRID_SEGMENTS`]; empty is no rule.
    pub rates: [[String; COLS]; ROWS],
    pub assist_credit: String,
    pub double_smb: Option<String>,
    pub double_mid_market: Option<String>,
    pub double_enterprise: Option<String>,
}

fn field<'a>(pairs: &'a [(String, String)], name: &str) -> Option<&'a str> {
    pairs
        .iter()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.as_str())
}

impl From<Vec<(String, String)>> for RulesForm {
    fn from(pairs: Vec<(String, String)>) -> Self {
        Self::from_pairs(&pairs)
    }
}

impl RulesForm {
    /// Reads the posted fields; unknown ones are ignored.
    pub fn from_pairs(pairs: &[(String, String)]) -> Self {
        let text = |name: &str| field(pairs, name).unwrap_or_default().to_owned();
        let flag = |name: &str| field(pairs, name).map(str::to_owned);
        Self {
            rates: CELLS.map(|row| row.map(|(name, _)| text(name))),
            assist_credit: text("assist_credit"),
            double_smb: flag("double_smb"),
            double_mid_market: flag("double_mid_market"),
            double_enterprise: flag("double_enterprise"),
        }
    }

    pub fn from_rules(r: &Rules) -> Self {
        let on = |s: Segment| r.double_credit(s, None).then(|| "on".to_owned());
        Self {
            rates: GRID_TIERS
                .map(|t| GRID_SEGMENTS.map(|s| r.rate(t, s).map(percent).unwrap_or_default())),
            assist_credit: percent(r.assist_credit_bp),
            double_smb: on(Segment::Smb),
            double_mid_market: on(Segment::MidMarket),
            double_enterprise: on(Segment::Enterprise),
        }
    }
}

/// A percentage as typed into an optional field: `Ok(None)` when empty.
fn typed_percent(text: &str) -> Result<Option<i64>, &'static str> {
    let text = text.trim();
    if text.is_empty() {
        Ok(None)
    } else {
        parse_percent(text).map(Some)
    }
}

/// Checks every field; all problems are reported at once, each next to its own cell.
pub fn validate_rules(form: &RulesForm) -> Result<Rules, FieldErrors> {
    let mut errors = FieldErrors::new();
    let mut default_commission_bp = None;
    let mut commission_rules = Vec::new();
    for ((tier, names), typed) in GRID_TIERS.iter().zip(&CELLS).zip(&form.rates) {
        for ((segment, (name, _)), typed) in GRID_SEGMENTS.iter().zip(names).zip(typed) {
            match (typed_percent(typed), tier, segment) {
                (Err(message), _, _) => errors.add(name, message),
                (Ok(None), None, None) => errors.add(name, "Enter the default rate."),
                (Ok(None), _, _) => {}
                (Ok(Some(bp)), None, None) => default_commission_bp = Some(bp),
                (Ok(Some(bp)), _, _) => commission_rules.push(RateRule {
                    tier: tier.map(|t| t.as_str().to_owned()),
                    segment: segment.map(|s| s.as_str().to_owned()),
                    bp,
                }),
            }
        }
    }
    let assist_credit_bp = match typed_percent(&form.assist_credit) {
        Ok(Some(bp)) => Some(bp),
        Ok(None) => {
            errors.add("assist_credit", "Enter a percentage, such as 50.");
            None
        }
        Err(message) => {
            errors.add("assist_credit", message);
            None
        }
    };
    let double_credit_segments = DOUBLE_CREDIT
        .iter()
        .zip([
            &form.double_smb,
            &form.double_mid_market,
            &form.double_enterprise,
        ])
        .filter(|(_, flag)| flag.is_some())
        .map(|((segment, _), _)| segment.as_str().to_owned())
        .collect();
    match (default_commission_bp, assist_credit_bp) {
        (Some(d), Some(a)) if errors.is_empty() => Ok(Rules {
            default_commission_bp: d,
            commission_rules,
            assist_credit_bp: a,
            double_credit_segments,
        }),
        _ => Err(errors),
    }
}

/// What changed between two versions, for the history list: each grid cell by its name
/// ("Gold, Enterprise: 15 % → 18 %"), in percent as the admin typed it.
pub fn changes(old: &Rules, new: &Rules) -> Vec<(&'static str, String, String)> {
    let rate = |bp: Option<i64>| bp.map_or_else(|| "no rule".to_owned(), format_bp);
    let yes = |on: bool| if on { "yes" } else { "no" }.to_owned();
    let mut out = Vec::new();
    for (tier, names) in GRID_TIERS.iter().zip(&CELLS) {
        for (segment, (_, label)) in GRID_SEGMENTS.iter().zip(names) {
            let (a, b) = (old.rate(*tier, *segment), new.rate(*tier, *segment));
            if a != b {
                out.push((*label, rate(a), rate(b)));
            }
        }
    }
    if old.assist_credit_bp != new.assist_credit_bp {
        out.push((
            "Assist quota credit",
            format_bp(old.assist_credit_bp),
            format_bp(new.assist_credit_bp),
        ));
    }
    for (segment, label) in DOUBLE_CREDIT {
        let (a, b) = (
            old.double_credit(segment, None),
            new.double_credit(segment, None),
        );
        if a != b {
            out.push((label, yes(a), yes(b)));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::compensation::tests::rules;

    fn pairs(list: &[(&str, &str)]) -> Vec<(String, String)> {
        list.iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect()
    }

    #[test]
    fn percentages_parse_to_basis_points() {
        for (typed, bp) in [
            ("12.5", 1250),
            ("12,5 %", 1250),
            ("12.5%", 1250),
            (" 12.05 ", 1205),
            ("12.50", 1250),
            ("0", 0),
            ("0.01", 1),
            (".5", 50),
            ("100", 10_000),
            ("100.00", 10_000),
        ] {
            assert_eq!(parse_percent(typed), Ok(bp), "{typed}");
        }
        for typed in [
            "100.001", "100.01", "-1", "abc", "", "%", "1.2.3", "12 5", "+5", "1e2",
        ] {
            assert!(parse_percent(typed).is_err(), "{typed}");
        }
        assert_eq!(parse_percent("12.345"), Err("Use at most two decimals."));
        assert_eq!(parse_percent("101"), Err("Enter 0 to 100."));
        assert_eq!(
            parse_percent("99999999999999999999999"),
            Err("Enter 0 to 100.")
        );
    }

    #[test]
    fn the_grid_names_each_cell_by_its_tier_and_segment() {
        for ((tier, names), i) in GRID_TIERS.iter().zip(&CELLS).zip(0..) {
            for (segment, (name, label)) in GRID_SEGMENTS.iter().zip(names) {
                let code = |c: Option<&str>| c.unwrap_or("any").to_owned();
                let expected = format!(
                    "rate_{}_{}",
                    code(tier.map(Tier::as_str)),
                    code(segment.map(Segment::as_str))
                );
                assert_eq!(*name, expected);
                let expected = match (tier, segment) {
                    (None, None) => "Default commission".to_owned(),
                    (t, s) => format!(
                        "{}, {}",
                        t.map_or("Any tier", Tier::label),
                        s.map_or("any segment", Segment::label)
                    ),
                };
                assert_eq!(*label, expected);
            }
            assert_eq!(tier.is_none(), i == 0);
        }
        assert!(
            GRID_TIERS[1..]
                .iter()
                .copied()
                .eq(Tier::ALL.iter().map(|t| Some(*t)))
        );
        assert!(
            GRID_SEGMENTS[1..]
                .iter()
                .copied()
                .eq(Segment::ALL.iter().map(|s| Some(*s)))
        );
    }

    #[test]
    fn the_form_round_trips_the_rules() {
        let r = rules();
        let form = RulesForm::from_rules(&r);
        assert_eq!(form.rates[0][0], "10");
        assert_eq!(form.rates[3][3], "15");
        assert_eq!(form.rates[1][1], "");
        assert_eq!(form.assist_credit, "50");
        assert_eq!(validate_rules(&form).unwrap(), r);
        assert_eq!(
            validate_rules(&RulesForm::from_rules(&Rules::default())).unwrap(),
            Rules::default()
        );
    }

    #[test]
    fn posted_percentages_become_rules_in_basis_points() {
        let form = RulesForm::from_pairs(&pairs(&[
            ("rate_any_any", "10"),
            ("rate_gold_enterprise", "12,5 %"),
            ("rate_any_smb", "8"),
            ("rate_platinum_any", ""),
            ("assist_credit", "40"),
            ("double_enterprise", "on"),
            ("commission_rules", "ignored 1"),
        ]));
        let got = validate_rules(&form).unwrap();
        assert_eq!(got.default_commission_bp, 1000);
        assert_eq!(got.assist_credit_bp, 4000);
        assert_eq!(
            got.rate(Some(Tier::Gold), Some(Segment::Enterprise)),
            Some(1250)
        );
        assert_eq!(got.rate(None, Some(Segment::Smb)), Some(800));
        assert_eq!(got.rate(Some(Tier::Platinum), None), None);
        assert_eq!(got.commission_rules.len(), 2);
        assert_eq!(got.double_credit_segments, vec!["enterprise".to_owned()]);
    }

    #[test]
    fn each_bad_cell_is_reported_next_to_itself() {
        let form = RulesForm::from_pairs(&pairs(&[
            ("rate_any_any", ""),
            ("rate_gold_enterprise", "abc"),
            ("rate_any_smb", "100.5"),
            ("rate_gold_any", "-1"),
            ("rate_silver_smb", "12.345"),
            ("rate_platinum_enterprise", "20"),
            ("assist_credit", "5000"),
        ]));
        let e = validate_rules(&form).unwrap_err();
        assert_eq!(e.get("rate_any_any"), Some("Enter the default rate."));
        assert_eq!(
            e.get("rate_gold_enterprise"),
            Some("Enter a number, such as 12.5.")
        );
        assert_eq!(e.get("rate_any_smb"), Some("Enter 0 to 100."));
        assert!(e.get("rate_gold_any").is_some());
        assert_eq!(e.get("rate_silver_smb"), Some("Use at most two decimals."));
        assert_eq!(e.get("assist_credit"), Some("Enter 0 to 100."));
        assert_eq!(e.get("rate_platinum_enterprise"), None);
        assert_eq!(e.iter().count(), 6);
        assert_eq!(form.rates[3][3], "abc", "the typed value is kept");
        let empty = validate_rules(&RulesForm::default()).unwrap_err();
        assert!(empty.get("assist_credit").is_some());
    }

    #[test]
    fn changes_read_in_percent_by_cell() {
        let old = rules();
        let mut new = rules();
        new.default_commission_bp = 1200;
        new.commission_rules[0].bp = 1800;
        new.commission_rules.remove(2);
        new.commission_rules.push(RateRule {
            tier: None,
            segment: Some("smb".into()),
            bp: 750,
        });
        new.assist_credit_bp = 4000;
        new.double_credit_segments.clear();
        let got: Vec<String> = changes(&old, &new)
            .into_iter()
            .map(|(label, a, b)| format!("{label}: {a} → {b}"))
            .collect();
        assert_eq!(
            got,
            [
                "Default commission: 10 % → 12 %",
                "Any tier, SMB: no rule → 7.5 %",
                "Gold, any segment: 12 % → no rule",
                "Gold, Enterprise: 15 % → 18 %",
                "Assist quota credit: 50 % → 40 %",
                "Double credit: mid-market: yes → no",
            ]
        );
        assert!(changes(&old, &old).is_empty());
    }

    #[test]
    fn typed_percentages_read_back_as_typed() {
        for bp in [0, 1, 99, 1205, 1250, 10_000] {
            assert_eq!(parse_percent(&percent(bp)), Ok(bp));
        }
    }
}
