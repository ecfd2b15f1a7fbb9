//! Adaptive concurrency: how many page requests of one client may be in flight to one service.
//!
//! Additive increase, multiplicative decrease, with a slow start: the limit starts at an initial
//! value and grows by one per successful answer while the limit is in use (doubling per round
//! trip; answers to calls outside listings, or to listings using less, do not grow it) until the
//! first
//! throttling answer (`429`, `503`), then by one per round trip's worth of answers (`1/limit`
//! each); each throttling answer halves it, at least 1, at most the configured maximum. Answers to
//! requests sent before the last decrease do not decrease it again (they carry an older
//! generation), so one burst of throttled answers halves it once, not once per answer.
//!
//! Permits are a fair (FIFO) semaphore whose size follows the limit; when it shrinks below the
//! permits in use, the surplus is withdrawn as those permits come back.

use std::sync::{Arc, Mutex, PoisonError};

use tokio::sync::{OwnedSemaphorePermit, Semaphore};

/// The concurrency limit of one client for one service.
#[derive(Debug)]
pub(crate) struct AdaptiveConcurrency {
    semaphore: Arc<Semaphore>,
    state: Mutex<State>,
    max: usize,
}

#[derive(Debug)]
struct State {
    limit: f64,
    /// Permits that exist (in the semaphore or held), once the debt is paid.
    permits: usize,
    /// Permits to withdraw as they come back.
    debt: usize,
    generation: u64,
    slow_start: bool,
}

/// A page request's permit: returned (or withdrawn) when dropped.
#[derive(Debug)]
pub(crate) struct Permit {
    permit: Option<OwnedSemaphorePermit>,
    owner: Arc<AdaptiveConcurrency>,
}

impl AdaptiveConcurrency {
    /// A limit starting at `initial`, within `1..=max`.
    pub(crate) fn new(initial: usize, max: usize) -> Arc<Self> {
        let max = max.max(1);
        let initial = initial.clamp(1, max);
        Arc::new(AdaptiveConcurrency {
            semaphore: Arc::new(Semaphore::new(initial)),
            state: Mutex::new(State {
                limit: initial as f64,
                permits: initial,
                debt: 0,
                generation: 0,
                slow_start: true,
            }),
            max,
        })
    }

    fn state(&self) -> std::sync::MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// The most requests this limit can ever allow.
    pub(crate) fn max(&self) -> usize {
        self.max
    }

    /// The current limit.
    pub(crate) fn limit(&self) -> usize {
        self.state().limit as usize
    }

    /// The generation an answer to a request sent now will report with.
    pub(crate) fn generation(&self) -> u64 {
        self.state().generation
    }

    /// Waits for a permit (first come, first served).
    pub(crate) async fn acquire(self: &Arc<Self>) -> Permit {
        let permit = Arc::clone(&self.semaphore).acquire_owned().await.ok();
        Permit {
            permit,
            owner: Arc::clone(self),
        }
    }

    /// An answer came back fine: the limit grows, if it is what bounds the requests in flight
    /// (at least all but one of its permits held). Answers to calls that hold no permit, or to a
    /// listing that uses fewer than its limit, say nothing about a larger limit, so they leave it
    /// (as TCP leaves an application-limited window).
    pub(crate) fn succeeded(&self) {
        let mut state = self.state();
        let effective = state.permits.saturating_sub(state.debt);
        let in_use = effective.saturating_sub(self.semaphore.available_permits());
        if in_use + 1 < effective {
            return;
        }
        let step = if state.slow_start {
            1.0
        } else {
            1.0 / state.limit
        };
        state.limit = (state.limit + step).min(self.max as f64);
        self.resize(&mut state);
    }

    /// An answer to a request sent in `generation` was a throttling one: the limit halves, unless
    /// it did already for a later request.
    pub(crate) fn throttled(&self, generation: u64) {
        let mut state = self.state();
        if generation < state.generation {
            return;
        }
        state.generation += 1;
        state.slow_start = false;
        state.limit = (state.limit / 2.0).max(1.0);
        self.resize(&mut state);
        tracing::debug!(limit = state.limit, "throttled: concurrency halved");
    }

    /// Makes the permits follow the limit: new ones at once, fewer by withdrawing free ones now
    /// and held ones as they come back.
    fn resize(&self, state: &mut State) {
        let target = (state.limit as usize).clamp(1, self.max);
        let effective = state.permits - state.debt;
        if target > effective {
            let mut grow = target - effective;
            let repaid = grow.min(state.debt);
            state.debt -= repaid;
            grow -= repaid;
            if grow > 0 {
                self.semaphore.add_permits(grow);
                state.permits += grow;
            }
        } else if target < effective {
            let shrink = effective - target;
            let withdrawn = self.semaphore.forget_permits(shrink);
            state.permits -= withdrawn;
            state.debt += shrink - withdrawn;
        }
    }
}

impl Drop for Permit {
    fn drop(&mut self) {
        let Some(permit) = self.permit.take() else {
            return;
        };
        let mut state = self.owner.state();
        if state.debt > 0 {
            state.debt -= 1;
            state.permits -= 1;
            permit.forget();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slow_start_grows_by_one_per_success_then_halving_ends_it() {
        let limit = AdaptiveConcurrency::new(4, 16);
        let mut held = Vec::new();
        // Every success here comes while the limit is fully used.
        let succeed = |held: &mut Vec<Permit>| {
            saturate(&limit, held);
            limit.succeeded();
        };
        assert_eq!(limit.limit(), 4);
        for _ in 0..4 {
            succeed(&mut held);
        }
        assert_eq!(limit.limit(), 8, "doubling per round trip");
        limit.throttled(limit.generation());
        assert_eq!(limit.limit(), 4);
        // Additive now: four more successes (one round trip) add one.
        for _ in 0..4 {
            succeed(&mut held);
        }
        assert_eq!(limit.limit(), 4, "4 + 4 × 1/4 ≈ 4.9, still 4 in flight");
        succeed(&mut held);
        assert_eq!(limit.limit(), 5);
        for _ in 0..200 {
            succeed(&mut held);
        }
        assert_eq!(limit.limit(), 16, "never past the maximum");
    }

    /// Takes every free permit.
    fn saturate(limit: &Arc<AdaptiveConcurrency>, held: &mut Vec<Permit>) {
        while let Ok(permit) = Arc::clone(&limit.semaphore).try_acquire_owned() {
            held.push(Permit {
                permit: Some(permit),
                owner: Arc::clone(limit),
            });
        }
    }

    #[test]
    fn answers_while_the_limit_is_not_used_leave_it() {
        let limit = AdaptiveConcurrency::new(4, 16);
        for _ in 0..20 {
            limit.succeeded();
        }
        assert_eq!(limit.limit(), 4, "nothing held: no evidence for more");
        let mut held = Vec::new();
        saturate(&limit, &mut held);
        held.pop();
        limit.succeeded();
        assert_eq!(limit.limit(), 5, "all but one in use: the limit binds");
    }

    #[test]
    fn a_burst_of_throttled_answers_halves_once() {
        let limit = AdaptiveConcurrency::new(16, 16);
        let sent = limit.generation();
        for _ in 0..10 {
            limit.throttled(sent);
        }
        assert_eq!(limit.limit(), 8);
        limit.throttled(limit.generation());
        assert_eq!(limit.limit(), 4);
        for _ in 0..10 {
            limit.throttled(limit.generation());
        }
        assert_eq!(limit.limit(), 1, "never below one");
    }

    #[tokio::test]
    async fn permits_follow_the_limit_even_while_held() {
        let limit = AdaptiveConcurrency::new(4, 16);
        let mut held = Vec::new();
        for _ in 0..4 {
            held.push(limit.acquire().await);
        }
        assert_eq!(limit.semaphore.available_permits(), 0);
        limit.throttled(limit.generation());
        assert_eq!(limit.limit(), 2);
        // Two of the four come back withdrawn; the other two return to the semaphore.
        held.truncate(1);
        assert_eq!(limit.semaphore.available_permits(), 1);
        held.clear();
        assert_eq!(limit.semaphore.available_permits(), 2);
        limit.succeeded();
        limit.succeeded();
        assert_eq!(limit.semaphore.available_permits(), limit.limit());
    }
}
