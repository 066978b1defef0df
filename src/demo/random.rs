//! The random choices every part of the load draws from the one seeded generator, so that
//! the same seed gives the same names and amounts: picks, spans of time, deal amounts and
//! row ids.

use chrono::{NaiveDateTime, TimeDelta};
use rand::Rng;
use rand::rngs::SmallRng;

use crate::domain::policy::{Policy, Segment};

/// One of `items`.
pub(super) fn pick<T: Copy>(rng: &mut SmallRng, items: &[T]) -> T {
    items[rng.random_range(0..items.len())]
}

/// Row ids as `ids::new_id` makes them (UUIDv7), issued in strictly increasing order
/// one millisecond apart, ending before the generation time: as if the rows had been loaded
/// over the last hour or so. Increasing ids append to the primary key indexes instead of
/// inserting all over them, which keeps a big load fast.
pub(super) struct Ids {
    next_ms: u64,
}

impl Ids {
    pub(super) fn new(now: NaiveDateTime, expected: u64) -> Ids {
        let now_ms = u64::try_from(now.and_utc().timestamp_millis()).unwrap_or(0);
        Ids {
            next_ms: now_ms.saturating_sub(expected),
        }
    }

    pub(super) fn next(&mut self, rng: &mut SmallRng) -> String {
        let random: [u8; 10] = rng.random();
        self.next_ms += 1;
        uuid::Builder::from_unix_timestamp_millis(self.next_ms, &random)
            .into_uuid()
            .to_string()
    }
}

/// A span of whole seconds from `from` up to `to` (at least `from`).
pub(super) fn secs(rng: &mut SmallRng, from: TimeDelta, to: TimeDelta) -> TimeDelta {
    TimeDelta::seconds(
        rng.random_range(from.num_seconds()..to.num_seconds().max(from.num_seconds() + 1)),
    )
}

/// An amount in a currency and its program units (never above the direct threshold,
/// since larger deals cannot be registered).
pub(super) fn amount(rng: &mut SmallRng, policy: &Policy) -> (i64, &'static str, i64, Segment) {
    let roll = rng.random_range(0..100);
    let units: i64 = match roll {
        0..60 => rng.random_range(4..50) * 500,
        60..95 => rng.random_range(25..100) * 1_000,
        _ => 100_000,
    };
    let currency = match (roll, rng.random_range(0..100)) {
        (95.., _) | (_, 0..80) => "USD",
        (_, 80..92) => "EUR",
        _ => "GBP",
    };
    let minor = if currency == policy.currency {
        units * 100
    } else {
        let micros = policy
            .rates
            .iter()
            .find(|r| r.currency == currency)
            .map_or(1_000_000, |r| r.micros);
        // Whole hundreds of the deal's currency.
        (units * 1_000_000 / micros) / 100 * 100 * 100
    };
    let program_units = policy
        .to_program_units(minor, currency)
        .unwrap_or(units)
        .min(policy.direct_threshold);
    (
        minor,
        currency,
        program_units,
        policy.segment(program_units),
    )
}
