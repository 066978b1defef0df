//! The program policy: segment thresholds, protection windows, caps, SLA, renewals, reminders
//! and the direct-reserved threshold. Every saved policy is a new version; registrations
//! record the version they were submitted and decided under, so a change never rewrites a
//! past decision.

use serde::{Deserialize, Serialize};

use super::code::text_enum;
use super::errors::FieldErrors;
use super::money::{self, CURRENCIES};
use super::org::Tier;
use super::role::Role;

text_enum! {
    /// Deal-size segments. Each has its own protection window.
    pub enum Segment {
        Smb,
        MidMarket,
        Enterprise,
    }
}

impl Segment {
    pub fn label(self) -> &'static str {
        match self {
            Segment::Smb => "SMB",
            Segment::MidMarket => "Mid-market",
            Segment::Enterprise => "Enterprise",
        }
    }
}

/// Units of the program currency per one unit of another currency, in millionths, so that
/// deal sizes in any accepted currency fall into a segment without floating point.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Rate {
    pub currency: String,
    pub micros: i64,
}

/// The program's parameters. Thresholds are whole units of `currency`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct Policy {
    pub currency: String,
    /// Deals below this are SMB.
    pub smb_below: i64,
    /// Deals below this (and not SMB) are mid-market; the rest enterprise.
    pub mid_below: i64,
    pub window_smb_days: i64,
    pub window_mid_days: i64,
    pub window_enterprise_days: i64,
    /// Active (queued, pending, waiting for info, approved) registrations per partner org.
    pub max_active_per_org: i64,
    /// Per-tier overrides of `max_active_per_org`.
    pub max_active_registered: Option<i64>,
    pub max_active_silver: Option<i64>,
    pub max_active_gold: Option<i64>,
    pub max_active_platinum: Option<i64>,
    pub approval_sla_hours: i64,
    /// Hours the channel team has to rule on a dispute (default 72).
    pub dispute_sla_hours: i64,
    pub renewals_allowed: bool,
    /// Days a renewal adds; `None` means the segment's window length.
    pub renewal_extension_days: Option<i64>,
    pub reminder_days: i64,
    /// Deals above this are reserved for direct sales and cannot be registered.
    pub direct_threshold: i64,
    /// A direct opportunity with activity within this many days counts as active engagement.
    pub active_engagement_days: i64,
    /// Days a deal closed won keeps the prospect the partner's customer (lock check: Partner
    /// customer; another partner's registration of it is flagged for review). 0: off.
    pub customer_protection_days: i64,
    pub auto_approve_renewals: bool,
    pub rates: Vec<Rate>,
    /// Matching score (percent) from which two records are the same prospect: the lock
    /// check's verdict follows such a match.
    pub match_same_pct: i64,
    /// Matching score (percent) from which a record is listed as a possible match.
    pub match_possible_pct: i64,
    /// Roles whose users must sign in with a code from an authenticator app as well as their
    /// password (`domain::two_step`); a user without one is sent to set it up first.
    pub two_step_admins: bool,
    pub two_step_channel: bool,
    pub two_step_sales: bool,
    pub two_step_partners: bool,
}

impl Default for Policy {
    fn default() -> Self {
        Self {
            currency: "USD".into(),
            smb_below: 25_000,
            mid_below: 100_000,
            window_smb_days: 90,
            window_mid_days: 120,
            window_enterprise_days: 180,
            max_active_per_org: 25,
            max_active_registered: None,
            max_active_silver: None,
            max_active_gold: None,
            max_active_platinum: None,
            approval_sla_hours: 48,
            dispute_sla_hours: DISPUTE_SLA_HOURS,
            renewals_allowed: true,
            renewal_extension_days: None,
            reminder_days: 14,
            direct_threshold: 100_000,
            active_engagement_days: 30,
            customer_protection_days: 365,
            auto_approve_renewals: false,
            rates: default_rates(),
            match_same_pct: 90,
            match_possible_pct: 70,
            // Off until the program turns it on: an upgrade must not stop anyone at sign-in.
            two_step_admins: false,
            two_step_channel: false,
            two_step_sales: false,
            two_step_partners: false,
        }
    }
}

fn default_rates() -> Vec<Rate> {
    [
        ("EUR", 1_080_000),
        ("GBP", 1_270_000),
        ("CAD", 730_000),
        ("AUD", 660_000),
        ("CHF", 1_130_000),
        ("SEK", 95_000),
        ("NOK", 93_000),
        ("DKK", 145_000),
        ("PLN", 250_000),
        ("JPY", 6_700),
        ("INR", 12_000),
        ("BRL", 200_000),
        ("SGD", 745_000),
    ]
    .into_iter()
    .map(|(currency, micros)| Rate {
        currency: currency.into(),
        micros,
    })
    .collect()
}

/// How long the channel team has to rule on a dispute by default (`dispute_sla_hours`). A
/// dispute's due date is fixed when it is raised: changing the policy does not move the
/// deadlines of open disputes.
pub const DISPUTE_SLA_HOURS: i64 = 72;

pub const WINDOW_DAYS: std::ops::RangeInclusive<i64> = 30..=365;

impl Policy {
    /// The matching engine's thresholds in force.
    pub fn thresholds(&self) -> super::matching::Thresholds {
        super::matching::Thresholds {
            same: self.match_same_pct as f64 / 100.0,
            possible: self.match_possible_pct as f64 / 100.0,
        }
    }

    pub fn window_days(&self, segment: Segment) -> i64 {
        match segment {
            Segment::Smb => self.window_smb_days,
            Segment::MidMarket => self.window_mid_days,
            Segment::Enterprise => self.window_enterprise_days,
        }
    }

    /// The first day on which a direct opportunity's activity counts as active engagement
    /// on `today`.
    pub fn active_since(&self, today: chrono::NaiveDate) -> chrono::NaiveDate {
        today - chrono::TimeDelta::days(self.active_engagement_days)
    }

    pub fn renewal_days(&self, segment: Segment) -> i64 {
        self.renewal_extension_days
            .unwrap_or_else(|| self.window_days(segment))
    }

    /// The org's cap on active registrations: the tier's override, else the program's.
    pub fn max_active(&self, tier: Option<Tier>) -> i64 {
        let by_tier = match tier {
            Some(Tier::Registered) => self.max_active_registered,
            Some(Tier::Silver) => self.max_active_silver,
            Some(Tier::Gold) => self.max_active_gold,
            Some(Tier::Platinum) => self.max_active_platinum,
            None => None,
        };
        by_tier.unwrap_or(self.max_active_per_org)
    }

    /// A deal size in minor units of `currency` as whole units of the program currency, or
    /// `None` when the policy has no rate for it.
    pub fn to_program_units(&self, minor: i64, currency: &str) -> Option<i64> {
        let decimals = money::currency(currency)?.decimals;
        let scale = 10_i128.pow(decimals);
        let micros: i128 = if currency == self.currency {
            1_000_000
        } else {
            self.rates.iter().find(|r| r.currency == currency)?.micros as i128
        };
        i64::try_from(i128::from(minor) * micros / scale / 1_000_000).ok()
    }

    pub fn segment(&self, program_units: i64) -> Segment {
        if program_units < self.smb_below {
            Segment::Smb
        } else if program_units < self.mid_below {
            Segment::MidMarket
        } else {
            Segment::Enterprise
        }
    }

    /// Deals above the direct threshold belong to direct sales.
    pub fn reserved_for_direct(&self, program_units: i64) -> bool {
        program_units > self.direct_threshold
    }

    /// Whether users of `role` must use two-step sign-in.
    pub fn two_step_required(&self, role: Role) -> bool {
        match role {
            Role::Admin => self.two_step_admins,
            Role::Channel => self.two_step_channel,
            Role::Sales => self.two_step_sales,
            Role::Partner => self.two_step_partners,
        }
    }

    /// The currencies a deal size may be entered in: the program's and those with a rate.
    pub fn accepted_currencies(&self) -> Vec<&'static str> {
        CURRENCIES
            .iter()
            .map(|c| c.code)
            .filter(|code| *code == self.currency || self.rates.iter().any(|r| r.currency == *code))
            .collect()
    }
}

/// The policy form as typed: every value is text so that a bad one is shown back as entered.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct PolicyForm {
    pub currency: String,
    pub smb_below: String,
    pub mid_below: String,
    pub window_smb_days: String,
    pub window_mid_days: String,
    pub window_enterprise_days: String,
    pub max_active_per_org: String,
    pub max_active_registered: String,
    pub max_active_silver: String,
    pub max_active_gold: String,
    pub max_active_platinum: String,
    pub approval_sla_hours: String,
    pub dispute_sla_hours: String,
    pub renewals_allowed: Option<String>,
    pub renewal_extension_days: String,
    pub reminder_days: String,
    pub direct_threshold: String,
    pub active_engagement_days: String,
    pub customer_protection_days: String,
    pub auto_approve_renewals: Option<String>,
    /// One "CODE RATE" per line, e.g. "EUR 1.08".
    pub rates: String,
    pub match_same_pct: String,
    pub match_possible_pct: String,
    pub two_step_admins: Option<String>,
    pub two_step_channel: Option<String>,
    pub two_step_sales: Option<String>,
    pub two_step_partners: Option<String>,
}

fn opt(value: Option<i64>) -> String {
    value.map(|v| v.to_string()).unwrap_or_default()
}

impl PolicyForm {
    pub fn from_policy(p: &Policy) -> Self {
        Self {
            currency: p.currency.clone(),
            smb_below: p.smb_below.to_string(),
            mid_below: p.mid_below.to_string(),
            window_smb_days: p.window_smb_days.to_string(),
            window_mid_days: p.window_mid_days.to_string(),
            window_enterprise_days: p.window_enterprise_days.to_string(),
            max_active_per_org: p.max_active_per_org.to_string(),
            max_active_registered: opt(p.max_active_registered),
            max_active_silver: opt(p.max_active_silver),
            max_active_gold: opt(p.max_active_gold),
            max_active_platinum: opt(p.max_active_platinum),
            approval_sla_hours: p.approval_sla_hours.to_string(),
            dispute_sla_hours: p.dispute_sla_hours.to_string(),
            renewals_allowed: p.renewals_allowed.then(|| "on".into()),
            renewal_extension_days: opt(p.renewal_extension_days),
            reminder_days: p.reminder_days.to_string(),
            direct_threshold: p.direct_threshold.to_string(),
            active_engagement_days: p.active_engagement_days.to_string(),
            customer_protection_days: p.customer_protection_days.to_string(),
            auto_approve_renewals: p.auto_approve_renewals.then(|| "on".into()),
            rates: format_rates(&p.rates),
            match_same_pct: p.match_same_pct.to_string(),
            match_possible_pct: p.match_possible_pct.to_string(),
            two_step_admins: p.two_step_admins.then(|| "on".into()),
            two_step_channel: p.two_step_channel.then(|| "on".into()),
            two_step_sales: p.two_step_sales.then(|| "on".into()),
            two_step_partners: p.two_step_partners.then(|| "on".into()),
        }
    }
}

impl PolicyForm {
    /// Each setting with its label and value as typed, in form order.
    pub fn entries(&self) -> Vec<(&'static str, String)> {
        let flag = |v: &Option<String>| {
            if v.is_some() {
                "Yes".to_owned()
            } else {
                "No".to_owned()
            }
        };
        let or_default = |v: &str| {
            if v.is_empty() {
                "(program default)".to_owned()
            } else {
                v.to_owned()
            }
        };
        vec![
            ("Program currency", self.currency.clone()),
            ("SMB below", self.smb_below.clone()),
            ("Mid-market below", self.mid_below.clone()),
            ("SMB window (days)", self.window_smb_days.clone()),
            ("Mid-market window (days)", self.window_mid_days.clone()),
            (
                "Enterprise window (days)",
                self.window_enterprise_days.clone(),
            ),
            (
                "Max active per organisation",
                self.max_active_per_org.clone(),
            ),
            (
                "Max active, Registered tier",
                or_default(&self.max_active_registered),
            ),
            (
                "Max active, Silver tier",
                or_default(&self.max_active_silver),
            ),
            ("Max active, Gold tier", or_default(&self.max_active_gold)),
            (
                "Max active, Platinum tier",
                or_default(&self.max_active_platinum),
            ),
            ("Approval SLA (hours)", self.approval_sla_hours.clone()),
            ("Dispute SLA (hours)", self.dispute_sla_hours.clone()),
            ("Renewals allowed", flag(&self.renewals_allowed)),
            (
                "Renewal extension (days)",
                if self.renewal_extension_days.is_empty() {
                    "(segment window)".into()
                } else {
                    self.renewal_extension_days.clone()
                },
            ),
            ("Auto-approve renewals", flag(&self.auto_approve_renewals)),
            ("Reminder before expiry (days)", self.reminder_days.clone()),
            ("Direct-reserved above", self.direct_threshold.clone()),
            (
                "Active engagement (days)",
                self.active_engagement_days.clone(),
            ),
            (
                "Customer protection (days)",
                self.customer_protection_days.clone(),
            ),
            ("Exchange rates", self.rates.replace('\n', ", ")),
            ("Same prospect from (%)", self.match_same_pct.clone()),
            ("Possible match from (%)", self.match_possible_pct.clone()),
            (
                "Two-step sign-in required: administrators",
                flag(&self.two_step_admins),
            ),
            (
                "Two-step sign-in required: channel managers",
                flag(&self.two_step_channel),
            ),
            (
                "Two-step sign-in required: direct sales",
                flag(&self.two_step_sales),
            ),
            (
                "Two-step sign-in required: partners",
                flag(&self.two_step_partners),
            ),
        ]
    }
}

/// What changed from `old` to `new`: (setting, old value, new value).
pub fn changes(old: &Policy, new: &Policy) -> Vec<(&'static str, String, String)> {
    PolicyForm::from_policy(old)
        .entries()
        .into_iter()
        .zip(PolicyForm::from_policy(new).entries())
        .filter(|((_, a), (_, b))| a != b)
        .map(|((label, a), (_, b))| (label, a, b))
        .collect()
}

pub fn format_rates(rates: &[Rate]) -> String {
    rates
        .iter()
        .map(|r| {
            let whole = r.micros / 1_000_000;
            let frac = format!("{:06}", r.micros % 1_000_000);
            let frac = frac.trim_end_matches('0');
            if frac.is_empty() {
                format!("{} {whole}", r.currency)
            } else {
                format!("{} {whole}.{frac}", r.currency)
            }
        })
        .collect::<Vec<_>>()
        .join("\n")
}

fn parse_rate(text: &str) -> Option<i64> {
    let (whole, frac) = text.split_once('.').unwrap_or((text, ""));
    if whole.is_empty() && frac.is_empty()
        || frac.len() > 6
        || !whole
            .chars()
            .chain(frac.chars())
            .all(|c| c.is_ascii_digit())
    {
        return None;
    }
    let whole: i64 = if whole.is_empty() {
        0
    } else {
        whole.parse().ok()?
    };
    let frac: i64 = format!("{frac:0<6}").parse().ok()?;
    let micros = whole.checked_mul(1_000_000)?.checked_add(frac)?;
    (micros > 0).then_some(micros)
}

struct Reader<'a> {
    errors: &'a mut FieldErrors,
}

impl Reader<'_> {
    fn int(
        &mut self,
        field: &'static str,
        text: &str,
        range: std::ops::RangeInclusive<i64>,
        what: &str,
    ) -> i64 {
        match text.trim().replace(',', "").parse::<i64>() {
            Ok(v) if range.contains(&v) => v,
            _ => {
                self.errors.add(
                    field,
                    format!("Enter {what} from {} to {}.", range.start(), range.end()),
                );
                *range.start()
            }
        }
    }

    fn optional(
        &mut self,
        field: &'static str,
        text: &str,
        range: std::ops::RangeInclusive<i64>,
        what: &str,
    ) -> Option<i64> {
        if text.trim().is_empty() {
            None
        } else {
            Some(self.int(field, text, range, what))
        }
    }
}

/// Validates the policy form; every wrong value gets its own message.
pub fn validate_policy(form: &PolicyForm) -> Result<Policy, FieldErrors> {
    let mut errors = FieldErrors::new();
    let mut r = Reader {
        errors: &mut errors,
    };
    let days = "a number of days";
    let amount = "a whole amount";
    let cap = "a number of registrations";
    let smb_below = r.int("smb_below", &form.smb_below, 1..=1_000_000_000, amount);
    let mid_below = r.int("mid_below", &form.mid_below, 1..=1_000_000_000, amount);
    let window_smb_days = r.int("window_smb_days", &form.window_smb_days, WINDOW_DAYS, days);
    let window_mid_days = r.int("window_mid_days", &form.window_mid_days, WINDOW_DAYS, days);
    let window_enterprise_days = r.int(
        "window_enterprise_days",
        &form.window_enterprise_days,
        WINDOW_DAYS,
        days,
    );
    let max_active_per_org = r.int(
        "max_active_per_org",
        &form.max_active_per_org,
        1..=100_000,
        cap,
    );
    let max_active_registered = r.optional(
        "max_active_registered",
        &form.max_active_registered,
        1..=100_000,
        cap,
    );
    let max_active_silver = r.optional(
        "max_active_silver",
        &form.max_active_silver,
        1..=100_000,
        cap,
    );
    let max_active_gold = r.optional("max_active_gold", &form.max_active_gold, 1..=100_000, cap);
    let max_active_platinum = r.optional(
        "max_active_platinum",
        &form.max_active_platinum,
        1..=100_000,
        cap,
    );
    let approval_sla_hours = r.int(
        "approval_sla_hours",
        &form.approval_sla_hours,
        1..=720,
        "a number of hours",
    );
    let dispute_sla_hours = r.int(
        "dispute_sla_hours",
        &form.dispute_sla_hours,
        1..=720,
        "a number of hours",
    );
    let renewal_extension_days = r.optional(
        "renewal_extension_days",
        &form.renewal_extension_days,
        WINDOW_DAYS,
        days,
    );
    let reminder_days = r.int("reminder_days", &form.reminder_days, 1..=90, days);
    let direct_threshold = r.int(
        "direct_threshold",
        &form.direct_threshold,
        1..=1_000_000_000,
        amount,
    );
    let active_engagement_days = r.int(
        "active_engagement_days",
        &form.active_engagement_days,
        1..=365,
        days,
    );
    let customer_protection_days = r.int(
        "customer_protection_days",
        &form.customer_protection_days,
        0..=3650,
        "a number of days (0 turns it off)",
    );
    let percent = "a percentage";
    let match_same_pct = r.int("match_same_pct", &form.match_same_pct, 50..=100, percent);
    let match_possible_pct = r.int(
        "match_possible_pct",
        &form.match_possible_pct,
        50..=100,
        percent,
    );
    if errors.get("match_same_pct").is_none()
        && errors.get("match_possible_pct").is_none()
        && match_possible_pct >= match_same_pct
    {
        errors.add(
            "match_possible_pct",
            "A possible match must start below the same-prospect score.",
        );
    }

    let (two_step_admins, two_step_channel, two_step_sales, two_step_partners) = (
        form.two_step_admins.is_some(),
        form.two_step_channel.is_some(),
        form.two_step_sales.is_some(),
        form.two_step_partners.is_some(),
    );
    if !two_step_admins && (two_step_channel || two_step_sales || two_step_partners) {
        errors.add(
            "two_step_admins",
            "Require it of administrators too: they can change every setting, this one included.",
        );
    }

    if errors.get("mid_below").is_none()
        && errors.get("smb_below").is_none()
        && mid_below <= smb_below
    {
        errors.add(
            "mid_below",
            "The mid-market limit must be above the SMB limit.",
        );
    }
    let shortest = window_smb_days
        .min(window_mid_days)
        .min(window_enterprise_days);
    if errors.get("reminder_days").is_none() && reminder_days >= shortest {
        errors.add(
            "reminder_days",
            format!(
                "The reminder must come before the shortest window ends (under {shortest} days)."
            ),
        );
    }
    let currency = form.currency.trim().to_uppercase();
    if money::currency(&currency).is_none() {
        errors.add("currency", "Choose the program currency from the list.");
    }
    let mut rates = Vec::new();
    for (n, line) in form.rates.lines().enumerate() {
        let line = line.trim();
        if line.is_empty() {
            continue;
        }
        let mut parts = line.split_whitespace();
        let (code, value) = (parts.next().unwrap_or(""), parts.next().unwrap_or(""));
        let code = code.to_uppercase();
        match (money::currency(&code), parse_rate(value), parts.next()) {
            (Some(c), Some(micros), None) if c.code != currency => {
                if rates.iter().any(|r: &Rate| r.currency == c.code) {
                    errors.add(
                        "rates",
                        format!("Line {}: {} is listed twice.", n + 1, c.code),
                    );
                }
                rates.push(Rate {
                    currency: c.code.into(),
                    micros,
                });
            }
            (Some(_), Some(_), None) => {
                errors.add(
                    "rates",
                    format!("Line {}: the program currency needs no rate.", n + 1),
                );
            }
            _ => errors.add(
                "rates",
                format!(
                    "Line {}: write a currency code and a rate, for example \"EUR 1.08\".",
                    n + 1
                ),
            ),
        }
    }
    errors.into_result(Policy {
        currency,
        smb_below,
        mid_below,
        window_smb_days,
        window_mid_days,
        window_enterprise_days,
        max_active_per_org,
        max_active_registered,
        max_active_silver,
        max_active_gold,
        max_active_platinum,
        approval_sla_hours,
        dispute_sla_hours,
        renewals_allowed: form.renewals_allowed.is_some(),
        renewal_extension_days,
        reminder_days,
        direct_threshold,
        active_engagement_days,
        customer_protection_days,
        match_same_pct,
        match_possible_pct,
        auto_approve_renewals: form.auto_approve_renewals.is_some(),
        rates,
        two_step_admins,
        two_step_channel,
        two_step_sales,
        two_step_partners,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn engagement_counts_as_active_from_the_policys_days_back() {
        let policy = Policy::default();
        let today = chrono::NaiveDate::from_ymd_opt(2026, 12, 7).unwrap();
        assert_eq!(
            policy.active_since(today),
            chrono::NaiveDate::from_ymd_opt(2026, 11, 7).unwrap(),
            "30 days by default"
        );
    }

    #[test]
    fn segments_follow_the_thresholds_at_their_boundaries() {
        let p = Policy::default();
        assert_eq!(p.segment(24_999), Segment::Smb);
        assert_eq!(p.segment(25_000), Segment::MidMarket);
        assert_eq!(p.segment(99_999), Segment::MidMarket);
        assert_eq!(p.segment(100_000), Segment::Enterprise);
        assert_eq!(p.window_days(Segment::Smb), 90);
        assert_eq!(p.window_days(Segment::MidMarket), 120);
        assert_eq!(p.window_days(Segment::Enterprise), 180);
    }

    #[test]
    fn only_deals_above_the_direct_threshold_are_reserved() {
        let p = Policy::default();
        assert!(!p.reserved_for_direct(100_000));
        assert!(p.reserved_for_direct(100_001));
    }

    #[test]
    fn other_currencies_convert_with_integer_rates() {
        let p = Policy::default();
        assert_eq!(p.to_program_units(2_500_000, "USD"), Some(25_000));
        // 24,000 EUR at 1.08 is 25,920 USD: mid-market, not SMB.
        assert_eq!(p.to_program_units(2_400_000, "EUR"), Some(25_920));
        assert_eq!(p.to_program_units(1_000_000, "JPY"), Some(6_700));
        assert_eq!(p.to_program_units(100, "XYZ"), None);
    }

    #[test]
    fn tier_overrides_replace_the_program_cap() {
        let p = Policy {
            max_active_gold: Some(50),
            ..Policy::default()
        };
        assert_eq!(p.max_active(Some(Tier::Gold)), 50);
        assert_eq!(p.max_active(Some(Tier::Silver)), 25);
        assert_eq!(p.renewal_days(Segment::MidMarket), 120);
    }

    #[test]
    fn the_form_round_trips_the_default_policy() {
        let p = Policy::default();
        assert_eq!(validate_policy(&PolicyForm::from_policy(&p)), Ok(p));
    }

    #[test]
    fn changes_list_only_what_differs() {
        let old = Policy::default();
        let new = Policy {
            window_smb_days: 60,
            auto_approve_renewals: true,
            ..Policy::default()
        };
        assert_eq!(
            changes(&old, &new),
            vec![
                ("SMB window (days)", "90".to_owned(), "60".to_owned()),
                ("Auto-approve renewals", "No".to_owned(), "Yes".to_owned()),
            ]
        );
        assert!(changes(&old, &old).is_empty());
    }

    #[test]
    fn windows_outside_30_to_365_days_are_refused() {
        let mut form = PolicyForm::from_policy(&Policy::default());
        form.window_smb_days = "29".into();
        form.window_enterprise_days = "366".into();
        form.window_mid_days = "365".into();
        let errors = validate_policy(&form).unwrap_err();
        assert!(errors.get("window_smb_days").unwrap().contains("30 to 365"));
        assert!(errors.get("window_enterprise_days").is_some());
        assert!(errors.get("window_mid_days").is_none());
    }

    #[test]
    fn inconsistent_values_are_refused_with_a_reason() {
        let mut form = PolicyForm::from_policy(&Policy::default());
        form.mid_below = "20000".into();
        form.reminder_days = "90".into();
        form.rates = "EUR 1.08\nEUR 1.1\nZZZ 2\nUSD 1".into();
        form.approval_sla_hours = "soon".into();
        let errors = validate_policy(&form).unwrap_err();
        assert!(errors.get("mid_below").is_some());
        assert!(errors.get("reminder_days").is_some());
        assert!(errors.get("rates").unwrap().contains("twice"));
        assert!(errors.get("approval_sla_hours").is_some());
    }

    #[test]
    fn customer_protection_is_days_up_to_ten_years_and_zero_turns_it_off() {
        let mut form = PolicyForm::from_policy(&Policy::default());
        form.customer_protection_days = "0".into();
        assert_eq!(validate_policy(&form).unwrap().customer_protection_days, 0);
        form.customer_protection_days = "3651".into();
        let errors = validate_policy(&form).unwrap_err();
        assert!(
            errors
                .get("customer_protection_days")
                .unwrap()
                .contains("0 turns it off")
        );
    }

    #[test]
    fn matching_thresholds_are_percentages_in_order() {
        let p = validate_policy(&PolicyForm::from_policy(&Policy::default())).unwrap();
        assert_eq!(
            p.thresholds(),
            crate::domain::matching::Thresholds::default()
        );
        let mut form = PolicyForm::from_policy(&Policy::default());
        form.match_same_pct = "80".into();
        form.match_possible_pct = "85".into();
        let errors = validate_policy(&form).unwrap_err();
        assert!(errors.get("match_possible_pct").unwrap().contains("below"));
        form.match_possible_pct = "40".into();
        let errors = validate_policy(&form).unwrap_err();
        assert!(
            errors
                .get("match_possible_pct")
                .unwrap()
                .contains("50 to 100")
        );
        // A policy stored before these settings existed reads with the defaults.
        let old: Policy = serde_json::from_str(r#"{"currency":"USD"}"#).unwrap();
        assert_eq!(old.match_same_pct, 90);
        assert_eq!(old.customer_protection_days, 365);
    }

    #[test]
    fn two_step_sign_in_is_required_by_role_and_off_by_default() {
        let p = Policy::default();
        assert!(Role::ALL.iter().all(|r| !p.two_step_required(*r)));
        // A policy stored before the setting existed requires it of nobody.
        let old: Policy = serde_json::from_str(r#"{"currency":"USD"}"#).unwrap();
        assert!(!old.two_step_required(Role::Admin));

        let mut form = PolicyForm::from_policy(&p);
        form.two_step_admins = Some("on".into());
        form.two_step_channel = Some("on".into());
        let p = validate_policy(&form).unwrap();
        assert!(p.two_step_required(Role::Admin));
        assert!(p.two_step_required(Role::Channel));
        assert!(!p.two_step_required(Role::Sales));
        assert!(!p.two_step_required(Role::Partner));

        form.two_step_sales = Some("on".into());
        form.two_step_partners = Some("on".into());
        let p = validate_policy(&form).unwrap();
        assert!(Role::ALL.iter().all(|r| p.two_step_required(*r)));
        assert_eq!(PolicyForm::from_policy(&p), form, "the form round-trips");
        assert_eq!(
            changes(&Policy::default(), &p)[0],
            (
                "Two-step sign-in required: administrators",
                "No".to_owned(),
                "Yes".to_owned()
            )
        );
    }

    #[test]
    fn requiring_two_step_sign_in_of_others_requires_it_of_admins() {
        let mut form = PolicyForm::from_policy(&Policy::default());
        form.two_step_partners = Some("on".into());
        let errors = validate_policy(&form).unwrap_err();
        assert!(
            errors
                .get("two_step_admins")
                .unwrap()
                .contains("administrators too")
        );
        form.two_step_admins = Some("on".into());
        assert!(validate_policy(&form).is_ok());
    }
}
