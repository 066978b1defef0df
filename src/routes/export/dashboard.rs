//! The dashboard's weekly table: per week of the chosen period, registrations submitted by
//! what became of them, the won ones' deal size and what they closed at (program units), and the decisions made with their median and SLA breaches.

use chrono::NaiveDate;
use diesel::QueryResult;

use super::{Export, day};
use crate::db::DbConnection;
use crate::db::models::policy;
use crate::domain::dashboard::Slice;
use crate::domain::dashboard::{HOURS_CAP, Outcome, Week};
use crate::routes::dashboard::{Choice, data_weeks, slice_of};

pub struct DashboardWeeks {
    /// The Mondays of the period's weeks, oldest first.
    pub weeks: Vec<NaiveDate>,
    /// The segment, tier and territory asked for.
    pub choice: Choice,
}

/// A week with the SLA it is measured against and the slice it counts.
pub struct Row {
    week: Week,
    sla_hours: i64,
    slice: std::sync::Arc<Slice>,
}

impl Export for DashboardWeeks {
    type Row = Row;
    /// The table is a few hundred rows at most: one page.
    type Cursor = ();

    const HEADER: &'static [&'static str] = &[
        "week",
        "segment",
        "tier",
        "territory",
        "in_review",
        "approved",
        "won",
        "lost",
        "expired",
        "rejected",
        "declined",
        "withdrawn",
        "registrations",
        "won_deal_size",
        "won_revenue",
        "decisions",
        "median_hours",
        "p90_hours",
        "within_sla",
        "breaches",
        "sla_hours",
    ];

    fn file_stem(&self) -> &'static str {
        "dashboard"
    }

    fn page(
        &self,
        conn: &mut DbConnection,
        after: Option<&()>,
        _limit: i64,
    ) -> QueryResult<Vec<Row>> {
        if after.is_some() {
            return Ok(Vec::new());
        }
        let sla_hours = policy::current(conn)?.value.approval_sla_hours;
        let slice = std::sync::Arc::new(slice_of(conn, &self.choice)?.0);
        let weeks = data_weeks(conn, &self.weeks, &slice)?;
        Ok(weeks
            .into_iter()
            .map(|week| Row {
                week,
                sla_hours,
                slice: slice.clone(),
            })
            .collect())
    }

    fn cursor(&self, _row: &Row) -> Option<()> {
        None
    }

    fn record(&self, r: &Row) -> Vec<String> {
        let (w, slice) = (&r.week, &r.slice);
        let hours = |h: Option<i32>| match h {
            // The cap means "this many or more"; the file says so rather than a number.
            Some(h) if h >= HOURS_CAP => format!(">={HOURS_CAP}"),
            h => super::number(h),
        };
        let mut cells = vec![
            day(Some(w.week)),
            slice.segment.map_or("all", |s| s.as_str()).to_owned(),
            slice.tier.map_or("all", |t| t.as_str()).to_owned(),
            slice
                .territory
                .as_ref()
                .map_or_else(|| "all".to_owned(), |t| t.name.clone()),
        ];
        cells.extend(
            Outcome::ALL
                .iter()
                .map(|o| w.outcomes[o.index()].to_string()),
        );
        cells.extend([
            w.registrations().to_string(),
            w.won_units.to_string(),
            w.won_revenue.to_string(),
            w.decisions.total().to_string(),
            hours(w.decisions.percentile(50)),
            hours(w.decisions.percentile(90)),
            w.decisions.within(r.sla_hours).to_string(),
            w.breaches(r.sla_hours).to_string(),
            r.sla_hours.to_string(),
        ]);
        cells
    }
}
