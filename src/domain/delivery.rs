//! When to try an email again. Transient failures (server down, timeouts, 4xx replies) retry
//! forever with exponential backoff, capped, so an outage delays mail but never loses it;
//! permanent failures (5xx) stop at once for an admin to look at.

use chrono::TimeDelta;

pub const FIRST_RETRY: TimeDelta = TimeDelta::seconds(30);
pub const MAX_RETRY: TimeDelta = TimeDelta::hours(1);

/// Delay before attempt `attempts + 1`, given `attempts` failures so far (>= 1) and a jitter
/// draw in `[0, 1)`: 30 s, 1 min, 2 min, ... up to 1 h, each stretched by up to +25% so that
/// many emails failing together do not retry together.
pub fn retry_delay(attempts: i32, jitter: f64) -> TimeDelta {
    backoff(FIRST_RETRY, MAX_RETRY, attempts, jitter)
}

/// Exponential backoff with jitter: `first`, doubled for each failure after the first, at
/// most `max`, stretched by up to a quarter by `jitter` in `[0, 1)`.
pub fn backoff(first: TimeDelta, max: TimeDelta, attempts: i32, jitter: f64) -> TimeDelta {
    let doublings = (attempts.max(1) - 1).min(16) as u32;
    let base = (first * 2i32.pow(doublings)).min(max);
    let extra_ms = (base.num_milliseconds() as f64 * 0.25 * jitter.clamp(0.0, 1.0)) as i64;
    base + TimeDelta::milliseconds(extra_ms)
}

/// How long a worker may hold a claimed email before another worker may take it over (a
/// worker that crashed mid-send).
pub const CLAIM_LEASE: TimeDelta = TimeDelta::minutes(5);

/// One line, no control characters: for header values built from user-supplied text.
pub fn header_safe(value: &str) -> String {
    value
        .chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect::<String>()
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_from_30_seconds_and_is_capped_at_an_hour() {
        assert_eq!(retry_delay(1, 0.0), TimeDelta::seconds(30));
        assert_eq!(retry_delay(2, 0.0), TimeDelta::seconds(60));
        assert_eq!(retry_delay(3, 0.0), TimeDelta::seconds(120));
        assert_eq!(retry_delay(8, 0.0), TimeDelta::hours(1));
        assert_eq!(retry_delay(10_000, 0.0), TimeDelta::hours(1));
    }

    #[test]
    fn jitter_adds_at_most_a_quarter() {
        assert_eq!(retry_delay(1, 0.999_999), TimeDelta::milliseconds(37_499));
        assert_eq!(
            retry_delay(1, 5.0),
            TimeDelta::milliseconds(37_500),
            "clamped"
        );
        assert!(retry_delay(20, 0.5) <= MAX_RETRY + MAX_RETRY / 4);
    }

    #[test]
    fn header_values_cannot_carry_new_lines() {
        assert_eq!(
            header_safe("Hi\r\nBcc: evil@example.com"),
            "Hi Bcc: evil@example.com"
        );
        assert_eq!(header_safe("  plain  "), "plain");
    }
}
