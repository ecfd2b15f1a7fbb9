//! The API gateway's flow control: a token bucket per project and operation (the real gateway
//! throttles per user and API). A request that finds its bucket empty is answered `429` with
//! `Retry-After` (the seconds until a token is back, rounded up; none when that is under a second,
//! since rounding it up would hold a client back far too long) and
//! the gateway's body (`APIGW.0308`), before the handler and the injected faults.

use std::collections::HashMap;
use std::sync::{Mutex, PoisonError};
use std::time::Duration;

use tokio::time::Instant;

use crate::generated::operations::Operation;

/// A token bucket's size: `rate` tokens per second, at most `burst` saved up (and at the start).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Throttle {
    /// Requests per second let through, sustained.
    pub rate: f64,
    /// Requests let through at once after a quiet spell.
    pub burst: f64,
}

#[derive(Debug)]
struct Bucket {
    tokens: f64,
    last: Instant,
}

/// Every bucket of one server.
#[derive(Debug, Default)]
pub(crate) struct Buckets {
    throttle: Mutex<Option<Throttle>>,
    buckets: Mutex<HashMap<(String, Operation), Bucket>>,
}

impl Buckets {
    pub(crate) fn new(throttle: Option<Throttle>) -> Self {
        Buckets {
            throttle: Mutex::new(throttle.filter(usable)),
            buckets: Mutex::default(),
        }
    }

    /// Sets (or, with `None`, lifts) the throttle; every bucket starts full again.
    pub(crate) fn set(&self, throttle: Option<Throttle>) {
        *self.throttle.lock().unwrap_or_else(PoisonError::into_inner) = throttle.filter(usable);
        self.buckets
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clear();
    }

    /// Takes a token for a request of `operation` in `project`, or says how long until one is
    /// back.
    pub(crate) fn take(&self, project: &str, operation: Operation) -> Result<(), Duration> {
        let Some(throttle) = *self.throttle.lock().unwrap_or_else(PoisonError::into_inner) else {
            return Ok(());
        };
        let now = Instant::now();
        let mut buckets = self.buckets.lock().unwrap_or_else(PoisonError::into_inner);
        let bucket = buckets
            .entry((project.to_string(), operation))
            .or_insert(Bucket {
                tokens: throttle.burst,
                last: now,
            });
        let refill = now.duration_since(bucket.last).as_secs_f64() * throttle.rate;
        bucket.tokens = (bucket.tokens + refill).min(throttle.burst.max(1.0));
        bucket.last = now;
        if bucket.tokens >= 1.0 {
            bucket.tokens -= 1.0;
            Ok(())
        } else {
            Err(
                Duration::try_from_secs_f64((1.0 - bucket.tokens) / throttle.rate)
                    .unwrap_or(Duration::MAX),
            )
        }
    }
}

fn usable(throttle: &Throttle) -> bool {
    throttle.check().is_ok()
}

/// The least rate a throttle takes (one request in about 17 minutes).
const MIN_RATE: f64 = 1e-3;
/// The largest rate or burst a throttle takes.
const MAX_AMOUNT: f64 = 1e9;

impl Throttle {
    /// Why this throttle is not usable: a rate outside 0.001 to 10⁹ per second, or a burst
    /// outside 0 to 10⁹ (or either not a number).
    ///
    /// # Errors
    /// The reason, for a person.
    pub fn check(&self) -> Result<(), String> {
        if !(MIN_RATE..=MAX_AMOUNT).contains(&self.rate) {
            return Err(format!(
                "rate {} must be {MIN_RATE} to {MAX_AMOUNT} requests per second",
                self.rate
            ));
        }
        if !(0.0..=MAX_AMOUNT).contains(&self.burst) {
            return Err(format!("burst {} must be 0 to {MAX_AMOUNT}", self.burst));
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unusable_throttles_are_named_and_never_panic() {
        for (rate, burst) in [(0.0, 10.0), (f64::NAN, 1.0), (1e-300, 0.0), (20.0, -1e21)] {
            let throttle = Throttle { rate, burst };
            assert!(throttle.check().is_err(), "{throttle:?}");
        }
        // The least usable rate still answers with a wait, not a panic.
        let buckets = Buckets::new(Some(Throttle {
            rate: MIN_RATE,
            burst: 0.0,
        }));
        assert!(buckets.take("p", Operation::ListImages).unwrap_err() > Duration::from_secs(60));
    }

    #[tokio::test(start_paused = true)]
    async fn a_bucket_lets_its_burst_through_then_its_rate() {
        let buckets = Buckets::new(Some(Throttle {
            rate: 20.0,
            burst: 10.0,
        }));
        let op = Operation::ListImages;
        for _ in 0..10 {
            assert!(buckets.take("p", op).is_ok());
        }
        let wait = buckets.take("p", op).unwrap_err();
        assert_eq!(wait, Duration::from_millis(50));
        // Another project, another operation: other buckets.
        assert!(buckets.take("q", op).is_ok());
        assert!(buckets.take("p", Operation::ListImageServers).is_ok());
        tokio::time::advance(Duration::from_millis(50)).await;
        assert!(buckets.take("p", op).is_ok());
        assert!(buckets.take("p", op).is_err());
        // In one second, 20 more and no more.
        tokio::time::advance(Duration::from_secs(1)).await;
        let passed = (0..30).filter(|_| buckets.take("p", op).is_ok()).count();
        assert_eq!(passed, 10, "refilled up to the burst only");
        buckets.set(None);
        assert!((0..100).all(|_| buckets.take("p", op).is_ok()));
    }
}
