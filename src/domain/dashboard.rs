//! The program dashboard's rules: which weeks a period covers, how a registration is
//! counted (its week, its outcome group, its hours to decision), and the figures computed
//! from the counts (median, 90th percentile, share inside the SLA, percentages). Every
//! figure is integer arithmetic on exact counts, so a test can state it to the digit.

use chrono::{Datelike, NaiveDate, NaiveDateTime, TimeDelta};

use super::dispute::RulingOutcome;
use super::lifecycle::Status;
use super::org::Tier;
use super::policy::Segment;
use super::territory::{Kind, Territory};

/// Hours to decision are counted up to this; a slower decision counts as this many
/// ("999 h or more"), so the rollup stays small whatever the history.
pub const HOURS_CAP: i32 = 999;

/// The longest custom period, so one request never asks for decades of weeks.
pub const MAX_DAYS: i64 = 3 * 366;

/// The Monday (UTC) of the week `day` is in: registrations are counted by this week.
pub fn week_of(day: NaiveDate) -> NaiveDate {
    day - TimeDelta::days(i64::from(day.weekday().num_days_from_monday()))
}

/// Whole hours from submission to decision, counting whole seconds only (as the
/// database's recount does), at most [`HOURS_CAP`].
pub fn decision_hours(submitted_at: NaiveDateTime, decided_at: NaiveDateTime) -> i32 {
    let secs = decided_at.and_utc().timestamp() - submitted_at.and_utc().timestamp();
    let hours = secs.max(0) / 3600;
    i32::try_from(hours.min(i64::from(HOURS_CAP))).unwrap_or(HOURS_CAP)
}

/// What a won registration closed at, in program units: its close amount at the rate its
/// deal size was converted at (deal size over amount), truncated as the database's recount
/// truncates. 0 without a close amount.
pub fn won_units(close_minor: Option<i64>, amount_minor: i64, program_units: i64) -> i64 {
    match close_minor {
        Some(close) if amount_minor > 0 => {
            i64::try_from(i128::from(close) * i128::from(program_units) / i128::from(amount_minor))
                .unwrap_or(i64::MAX)
        }
        _ => 0,
    }
}

/// The part of the program a dashboard shows: registrations of one segment, of partners of
/// one tier (their tier now), of prospects in one territory (as it covers places now), any
/// of these together, or all.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Slice {
    pub segment: Option<Segment>,
    pub tier: Option<Tier>,
    pub territory: Option<Territory>,
}

impl Slice {
    pub fn is_all(&self) -> bool {
        self.segment.is_none() && self.tier.is_none() && self.territory.is_none()
    }

    /// The territory's countries (geographic) or industries (vertical): what a registration's
    /// prospect must be in, and which of its two fields is compared.
    pub fn places(&self) -> Option<(Kind, &[String])> {
        self.territory.as_ref().map(|t| match t.kind {
            Kind::Geographic => (t.kind, t.countries.as_slice()),
            Kind::Vertical => (t.kind, t.industries.as_slice()),
        })
    }

    /// Whether a registration of `segment`, of a partner whose tier is `tier` now, for a
    /// prospect in `country` and `industry`, is in the slice.
    pub fn admits(
        &self,
        segment: Option<Segment>,
        tier: Option<Tier>,
        country: &str,
        industry: &str,
    ) -> bool {
        self.segment.is_none_or(|s| segment == Some(s))
            && self.tier.is_none_or(|t| tier == Some(t))
            && self
                .territory
                .as_ref()
                .is_none_or(|t| t.covers(country, industry))
    }

    /// "Enterprise, Gold partners, EMEA North" or "all registrations", for summaries.
    pub fn describe(&self) -> String {
        let mut parts: Vec<String> = Vec::new();
        if let Some(s) = self.segment {
            parts.push(s.label().to_owned());
        }
        if let Some(t) = self.tier {
            parts.push(format!("{} partners", t.label()));
        }
        if let Some(t) = &self.territory {
            parts.push(t.name.clone());
        }
        if parts.is_empty() {
            "all registrations".into()
        } else {
            parts.join(", ")
        }
    }
}

/// The period a dashboard shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Period {
    Last(i64),
    Custom { from: NaiveDate, to: NaiveDate },
}

impl Period {
    pub const CHOICES: [i64; 3] = [30, 90, 365];

    /// Reads the period form: `days` one of the choices, or `from` and `to` (ISO days).
    /// Anything else is the default, the last 90 days, with the reason for the notice.
    pub fn parse(days: &str, from: &str, to: &str) -> Result<Period, String> {
        if !from.is_empty() || !to.is_empty() {
            let day = |s: &str| NaiveDate::parse_from_str(s, "%Y-%m-%d");
            let (Ok(from), Ok(to)) = (day(from), day(to)) else {
                return Err("Give both dates of a custom period as YYYY-MM-DD.".into());
            };
            if to < from {
                return Err("A custom period ends on or after the day it starts.".into());
            }
            if (to - from).num_days() >= MAX_DAYS {
                return Err(format!("A custom period is at most {MAX_DAYS} days."));
            }
            return Ok(Period::Custom { from, to });
        }
        match days.parse::<i64>() {
            Ok(n) if Self::CHOICES.contains(&n) => Ok(Period::Last(n)),
            _ if days.is_empty() => Ok(Period::Last(90)),
            _ => Err("Choose 30, 90 or 365 days, or a custom period.".into()),
        }
    }

    /// The first and last day shown, both included: "the last 30 days" ends today.
    pub fn days(self, today: NaiveDate) -> (NaiveDate, NaiveDate) {
        match self {
            Period::Last(n) => (today - TimeDelta::days(n - 1), today),
            Period::Custom { from, to } => (from, to),
        }
    }

    /// The weeks counted: every week that has a day in the period. Counts are kept per
    /// week, so a period's figures cover its whole first and last weeks.
    pub fn weeks(self, today: NaiveDate) -> Vec<NaiveDate> {
        let (from, to) = self.days(today);
        let mut weeks = Vec::new();
        let mut w = week_of(from);
        while w <= to {
            weeks.push(w);
            w += TimeDelta::days(7);
        }
        weeks
    }

    pub fn label(self) -> String {
        match self {
            Period::Last(n) => format!("the last {n} days"),
            Period::Custom { from, to } => {
                format!("{} to {}", super::dates::day(from), super::dates::day(to))
            }
        }
    }
}

/// What became of a registration, as the outcome chart groups the statuses.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Outcome {
    InReview,
    Approved,
    Won,
    Lost,
    Expired,
    Rejected,
    Declined,
    Withdrawn,
}

impl Outcome {
    pub const ALL: [Outcome; 8] = [
        Outcome::InReview,
        Outcome::Approved,
        Outcome::Won,
        Outcome::Lost,
        Outcome::Expired,
        Outcome::Rejected,
        Outcome::Declined,
        Outcome::Withdrawn,
    ];

    pub fn of(status: Status) -> Outcome {
        match status {
            Status::Queued | Status::Pending | Status::InfoRequested => Outcome::InReview,
            Status::Approved => Outcome::Approved,
            Status::Won => Outcome::Won,
            Status::Lost => Outcome::Lost,
            Status::Expired => Outcome::Expired,
            Status::Rejected => Outcome::Rejected,
            Status::Declined => Outcome::Declined,
            Status::Withdrawn | Status::Overturned => Outcome::Withdrawn,
        }
    }

    pub fn index(self) -> usize {
        self as usize
    }

    pub fn label(self) -> &'static str {
        match self {
            Outcome::InReview => "In review or queued",
            Outcome::Approved => "Approved, open",
            Outcome::Won => "Won",
            Outcome::Lost => "Lost",
            Outcome::Expired => "Expired",
            Outcome::Rejected => "Rejected",
            Outcome::Declined => "Declined as duplicate",
            Outcome::Withdrawn => "Withdrawn or overturned",
        }
    }

    /// The CSV code.
    pub fn code(self) -> &'static str {
        match self {
            Outcome::InReview => "in_review",
            Outcome::Approved => "approved",
            Outcome::Won => "won",
            Outcome::Lost => "lost",
            Outcome::Expired => "expired",
            Outcome::Rejected => "rejected",
            Outcome::Declined => "declined",
            Outcome::Withdrawn => "withdrawn",
        }
    }

    /// Okabe–Ito colours (safe for the common colour-vision deficiencies), the lightest
    /// ones next to darker ones; every bar also has a dark outline, and the table below
    /// the chart carries the numbers, so colour is never the only cue.
    pub fn colour(self) -> &'static str {
        match self {
            Outcome::InReview => "#56B4E9",
            Outcome::Approved => "#0072B2",
            Outcome::Won => "#009E73",
            Outcome::Lost => "#E69F00",
            Outcome::Expired => "#F0E442",
            Outcome::Rejected => "#D55E00",
            Outcome::Declined => "#CC79A7",
            Outcome::Withdrawn => "#000000",
        }
    }
}

/// How many decisions took each number of whole hours.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Hours {
    /// (hours, decisions), any order, hours may repeat.
    pub counts: Vec<(i32, i64)>,
}

impl Hours {
    pub fn total(&self) -> i64 {
        self.counts.iter().map(|(_, n)| n).sum()
    }

    /// The nearest-rank percentile `p` (1–100) in whole hours: the smallest number of hours
    /// that at least p % of the decisions took at most. None without decisions.
    pub fn percentile(&self, p: i64) -> Option<i32> {
        let total = self.total();
        if total == 0 {
            return None;
        }
        // Rank ceil(p × total / 100), at least 1.
        let rank = ((p * total + 99) / 100).max(1);
        let mut sorted = self.counts.clone();
        sorted.sort_unstable();
        let mut seen = 0;
        for (hours, n) in sorted {
            seen += n;
            if seen >= rank {
                return Some(hours);
            }
        }
        None
    }

    /// Decisions made within `sla_hours` of submission. A decision in hour `h` (from h to
    /// h + 1 hours) is inside the SLA when h < sla_hours.
    pub fn within(&self, sla_hours: i64) -> i64 {
        self.counts
            .iter()
            .filter(|(h, _)| i64::from(*h) < sla_hours)
            .map(|(_, n)| n)
            .sum()
    }
}

/// "42.9 %": `part` of `whole` to one decimal, rounded half up; "–" of nothing.
pub fn percent(part: i64, whole: i64) -> String {
    if whole <= 0 {
        return "–".into();
    }
    let tenths = (part * 1000 * 2 + whole) / (whole * 2);
    format!("{}.{} %", tenths / 10, tenths % 10)
}

/// "3.4 per 100": `part` per hundred of `whole`, to one decimal, rounded half up.
pub fn per_hundred(part: i64, whole: i64) -> String {
    if whole <= 0 {
        return "–".into();
    }
    let tenths = (part * 1000 * 2 + whole) / (whole * 2);
    format!("{}.{}", tenths / 10, tenths % 10)
}

/// "36 h", "999 h or more".
pub fn hours_label(hours: Option<i32>) -> String {
    match hours {
        None => "–".into(),
        Some(h) if h >= HOURS_CAP => format!("{HOURS_CAP} h or more"),
        Some(h) => format!("{h} h"),
    }
}

/// One week of the dashboard: registrations submitted that week by what became of them,
/// and the decisions made that week.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Week {
    pub week: NaiveDate,
    /// Indexed by [`Outcome::index`].
    pub outcomes: [i64; 8],
    /// The won registrations' deal size, in program units.
    pub won_units: i64,
    /// What the won registrations closed at, in program units ([`won_units`]).
    pub won_revenue: i64,
    pub decisions: Hours,
    /// Disputes raised in the week.
    pub disputes: i64,
}

impl Week {
    pub fn registrations(&self) -> i64 {
        self.outcomes.iter().sum()
    }

    /// Decisions made later than the SLA allows.
    pub fn breaches(&self, sla_hours: i64) -> i64 {
        self.decisions.total() - self.decisions.within(sla_hours)
    }
}

/// Lays the rollups' rows out by week: every week of `weeks` appears, empty or not; rows of
/// other weeks and unknown statuses are ignored.
pub fn weekly(
    weeks: &[NaiveDate],
    outcomes: &[(NaiveDate, Status, i64, i64, i64)],
    decisions: &[(NaiveDate, i32, i64)],
) -> Vec<Week> {
    let mut out: Vec<Week> = weeks
        .iter()
        .map(|&week| Week {
            week,
            outcomes: [0; 8],
            won_units: 0,
            won_revenue: 0,
            decisions: Hours::default(),
            disputes: 0,
        })
        .collect();
    let at = |w: NaiveDate| weeks.binary_search(&w).ok();
    for &(week, status, n, units, won) in outcomes {
        if let Some(i) = at(week) {
            out[i].outcomes[Outcome::of(status).index()] += n;
            if status == Status::Won {
                out[i].won_units += units;
                out[i].won_revenue += won;
            }
        }
    }
    for &(week, hours, n) in decisions {
        if let Some(i) = at(week) {
            out[i].decisions.counts.push((hours, n));
        }
    }
    out
}

/// Counts the disputes raised on the days given into the weeks holding them.
pub fn add_disputes(weeks: &mut [Week], raised: &[NaiveDateTime]) {
    for at in raised {
        let week = week_of(at.date());
        if let Ok(i) = weeks.binary_search_by_key(&week, |w| w.week) {
            weeks[i].disputes += 1;
        }
    }
}

/// The period's figures from its weeks.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Totals {
    pub outcomes: [i64; 8],
    pub registrations: i64,
    pub won_units: i64,
    pub won_revenue: i64,
    pub decisions: Hours,
}

impl Totals {
    pub fn of(weeks: &[Week]) -> Totals {
        let mut outcomes = [0; 8];
        let mut decisions = Hours::default();
        for w in weeks {
            for (o, n) in outcomes.iter_mut().zip(w.outcomes) {
                *o += n;
            }
            decisions.counts.extend(w.decisions.counts.iter().copied());
        }
        Totals {
            registrations: outcomes.iter().sum(),
            won_units: weeks.iter().map(|w| w.won_units).sum(),
            won_revenue: weeks.iter().map(|w| w.won_revenue).sum(),
            outcomes,
            decisions,
        }
    }

    pub fn outcome(&self, o: Outcome) -> i64 {
        self.outcomes[o.index()]
    }

    /// Won of those closed (won or lost).
    pub fn win_rate(&self) -> String {
        let won = self.outcome(Outcome::Won);
        percent(won, won + self.outcome(Outcome::Lost))
    }
}

/// Disputes raised in a period and how they were ruled.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Conflict {
    pub raised: i64,
    pub open: i64,
    /// Rulings by outcome, in [`RulingOutcome::ALL`] order.
    pub rulings: Vec<(RulingOutcome, i64)>,
}

impl Conflict {
    pub fn of(rows: &[(Option<RulingOutcome>, i64)]) -> Conflict {
        let count = |o: Option<RulingOutcome>| -> i64 {
            rows.iter().filter(|(x, _)| *x == o).map(|(_, n)| n).sum()
        };
        Conflict {
            raised: rows.iter().map(|(_, n)| n).sum(),
            open: count(None),
            rulings: RulingOutcome::ALL
                .iter()
                .map(|&o| (o, count(Some(o))))
                .collect(),
        }
    }

    pub fn ruled(&self) -> i64 {
        self.raised - self.open
    }

    /// Rulings that changed who holds the prospect (reinstated or transferred).
    pub fn overturned(&self) -> i64 {
        self.rulings
            .iter()
            .filter(|(o, _)| matches!(o, RulingOutcome::Reinstated | RulingOutcome::Transferred))
            .map(|(_, n)| n)
            .sum()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
    }

    fn t(s: &str) -> NaiveDateTime {
        NaiveDateTime::parse_from_str(s, "%Y-%m-%d %H:%M:%S%.f").unwrap()
    }

    #[test]
    fn a_close_is_converted_at_the_rate_the_deal_was_registered_at() {
        // 40,000.00 EUR registered as 43,200 USD units: a close at 41,000.00 EUR is 44,280.
        assert_eq!(won_units(Some(4_100_000), 4_000_000, 43_200), 44_280);
        // Truncated, as SQL's integer division: 1.00 of 3.00 registered as 10 units is 3.
        assert_eq!(won_units(Some(100), 300, 10), 3);
        assert_eq!(won_units(None, 300, 10), 0);
        assert_eq!(won_units(Some(100), 0, 10), 0);
    }

    #[test]
    fn a_slice_names_what_it_holds_and_where_its_territory_is() {
        use crate::domain::territory::Eligibility;
        assert!(Slice::default().is_all());
        assert_eq!(Slice::default().describe(), "all registrations");
        assert_eq!(Slice::default().places(), None);
        let health = Territory {
            id: "t1".into(),
            name: "Health".into(),
            kind: Kind::Vertical,
            countries: vec!["DE".into()],
            regions: vec![],
            industries: vec!["Healthcare".into()],
            eligibility: Eligibility::Partner,
            orgs: vec![],
            reps: vec![],
            double_credit: false,
        };
        let slice = Slice {
            segment: Some(Segment::Enterprise),
            tier: Some(Tier::Gold),
            territory: Some(health.clone()),
        };
        assert!(!slice.is_all());
        assert_eq!(slice.describe(), "Enterprise, Gold partners, Health");
        let enterprise = Some(Segment::Enterprise);
        assert!(slice.admits(enterprise, Some(Tier::Gold), "FR", "Healthcare"));
        assert!(!slice.admits(enterprise, Some(Tier::Silver), "FR", "Healthcare"));
        assert!(!slice.admits(enterprise, Some(Tier::Gold), "DE", "Retail"));
        assert!(!slice.admits(Some(Segment::Smb), Some(Tier::Gold), "FR", "Healthcare"));
        assert!(Slice::default().admits(None, None, "", ""));
        // A vertical territory is its industries, whatever countries it once had.
        assert_eq!(
            slice.places(),
            Some((Kind::Vertical, &["Healthcare".to_owned()][..]))
        );
        let dach = Territory {
            kind: Kind::Geographic,
            ..health
        };
        let slice = Slice {
            territory: Some(dach),
            ..Slice::default()
        };
        assert_eq!(
            slice.places(),
            Some((Kind::Geographic, &["DE".to_owned()][..]))
        );
    }

    #[test]
    fn weeks_start_on_monday() {
        // 7 Dec 2026 is a Monday.
        assert_eq!(week_of(d("2026-12-07")), d("2026-12-07"));
        assert_eq!(week_of(d("2026-12-13")), d("2026-12-07"));
        assert_eq!(week_of(d("2026-12-06")), d("2026-11-30"));
    }

    #[test]
    fn decision_hours_count_whole_seconds_and_are_capped() {
        // 59 min 59.5 s by the clock, but 10:00:00 to 11:00:00 in whole seconds: 1 hour,
        // as the recount in SQL says.
        assert_eq!(
            decision_hours(t("2026-12-01 10:00:00.7"), t("2026-12-01 11:00:00.2")),
            1
        );
        assert_eq!(
            decision_hours(t("2026-12-01 10:00:00"), t("2026-12-01 10:59:59")),
            0
        );
        assert_eq!(
            decision_hours(t("2026-01-01 00:00:00"), t("2026-12-01 00:00:00")),
            HOURS_CAP
        );
    }

    #[test]
    fn a_period_is_a_choice_or_two_dates() {
        assert_eq!(Period::parse("", "", ""), Ok(Period::Last(90)));
        assert_eq!(Period::parse("365", "", ""), Ok(Period::Last(365)));
        assert!(Period::parse("7", "", "").is_err());
        assert_eq!(
            Period::parse("30", "2026-01-01", "2026-01-31"),
            Ok(Period::Custom {
                from: d("2026-01-01"),
                to: d("2026-01-31")
            })
        );
        assert!(Period::parse("", "2026-02-01", "2026-01-31").is_err());
        assert!(Period::parse("", "2026-02-01", "").is_err());
        assert!(Period::parse("", "2020-01-01", "2026-01-31").is_err());
    }

    #[test]
    fn the_last_n_days_end_today_and_cover_whole_weeks() {
        let today = d("2026-12-06"); // a Sunday
        assert_eq!(
            Period::Last(30).days(today),
            (d("2026-11-07"), d("2026-12-06"))
        );
        let weeks = Period::Last(30).weeks(today);
        assert_eq!(weeks.first(), Some(&d("2026-11-02")));
        assert_eq!(weeks.last(), Some(&d("2026-11-30")));
        assert_eq!(weeks.len(), 5);
        assert_eq!(Period::Last(365).weeks(today).len(), 53);
    }

    #[test]
    fn every_status_has_one_outcome() {
        for s in Status::ALL {
            let o = Outcome::of(*s);
            assert_eq!(Outcome::ALL[o.index()], o);
        }
    }

    #[test]
    fn percentiles_are_nearest_rank() {
        let h = Hours {
            counts: vec![(5, 1), (1, 1), (3, 1), (2, 1), (4, 1)],
        };
        assert_eq!(h.percentile(50), Some(3));
        assert_eq!(h.percentile(90), Some(5));
        assert_eq!(h.percentile(100), Some(5));
        let h = Hours {
            counts: vec![(10, 9), (100, 1)],
        };
        assert_eq!(h.percentile(90), Some(10));
        assert_eq!(h.percentile(91), Some(100));
        assert_eq!(Hours::default().percentile(50), None);
        // Repeated hours (from several weeks and segments) add up.
        let h = Hours {
            counts: vec![(1, 1), (7, 2), (1, 2)],
        };
        assert_eq!(h.percentile(50), Some(1));
        assert_eq!(h.percentile(80), Some(7));
    }

    #[test]
    fn inside_the_sla_means_before_its_last_hour_ends() {
        let h = Hours {
            counts: vec![(0, 2), (47, 3), (48, 4), (200, 1)],
        };
        assert_eq!(h.within(48), 5);
        assert_eq!(h.total(), 10);
    }

    #[test]
    fn weeks_collect_their_rows_and_totals_add_up() {
        let weeks = Period::Last(14).weeks(d("2026-12-06"));
        assert_eq!(weeks, vec![d("2026-11-23"), d("2026-11-30")]);
        let rows = weekly(
            &weeks,
            &[
                (d("2026-11-23"), Status::Won, 2, 7_000, 7_250),
                (d("2026-11-23"), Status::Pending, 1, 500, 0),
                (d("2026-11-23"), Status::Queued, 1, 500, 0),
                (d("2026-11-30"), Status::Lost, 1, 800, 0),
                (d("2026-11-16"), Status::Won, 9, 90_000, 90_000), // outside the period
            ],
            &[(d("2026-11-30"), 3, 2), (d("2026-11-30"), 60, 1)],
        );
        let mut rows = rows;
        add_disputes(
            &mut rows,
            &[
                d("2026-12-06").and_hms_opt(23, 59, 0).unwrap(), // Sunday: the second week
                d("2026-11-22").and_hms_opt(12, 0, 0).unwrap(),  // before the period
            ],
        );
        assert_eq!((rows[0].disputes, rows[1].disputes), (0, 1));
        assert_eq!(rows[0].outcomes[Outcome::Won.index()], 2);
        assert_eq!(rows[0].won_units, 7_000);
        assert_eq!(rows[0].outcomes[Outcome::InReview.index()], 2);
        assert_eq!(rows[1].breaches(48), 1);
        let totals = Totals::of(&rows);
        assert_eq!(totals.registrations, 5);
        assert_eq!(totals.won_units, 7_000);
        assert_eq!(totals.won_revenue, 7_250);
        assert_eq!(totals.win_rate(), "66.7 %");
        assert_eq!(totals.decisions.percentile(50), Some(3));
    }

    #[test]
    fn conflict_counts_rulings_and_overturns() {
        let c = Conflict::of(&[
            (None, 2),
            (Some(RulingOutcome::Upheld), 3),
            (Some(RulingOutcome::Transferred), 1),
            (Some(RulingOutcome::Reinstated), 1),
        ]);
        assert_eq!((c.raised, c.open, c.ruled(), c.overturned()), (7, 2, 5, 2));
        assert_eq!(percent(c.overturned(), c.ruled()), "40.0 %");
        assert_eq!(per_hundred(c.raised, 200), "3.5");
    }

    #[test]
    fn percentages_round_half_up_to_one_decimal() {
        assert_eq!(percent(1, 3), "33.3 %");
        assert_eq!(percent(2, 3), "66.7 %");
        assert_eq!(percent(1, 8), "12.5 %");
        assert_eq!(percent(1, 16), "6.3 %"); // 6.25 rounds up
        assert_eq!(percent(0, 5), "0.0 %");
        assert_eq!(percent(5, 5), "100.0 %");
        assert_eq!(percent(1, 0), "–");
        assert_eq!(per_hundred(3, 40), "7.5");
        assert_eq!(hours_label(Some(999)), "999 h or more");
        assert_eq!(hours_label(Some(36)), "36 h");
    }
}
