//! How dates and times read, on pages and in emails alike. Every moment is stored and shown
//! in UTC, and says so where a time of day is shown; machine formats (form inputs, CSV, a
//! keyset cursor) are ISO 8601.

use std::time::Duration;

use chrono::{NaiveDate, NaiveDateTime};

/// "3 Mar 2026".
pub fn day(d: NaiveDate) -> String {
    d.format("%-d %b %Y").to_string()
}

/// The day of a moment: "3 Mar 2026".
pub fn date(at: NaiveDateTime) -> String {
    day(at.date())
}

/// "3 Mar 2026, 14:05 UTC".
pub fn date_time(at: NaiveDateTime) -> String {
    at.format("%-d %b %Y, %H:%M UTC").to_string()
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
}
