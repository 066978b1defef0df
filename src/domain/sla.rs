//! The approval SLA clock and protection-window arithmetic, as shown on every page.

use chrono::{NaiveDateTime, TimeDelta};

use super::code::text_enum;
use super::digits::push_padded;

/// Items due within this are flagged so reviewers take them first.
pub const DUE_SOON: TimeDelta = TimeDelta::hours(12);

text_enum! {
    /// Where an item stands against its deadline; the code goes into CSV exports.
    pub enum SlaState {
        OnTime,
        DueSoon,
        Breached,
        /// Waiting for the partner's answer; the clock is stopped.
        Paused,
    }
}

impl SlaState {
    pub fn label(self) -> &'static str {
        match self {
            SlaState::OnTime => "On time",
            SlaState::DueSoon => "Due within 12 h",
            SlaState::Breached => "SLA breached",
            SlaState::Paused => "Paused: waiting for partner",
        }
    }

    /// A CSS class name for the badge.
    pub fn css(self) -> &'static str {
        match self {
            SlaState::OnTime => "ok",
            SlaState::DueSoon => "warn",
            SlaState::Breached => "bad",
            SlaState::Paused => "muted",
        }
    }
}

/// The SLA state of an item under review (`due`), or paused, or none when not under review.
pub fn sla_state(
    due: Option<NaiveDateTime>,
    paused_secs: Option<i64>,
    now: NaiveDateTime,
) -> Option<SlaState> {
    match (due, paused_secs) {
        (Some(due), _) if due <= now => Some(SlaState::Breached),
        (Some(due), _) if due - now <= DUE_SOON => Some(SlaState::DueSoon),
        (Some(_), _) => Some(SlaState::OnTime),
        (None, Some(_)) => Some(SlaState::Paused),
        (None, None) => None,
    }
}

/// "3 d 4 h", "5 h 10 min", "12 min": a span for people, to the minute.
pub fn human_span(span: TimeDelta) -> String {
    let mut out = String::with_capacity(12);
    push_span(&mut out, span);
    out
}

/// Writes [`human_span`] into `out`: by the digit, since a review list shows one per line.
fn push_span(out: &mut String, span: TimeDelta) {
    let minutes = span.num_minutes().unsigned_abs();
    let (d, h, m) = (minutes / 1440, minutes % 1440 / 60, minutes % 60);
    let mut part = |n: u64, unit: &str| {
        push_padded(out, n, 1);
        out.push_str(unit);
    };
    if d > 0 {
        part(d, " d ");
        part(h, " h");
    } else if h > 0 {
        part(h, " h ");
        part(m, " min");
    } else {
        part(m, " min");
    }
}

/// "due in 5 h 10 min" or "overdue by 2 h 0 min".
pub fn describe_due(due: NaiveDateTime, now: NaiveDateTime) -> String {
    let mut out = String::with_capacity(24);
    if due > now {
        out.push_str("due in ");
        push_span(&mut out, due - now);
    } else {
        out.push_str("overdue by ");
        push_span(&mut out, now - due);
    }
    out
}

/// Whole days of protection left, counting a started day as a day; 0 once the window ended.
pub fn days_left(ends_at: NaiveDateTime, now: NaiveDateTime) -> i64 {
    if ends_at <= now {
        return 0;
    }
    let secs = (ends_at - now).num_seconds();
    (secs + 86_399) / 86_400
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::NaiveDate;

    fn at(h: u32) -> NaiveDateTime {
        NaiveDate::from_ymd_opt(2026, 11, 23)
            .unwrap()
            .and_hms_opt(h, 0, 0)
            .unwrap()
    }

    #[test]
    fn sla_states_change_at_12_hours_and_at_the_deadline() {
        let due = at(20);
        assert_eq!(sla_state(Some(due), None, at(7)), Some(SlaState::OnTime));
        assert_eq!(sla_state(Some(due), None, at(8)), Some(SlaState::DueSoon));
        assert_eq!(sla_state(Some(due), None, at(19)), Some(SlaState::DueSoon));
        assert_eq!(sla_state(Some(due), None, at(20)), Some(SlaState::Breached));
        assert_eq!(sla_state(None, Some(3600), at(20)), Some(SlaState::Paused));
        assert_eq!(sla_state(None, None, at(20)), None);
    }

    #[test]
    fn days_left_counts_a_started_day() {
        let ends = at(12);
        assert_eq!(days_left(ends, at(12)), 0);
        assert_eq!(days_left(ends, at(11)), 1);
        assert_eq!(days_left(ends, at(12) - TimeDelta::days(2)), 2);
        assert_eq!(
            days_left(ends, at(12) - TimeDelta::days(2) - TimeDelta::seconds(1)),
            3
        );
    }

    #[test]
    fn spans_read_naturally() {
        assert_eq!(describe_due(at(20), at(15)), "due in 5 h 0 min");
        assert_eq!(describe_due(at(10), at(12)), "overdue by 2 h 0 min");
        assert_eq!(human_span(TimeDelta::minutes(3 * 1440 + 65)), "3 d 1 h");
        assert_eq!(human_span(TimeDelta::minutes(1440)), "1 d 0 h");
        assert_eq!(human_span(TimeDelta::minutes(-12)), "12 min");
        assert_eq!(human_span(TimeDelta::seconds(59)), "0 min");
    }
}
