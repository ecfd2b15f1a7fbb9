//! The request rate of one client to one service (a fixed limit a user sets) or operation (an
//! adaptive one learnt from throttling answers); both apply to a request (the lower binds).
//!
//! The adaptive limit is off until the service throttles (`429`; a `503` is an overload or an
//! outage, left to the concurrency, the backoff and the retry budget, since a rate measured from a
//! caller's own pace says nothing about it): the gateway throttles by a token bucket per user and
//! API, and no request rate is known until it says so. Then:
//! - at a throttling answer while off, the bucket has just run out, and what went through was its
//!   burst plus what it refilled, which cannot be told apart. The rate starts at the successful
//!   answers of the last second, per second (a bucket that refills its burst in about a second,
//!   as the gateway's "N requests per second" do, is met from the start; a burst larger than its
//!   second's refill is met by the next answer), and **searches**: it doubles every
//!   500 ms until the next throttling answer;
//! - at a later one, when at least 500 ms passed since the last change, it measures: the bucket
//!   was empty at both ends of that time, so what succeeded in it is what the bucket refilled, the
//!   service's rate; the rate is set to 95 % of it (or kept, if lower), and the search ends.
//!   Sooner, the rate is set to 80 % of what it stood at, and the search ends (the evidence is
//!   too thin to measure, and the rate was too high);
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
//! Measured (`benches/flow.rs`, a gateway of 20 requests per second with a burst of 10): the
//! former first estimate, 90 % of the last 250 ms of successes scaled to a second, started at
//! 40 per second and took three more throttled answers to come down.
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
/// How long a searching rate takes to double.
const SEARCH_DOUBLING: Duration = Duration::from_millis(500);
/// The most a search multiplies a rate by (it has met the bucket long before).
const MAX_SEARCH_GROWTH: f64 = 64.0;
/// Sooner than this after a change, a throttling answer is too little evidence to measure from.
const MEASURE_AFTER: Duration = Duration::from_millis(500);

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
    /// The adaptive rate (at the last change); `None` until the first throttling answer.
    rate: Option<f64>,
    /// Whether the rate is searching upwards (from the first throttling answer to the next).
    searching: bool,
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
                searching: false,
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
                        state.next = Some(now.checked_add(spacing(rate)).unwrap_or(now));
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
        // The last second's successes (`recent` is pruned when a success comes: older ones may
        // still be in it).
        let recent = state
            .recent
            .iter()
            .filter(|t| now.duration_since(**t) <= Duration::from_secs(1))
            .count() as u64;
        let current = state.current(now);
        let (rate, searching) = match (current, state.last_change) {
            (None, _) | (_, None) => ((recent >= MIN_EVIDENCE).then_some(recent as f64), true),
            (Some(rate), Some(changed)) => {
                let span = now.duration_since(changed);
                if span < MEASURE_AFTER {
                    (Some(0.8 * rate), false)
                } else if state.since_change >= MIN_EVIDENCE {
                    let measured = state.since_change as f64 / span.as_secs_f64();
                    (Some(rate.min(0.95 * measured)), false)
                } else {
                    (Some(rate), state.searching)
                }
            }
        };
        state.searching = searching && rate.is_some();
        state.rate = rate.map(|r| r.max(MIN_RATE));
        state.generation += 1;
        state.last_change = Some(now);
        // The bucket is empty now: the next request waits its turn from here.
        if let Some(rate) = state.rate {
            state.next = Some(now.checked_add(spacing(rate)).unwrap_or(now));
        }
        state.since_change = 0;
        tracing::debug!(rate = ?state.rate, "throttled: request rate lowered");
    }
}

/// The time between two requests at `rate`: at most a day (a rate is at least MIN_FIXED_RATE).
fn spacing(rate: f64) -> Duration {
    Duration::try_from_secs_f64(1.0 / rate)
        .unwrap_or(Duration::MAX)
        .min(Duration::from_secs(86_400))
}

impl State {
    /// The adaptive rate now (grown by the search, if searching), unless a quiet spell turned it
    /// off: no throttling answer and no request held back by it for [`QUIET`].
    fn current(&mut self, now: Instant) -> Option<f64> {
        let quiet = |at: Option<Instant>| at.is_none_or(|at| now.duration_since(at) >= QUIET);
        if self.last_change.is_some() && quiet(self.last_change) && quiet(self.last_held_back) {
            self.rate = None;
            self.searching = false;
        }
        let rate = self.rate?;
        match self.last_change.filter(|_| self.searching) {
            Some(changed) => {
                let doublings =
                    now.duration_since(changed).as_secs_f64() / SEARCH_DOUBLING.as_secs_f64();
                Some(rate * doublings.exp2().min(MAX_SEARCH_GROWTH))
            }
            None => Some(rate),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// An adaptive limiter whose first throttling answer came after `successes` successes.
    async fn throttled_after(successes: usize) -> RateLimiter {
        let limiter = RateLimiter::new(None, true);
        for _ in 0..successes {
            limiter.succeeded();
        }
        limiter.throttled(limiter.acquire().await);
        limiter
    }

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
    async fn no_limit_until_the_first_throttling_answer_then_the_last_seconds_successes() {
        let limiter = RateLimiter::new(None, true);
        let started = Instant::now();
        for _ in 0..100 {
            limiter.acquire().await;
        }
        assert_eq!(started.elapsed(), Duration::ZERO);
        // 3 successes more than a second ago (forgotten), then 10 in the last 100 ms.
        for _ in 0..3 {
            limiter.succeeded();
        }
        tokio::time::advance(Duration::from_millis(1500)).await;
        for _ in 0..10 {
            limiter.succeeded();
            tokio::time::advance(Duration::from_millis(10)).await;
        }
        let generation = limiter.acquire().await;
        limiter.throttled(generation);
        // 10 successes in the last second: 10 per second, not 10 in 100 ms scaled up.
        assert_eq!(limiter.rate(), Some(10.0));
        // A late answer to a request sent before the change changes nothing.
        limiter.throttled(generation);
        assert_eq!(limiter.rate(), Some(10.0));
    }

    #[tokio::test(start_paused = true)]
    async fn after_the_first_throttling_answer_the_next_request_waits_for_the_bucket() {
        let limiter = throttled_after(10).await;
        let started = Instant::now();
        limiter.acquire().await;
        assert_eq!(
            started.elapsed(),
            Duration::from_millis(100),
            "the bucket just ran out: one spacing at 10 per second"
        );
    }

    #[tokio::test(start_paused = true)]
    async fn a_first_rate_searches_upwards_until_the_next_throttling_answer_measures() {
        // A burst: 40 successes at once, then throttled: 40 per second to start from.
        let limiter = throttled_after(40).await;
        assert_eq!(limiter.rate(), Some(40.0));
        // Searching: it doubles every 500 ms.
        for _ in 0..10 {
            tokio::time::advance(Duration::from_millis(50)).await;
            limiter.succeeded();
        }
        assert!((limiter.rate().unwrap() - 80.0 * 1.0005f64.powi(10)).abs() < 1e-9);
        // 20 successes in the second since the change, then throttled: 20 per second was what
        // it took.
        for _ in 0..10 {
            tokio::time::advance(Duration::from_millis(50)).await;
            limiter.succeeded();
        }
        let before = limiter.rate().unwrap();
        // Each success also probes 0.05 % higher.
        assert!(
            (before - 160.0 * 1.0005f64.powi(20)).abs() < 1e-9,
            "{before}"
        );
        limiter.throttled(limiter.acquire().await);
        let rate = limiter.rate().unwrap();
        assert!((rate - 0.95 * 20.0).abs() < 0.01, "{rate}");
        // Measured: the search is over.
        tokio::time::advance(Duration::from_millis(500)).await;
        assert_eq!(limiter.rate(), Some(rate));
        // Without successes to measure from, it stays as it is; sooner than 500 ms after a
        // change, a fifth less.
        limiter.throttled(limiter.acquire().await);
        assert_eq!(limiter.rate(), Some(rate));
        tokio::time::advance(Duration::from_millis(100)).await;
        limiter.throttled(limiter.acquire().await);
        assert!((limiter.rate().unwrap() - 0.8 * rate).abs() < 1e-9);
    }

    #[tokio::test(start_paused = true)]
    async fn a_throttling_answer_soon_after_the_first_ends_the_search_lower() {
        let limiter = throttled_after(40).await;
        tokio::time::advance(Duration::from_millis(250)).await;
        let searched = limiter.rate().unwrap();
        assert!((searched - 40.0 * 2f64.sqrt()).abs() < 1e-9, "{searched}");
        limiter.throttled(limiter.acquire().await);
        let rate = limiter.rate().unwrap();
        assert!((rate - 0.8 * searched).abs() < 1e-9, "{rate}");
        tokio::time::advance(Duration::from_secs(1)).await;
        assert!(
            (limiter.rate().unwrap() - rate).abs() < 1e-9,
            "no longer searching"
        );
    }

    #[tokio::test(start_paused = true)]
    async fn a_search_never_grows_past_its_bound() {
        let limiter = throttled_after(2).await;
        // Still held back by it (so not quiet), for far longer than the bound takes to reach.
        for _ in 0..40 {
            tokio::time::advance(Duration::from_millis(100)).await;
            limiter.acquire().await;
        }
        assert_eq!(limiter.rate(), Some(2.0 * MAX_SEARCH_GROWTH));
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
        assert_eq!(limiter.rate(), Some(2.0), "2 successes in the last second");
        tokio::time::advance(Duration::from_secs(2)).await;
        assert_eq!(limiter.rate(), Some(5.0), "searched up to the fixed limit");
    }

    #[tokio::test(start_paused = true)]
    async fn a_rate_that_is_holding_requests_back_is_not_forgotten() {
        let limiter = throttled_after(5).await;
        // A second throttling answer 600 ms later measures (5 successes: 95 % of 8.3 per
        // second), which ends the search.
        for _ in 0..5 {
            tokio::time::advance(Duration::from_millis(120)).await;
            limiter.succeeded();
        }
        limiter.throttled(limiter.acquire().await);
        let learnt = limiter.rate().expect("learnt");
        assert!((learnt - 0.95 * 5.0 / 0.6).abs() < 1e-9, "{learnt}");
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

    /// Review of issue 20: successes older than a second, still in the record because no success
    /// came since, do not make the first rate.
    #[tokio::test(start_paused = true)]
    async fn a_first_rate_ignores_successes_older_than_a_second() {
        let limiter = RateLimiter::new(None, true);
        for _ in 0..20 {
            limiter.succeeded();
        }
        tokio::time::advance(Duration::from_secs(60)).await;
        limiter.throttled(limiter.acquire().await);
        assert_eq!(
            limiter.rate(),
            None,
            "nothing got through in the last second"
        );
    }
}
