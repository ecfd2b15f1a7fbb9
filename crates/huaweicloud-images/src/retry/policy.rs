//! When and how long to wait before trying a call again ([`RetryPolicy`]).
//!
//! By default a call is tried up to 4 times on the failures [`super::classify`] says are worth it,
//! with exponential backoff (200 ms doubling up to 5 s) plus random jitter (up to the same again), honouring
//! `Retry-After` (a longer one than 30 s ends the retries; `0` or a date in the past still waits
//! the initial backoff, at most 1 s, plus jitter, so that clients told the same instant do not all
//! retry at once). The waits between attempts, `Retry-After` included, add up to at most 30 s; each attempt has its own time-out (30 s
//! by default, see `ClientBuilder::request_timeout`), and `ClientBuilder::total_timeout` bounds the
//! whole call. Retries are also paid from a budget every call of the client to a service shares
//! ([`RetryBudget`]): when it runs dry, failures are returned at once. The backoff schedule is
//! [`backon`]'s.

use std::time::Duration;

use backon::ExponentialBuilder;

use super::budget::RetryBudget;

/// How a call is retried. Build one with [`RetryPolicy::default`] and the `with_*` methods, or
/// turn retries off with [`RetryPolicy::disabled`].
///
/// ```
/// use std::time::Duration;
/// use huaweicloud_images::RetryPolicy;
///
/// let patient = RetryPolicy::default()
///     .with_max_attempts(6)
///     .with_max_backoff(Duration::from_secs(10));
/// assert_eq!(patient.max_attempts(), 6);
/// assert_eq!(RetryPolicy::disabled().max_attempts(), 1);
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RetryPolicy {
    max_attempts: u32,
    initial_backoff: Duration,
    max_backoff: Duration,
    max_total_delay: Duration,
    max_retry_after: Duration,
    jitter: bool,
    budget: Option<RetryBudget>,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        Self {
            max_attempts: 4,
            initial_backoff: Duration::from_millis(200),
            max_backoff: Duration::from_secs(5),
            max_total_delay: Duration::from_secs(30),
            max_retry_after: Duration::from_secs(30),
            jitter: true,
            budget: Some(RetryBudget::default()),
        }
    }
}

impl RetryPolicy {
    /// One attempt, no retries.
    pub fn disabled() -> Self {
        Self {
            max_attempts: 1,
            ..Self::default()
        }
    }

    /// Attempts in all, the first included (at least 1; 0 is read as 1).
    pub fn with_max_attempts(mut self, attempts: u32) -> Self {
        self.max_attempts = attempts.max(1);
        self
    }

    /// The wait before the first retry; it doubles on each further retry.
    pub fn with_initial_backoff(mut self, delay: Duration) -> Self {
        self.initial_backoff = delay;
        self
    }

    /// The longest wait between two attempts.
    pub fn with_max_backoff(mut self, delay: Duration) -> Self {
        self.max_backoff = delay;
        self
    }

    /// The most time spent waiting between attempts over the whole call; no retry starts past it.
    pub fn with_max_total_delay(mut self, delay: Duration) -> Self {
        self.max_total_delay = delay;
        self
    }

    /// The longest `Retry-After` honoured; a longer one ends the retries.
    pub fn with_max_retry_after(mut self, delay: Duration) -> Self {
        self.max_retry_after = delay;
        self
    }

    /// Exact exponential delays, without random jitter (for reproducible tests).
    pub fn without_jitter(mut self) -> Self {
        self.jitter = false;
        self
    }

    /// Retries are paid from a budget shared by every call of the client to a service (on by
    /// default, [`RetryBudget::default`]): when it is empty, a failure is returned at once
    /// instead of adding load to a struggling service.
    pub fn with_retry_budget(mut self, budget: RetryBudget) -> Self {
        self.budget = Some(budget);
        self
    }

    /// Retries are bounded by the attempts and the total delay only, not by a shared budget.
    pub fn without_retry_budget(mut self) -> Self {
        self.budget = None;
        self
    }

    /// Attempts in all, the first included.
    pub fn max_attempts(&self) -> u32 {
        self.max_attempts
    }

    /// The shared retry budget, if any.
    pub fn retry_budget(&self) -> Option<RetryBudget> {
        self.budget
    }

    /// The backoff schedule for one call (the runtime's retry loop takes one delay per retry).
    pub(crate) fn backoff(&self) -> ExponentialBuilder {
        let builder = ExponentialBuilder::new()
            .with_min_delay(self.initial_backoff)
            .with_max_delay(self.max_backoff)
            .with_factor(2.0)
            .with_max_times(self.max_attempts.saturating_sub(1) as usize)
            .with_total_delay(Some(self.max_total_delay));
        if self.jitter {
            builder.with_jitter()
        } else {
            builder
        }
    }

    /// The wait before the next attempt: the service's `Retry-After` when it sent one it may be
    /// trusted with, otherwise the backoff's. `None` ends the retries: when the backoff says so
    /// (attempts used up), when `Retry-After` is longer than allowed, or when the wait would take
    /// the call's waiting so far (`waited`) past the total-delay budget.
    pub(crate) fn next_delay(
        &self,
        retry_after: Option<Duration>,
        backoff: Option<Duration>,
        waited: Duration,
    ) -> Option<Duration> {
        let backoff = backoff?;
        let wait = match retry_after {
            Some(wait) if wait > self.max_retry_after => return None,
            // `Retry-After: 0` or a past date: still a jittered minimum, so that many clients
            // told the same instant do not all retry at once.
            Some(wait) => wait.max(self.jittered_minimum()),
            None => backoff,
        };
        (waited.saturating_add(wait) <= self.max_total_delay).then_some(wait)
    }

    /// The least wait after a `Retry-After`: the initial backoff (at most 1 s), plus up to as much
    /// again at random (unless jitter is off).
    fn jittered_minimum(&self) -> Duration {
        let floor = self.initial_backoff.min(Duration::from_secs(1));
        if !self.jitter {
            return floor;
        }
        let spread = u64::try_from(floor.as_micros()).unwrap_or(u64::MAX);
        floor + Duration::from_micros(rand::random_range(0..=spread))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use backon::BackoffBuilder;

    #[test]
    fn backoff_doubles_without_jitter_and_stops_after_max_attempts() {
        let policy = RetryPolicy::default().without_jitter().with_max_attempts(4);
        let delays: Vec<u128> = policy.backoff().build().map(|d| d.as_millis()).collect();
        assert_eq!(delays, [200, 400, 800], "3 retries after the first attempt");
        assert_eq!(RetryPolicy::disabled().backoff().build().count(), 0);
    }

    #[test]
    fn total_delay_budget_cuts_the_schedule() {
        let policy = RetryPolicy::default()
            .without_jitter()
            .with_max_attempts(10)
            .with_max_total_delay(Duration::from_millis(700));
        let total: Duration = policy.backoff().build().sum();
        assert!(total <= Duration::from_millis(700), "{total:?}");
    }

    #[test]
    fn retry_after_wins_over_backoff_but_never_extends_the_attempts() {
        let policy = RetryPolicy::default();
        let backoff = Some(Duration::from_millis(200));
        let none = Duration::ZERO;
        assert_eq!(
            policy.next_delay(Some(Duration::from_secs(2)), backoff, none),
            Some(Duration::from_secs(2))
        );
        assert_eq!(policy.next_delay(None, backoff, none), backoff);
        assert_eq!(
            policy.next_delay(Some(Duration::from_secs(1)), None, none),
            None
        );
        assert_eq!(
            policy.next_delay(Some(Duration::from_secs(3600)), backoff, none),
            None
        );
    }

    #[test]
    fn a_retry_after_of_now_still_waits_a_jittered_minimum() {
        let backoff = Some(Duration::from_millis(200));
        let fixed = RetryPolicy::default().without_jitter();
        assert_eq!(
            fixed.next_delay(Some(Duration::ZERO), backoff, Duration::ZERO),
            Some(Duration::from_millis(200)),
            "at least the initial backoff"
        );
        let policy = RetryPolicy::default();
        let waits: Vec<Duration> = (0..64)
            .map(|_| {
                policy
                    .next_delay(Some(Duration::ZERO), backoff, Duration::ZERO)
                    .unwrap()
            })
            .collect();
        for wait in &waits {
            assert!(
                (Duration::from_millis(200)..=Duration::from_millis(400)).contains(wait),
                "{wait:?}"
            );
        }
        let distinct: std::collections::HashSet<_> = waits.iter().collect();
        assert!(distinct.len() > 8, "spread out, not all at once: {waits:?}");
        // A longer Retry-After is kept as is.
        assert_eq!(
            policy.next_delay(Some(Duration::from_secs(2)), backoff, Duration::ZERO),
            Some(Duration::from_secs(2))
        );
    }

    #[test]
    fn retry_after_waits_count_against_the_total_delay_budget() {
        let policy = RetryPolicy::default().with_max_total_delay(Duration::from_secs(5));
        let backoff = Some(Duration::from_millis(200));
        let two = Some(Duration::from_secs(2));
        assert_eq!(policy.next_delay(two, backoff, Duration::ZERO), two);
        assert_eq!(policy.next_delay(two, backoff, Duration::from_secs(2)), two);
        assert_eq!(
            policy.next_delay(two, backoff, Duration::from_secs(4)),
            None
        );
        assert_eq!(
            policy.next_delay(None, backoff, Duration::from_millis(4_900)),
            None,
            "backoff waits count too"
        );
    }
}
