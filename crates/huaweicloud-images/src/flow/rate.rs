//! The request rate of one client to one service: a fixed limit a user sets, an adaptive one
//! learnt from throttling answers, or both (the lower applies).
//!
//! The adaptive limit is off until the service throttles (`429`; a `503` is an overload or an
//! outage, left to the concurrency, the backoff and the retry budget, since a rate measured from a
//! caller's own pace says nothing about it): the gateway throttles by a token bucket per user and
//! API, and no request rate is known until it says so. Then:
//! - at a throttling answer while off, the rate is set to 90 % of the rate of successful answers
//!   in the last 250 ms (the bucket's burst was just spent, so this overestimates a little);
//! - at a later one, when at least 500 ms passed since the last change, to 95 % of the rate of
//!   successful answers since that change — the bucket was empty at both ends of that time, so
//!   what succeeded in it is what the bucket refilled: the service's rate; sooner, to 80 % of the
//!   current rate (the evidence is too thin to measure);
//! - a rate is only learnt from at least 2 successful answers: throttling with nothing getting
//!   through (an outage) is left to the concurrency and the retry budget;
//! - each successful answer raises it by 0.05 % (it crosses back over the measured rate after
//!   about 100 successes), so that it keeps probing for more; never below
//!   1 request per second;
//! - 5 s without a throttling answer and without a request having waited for the limit, it is off
//!   again (a limit that keeps requests back is what keeps the service from throttling, so it
//!   stays; it keeps probing upwards);
//! - answers to requests sent before the last change do not change it again (generations, as for
//!   the concurrency).
//!
//! Requests wait their turn without reserving it, so a waiting request sees a change at once.

use std::collections::VecDeque;
use std::sync::{Mutex, PoisonError};
use std::time::Duration;

use tokio::time::Instant;

/// The least adaptive rate, requests per second.
const MIN_RATE: f64 = 1.0;
/// The least fixed rate, requests per second (one request a day); lower ones are raised to it.
const MIN_FIXED_RATE: f64 = 1.0 / 86_400.0;
/// The least successful answers a rate is learnt from.
const MIN_EVIDENCE: u64 = 2;
/// How long without a throttling answer before the adaptive limit is off again.
const QUIET: Duration = Duration::from_secs(5);

/// The rate limit of one client for one service.
#[derive(Debug)]
pub(crate) struct RateLimiter {
    /// A limit the user set (requests per second).
    fixed: Option<f64>,
    adaptive: bool,
    state: Mutex<State>,
}

#[derive(Debug)]
struct State {
    /// The adaptive rate; `None` until the first throttling answer.
    rate: Option<f64>,
    /// The earliest time the next request may go.
    next: Option<Instant>,
    generation: u64,
    last_change: Option<Instant>,
    /// When a request last waited for the rate.
    last_held_back: Option<Instant>,
    /// Successful answers since the last change.
    since_change: u64,
    /// When the recent successful answers came (the last second).
    recent: VecDeque<Instant>,
}

impl RateLimiter {
    pub(crate) fn new(fixed: Option<f64>, adaptive: bool) -> Self {
        RateLimiter {
            fixed: fixed
                .filter(|r| r.is_finite() && *r > 0.0)
                .map(|r| r.max(MIN_FIXED_RATE)),
            adaptive,
            state: Mutex::new(State {
                rate: None,
                next: None,
                generation: 0,
                last_change: None,
                last_held_back: None,
                since_change: 0,
                recent: VecDeque::new(),
            }),
        }
    }

    fn state(&self) -> std::sync::MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// The rate that applies now, if any.
    pub(crate) fn rate(&self) -> Option<f64> {
        let adaptive = self.state().current(Instant::now());
        match (self.fixed, adaptive) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        }
    }

    /// Waits until a request may go, and returns the generation its answer reports with.
    pub(crate) async fn acquire(&self) -> u64 {
        loop {
            let wait = {
                let mut state = self.state();
                let now = Instant::now();
                let rate = match (self.fixed, state.current(now)) {
                    (Some(a), Some(b)) => Some(a.min(b)),
                    (a, b) => a.or(b),
                };
                let Some(rate) = rate else {
                    return state.generation;
                };
                match state.next {
                    Some(next) if next > now => {
                        state.last_held_back = Some(now);
                        next - now
                    }
                    _ => {
                        // At most a day apart (a rate is at least MIN_FIXED_RATE).
                        let spacing = Duration::try_from_secs_f64(1.0 / rate)
                            .unwrap_or(Duration::MAX)
                            .min(Duration::from_secs(86_400));
                        state.next = Some(now.checked_add(spacing).unwrap_or(now));
                        return state.generation;
                    }
                }
            };
            tokio::time::sleep(wait).await;
        }
    }

    /// A successful answer to a request.
    pub(crate) fn succeeded(&self) {
        let now = Instant::now();
        let mut state = self.state();
        state.since_change += 1;
        state.recent.push_back(now);
        while state
            .recent
            .front()
            .is_some_and(|t| now.duration_since(*t) > Duration::from_secs(1))
        {
            state.recent.pop_front();
        }
        if let Some(rate) = &mut state.rate {
            *rate *= 1.0005;
        }
    }

    /// A throttling answer to a request sent in `generation`.
    pub(crate) fn throttled(&self, generation: u64) {
        if !self.adaptive {
            return;
        }
        let now = Instant::now();
        let mut state = self.state();
        if generation < state.generation {
            return;
        }
        let recent = state
            .recent
            .iter()
            .filter(|t| now.duration_since(**t) <= Duration::from_millis(250))
            .count() as f64;
        let current = state.current(now);
        let rate = match (current, state.last_change) {
            (None, _) | (_, None) => (recent >= MIN_EVIDENCE as f64).then(|| 0.9 * recent / 0.25),
            (Some(rate), Some(changed)) => {
                let span = now.duration_since(changed).as_secs_f64();
                if span < 0.5 {
                    Some(0.8 * rate)
                } else if state.since_change >= MIN_EVIDENCE {
                    Some(rate.min(0.95 * state.since_change as f64 / span))
                } else {
                    Some(rate)
                }
            }
        };
        state.rate = rate.map(|r| r.max(MIN_RATE));
        state.generation += 1;
        state.last_change = Some(now);
        state.since_change = 0;
        tracing::debug!(rate = ?state.rate, "throttled: request rate lowered");
    }
}

impl State {
    /// The adaptive rate, unless a quiet spell turned it off: no throttling answer and no request
    /// held back by it for [`QUIET`].
    fn current(&mut self, now: Instant) -> Option<f64> {
        let quiet = |at: Option<Instant>| at.is_none_or(|at| now.duration_since(at) >= QUIET);
        if self.last_change.is_some() && quiet(self.last_change) && quiet(self.last_held_back) {
            self.rate = None;
        }
        self.rate
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test(start_paused = true)]
    async fn a_fixed_rate_spaces_requests_exactly() {
        let limiter = RateLimiter::new(Some(10.0), false);
        let started = Instant::now();
        for _ in 0..21 {
            limiter.acquire().await;
        }
        let elapsed = started.elapsed();
        assert_eq!(elapsed, Duration::from_secs(2), "20 gaps of 100 ms");
        limiter.throttled(0);
        assert_eq!(limiter.rate(), Some(10.0), "a fixed rate does not adapt");
    }

    #[tokio::test(start_paused = true)]
    async fn no_limit_until_the_first_throttling_answer_then_the_recent_success_rate() {
        let limiter = RateLimiter::new(None, true);
        let started = Instant::now();
        for _ in 0..100 {
            limiter.acquire().await;
        }
        assert_eq!(started.elapsed(), Duration::ZERO);
        for _ in 0..10 {
            limiter.succeeded();
            tokio::time::advance(Duration::from_millis(10)).await;
        }
        let generation = limiter.acquire().await;
        limiter.throttled(generation);
        // 10 successes in the last 250 ms: 40 per second, 90 % of it.
        let rate = limiter.rate().unwrap();
        assert!((rate - 36.0).abs() < 1e-9, "{rate}");
        // A late answer to a request sent before the change changes nothing.
        limiter.throttled(generation);
        assert_eq!(limiter.rate(), Some(rate));
    }

    #[tokio::test(start_paused = true)]
    async fn a_later_throttling_answer_measures_the_service_rate() {
        let limiter = RateLimiter::new(None, true);
        // A burst: 40 successes at once, then throttled: 144 per second (90 % of 160).
        for _ in 0..40 {
            limiter.succeeded();
        }
        limiter.throttled(limiter.acquire().await);
        assert!((limiter.rate().unwrap() - 144.0).abs() < 1e-9);
        // 20 successes in the next second, then throttled: 20 per second was what it took.
        for _ in 0..20 {
            tokio::time::advance(Duration::from_millis(50)).await;
            limiter.succeeded();
        }
        let before = limiter.rate().unwrap();
        limiter.throttled(limiter.acquire().await);
        let rate = limiter.rate().unwrap();
        assert!((rate - 0.95 * 20.0).abs() < 0.01, "{rate}");
        assert!(rate < before);
        // Sooner than 500 ms after a change: a fifth less.
        tokio::time::advance(Duration::from_millis(100)).await;
        limiter.throttled(limiter.acquire().await);
        assert!((limiter.rate().unwrap() - 0.8 * rate).abs() < 1e-9);
    }

    #[tokio::test(start_paused = true)]
    async fn no_rate_is_learnt_without_successes_and_a_quiet_spell_forgets_it() {
        let limiter = RateLimiter::new(None, true);
        for _ in 0..5 {
            limiter.throttled(limiter.acquire().await);
        }
        assert_eq!(
            limiter.rate(),
            None,
            "nothing got through: nothing to learn from"
        );
        for _ in 0..8 {
            limiter.succeeded();
        }
        limiter.throttled(limiter.acquire().await);
        assert!(limiter.rate().is_some());
        tokio::time::advance(QUIET).await;
        assert_eq!(limiter.rate(), None, "5 s without throttling: off again");
    }

    #[tokio::test(start_paused = true)]
    async fn the_lower_of_a_fixed_and_a_learnt_rate_applies() {
        let limiter = RateLimiter::new(Some(5.0), true);
        assert_eq!(limiter.rate(), Some(5.0));
        for _ in 0..2 {
            limiter.succeeded();
        }
        limiter.throttled(limiter.acquire().await);
        let learnt: f64 = 0.9 * 2.0 / 0.25;
        assert_eq!(limiter.rate(), Some(learnt.min(5.0)));
    }

    #[tokio::test(start_paused = true)]
    async fn a_rate_that_is_holding_requests_back_is_not_forgotten() {
        let limiter = RateLimiter::new(None, true);
        for _ in 0..5 {
            limiter.succeeded();
        }
        limiter.throttled(limiter.acquire().await);
        let learnt = limiter.rate().expect("learnt");
        // Requests keep coming faster than the rate for longer than the quiet spell: it is what
        // keeps the service from throttling, so it stays.
        let started = Instant::now();
        for _ in 0..(learnt * 8.0) as usize {
            limiter.acquire().await;
            limiter.succeeded();
        }
        assert!(started.elapsed() > QUIET, "{:?}", started.elapsed());
        assert!(limiter.rate().is_some(), "still pacing at about {learnt}/s");
        // Once nothing waits for it any more, a quiet spell turns it off.
        tokio::time::advance(QUIET).await;
        assert_eq!(limiter.rate(), None);
    }

    #[tokio::test(start_paused = true)]
    async fn extreme_fixed_rates_neither_panic_nor_overflow() {
        for rate in [1e-300, 1e-20, f64::MIN_POSITIVE, 1e300] {
            let limiter = RateLimiter::new(Some(rate), false);
            limiter.acquire().await;
            let second = tokio::time::timeout(Duration::from_millis(10), limiter.acquire()).await;
            if rate < 1.0 {
                assert!(second.is_err(), "{rate}: the second request waits");
            }
        }
    }
}
