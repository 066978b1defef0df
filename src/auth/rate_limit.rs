//! Sign-in attempts per client address, in memory per instance (the per-account lockout in
//! the database is what holds across instances).

use std::net::IpAddr;
use std::num::NonZeroU32;

use governor::{DefaultKeyedRateLimiter, Quota, RateLimiter};

pub struct LoginRateLimiter {
    limiter: DefaultKeyedRateLimiter<IpAddr>,
}

impl LoginRateLimiter {
    pub fn per_minute(attempts: u32) -> Self {
        let n = NonZeroU32::new(attempts.max(1)).expect("at least one");
        Self {
            limiter: RateLimiter::keyed(Quota::per_minute(n)),
        }
    }

    /// True if this address may try once more now.
    pub fn allow(&self, addr: IpAddr) -> bool {
        if self.limiter.len() > 10_000 {
            self.limiter.retain_recent();
        }
        self.limiter.check_key(&addr).is_ok()
    }
}

/// API requests per token, in memory per instance: a runaway script slows down without
/// starving the pages or other tokens.
pub struct ApiRateLimiter {
    limiter: DefaultKeyedRateLimiter<String>,
}

impl ApiRateLimiter {
    pub fn per_minute(requests: u32) -> Self {
        let n = NonZeroU32::new(requests.max(1)).expect("at least one");
        Self {
            limiter: RateLimiter::keyed(Quota::per_minute(n)),
        }
    }

    /// `Ok` if this token may make one more request now, else how long until it may.
    pub fn check(&self, token_id: &str) -> Result<(), std::time::Duration> {
        use governor::clock::{Clock, DefaultClock};
        if self.limiter.len() > 10_000 {
            self.limiter.retain_recent();
        }
        self.limiter
            .check_key(&token_id.to_owned())
            .map_err(|not_until| not_until.wait_time_from(DefaultClock::default().now()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_address_gets_its_own_budget() {
        let limiter = LoginRateLimiter::per_minute(3);
        let a: IpAddr = "192.0.2.1".parse().unwrap();
        let b: IpAddr = "192.0.2.2".parse().unwrap();
        assert!((0..3).all(|_| limiter.allow(a)));
        assert!(!limiter.allow(a));
        assert!(limiter.allow(b));
    }

    #[test]
    fn each_token_gets_its_own_budget_and_is_told_how_long_to_wait() {
        let limiter = ApiRateLimiter::per_minute(2);
        assert!(limiter.check("t1").is_ok() && limiter.check("t1").is_ok());
        let wait = limiter.check("t1").unwrap_err();
        assert!(wait > std::time::Duration::ZERO && wait <= std::time::Duration::from_secs(30));
        assert!(limiter.check("t2").is_ok());
    }
}
