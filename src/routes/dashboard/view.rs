//! The dashboard as the page shows it: figures as text, the charts' geometry, and the rows
//! of the tables under the charts.

use super::data::{Choice, Data, EXPIRING_DAYS};
use crate::domain::chart::{self, BarChart, LineChart};
use crate::domain::compensation::CreditKind;
use crate::domain::dashboard::{Outcome, Period, Week, hours_label, per_hundred, percent};
use crate::domain::dates::day;
use crate::domain::money::{format_amount, group_thousands};
use crate::domain::org::Tier;
use crate::domain::policy::Segment;

pub struct LegendItem {
    pub label: &'static str,
    pub colour: &'static str,
}

pub struct WeekRow {
    pub week: String,
    pub outcomes: Vec<String>,
    pub registrations: String,
    pub decisions: String,
    pub median: String,
    pub breaches: String,
    pub disputes: String,
}

pub struct LeaderRow {
    pub org_id: String,
    pub name: String,
    pub won: String,
    pub closed: String,
    pub won_units: String,
    pub win_rate: String,
}

impl LeaderRow {
    fn new((l, name): &(crate::domain::scorecard::Leader, String)) -> Self {
        LeaderRow {
            org_id: l.org_id.clone(),
            name: name.clone(),
            won: group_thousands(l.won),
            closed: group_thousands(l.closed),
            won_units: group_thousands(l.won_units),
            win_rate: l.win_rate(),
        }
    }
}

pub struct PipelineRow {
    pub segment: &'static str,
    pub registrations: String,
    pub amount: String,
}

/// One option of a select, as chosen.
pub struct Opt {
    pub value: String,
    pub label: String,
    pub selected: bool,
}

pub struct FormValues {
    pub periods: Vec<Opt>,
    pub from: String,
    pub to: String,
    pub segments: Vec<Opt>,
    pub tiers: Vec<Opt>,
    /// Empty when no territory is defined (the field is left out).
    pub territories: Vec<Opt>,
}

/// A select's options: "all" first, then each choice.
fn options<'a>(
    all: &str,
    chosen: &str,
    choices: impl Iterator<Item = (&'a str, String)>,
) -> Vec<Opt> {
    std::iter::once(Opt {
        value: String::new(),
        label: all.into(),
        selected: chosen.is_empty(),
    })
    .chain(choices.map(|(value, label)| Opt {
        selected: value == chosen,
        value: value.into(),
        label,
    }))
    .collect()
}

pub struct DashboardView {
    pub period: String,
    /// "Enterprise, Gold partners" or "all registrations".
    pub slice: String,
    /// Whose leaderboards and caps are shown, when not every partner's.
    pub partners_note: Option<String>,
    pub notice: Option<String>,
    pub form: FormValues,
    pub csv_href: String,
    pub registrations: String,
    pub won: String,
    pub win_rate: String,
    pub median: String,
    pub p90: String,
    pub within_sla: String,
    pub sla_hours: i64,
    pub expiring: String,
    pub expiring_days: i64,
    pub outcomes_summary: String,
    pub outcomes_chart: BarChart,
    pub legend: Vec<LegendItem>,
    pub outcome_labels: Vec<&'static str>,
    pub breaches_summary: String,
    pub breaches_chart: LineChart,
    pub weeks: Vec<WeekRow>,
    pub pipeline: Vec<PipelineRow>,
    pub pipeline_total: String,
    pub currency: String,
    pub by_size: Vec<LeaderRow>,
    pub by_rate: Vec<LeaderRow>,
    pub min_closed: i64,
    pub declined: String,
    pub disputes: String,
    pub disputes_per_100: String,
    pub disputes_open: String,
    pub overturn_rate: String,
    /// (outcome label, rulings).
    pub rulings: Vec<(&'static str, String)>,
    /// (org id, name, "23 of 25 (92.0 %)").
    pub near_cap: Vec<(String, String, String)>,
    pub won_units: String,
    pub won_revenue: String,
    /// Partner commission and rep quota credit given in the period, an amount per currency.
    pub commission: Vec<String>,
    pub rep_credit: Vec<String>,
    pub liability: String,
    pub disputes_summary: String,
    pub disputes_chart: LineChart,
}

/// Credits of the kinds in `kinds` summed per currency (["90.00 EUR", "4,100.00 USD"]), or
/// ["0"] when there were none.
fn credited(rows: &[(CreditKind, String, i64, i64)], kinds: &[CreditKind]) -> Vec<String> {
    let mut sums: std::collections::BTreeMap<&str, i64> = Default::default();
    for (kind, currency, _, minor) in rows {
        if kinds.contains(kind) {
            *sums.entry(currency.as_str()).or_default() += minor;
        }
    }
    if sums.is_empty() {
        return vec!["0".into()];
    }
    sums.into_iter()
        .map(|(code, minor)| format_amount(minor, code))
        .collect()
}

/// "13 Jul": a week as the charts' axes name it.
fn week_label(week: chrono::NaiveDate) -> String {
    week.format("%-d %b").to_string()
}

/// Registrations per week by outcome, as stacked bars (the dashboard's and a scorecard's).
pub fn outcome_chart(weeks: &[Week]) -> BarChart {
    let columns: Vec<chart::Column> = weeks
        .iter()
        .map(|w| {
            (
                week_label(w.week),
                Outcome::ALL
                    .iter()
                    .map(|o| {
                        let n = w.outcomes[o.index()];
                        (
                            n,
                            o.colour(),
                            format!("Week of {}: {} {}", day(w.week), n, o.label()),
                        )
                    })
                    .collect(),
            )
        })
        .collect();
    chart::stacked_bars(&columns)
}

/// Whose leaderboards and caps the page shows, when a tier or a territory with assigned
/// partners narrows them (a segment does not: they count every deal of the partner).
fn partners_note(d: &Data) -> Option<String> {
    let tier = d.slice.tier.map(|t| format!("{} partners", t.label()));
    let territory = d
        .slice
        .territory
        .as_ref()
        .filter(|t| !t.orgs.is_empty())
        .map(|t| format!("partners assigned to {}", t.name));
    let who = match (tier, territory) {
        (None, None) => return None,
        (Some(t), None) => t,
        (None, Some(a)) => capitalise(&a),
        (Some(t), Some(a)) => format!("{t} among the {a}"),
    };
    Some(format!(
        "{who}: {}, counting all their deals.",
        crate::domain::money::count_of(d.partners as i64, "partner", "partners")
    ))
}

fn capitalise(s: &str) -> String {
    let mut c = s.chars();
    c.next()
        .map_or_else(String::new, |f| f.to_uppercase().chain(c).collect())
}

impl DashboardView {
    pub fn new(c: &Choice, d: &Data) -> DashboardView {
        let t = &d.totals;
        let label = week_label;
        let breaches: Vec<(String, i64, String)> = d
            .weeks
            .iter()
            .map(|w| {
                let n = w.breaches(d.sla_hours);
                (
                    label(w.week),
                    n,
                    format!("Week of {}: {} decided after the SLA", day(w.week), n),
                )
            })
            .collect();
        let disputes: Vec<(String, i64, String)> = d
            .weeks
            .iter()
            .map(|w| {
                (
                    label(w.week),
                    w.disputes,
                    format!("Week of {}: {} disputes raised", day(w.week), w.disputes),
                )
            })
            .collect();
        let busiest = d
            .weeks
            .iter()
            .max_by_key(|w| (w.registrations(), std::cmp::Reverse(w.week)));
        let decided = t.decisions.total();
        let late = decided - t.decisions.within(d.sla_hours);
        let segment_name = d.slice.describe();
        let period = c.period.label();
        let pipeline_total: (i64, i64) = d
            .pipeline
            .iter()
            .fold((0, 0), |(n, u), (_, pn, pu)| (n + pn, u + pu));
        DashboardView {
            notice: c.notice.clone(),
            form: FormValues {
                periods: Period::CHOICES
                    .iter()
                    .map(|&n| Opt {
                        value: n.to_string(),
                        label: format!("Last {n} days"),
                        selected: c.period == Period::Last(n),
                    })
                    .collect(),
                from: c.from.clone(),
                to: c.to.clone(),
                segments: options(
                    "All segments",
                    d.slice.segment.map_or("", |s| s.as_str()),
                    Segment::ALL
                        .iter()
                        .map(|s| (s.as_str(), s.label().to_owned())),
                ),
                tiers: options(
                    "All tiers",
                    d.slice.tier.map_or("", |t| t.as_str()),
                    Tier::ALL.iter().map(|t| (t.as_str(), t.label().to_owned())),
                ),
                territories: if d.territories.is_empty() {
                    Vec::new()
                } else {
                    options(
                        "All territories",
                        d.slice.territory.as_ref().map_or("", |t| t.id.as_str()),
                        d.territories
                            .iter()
                            .map(|t| (t.id.as_str(), t.name.clone())),
                    )
                },
            },
            csv_href: crate::routes::view::href(
                "/dashboard.csv",
                &[
                    ("days", c.days.as_str()),
                    ("from", c.from.as_str()),
                    ("to", c.to.as_str()),
                    ("segment", d.slice.segment.map_or("", |s| s.as_str())),
                    ("tier", d.slice.tier.map_or("", |t| t.as_str())),
                    (
                        "territory",
                        d.slice.territory.as_ref().map_or("", |t| t.id.as_str()),
                    ),
                ],
            ),
            registrations: group_thousands(t.registrations),
            won: group_thousands(t.outcome(Outcome::Won)),
            win_rate: t.win_rate(),
            median: hours_label(t.decisions.percentile(50)),
            p90: hours_label(t.decisions.percentile(90)),
            within_sla: percent(t.decisions.within(d.sla_hours), decided),
            sla_hours: d.sla_hours,
            expiring: group_thousands(d.expiring),
            expiring_days: EXPIRING_DAYS,
            outcomes_summary: match busiest {
                Some(w) if t.registrations > 0 => format!(
                    "{} registrations were submitted in {period} ({segment_name}); {} of them are won, {} lost and {} still in review. The busiest week was that of {}, with {}.",
                    group_thousands(t.registrations),
                    group_thousands(t.outcome(Outcome::Won)),
                    group_thousands(t.outcome(Outcome::Lost)),
                    group_thousands(t.outcome(Outcome::InReview)),
                    day(w.week),
                    group_thousands(w.registrations()),
                ),
                _ => format!("No registrations were submitted in {period} ({segment_name})."),
            },
            outcomes_chart: outcome_chart(&d.weeks),
            legend: Outcome::ALL
                .iter()
                .map(|o| LegendItem {
                    label: o.label(),
                    colour: o.colour(),
                })
                .collect(),
            outcome_labels: Outcome::ALL.iter().map(|o| o.label()).collect(),
            breaches_summary: if decided == 0 {
                format!("No registration was decided in {period} ({segment_name}).")
            } else {
                format!(
                    "{} of {} decisions in {period} came later than the {}-hour SLA ({}); half were made within {}, nine in ten within {}.",
                    group_thousands(late),
                    group_thousands(decided),
                    d.sla_hours,
                    percent(late, decided),
                    hours_label(t.decisions.percentile(50)),
                    hours_label(t.decisions.percentile(90)),
                )
            },
            breaches_chart: chart::line(&breaches, "#D55E00"),
            weeks: d
                .weeks
                .iter()
                .map(|w| WeekRow {
                    week: day(w.week),
                    outcomes: w.outcomes.iter().map(|n| group_thousands(*n)).collect(),
                    registrations: group_thousands(w.registrations()),
                    decisions: group_thousands(w.decisions.total()),
                    median: hours_label(w.decisions.percentile(50)),
                    breaches: group_thousands(w.breaches(d.sla_hours)),
                    disputes: group_thousands(w.disputes),
                })
                .collect(),
            pipeline: d
                .pipeline
                .iter()
                .map(|(s, n, units)| PipelineRow {
                    segment: s.label(),
                    registrations: group_thousands(*n),
                    amount: group_thousands(*units),
                })
                .collect(),
            pipeline_total: group_thousands(pipeline_total.1),
            currency: d.currency.clone(),
            by_size: d.by_size.iter().map(LeaderRow::new).collect(),
            by_rate: d.by_rate.iter().map(LeaderRow::new).collect(),
            min_closed: crate::domain::scorecard::MIN_CLOSED_FOR_RATE,
            near_cap: d
                .near_cap
                .iter()
                .map(|(id, name, n, cap)| {
                    (
                        id.clone(),
                        name.clone(),
                        crate::domain::scorecard::cap_usage(*n, *cap),
                    )
                })
                .collect(),
            declined: group_thousands(t.outcome(Outcome::Declined)),
            disputes: group_thousands(d.conflict.raised),
            disputes_per_100: per_hundred(d.conflict.raised, t.registrations),
            disputes_open: group_thousands(d.conflict.open),
            overturn_rate: percent(d.conflict.overturned(), d.conflict.ruled()),
            rulings: d
                .conflict
                .rulings
                .iter()
                .map(|(o, n)| (o.label(), group_thousands(*n)))
                .collect(),
            won_units: group_thousands(t.won_units),
            won_revenue: group_thousands(t.won_revenue),
            commission: credited(&d.credits, &[CreditKind::PartnerCommission]),
            rep_credit: credited(
                &d.credits,
                &[CreditKind::AssistCredit, CreditKind::DoubleCredit],
            ),
            liability: group_thousands(d.liability),
            disputes_summary: if d.conflict.raised == 0 {
                format!("No dispute was raised in {period}.")
            } else {
                let worst = d
                    .weeks
                    .iter()
                    .max_by_key(|w| (w.disputes, std::cmp::Reverse(w.week)));
                format!(
                    "{} raised in {period}, {} per 100 registrations submitted; the most, {}, in the week of {}.",
                    match d.conflict.raised {
                        1 => "1 dispute was".to_owned(),
                        n => format!("{} disputes were", group_thousands(n)),
                    },
                    per_hundred(d.conflict.raised, t.registrations),
                    worst.map_or(0, |w| w.disputes),
                    worst.map_or(String::new(), |w| day(w.week)),
                )
            },
            disputes_chart: chart::line(&disputes, "#0072B2"),
            slice: segment_name.clone(),
            partners_note: partners_note(d),
            period,
        }
    }
}
