//! How dates and times read, on pages and in emails alike. Every moment is stored and shown
//! in UTC, and says so where a time of day is shown; machine formats (form inputs, CSV, a
//! keyset cursor) are ISO 8601.

use std::time::Duration;

use chrono::{Datelike, NaiveDate, NaiveDateTime, Timelike};

use super::digits::push_padded;

/// Month abbreviations as chrono's `%b` writes them.
const MONTHS: [&str; 12] = [
    "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
];

fn push_day(out: &mut String, d: NaiveDate) {
    push_padded(out, d.day().into(), 1);
    out.push(' ');
    out.push_str(MONTHS[d.month0() as usize]);
    out.push(' ');
    push_padded(out, d.year().unsigned_abs().into(), 4);
}

/// "3 Mar 2026". Written out digit by digit, like `date_time`: a list page writes a few
/// dozen dates, and chrono's `format` or `format!` cost about 3,000 instructions each, a
/// twentieth of "My deals" (docs/performance.md).
pub fn day(d: NaiveDate) -> String {
    let mut out = String::with_capacity(12);
    push_day(&mut out, d);
    out
}

/// The day of a moment: "3 Mar 2026".
pub fn date(at: NaiveDateTime) -> String {
    day(at.date())
}

/// "3 Mar 2026, 14:05 UTC".
pub fn date_time(at: NaiveDateTime) -> String {
    let mut out = String::with_capacity(24);
    push_day(&mut out, at.date());
    out.push_str(", ");
    push_padded(&mut out, at.hour().into(), 2);
    out.push(':');
    push_padded(&mut out, at.minute().into(), 2);
    out.push_str(" UTC");
    out
}

/// "3 Mar 2026, 14:05:09 UTC": to the second, where the order of events matters (the
/// audit log).
pub fn date_time_seconds(at: NaiveDateTime) -> String {
    at.format("%-d %b %Y, %H:%M:%S UTC").to_string()
}

/// "2026-03-03", as a date input holds it.
pub fn iso_day(d: NaiveDate) -> String {
    d.format("%Y-%m-%d").to_string()
}

/// "2026-03-03T14:05:00Z", for files other programs read.
pub fn iso_utc(at: NaiveDateTime) -> String {
    at.format("%Y-%m-%dT%H:%M:%SZ").to_string()
}

/// How long something took: "4.2 s", "3 min 07 s".
pub fn elapsed(d: Duration) -> String {
    let s = d.as_secs();
    if s < 60 {
        format!("{:.1} s", d.as_secs_f64())
    } else {
        format!("{} min {:02} s", s / 60, s % 60)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_way_to_write_each() {
        let at = NaiveDate::from_ymd_opt(2026, 3, 3)
            .unwrap()
            .and_hms_opt(14, 5, 9)
            .unwrap();
        assert_eq!(day(at.date()), "3 Mar 2026");
        assert_eq!(date(at), "3 Mar 2026");
        assert_eq!(date_time(at), "3 Mar 2026, 14:05 UTC");
        assert_eq!(iso_day(at.date()), "2026-03-03");
        assert_eq!(iso_utc(at), "2026-03-03T14:05:09Z");
        assert_eq!(elapsed(Duration::from_millis(4_210)), "4.2 s");
        assert_eq!(elapsed(Duration::from_secs(187)), "3 min 07 s");
    }

    #[test]
    fn the_hand_written_dates_match_chrono_on_every_day_of_a_leap_year() {
        let mut d = NaiveDate::from_ymd_opt(2028, 1, 1).unwrap();
        while d.year() == 2028 {
            let at = d
                .and_hms_opt(d.ordinal() % 24, d.ordinal() % 60, 0)
                .unwrap();
            assert_eq!(day(d), d.format("%-d %b %Y").to_string());
            assert_eq!(date_time(at), at.format("%-d %b %Y, %H:%M UTC").to_string());
            d = d.succ_opt().unwrap();
        }
        let early = NaiveDate::from_ymd_opt(987, 12, 31).unwrap();
        assert_eq!(day(early), "31 Dec 0987");
    }
}
