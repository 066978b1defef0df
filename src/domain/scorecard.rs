//! A partner organisation's figures: its funnel from the states of its registrations, its
//! win rate, how long its deals take to close, its use of its cap, and the quarter that
//! "won this quarter" means.

use chrono::{Datelike, NaiveDate};

use super::dashboard::{Outcome, percent};
use super::lifecycle::Status;

/// The first day of the calendar quarter `day` is in.
pub fn quarter_start(day: NaiveDate) -> NaiveDate {
    let month = (day.month0() / 3) * 3 + 1;
    NaiveDate::from_ymd_opt(day.year(), month, 1).unwrap_or(day)
}

/// The nearest-rank percentile `p` (1–100) of `values`; None of none.
pub fn percentile(values: &[i64], p: i64) -> Option<i64> {
    if values.is_empty() {
        return None;
    }
    let mut sorted = values.to_vec();
    sorted.sort_unstable();
    let rank = ((p * sorted.len() as i64 + 99) / 100).max(1);
    sorted.get(usize::try_from(rank - 1).ok()?).copied()
}

/// How far an organisation's registrations got, from their states now.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Funnel {
    pub submitted: i64,
    /// Approved at some point: approved now, won, lost, expired or overturned. (A withdrawn
    /// registration may have been approved before; it counts as submitted only.)
    pub protected: i64,
    pub closed: i64,
    pub won: i64,
    pub lost: i64,
    /// Counts by outcome group, indexed by [`Outcome::index`].
    pub outcomes: [i64; 8],
}

impl Funnel {
    pub fn of(counts: &[(Status, i64)]) -> Funnel {
        let mut f = Funnel::default();
        for &(status, n) in counts {
            f.submitted += n;
            f.outcomes[Outcome::of(status).index()] += n;
            match status {
                Status::Approved | Status::Expired | Status::Overturned => f.protected += n,
                Status::Won => {
                    f.protected += n;
                    f.closed += n;
                    f.won += n;
                }
                Status::Lost => {
                    f.protected += n;
                    f.closed += n;
                    f.lost += n;
                }
                _ => {}
            }
        }
        f
    }

    /// Won of those closed.
    pub fn win_rate(&self) -> String {
        percent(self.won, self.closed)
    }

    /// Approved of those submitted.
    pub fn approval_rate(&self) -> String {
        percent(self.protected, self.submitted)
    }
}

/// "18 of 25 (72.0 %)": the cap in use.
pub fn cap_usage(active: i64, cap: i64) -> String {
    format!("{active} of {cap} ({})", percent(active, cap))
}

/// A partner organisation's closed deals, all time.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Leader {
    pub org_id: String,
    pub won: i64,
    pub closed: i64,
    /// The won deals' registered size, in program units.
    pub won_units: i64,
}

impl Leader {
    pub fn win_rate(&self) -> String {
        percent(self.won, self.closed)
    }
}

/// Fewer closed deals than this make a win rate luck, not a ranking.
pub const MIN_CLOSED_FOR_RATE: i64 = 5;

/// The leaderboards from counts by organisation and status: the top `n` by won deal size,
/// and the top `n` by win rate among those with at least [`MIN_CLOSED_FOR_RATE`] closed.
/// Ties go to more won deals, then the organisation id, so the order is stable.
pub fn leaders(rows: &[(String, Status, i64, i64)], n: usize) -> (Vec<Leader>, Vec<Leader>) {
    let mut by_org: std::collections::BTreeMap<&str, Leader> = Default::default();
    for (org_id, status, count, units) in rows {
        let l = by_org.entry(org_id).or_insert_with(|| Leader {
            org_id: org_id.clone(),
            won: 0,
            closed: 0,
            won_units: 0,
        });
        match status {
            Status::Won => {
                l.won += count;
                l.closed += count;
                l.won_units += units;
            }
            Status::Lost => l.closed += count,
            _ => {}
        }
    }
    let all: Vec<Leader> = by_org.into_values().filter(|l| l.won > 0).collect();
    let mut by_size = all.clone();
    by_size.sort_by(|a, b| {
        (b.won_units, b.won)
            .cmp(&(a.won_units, a.won))
            .then_with(|| a.org_id.cmp(&b.org_id))
    });
    by_size.truncate(n);
    let mut by_rate: Vec<Leader> = all
        .into_iter()
        .filter(|l| l.closed >= MIN_CLOSED_FOR_RATE)
        .collect();
    // a.won / a.closed > b.won / b.closed, compared without division.
    by_rate.sort_by(|a, b| {
        (i128::from(b.won) * i128::from(a.closed))
            .cmp(&(i128::from(a.won) * i128::from(b.closed)))
            .then_with(|| b.won.cmp(&a.won))
            .then_with(|| a.org_id.cmp(&b.org_id))
    });
    by_rate.truncate(n);
    (by_size, by_rate)
}

/// At or above this share of its cap (in basis points) an organisation is "near its cap".
pub const NEAR_CAP_BP: i64 = 8_000;

/// Organisations at or above [`NEAR_CAP_BP`] of their cap, fullest first (ties: more
/// active, then id): (org id, active, cap), at most `n`.
pub fn near_cap(orgs: &[(String, i64, i64)], n: usize) -> Vec<(String, i64, i64)> {
    let mut near: Vec<(String, i64, i64)> = orgs
        .iter()
        .filter(|(_, active, cap)| *cap > 0 && active * 10_000 >= cap * NEAR_CAP_BP)
        .cloned()
        .collect();
    near.sort_by(|a, b| {
        (i128::from(b.1) * i128::from(a.2))
            .cmp(&(i128::from(a.1) * i128::from(b.2)))
            .then_with(|| b.1.cmp(&a.1))
            .then_with(|| a.0.cmp(&b.0))
    });
    near.truncate(n);
    near
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
    }

    #[test]
    fn quarters_start_in_january_april_july_and_october() {
        assert_eq!(quarter_start(d("2026-12-06")), d("2026-10-01"));
        assert_eq!(quarter_start(d("2026-10-01")), d("2026-10-01"));
        assert_eq!(quarter_start(d("2026-03-31")), d("2026-01-01"));
        assert_eq!(quarter_start(d("2026-04-01")), d("2026-04-01"));
    }

    #[test]
    fn percentiles_of_values_are_nearest_rank() {
        assert_eq!(percentile(&[], 50), None);
        assert_eq!(percentile(&[9, 1, 5], 50), Some(5));
        assert_eq!(percentile(&[9, 1, 5, 7], 50), Some(5));
        assert_eq!(percentile(&[9, 1, 5, 7], 90), Some(9));
    }

    #[test]
    fn the_funnel_counts_each_registration_once_per_stage_it_reached() {
        let f = Funnel::of(&[
            (Status::Pending, 2),
            (Status::Approved, 3),
            (Status::Won, 4),
            (Status::Lost, 1),
            (Status::Rejected, 5),
            (Status::Withdrawn, 1),
        ]);
        assert_eq!(f.submitted, 16);
        assert_eq!(f.protected, 8);
        assert_eq!(f.closed, 5);
        assert_eq!(f.won, 4);
        assert_eq!(f.win_rate(), "80.0 %");
        assert_eq!(f.approval_rate(), "50.0 %");
        assert_eq!(f.outcomes[Outcome::InReview.index()], 2);
        assert_eq!(cap_usage(18, 25), "18 of 25 (72.0 %)");
    }

    #[test]
    fn leaders_rank_by_won_size_and_by_win_rate_with_enough_closed() {
        let row = |o: &str, s: Status, n: i64, u: i64| (o.to_owned(), s, n, u);
        let rows = vec![
            row("a", Status::Won, 2, 500),
            row("a", Status::Lost, 8, 0),
            row("b", Status::Won, 5, 100),
            row("c", Status::Won, 1, 900),
            row("c", Status::Lost, 0, 0),
            row("d", Status::Lost, 9, 0),
            row("e", Status::Won, 4, 100),
            row("e", Status::Lost, 1, 0),
        ];
        let (size, rate) = leaders(&rows, 3);
        let ids = |v: &[Leader]| v.iter().map(|l| l.org_id.clone()).collect::<Vec<_>>();
        assert_eq!(ids(&size), ["c", "a", "b"]);
        // b: 5 of 5, e: 4 of 5, a: 2 of 10; c has too few closed, d won nothing.
        assert_eq!(ids(&rate), ["b", "e", "a"]);
        assert_eq!(rate[1].win_rate(), "80.0 %");
    }

    #[test]
    fn near_cap_means_eighty_percent_or_more_fullest_first() {
        let o = |id: &str, a, c| (id.to_owned(), a, c);
        let near = near_cap(
            &[
                o("a", 19, 25),
                o("b", 20, 25),
                o("c", 30, 25),
                o("d", 5, 0),
                o("e", 4, 5),
            ],
            10,
        );
        let ids: Vec<&str> = near.iter().map(|x| x.0.as_str()).collect();
        assert_eq!(ids, ["c", "b", "e"]);
    }
}
