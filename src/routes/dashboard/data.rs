//! What the dashboard reads: the period and segment chosen, and the rollups' rows for them.

use chrono::{NaiveDate, NaiveDateTime, TimeDelta};
use diesel::QueryResult;

use super::Filter;
use crate::db::DbConnection;
use crate::db::models::{compensation, dispute, org, policy, registration, tally};
use crate::domain::compensation::{CreditKind, pipeline_commission};
use crate::domain::dashboard::{Conflict, Period, Totals, Week, add_disputes, weekly};
use crate::domain::lifecycle::Status;
use crate::domain::policy::Segment;
use crate::domain::scorecard::{Leader, leaders, near_cap};

/// How many partners each leaderboard names.
const LEADERS: usize = 10;

/// How far ahead "expiring soon" looks.
pub const EXPIRING_DAYS: i64 = 30;

/// The period and segment asked for, made valid (a bad period falls back to the default
/// with a notice saying why).
#[derive(Debug, Clone)]
pub struct Choice {
    pub period: Period,
    pub notice: Option<String>,
    pub segment: Option<Segment>,
    pub weeks: Vec<NaiveDate>,
    pub days: String,
    pub from: String,
    pub to: String,
}

impl Choice {
    pub fn read(f: &Filter, now: NaiveDateTime) -> Choice {
        let (period, notice) = match Period::parse(&f.days, &f.from, &f.to) {
            Ok(p) => (p, None),
            Err(e) => (Period::Last(90), Some(e)),
        };
        Choice {
            period,
            notice,
            segment: Segment::parse(&f.segment),
            weeks: period.weeks(now.date()),
            days: f.days.clone(),
            from: f.from.clone(),
            to: f.to.clone(),
        }
    }
}

/// The figures of one choice.
#[derive(Debug, Clone)]
pub struct Data {
    pub weeks: Vec<Week>,
    pub totals: Totals,
    pub sla_hours: i64,
    pub currency: String,
    /// (segment, approved registrations, their deal size in program units).
    pub pipeline: Vec<(Segment, i64, i64)>,
    pub expiring: i64,
    /// The leaderboards (by won deal size, by win rate) with the organisations' names.
    pub by_size: Vec<(Leader, String)>,
    pub by_rate: Vec<(Leader, String)>,
    /// Disputes raised in the period's weeks.
    pub conflict: Conflict,
    /// Organisations near their cap: (id, name, active, cap).
    pub near_cap: Vec<(String, String, i64, i64)>,
    /// Credits given in the period's weeks: (kind, currency, credits, minor units).
    pub credits: Vec<(CreditKind, String, i64, i64)>,
    /// The partner commission the approved pipeline would earn if won inside its windows,
    /// in program units.
    pub liability: i64,
}

impl Data {
    pub fn load(conn: &mut DbConnection, c: &Choice, now: NaiveDateTime) -> QueryResult<Data> {
        let pv = policy::current(conn)?;
        let mut weeks = load_weeks(conn, &c.weeks, c.segment)?;
        let pipeline = tally::approved_by_segment(conn)?
            .into_iter()
            .filter_map(|(s, n, units)| Some((Segment::parse(&s)?, n, units)))
            .filter(|(s, _, _)| c.segment.is_none_or(|c| c == *s))
            .collect();
        let expiring =
            registration::count_expiring_between(conn, now, now + TimeDelta::days(EXPIRING_DAYS))?;
        let rows: Vec<_> = tally::closed_by_org(conn)?
            .into_iter()
            .filter_map(|r| {
                Some((
                    r.org_id,
                    Status::parse(&r.status)?,
                    r.registrations,
                    r.program_units,
                ))
            })
            .collect();
        let (by_size, by_rate) = leaders(&rows, LEADERS);
        let ids: Vec<String> = by_size
            .iter()
            .chain(&by_rate)
            .map(|l| l.org_id.clone())
            .collect();
        let names = org::names(conn, &ids)?;
        let named = |v: Vec<Leader>| -> Vec<(Leader, String)> {
            v.into_iter()
                .map(|l| {
                    let name = names.get(&l.org_id).cloned().unwrap_or_default();
                    (l, name)
                })
                .collect()
        };
        let (mut conflict, mut credits) = (Conflict::default(), Vec::new());
        if let (Some(first), Some(last)) = (c.weeks.first(), c.weeks.last()) {
            let from = first.and_time(chrono::NaiveTime::MIN);
            let until = (*last + TimeDelta::days(7)).and_time(chrono::NaiveTime::MIN);
            let raised = dispute::raised_between(conn, from, until)?;
            let outcomes: Vec<_> = raised.iter().map(|(_, o)| (*o, 1)).collect();
            conflict = Conflict::of(&outcomes);
            let days: Vec<NaiveDateTime> = raised.iter().map(|(at, _)| *at).collect();
            add_disputes(&mut weeks, &days);
            credits = compensation::given_between(conn, from, until, c.segment)?;
        }
        let orgs = org::list(conn)?;
        let active: std::collections::HashMap<String, i64> =
            tally::active_by_org(conn)?.into_iter().collect();
        let usage: Vec<(String, i64, i64)> = orgs
            .iter()
            .map(|o| {
                let n = active.get(&o.id).copied().unwrap_or(0);
                (o.id.clone(), n, pv.value.max_active(Some(o.tier())))
            })
            .collect();
        let rules = compensation::current(conn)?.value;
        let tiers: std::collections::HashMap<&str, _> =
            orgs.iter().map(|o| (o.id.as_str(), o.tier())).collect();
        let approved: Vec<_> = tally::approved_by_org(conn)?
            .into_iter()
            .filter_map(|(org_id, segment, _, units)| {
                let segment = Segment::parse(&segment)?;
                Some((tiers.get(org_id.as_str()).copied(), segment, units))
            })
            .filter(|(_, s, _)| c.segment.is_none_or(|c| c == *s))
            .collect();
        let liability = pipeline_commission(&rules, &approved);
        let near_cap = near_cap(&usage, LEADERS)
            .into_iter()
            .map(|(id, n, cap)| {
                let name = orgs
                    .iter()
                    .find(|o| o.id == id)
                    .map(|o| o.name.clone())
                    .unwrap_or_default();
                (id, name, n, cap)
            })
            .collect();
        Ok(Data {
            credits,
            liability,
            near_cap,
            conflict,
            by_size: named(by_size),
            by_rate: named(by_rate),
            totals: Totals::of(&weeks),
            weeks,
            sla_hours: pv.value.approval_sla_hours,
            currency: pv.value.currency.clone(),
            pipeline,
            expiring,
        })
    }
}

/// The rollups' rows of `weeks` laid out by week.
pub fn load_weeks(
    conn: &mut DbConnection,
    weeks: &[NaiveDate],
    segment: Option<Segment>,
) -> QueryResult<Vec<Week>> {
    let (Some(&first), Some(&last)) = (weeks.first(), weeks.last()) else {
        return Ok(Vec::new());
    };
    let outcomes: Vec<(NaiveDate, Status, i64, i64)> = tally::outcomes(conn, first, last, segment)?
        .into_iter()
        .filter_map(|(w, s, n, units)| Some((w, Status::parse(&s)?, n, units)))
        .collect();
    let decisions = tally::decisions(conn, first, last, segment)?;
    Ok(weekly(weeks, &outcomes, &decisions))
}
