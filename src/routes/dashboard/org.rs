//! One partner organisation's figures, as its scorecard (for the channel team) and the
//! summary strip of its own home (for its partners) show them.

use std::sync::Arc;

use askama::Template;
use chrono::{NaiveDate, NaiveDateTime, TimeDelta};
use diesel::QueryResult;

use crate::db::DbConnection;
use crate::db::models::org::Org;
use crate::db::models::registration::{self, Line, ListQuery, Sort};
use crate::db::models::{policy, scorecard};
use crate::domain::chart::BarChart;
use crate::domain::dashboard::{Conflict, Outcome, Period, percent, week_of, weekly};
use crate::domain::dates::day;
use crate::domain::lifecycle::Status;
use crate::domain::money::{format_amount, group_thousands};
use crate::domain::scorecard::{Funnel, cap_usage, percentile, quarter_start};
use crate::memo::Memo;

/// How many days the organisation's own chart covers.
const CHART_DAYS: i64 = 91;
/// How far ahead "expiring soon" looks.
const EXPIRING_DAYS: i64 = 30;

/// Summaries kept per organisation (the memo starts afresh past this many).
pub const MEMO_ORGS: usize = 10_000;

/// First pages of "My deals" kept, one per organisation: some 9 KB each (26 lines), so at
/// most 18 MB.
const MEMO_LIST_ORGS: usize = 2_000;

/// The organisations' summaries, each valid for (the organisation's figures version, the
/// policy version, the hour): a write that changes the figures raises the first in its
/// transaction (`org::figures_changed`), a policy change the second; the hour moves the
/// "expiring soon" window, the quarter and the chart's weeks on. Beside them, the part
/// computed from the organisation's won deals (`Won`), which most of those writes leave as
/// it was.
///
/// And the first page of "My deals" in its default order (`newest`), valid for the figures
/// version alone: the lines show the registrations' own columns and the organisation's
/// name, and every write of those raises it (`registration::insert`, `update_state`, a
/// sweep batch's `figures_changed_many`, `org::update`). The one other write of
/// registrations, a prospect's keys settled again (`prospect_identity`), changes the
/// company order's keys, which the newest-first page neither shows nor pages by.
pub struct FiguresMemo {
    figures: Memo<String, (i64, i64, i64), OrgFigures>,
    won: WonMemo,
    /// By organisation and page length.
    newest: Memo<(String, i64), i64, Vec<Line>>,
}

impl FiguresMemo {
    pub fn new(capacity: usize) -> Self {
        FiguresMemo {
            figures: Memo::new(capacity),
            won: Memo::new(capacity),
            newest: Memo::new(capacity.min(MEMO_LIST_ORGS)),
        }
    }

    /// The organisation's `limit` newest registrations, as "My deals" lists them unfiltered:
    /// the ones kept while its figures version stands, else read now. `org` is the row the
    /// guard read for this request, before the lines, as for [`Self::summary`].
    pub fn newest_lines(
        &self,
        conn: &mut DbConnection,
        org: &Org,
        limit: i64,
    ) -> QueryResult<Arc<Vec<Line>>> {
        let key = (org.id.clone(), limit);
        if let Some(lines) = self.newest.get(&key, &org.figures_version) {
            return Ok(lines);
        }
        let lines = Arc::new(registration::list_lines(
            conn,
            &ListQuery {
                org_id: Some(&org.id),
                status: None,
                sort: Sort::Newest,
                after: None,
                limit,
            },
        )?);
        self.newest.put(key, org.figures_version, lines.clone());
        Ok(lines)
    }

    /// The organisation's summary: the one kept while its token is current, else computed
    /// now. `org` is the row the guard read for this request: its figures version was read
    /// before anything is computed here, so a summary is never stored under a version newer
    /// than what it counts.
    pub fn summary(
        &self,
        conn: &mut DbConnection,
        org: &Org,
        policy_version: i64,
        now: NaiveDateTime,
    ) -> QueryResult<Arc<OrgFigures>> {
        let hour = now.and_utc().timestamp() / 3600;
        let token = (org.figures_version, policy_version, hour);
        if let Some(figures) = self.figures.get(&org.id, &token) {
            return Ok(figures);
        }
        let figures = Arc::new(OrgFigures::load_with(conn, org, now, Some(&self.won))?);
        self.figures.put(org.id.clone(), token, figures.clone());
        Ok(figures)
    }
}

/// The figures of an organisation's won deals, valid for (how many it has won, the quarter).
///
/// Why that token suffices: a won registration is final (no command applies to it, which
/// `domain::lifecycle`'s test `a_won_deal_is_final` holds to) and its submission and close
/// times never change, so an organisation's won deals only ever grow in number, and the
/// count of them, kept with every change in the `org_outcomes` rollup the summary reads
/// anyway, names the set. Why it is kept apart: the expiry sweep raises an organisation's
/// figures version with nearly every batch, and reading its 2,000 won deals again each time
/// was the slowest part of "My deals" while the sweep ran on PostgreSQL
/// (docs/performance.md).
type WonMemo = Memo<String, (i64, NaiveDate), Won>;

/// What the summary shows of the won deals.
struct Won {
    this_quarter: usize,
    median_days_to_close: Option<i64>,
}

impl Won {
    fn load(conn: &mut DbConnection, org_id: &str, quarter: NaiveDate) -> QueryResult<Self> {
        let won = scorecard::won(conn, org_id)?;
        let days_to_close: Vec<i64> = won
            .iter()
            .filter_map(|(submitted, closed)| Some((*closed)? - *submitted))
            .map(|d| d.num_days())
            .collect();
        Ok(Won {
            this_quarter: won
                .iter()
                .filter(|(_, closed)| closed.is_some_and(|c| c.date() >= quarter))
                .count(),
            median_days_to_close: percentile(&days_to_close, 50),
        })
    }

    /// `count` won deals' figures, from `memo` when it holds them for that count.
    fn of(
        conn: &mut DbConnection,
        org_id: &str,
        count: i64,
        quarter: NaiveDate,
        memo: Option<&WonMemo>,
    ) -> QueryResult<Arc<Self>> {
        let token = (count, quarter);
        if let Some(won) = memo.and_then(|m| m.get(&org_id.to_owned(), &token)) {
            return Ok(won);
        }
        let won = Arc::new(Won::load(conn, org_id, quarter)?);
        if let Some(memo) = memo {
            memo.put(org_id.to_owned(), token, won.clone());
        }
        Ok(won)
    }
}

/// The figures as shown.
pub struct OrgFigures {
    pub funnel: Funnel,
    /// The funnel's counts as read: submitted, approved, closed, won.
    pub submitted: String,
    pub protected: String,
    pub closed: String,
    pub won: String,
    pub win_rate: String,
    pub approval_rate: String,
    pub cap: String,
    pub active: i64,
    pub cap_limit: i64,
    pub expiring: String,
    pub expiring_days: i64,
    pub won_this_quarter: String,
    pub quarter_from: String,
    pub commission_this_quarter: String,
    pub median_days_to_close: String,
    pub disputes_raised: i64,
    pub disputes_against: i64,
    /// Of its disputes ruled, the share ruled its way (reinstated or transferred to it).
    pub raised_overturned: String,
    /// Of the disputes against it ruled, the share that took a prospect from it.
    pub against_overturned: String,
    pub chart: BarChart,
    pub chart_summary: String,
    /// (outcome label, colour, count now), all time.
    pub outcomes: Vec<(&'static str, &'static str, String)>,
    pub chart_weeks: Vec<(String, Vec<String>)>,
    /// The chart section (`dashboard/_org_chart.html`) rendered from the fields above, once:
    /// "My deals" keeps these figures in memory while their token holds, and writing the
    /// chart's two hundred coordinates and titles out again on every request was a fifth of
    /// the page's CPU (docs/performance.md).
    pub chart_html: String,
}

#[derive(Template)]
#[template(path = "dashboard/_org_chart.html")]
struct ChartSection<'a> {
    f: &'a OrgFigures,
}

impl OrgFigures {
    /// Reads the figures of `org`.
    pub fn load(conn: &mut DbConnection, org: &Org, now: NaiveDateTime) -> QueryResult<Self> {
        Self::load_with(conn, org, now, None)
    }

    /// Reads the figures of `org`; its won deals' from `won` when it holds them.
    fn load_with(
        conn: &mut DbConnection,
        org: &Org,
        now: NaiveDateTime,
        won: Option<&WonMemo>,
    ) -> QueryResult<Self> {
        let counts = scorecard::status_counts(conn, &org.id)?;
        let funnel = Funnel::of(&counts);
        // From the same rollup, kept with every change: counting the organisation's rows
        // again took 10 ms on PostgreSQL at 10,000 registrations.
        let active = counts
            .iter()
            .filter(|(status, _)| Status::ACTIVE.contains(status))
            .map(|(_, n)| n)
            .sum();
        let cap_limit = policy::current(conn)?.value.max_active(Some(org.tier()));
        let expiring =
            scorecard::expiring(conn, &org.id, now, now + TimeDelta::days(EXPIRING_DAYS))?;
        let quarter = quarter_start(now.date());
        let won = Won::of(conn, &org.id, funnel.won, quarter, won)?;
        let commission = scorecard::commission_since(conn, &org.id, quarter)?;
        let (raised, against) = scorecard::disputes(conn, &org.id)?;
        let (raised, against) = (Conflict::of(&raised), Conflict::of(&against));
        let period = Period::Last(CHART_DAYS);
        let weeks = period.weeks(now.date());
        let since = weeks
            .first()
            .map_or(now, |w| w.and_time(chrono::NaiveTime::MIN));
        let rows: Vec<_> = scorecard::submitted_since(conn, &org.id, since)?
            .into_iter()
            .map(|(at, status)| (week_of(at.date()), status, 1, 0, 0))
            .collect();
        let by_week = weekly(&weeks, &rows, &[]);
        let in_chart: i64 = by_week.iter().map(|w| w.registrations()).sum();
        let mut figures = OrgFigures {
            submitted: group_thousands(funnel.submitted),
            protected: group_thousands(funnel.protected),
            closed: group_thousands(funnel.closed),
            won: group_thousands(funnel.won),
            win_rate: funnel.win_rate(),
            approval_rate: funnel.approval_rate(),
            cap: cap_usage(active, cap_limit),
            active,
            cap_limit,
            expiring: group_thousands(expiring),
            expiring_days: EXPIRING_DAYS,
            won_this_quarter: group_thousands(won.this_quarter as i64),
            quarter_from: day(quarter),
            commission_this_quarter: if commission.is_empty() {
                "none yet".into()
            } else {
                commission
                    .iter()
                    .map(|(c, minor)| format_amount(*minor, c))
                    .collect::<Vec<_>>()
                    .join(", ")
            },
            median_days_to_close: won
                .median_days_to_close
                .map_or("–".into(), |d| format!("{d} days")),
            disputes_raised: raised.raised,
            disputes_against: against.raised,
            raised_overturned: overturn_share(&raised),
            against_overturned: overturn_share(&against),
            chart: super::view::outcome_chart(&by_week),
            chart_summary: if in_chart == 0 {
                format!("No registrations were submitted in the last {CHART_DAYS} days.")
            } else {
                let won_now: i64 = by_week
                    .iter()
                    .map(|w| w.outcomes[Outcome::Won.index()])
                    .sum();
                format!(
                    "{} registrations were submitted in the last {CHART_DAYS} days; {} of them are won so far.",
                    group_thousands(in_chart),
                    group_thousands(won_now)
                )
            },
            outcomes: Outcome::ALL
                .iter()
                .map(|o| {
                    (
                        o.label(),
                        o.colour(),
                        group_thousands(funnel.outcomes[o.index()]),
                    )
                })
                .collect(),
            chart_weeks: by_week
                .iter()
                .map(|w| {
                    (
                        day(w.week),
                        w.outcomes.iter().map(|n| group_thousands(*n)).collect(),
                    )
                })
                .collect(),
            funnel,
            chart_html: String::new(),
        };
        figures.chart_html = ChartSection { f: &figures }
            .render()
            .map_err(|e| diesel::result::Error::SerializationError(Box::new(e)))?;
        Ok(figures)
    }
}

/// "2 of 3 (66.7 %)", or "none ruled yet".
fn overturn_share(c: &Conflict) -> String {
    match c.ruled() {
        0 => "none ruled yet".into(),
        ruled => format!(
            "{} of {} ({})",
            c.overturned(),
            ruled,
            percent(c.overturned(), ruled)
        ),
    }
}
