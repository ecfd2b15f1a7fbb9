//! What is retried, and when and how long to wait before trying a call again.
//!
//! Every operation of this crate is a `GET`, so retrying is always safe. By default a call is tried
//! up to 4 times on connection errors, time-outs (of one attempt), a body that breaks off, a `2xx`
//! body that is not well-formed JSON (truncated or garbled on the way), and HTTP 408, 429, 500,
//! 502, 503 and 504 (`Failure::is_retryable` is the one place that says so), with exponential
//! backoff (200 ms doubling up to 5 s) plus random jitter (up to the same again), honouring
//! `Retry-After` (a longer one than 30 s ends the retries; `0` or a date in the past still waits
//! the initial backoff, at most 1 s, plus jitter, so that clients told the same instant do not all
//! retry at once). The waits between attempts, `Retry-After` included, add up to at most 30 s; each attempt has its own time-out (30 s
//! by default, see `ClientBuilder::request_timeout`), and `ClientBuilder::total_timeout` bounds the
//! whole call. Retries are also paid from a budget every call of the client to a service shares
//! ([`RetryBudget`]): when it runs dry, failures are returned at once. The backoff schedule is
//! [`backon`]'s.

use std::time::{Duration, SystemTime};

use backon::ExponentialBuilder;
use reqwest::header::{HeaderMap, RETRY_AFTER};

use crate::flow::RetryBudget;

/// What went wrong with one attempt, as far as trying it again goes. The transport classifies each
/// failed attempt with it, and [`crate::Error::is_retryable`] each final error.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Failure {
    /// No complete answer: DNS, connect, TLS, time-out, reset, a body that broke off.
    NoAnswer,
    /// The request could not be built or signed: trying again cannot help.
    Unsendable,
    /// The service answered with this status.
    Status(u16),
    /// A `2xx` whose body is not well-formed JSON.
    MalformedBody,
    /// A body past the client's size cap: it would be as large again.
    BodyTooLarge,
}

impl Failure {
    /// Whether another attempt may succeed.
    pub(crate) fn is_retryable(self) -> bool {
        match self {
            Failure::NoAnswer | Failure::MalformedBody => true,
            Failure::Status(status) => matches!(status, 408 | 429 | 500 | 502 | 503 | 504),
            Failure::Unsendable | Failure::BodyTooLarge => false,
        }
    }
}

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

    /// The backoff schedule for one call.
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

/// `Retry-After` as a delay: either seconds or an HTTP date. Unparsable values are ignored.
pub(crate) fn retry_after(headers: &HeaderMap) -> Option<Duration> {
    let value = headers.get(RETRY_AFTER)?.to_str().ok()?.trim();
    if let Ok(seconds) = value.parse::<u64>() {
        return Some(Duration::from_secs(seconds));
    }
    let at = httpdate::parse_http_date(value).ok()?;
    Some(
        at.duration_since(SystemTime::now())
            .unwrap_or(Duration::ZERO),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use backon::BackoffBuilder;
    use reqwest::header::HeaderValue;

    fn headers(value: &str) -> HeaderMap {
        let mut h = HeaderMap::new();
        h.insert(RETRY_AFTER, HeaderValue::from_str(value).unwrap());
        h
    }

    #[test]
    fn retry_after_reads_seconds_and_http_dates() {
        assert_eq!(retry_after(&headers("3")), Some(Duration::from_secs(3)));
        assert_eq!(retry_after(&headers(" 0 ")), Some(Duration::ZERO));
        let soon = SystemTime::now() + Duration::from_secs(120);
        let at = retry_after(&headers(&httpdate::fmt_http_date(soon))).unwrap();
        assert!(
            at > Duration::from_secs(100) && at <= Duration::from_secs(120),
            "{at:?}"
        );
        let past = httpdate::fmt_http_date(SystemTime::now() - Duration::from_secs(60));
        assert_eq!(retry_after(&headers(&past)), Some(Duration::ZERO));
        assert_eq!(retry_after(&headers("soon")), None);
        assert_eq!(retry_after(&HeaderMap::new()), None);
    }

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
