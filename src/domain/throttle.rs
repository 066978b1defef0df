//! Failed sign-in throttling, on two counts.
//!
//! - Per (email, client address): an attacker guessing from their addresses locks only those
//!   addresses out of the account, never the real user at theirs, and every lockout is
//!   bounded. The owner signing in from one address clears only that address's count.
//! - Per account across all addresses: rotating addresses gives no unlimited guesses. After
//!   [`ACCOUNT_FREE_ATTEMPTS`] failures in a row the account answers one attempt at a time
//!   with a growing delay capped at [`MAX_ACCOUNT_DELAY`], so an attacker gets at most one
//!   guess a minute, and the real user is never kept out longer than that.

use chrono::TimeDelta;

/// Failures allowed before the first lockout.
pub const FREE_ATTEMPTS: i32 = 5;
/// The longest a lockout lasts, however many failures came before.
pub const MAX_LOCKOUT: TimeDelta = TimeDelta::minutes(15);

/// How long sign-in stays closed after the `failures`-th consecutive failure: nothing for the
/// first few, then 1, 2, 4, 8 minutes, capped at [`MAX_LOCKOUT`].
pub fn lockout_after(failures: i32) -> Option<TimeDelta> {
    if failures < FREE_ATTEMPTS {
        return None;
    }
    let doublings = (failures - FREE_ATTEMPTS).min(10) as u32;
    let minutes = 1i64 << doublings;
    Some(TimeDelta::minutes(minutes).min(MAX_LOCKOUT))
}

/// Failures of an account from any addresses allowed before attempts are spaced out.
pub const ACCOUNT_FREE_ATTEMPTS: i32 = 10;
/// The longest wait between attempts on one account: short enough that nobody can lock the
/// owner out with it, long enough that guessing from many addresses is slow.
pub const MAX_ACCOUNT_DELAY: TimeDelta = TimeDelta::seconds(60);

/// How long the account waits after its `failures`-th consecutive failure from any address:
/// nothing for the first ten, then 2, 4, 8 … seconds, capped at [`MAX_ACCOUNT_DELAY`].
pub fn account_delay_after(failures: i32) -> Option<TimeDelta> {
    if failures < ACCOUNT_FREE_ATTEMPTS {
        return None;
    }
    let doublings = (failures - ACCOUNT_FREE_ATTEMPTS).min(10) as u32;
    Some(TimeDelta::seconds(2i64 << doublings).min(MAX_ACCOUNT_DELAY))
}

/// Whole minutes left, rounded up, for the message shown to a locked-out user.
pub fn minutes_left(remaining: TimeDelta) -> i64 {
    let secs = remaining.num_seconds().max(1);
    (secs + 59) / 60
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn first_failures_are_free_then_lockout_grows_and_is_capped() {
        for n in 0..FREE_ATTEMPTS {
            assert_eq!(lockout_after(n), None, "failure {n}");
        }
        assert_eq!(lockout_after(5), Some(TimeDelta::minutes(1)));
        assert_eq!(lockout_after(6), Some(TimeDelta::minutes(2)));
        assert_eq!(lockout_after(7), Some(TimeDelta::minutes(4)));
        assert_eq!(lockout_after(8), Some(TimeDelta::minutes(8)));
        assert_eq!(lockout_after(9), Some(MAX_LOCKOUT));
        assert_eq!(lockout_after(10_000), Some(MAX_LOCKOUT));
    }

    #[test]
    fn the_account_wide_delay_grows_and_never_exceeds_a_minute() {
        for n in 0..ACCOUNT_FREE_ATTEMPTS {
            assert_eq!(account_delay_after(n), None, "failure {n}");
        }
        assert_eq!(account_delay_after(10), Some(TimeDelta::seconds(2)));
        assert_eq!(account_delay_after(11), Some(TimeDelta::seconds(4)));
        assert_eq!(account_delay_after(14), Some(TimeDelta::seconds(32)));
        assert_eq!(account_delay_after(15), Some(MAX_ACCOUNT_DELAY));
        assert_eq!(account_delay_after(1_000_000), Some(MAX_ACCOUNT_DELAY));
    }

    #[test]
    fn minutes_left_rounds_up() {
        assert_eq!(minutes_left(TimeDelta::seconds(1)), 1);
        assert_eq!(minutes_left(TimeDelta::seconds(60)), 1);
        assert_eq!(minutes_left(TimeDelta::seconds(61)), 2);
        assert_eq!(minutes_left(TimeDelta::zero()), 1);
    }
}
