//! The per-principal rate limit: a token bucket per (organization,
//! principal) — a person or an API token — so one principal's flood is
//! refused with RATE_LIMITED and `Retry-After` before it reaches the
//! database, while every other principal keeps its own budget.

use governor::clock::{Clock, DefaultClock};
use governor::{DefaultKeyedRateLimiter, Quota, RateLimiter};
use std::num::NonZeroU32;

pub struct RateLimit {
    limiter: DefaultKeyedRateLimiter<String>,
    clock: DefaultClock,
}

impl RateLimit {
    /// `per_second` on average with bursts of `burst`; None when `per_second` is 0 (off).
    pub fn new(per_second: u32, burst: u32) -> Option<RateLimit> {
        let per_second = NonZeroU32::new(per_second)?;
        let burst = NonZeroU32::new(burst.max(1)).unwrap_or(per_second);
        Some(RateLimit {
            limiter: RateLimiter::keyed(Quota::per_second(per_second).allow_burst(burst)),
            clock: DefaultClock::default(),
        })
    }

    /// Ok, or the whole seconds to wait before the next request is allowed.
    pub fn check(&self, principal: &str) -> Result<(), u64> {
        self.limiter
            .check_key(&principal.to_owned())
            .map_err(|not_until| {
                let wait = not_until.wait_time_from(self.clock.now());
                wait.as_secs() + u64::from(wait.subsec_nanos() > 0)
            })
    }
}
