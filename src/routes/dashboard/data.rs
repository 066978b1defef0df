//! What the dashboard reads: the period and slice chosen (segment, partner tier,
//! territory), and the rollups' rows for them.

use chrono::{NaiveDate, NaiveDateTime, TimeDelta};
use diesel::QueryResult;

use super::Filter;
use crate::db::DbConnection;
use crate::db::models::{compensation, dispute, org, policy, slice, tally, territory};
use crate::domain::compensation::{CreditKind, pipeline_commission};
use crate::domain::dashboard::{Conflict, Period, Slice, Totals, Week, add_disputes, weekly};
use crate::domain::lifecycle::Status;
use crate::domain::org::Tier;
use crate::domain::policy::Segment;
use crate::domain::scorecard::{Leader, leaders, near_cap};

/// How many partners each leaderboard names.
const LEADERS: usize = 10;

/// How far ahead "expiring soon" looks.
pub const EXPIRING_DAYS: i64 = 30;

/// The period and slice asked for, made valid (a bad period falls back to the default
/// with a notice saying why; an unknown segment, tier or territory means all).
#[derive(Debug, Clone)]
pub struct Choice {
    pub period: Period,
    pub notice: Option<String>,
    pub segment: Option<Segment>,
    pub tier: Option<Tier>,
    /// The territory's id as asked for; [`slice_of`] finds it.
    pub territory: String,
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
            tier: Tier::parse(&f.tier),
            territory: f.territory.clone(),
            weeks: period.weeks(now.date()),
            days: f.days.clone(),
            from: f.from.clone(),
            to: f.to.clone(),
        }
    }
}

/// The slice a choice names, with every territory (for the form's choices).
pub fn slice_of(
    conn: &mut DbConnection,
    c: &Choice,
) -> QueryResult<(Slice, Vec<territory::Listed>)> {
    let territories = territory::listed(conn)?;
    let territory = match territories.iter().any(|t| t.id == c.territory) {
        true => territory::find(conn, &c.territory)?,
        false => None,
    };
    Ok((
        Slice {
            segment: c.segment,
            tier: c.tier,
            territory,
        },
        territories,
    ))
}

/// The figures of one choice.
#[derive(Debug, Clone)]
pub struct Data {
    pub slice: Slice,
    /// Every territory, for the form.
    pub territories: Vec<territory::Listed>,
    pub weeks: Vec<Week>,
    pub totals: Totals,
    pub sla_hours: i64,
    pub currency: String,
    /// (segment, approved registrations, their deal size in program units).
    pub pipeline: Vec<(Segment, i64, i64)>,
    /// How many partners the leaderboards and the caps cover (those of the tier, and of
    /// the territory when it has partners assigned).
    pub partners: usize,
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
        let (slice, territories) = slice_of(conn, c)?;
        let mut weeks = load_weeks(conn, &c.weeks, &slice)?;
        // Approved now, by segment and tier: the protected pipeline, and the commission it
        // would earn at each tier's rate.
        let approved: Vec<(Segment, Tier, i64, i64)> = tally::approved(conn, &slice)?
            .into_iter()
            .filter_map(|(s, t, n, units)| Some((Segment::parse(&s)?, Tier::parse(&t)?, n, units)))
            .collect();
        let mut pipeline: Vec<(Segment, i64, i64)> = Vec::new();
        for &s in Segment::ALL.iter() {
            let (n, units) = approved
                .iter()
                .filter(|a| a.0 == s)
                .fold((0, 0), |(n, u), a| (n + a.2, u + a.3));
            if n != 0 {
                pipeline.push((s, n, units));
            }
        }
        let rules = compensation::current(conn)?.value;
        let priced: Vec<_> = approved
            .iter()
            .map(|&(s, t, _, units)| (Some(t), s, units))
            .collect();
        let liability = pipeline_commission(&rules, &priced);
        let expiring =
            slice::count_expiring_between(conn, now, now + TimeDelta::days(EXPIRING_DAYS), &slice)?;
        // The leaderboards and caps are the partners' own: those of the tier, and of the
        // territory when partners are assigned to it.
        let all_orgs = org::list(conn)?;
        let orgs: Vec<_> = all_orgs
            .iter()
            .filter(|o| slice.tier.is_none_or(|t| o.tier() == t))
            .filter(|o| match &slice.territory {
                Some(t) if !t.orgs.is_empty() => t.assigned_to(&o.id),
                _ => true,
            })
            .collect();
        let included: std::collections::HashSet<&str> =
            orgs.iter().map(|o| o.id.as_str()).collect();
        let rows: Vec<_> = tally::closed_by_org(conn)?
            .into_iter()
            .filter(|r| included.contains(r.org_id.as_str()))
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
        let names: std::collections::HashMap<&str, &str> = orgs
            .iter()
            .map(|o| (o.id.as_str(), o.name.as_str()))
            .collect();
        let named = |v: Vec<Leader>| -> Vec<(Leader, String)> {
            v.into_iter()
                .map(|l| {
                    let name = names.get(l.org_id.as_str()).copied().unwrap_or_default();
                    (l, name.to_owned())
                })
                .collect()
        };
        let (mut conflict, mut credits) = (Conflict::default(), Vec::new());
        if let (Some(first), Some(last)) = (c.weeks.first(), c.weeks.last()) {
            let from = first.and_time(chrono::NaiveTime::MIN);
            let until = (*last + TimeDelta::days(7)).and_time(chrono::NaiveTime::MIN);
            let mut raised = dispute::raised_between(conn, from, until)?;
            if !slice.is_all() {
                let ids: Vec<String> = raised
                    .iter()
                    .filter_map(|r| r.registration_id.clone())
                    .collect();
                let tiers: std::collections::HashMap<&str, Tier> =
                    all_orgs.iter().map(|o| (o.id.as_str(), o.tier())).collect();
                let tier_of = |id: &str| tiers.get(id).copied();
                let inside = slice::members(conn, &ids, &slice, &tier_of)?;
                raised.retain(|r| {
                    r.registration_id
                        .as_ref()
                        .is_some_and(|id| inside.contains(id))
                });
            }
            let outcomes: Vec<_> = raised.iter().map(|r| (r.outcome, 1)).collect();
            conflict = Conflict::of(&outcomes);
            let days: Vec<NaiveDateTime> = raised.iter().map(|r| r.at).collect();
            add_disputes(&mut weeks, &days);
            credits = compensation::given_between(conn, from, until, &slice)?;
        }
        let active: std::collections::HashMap<String, i64> =
            tally::active_by_org(conn)?.into_iter().collect();
        let usage: Vec<(String, i64, i64)> = orgs
            .iter()
            .map(|o| {
                let n = active.get(&o.id).copied().unwrap_or(0);
                (o.id.clone(), n, pv.value.max_active(Some(o.tier())))
            })
            .collect();
        let near_cap = near_cap(&usage, LEADERS)
            .into_iter()
            .map(|(id, n, cap)| {
                let name = names
                    .get(id.as_str())
                    .copied()
                    .unwrap_or_default()
                    .to_owned();
                (id, name, n, cap)
            })
            .collect();
        Ok(Data {
            partners: orgs.len(),
            slice,
            territories,
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
    slice: &Slice,
) -> QueryResult<Vec<Week>> {
    let (Some(&first), Some(&last)) = (weeks.first(), weeks.last()) else {
        return Ok(Vec::new());
    };
    let outcomes: Vec<(NaiveDate, Status, i64, i64, i64)> =
        tally::outcomes(conn, first, last, slice)?
            .into_iter()
            .filter_map(|(w, s, n, units, won)| Some((w, Status::parse(&s)?, n, units, won)))
            .collect();
    let decisions = tally::decisions(conn, first, last, slice)?;
    Ok(weekly(weeks, &outcomes, &decisions))
}
