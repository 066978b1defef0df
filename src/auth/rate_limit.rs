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
}
