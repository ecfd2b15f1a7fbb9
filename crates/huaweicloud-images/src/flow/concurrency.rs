//! Adaptive concurrency: how many requests of one client may be in flight to one operation.
//!
//! Additive increase, multiplicative decrease, with a slow start: the limit starts at an initial
//! value and grows by one per successful answer while the limit is in use (doubling per round
//! trip; answers to calls made while permits were left over do not grow it) until the first
//! throttling answer (`429`, `503`) or the maximum, then by one per round trip's worth of answers
//! (`1/limit` each); each throttling answer halves it, at least 1, at most the configured
//! maximum. Answers to requests sent before the last decrease do not decrease it again (they carry
//! an older generation), so one burst of throttled answers halves it once, not once per answer.
//!
//! # Rounds in the slow start
//!
//! In the slow start, the requests sent together come back together, and a success used to send
//! two more at once, before the throttling answers of the same round were read: every request
//! sent in that instant met an empty bucket too (10 of a listing's 12 answers `429` under a
//! gateway's burst of 10, measured). So, in the slow start, permits move in rounds: a permit that
//! comes back (and the growth its success earned) is held until the round it was taken in is
//! over, then all are released together. A round is over when its last permit comes back, when a
//! throttling answer ends the slow start, or at the latest half as long again as its first
//! permit took (answers of one round arrive within a few milliseconds; a call that waits longer,
//! e.g. retrying, does not hold the others back for long). Once the limit reaches the maximum the
//! slow start ends, and permits return at once, so that requests spread over the round trip
//! instead of staying in phase.
//!
//! Permits are a fair (FIFO) semaphore whose size follows the limit; when it shrinks below the
//! permits in use, the surplus is withdrawn as those permits come back.

use std::sync::{Arc, Mutex, PoisonError, Weak};
use std::time::Duration;

use futures::future::Either;
use tokio::sync::{OwnedSemaphorePermit, Semaphore};
use tokio::time::Instant;

/// The longest a round's returned permits are held for its slower members.
const MAX_ROUND_WAIT: Duration = Duration::from_millis(250);

/// The concurrency limit of one client for one operation.
#[derive(Debug)]
pub(crate) struct AdaptiveConcurrency {
    semaphore: Arc<Semaphore>,
    state: Mutex<State>,
    max: usize,
    /// Itself, for the timer that ends a round.
    this: Weak<AdaptiveConcurrency>,
}

#[derive(Debug)]
struct State {
    limit: f64,
    /// Permits that exist (in the semaphore, held, or withheld), once the debt is paid.
    permits: usize,
    /// Permits to withdraw as they come back.
    debt: usize,
    generation: u64,
    slow_start: bool,
    /// The slow start's current round.
    round: u64,
    /// Permits taken in the current round and not back yet.
    round_out: usize,
    /// Permits that came back in the current round, held until it is over.
    withheld: usize,
    /// When the current round's first permit was taken.
    round_started: Option<Instant>,
    /// Whether a timer is set to end the current round.
    round_timer: bool,
    /// When the current round ends at the latest, once its first permit came back.
    round_deadline: Option<Instant>,
}

/// A request's permit: returned (or withdrawn) when dropped.
#[derive(Debug)]
pub(crate) struct Permit {
    permit: Option<OwnedSemaphorePermit>,
    owner: Arc<AdaptiveConcurrency>,
    /// The slow start's round it was taken in.
    round: u64,
}

impl AdaptiveConcurrency {
    /// A limit starting at `initial`, within `1..=max`.
    pub(crate) fn new(initial: usize, max: usize) -> Arc<Self> {
        let max = max.max(1);
        let initial = initial.clamp(1, max);
        Arc::new_cyclic(|this| AdaptiveConcurrency {
            semaphore: Arc::new(Semaphore::new(initial)),
            state: Mutex::new(State {
                limit: initial as f64,
                permits: initial,
                debt: 0,
                generation: 0,
                slow_start: initial < max,
                round: 0,
                round_out: 0,
                withheld: 0,
                round_started: None,
                round_timer: false,
                round_deadline: None,
            }),
            max,
            this: this.clone(),
        })
    }

    fn state(&self) -> std::sync::MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// The most requests this limit can ever allow.
    #[cfg(test)]
    pub(crate) fn max(&self) -> usize {
        self.max
    }

    /// The current limit.
    pub(crate) fn limit(&self) -> usize {
        self.state().limit as usize
    }

    /// Whether the limit is still in its slow start (its permits move in rounds).
    pub(crate) fn in_slow_start(&self) -> bool {
        self.state().slow_start
    }

    /// The generation an answer to a request sent now will report with.
    pub(crate) fn generation(&self) -> u64 {
        self.state().generation
    }

    /// Waits for a permit (first come, first served). In the slow start, a waiting caller also
    /// ends an overdue round every [`MAX_ROUND_WAIT`] (its timer may have died with the runtime
    /// it was set on), keeping its place in the queue.
    pub(crate) async fn acquire(self: &Arc<Self>) -> Permit {
        // A free permit is taken at once, without a timer.
        let permit = match Arc::clone(&self.semaphore).try_acquire_owned() {
            Ok(permit) => Some(permit),
            Err(_) => self.wait_for_permit().await,
        };
        let mut state = self.state();
        if state.slow_start {
            if state.round_out == 0 && state.withheld == 0 {
                state.round_started = Some(Instant::now());
            }
            state.round_out += 1;
        }
        Permit {
            permit,
            owner: Arc::clone(self),
            round: state.round,
        }
    }

    /// Waits in the queue for a permit.
    async fn wait_for_permit(&self) -> Option<OwnedSemaphorePermit> {
        let mut acquire = std::pin::pin!(Arc::clone(&self.semaphore).acquire_owned());
        loop {
            if !self.state().slow_start {
                return acquire.await.ok();
            }
            let tick = std::pin::pin!(tokio::time::sleep(MAX_ROUND_WAIT));
            match futures::future::select(acquire.as_mut(), tick).await {
                Either::Left((permit, _)) => return permit.ok(),
                Either::Right(((), _)) => self.end_overdue_round(),
            }
        }
    }

    /// An answer came back fine: the limit grows, if it is what bounds the requests in flight
    /// (at least all but one of its permits held). Answers to calls that hold no permit, or to a
    /// listing that uses fewer than its limit, say nothing about a larger limit, so they leave it
    /// (as TCP leaves an application-limited window). In the slow start, the growth takes effect
    /// when the round is over.
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
        if !state.slow_start {
            self.resize(&mut state);
        }
    }

    /// An answer to a request sent in `generation` was a throttling one: the limit halves, unless
    /// it did already for a later request. It ends the slow start.
    pub(crate) fn throttled(&self, generation: u64) {
        let mut state = self.state();
        if generation < state.generation {
            return;
        }
        state.generation += 1;
        // Halved first: what the round held is then released only up to the new limit (a
        // permit given to a waiting call cannot be taken back).
        state.limit = (state.limit / 2.0).max(1.0);
        self.end_slow_start(&mut state);
        self.resize(&mut state);
        tracing::debug!(limit = state.limit, "throttled: concurrency halved");
    }

    /// Ends the slow start: what the round holds is released, and permits return at once from
    /// now on.
    fn end_slow_start(&self, state: &mut State) {
        if state.slow_start {
            state.slow_start = false;
            self.end_round(state);
        }
    }

    /// Ends the current round: the permits that came back in it, and the growth it earned, are
    /// released together.
    fn end_round(&self, state: &mut State) {
        // Held permits beyond the limit are withdrawn rather than released. (There is no debt in
        // the slow start: only a decrease makes one, and a decrease ends the slow start first.)
        let target = (state.limit as usize).clamp(1, self.max);
        let surplus = state.permits.saturating_sub(target).min(state.withheld);
        state.withheld -= surplus;
        state.permits -= surplus;
        let withheld = std::mem::take(&mut state.withheld);
        self.semaphore.add_permits(withheld);
        state.round += 1;
        state.round_out = 0;
        state.round_started = None;
        state.round_timer = false;
        state.round_deadline = None;
        if state.slow_start && state.limit >= self.max as f64 {
            state.slow_start = false;
        }
        self.resize(state);
    }

    /// Ends the current round if its deadline has passed.
    fn end_overdue_round(&self) {
        let mut state = self.state();
        if state.slow_start
            && state
                .round_deadline
                .is_some_and(|deadline| deadline <= Instant::now())
        {
            self.end_round(&mut state);
        }
    }

    /// Ends `round` if it is still the current one (its timer ran out).
    fn round_timed_out(&self, round: u64) {
        let mut state = self.state();
        if state.slow_start && state.round == round {
            self.end_round(&mut state);
        }
    }

    /// A permit of the current round came back: held until the round is over.
    fn withhold(&self, state: &mut State, permit: OwnedSemaphorePermit) {
        permit.forget();
        state.withheld += 1;
        state.round_out = state.round_out.saturating_sub(1);
        if state.round_out == 0 {
            self.end_round(state);
            return;
        }
        if state.round_timer {
            return;
        }
        // Half as long again as this first permit took, for the rest of the round.
        let waited = state.round_started.map_or(Duration::ZERO, |t| t.elapsed());
        let wait = (waited / 2).min(MAX_ROUND_WAIT);
        state.round_deadline = Some(Instant::now() + wait);
        match tokio::runtime::Handle::try_current() {
            Ok(runtime) => {
                state.round_timer = true;
                let (this, round) = (self.this.clone(), state.round);
                runtime.spawn(async move {
                    tokio::time::sleep(wait).await;
                    if let Some(this) = this.upgrade() {
                        this.round_timed_out(round);
                    }
                });
            }
            // No timer without a runtime: the round ends now.
            Err(_) => self.end_round(state),
        }
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
            // (Only a decrease makes a debt, and it ends the slow start: no round to count.)
            permit.forget();
        } else if state.slow_start && self.round == state.round {
            self.owner.withhold(&mut state, permit);
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
                round: u64::MAX,
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

    #[tokio::test(start_paused = true)]
    async fn in_the_slow_start_permits_come_back_together_when_the_round_is_over() {
        let limit = AdaptiveConcurrency::new(4, 16);
        let mut round = Vec::new();
        for _ in 0..4 {
            round.push(limit.acquire().await);
        }
        tokio::time::advance(Duration::from_millis(20)).await;
        // Three answers of the round: their permits and growth are held.
        for _ in 0..3 {
            limit.succeeded();
            round.pop();
        }
        assert_eq!(limit.semaphore.available_permits(), 0, "held for the round");
        assert_eq!(limit.limit(), 7);
        // The last one: 4 back and 4 earned, together.
        limit.succeeded();
        round.pop();
        assert_eq!(limit.semaphore.available_permits(), 8);
        assert_eq!(limit.limit(), 8);
    }

    #[tokio::test(start_paused = true)]
    async fn a_throttling_answer_in_the_round_releases_what_it_held_halved() {
        let limit = AdaptiveConcurrency::new(8, 16);
        let mut round = Vec::new();
        for _ in 0..8 {
            round.push(limit.acquire().await);
        }
        let generation = limit.generation();
        for _ in 0..5 {
            limit.succeeded();
            round.pop();
        }
        assert_eq!(limit.semaphore.available_permits(), 0);
        // 13 with the growth held, halved to 6: the 5 held come back, and with 3 still out,
        // 3 are free.
        limit.throttled(generation);
        assert_eq!(limit.limit(), 6);
        assert_eq!(limit.semaphore.available_permits(), 3);
        // From now on, permits come back at once.
        round.pop();
        assert_eq!(limit.semaphore.available_permits(), 4);
    }

    #[tokio::test(start_paused = true)]
    async fn a_slow_member_holds_its_round_back_for_half_as_long_again_at_most() {
        let limit = AdaptiveConcurrency::new(2, 16);
        let slow = limit.acquire().await;
        let fast = limit.acquire().await;
        tokio::time::advance(Duration::from_millis(20)).await;
        limit.succeeded();
        drop(fast);
        assert_eq!(limit.semaphore.available_permits(), 0);
        tokio::time::sleep(Duration::from_millis(9)).await;
        assert_eq!(limit.semaphore.available_permits(), 0, "still within 10 ms");
        tokio::time::sleep(Duration::from_millis(2)).await;
        assert_eq!(
            limit.semaphore.available_permits(),
            2,
            "the round ended without the slow one: its permit and the growth"
        );
        // The slow one, of a round that is over, comes back at once.
        drop(slow);
        assert_eq!(limit.semaphore.available_permits(), 3);
    }

    #[tokio::test(start_paused = true)]
    async fn at_the_maximum_the_slow_start_ends_and_permits_come_back_at_once() {
        let limit = AdaptiveConcurrency::new(2, 4);
        let mut round = vec![limit.acquire().await, limit.acquire().await];
        limit.succeeded();
        limit.succeeded();
        round.clear();
        assert_eq!(limit.limit(), 4);
        assert_eq!(limit.semaphore.available_permits(), 4);
        let mut held = Vec::new();
        for _ in 0..4 {
            held.push(limit.acquire().await);
        }
        held.pop();
        assert_eq!(
            limit.semaphore.available_permits(),
            1,
            "no rounds past the slow start"
        );
    }

    #[test]
    fn without_a_runtime_a_round_ends_at_once() {
        let limit = AdaptiveConcurrency::new(2, 16);
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_time()
            .build()
            .expect("runtime");
        let (first, second) =
            runtime.block_on(async { (limit.acquire().await, limit.acquire().await) });
        drop(runtime);
        limit.succeeded();
        drop(first);
        assert_eq!(
            limit.semaphore.available_permits(),
            2,
            "no timer to wait for"
        );
        drop(second);
    }

    /// Review of issue 20: a throttling answer in the slow start halves before it releases what
    /// the round held, so calls already waiting get no more than the halved limit allows.
    #[tokio::test(start_paused = true)]
    async fn a_throttling_answer_gives_waiting_calls_only_what_the_halved_limit_allows() {
        let limit = AdaptiveConcurrency::new(8, 16);
        let mut round = Vec::new();
        for _ in 0..8 {
            round.push(limit.acquire().await);
        }
        let generation = limit.generation();
        let acquired = Arc::new(std::sync::atomic::AtomicUsize::new(0));
        let mut waiting = Vec::new();
        for _ in 0..10 {
            let (limit, acquired) = (Arc::clone(&limit), Arc::clone(&acquired));
            waiting.push(tokio::spawn(async move {
                let _permit = limit.acquire().await;
                acquired.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
                std::future::pending::<()>().await;
            }));
        }
        tokio::task::yield_now().await;
        for _ in 0..5 {
            limit.succeeded();
            round.pop();
        }
        // 13 with the growth held, halved to 6, with 3 still out: 3 more may go, not 10.
        limit.throttled(generation);
        for _ in 0..5 {
            tokio::task::yield_now().await;
        }
        assert_eq!(limit.limit(), 6);
        assert_eq!(acquired.load(std::sync::atomic::Ordering::SeqCst), 3);
        for task in waiting {
            task.abort();
        }
    }

    /// Review of issue 20: the timer that ends a round runs on the runtime the round's first
    /// permit came back on; when that runtime is gone (a blocking client dropped), a caller
    /// waiting for a permit ends the overdue round itself.
    #[test]
    fn a_round_whose_timer_died_with_its_runtime_is_ended_by_a_waiting_caller() {
        let limit = AdaptiveConcurrency::new(2, 16);
        let runtime = || {
            tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .expect("runtime")
        };
        let first = runtime();
        let (held, returned) =
            first.block_on(async { (limit.acquire().await, limit.acquire().await) });
        first.block_on(async {
            tokio::time::sleep(Duration::from_millis(10)).await;
            limit.succeeded();
            drop(returned);
        });
        // The round's timer was spawned on `first`, which never runs it again.
        drop(first);
        let second = runtime();
        let permit = second.block_on(async {
            tokio::time::timeout(Duration::from_secs(5), limit.acquire()).await
        });
        assert!(
            permit.is_ok(),
            "the round stalled behind a call that never ends"
        );
        drop(held);
    }

    /// Free permits.
    fn free(limit: &AdaptiveConcurrency) -> usize {
        limit.semaphore.available_permits()
    }

    #[tokio::test(start_paused = true)]
    async fn a_rounds_deadline_counts_from_its_first_permit_taken() {
        let limit = AdaptiveConcurrency::new(3, 16);
        let a = limit.acquire().await;
        tokio::time::advance(Duration::from_millis(10)).await;
        let _b = limit.acquire().await;
        tokio::time::advance(Duration::from_millis(10)).await;
        // `a` took 20 ms from the round's first permit: the rest of the round gets 10 ms more.
        drop(a);
        tokio::time::sleep(Duration::from_millis(7)).await;
        assert_eq!(
            free(&limit),
            1,
            "still held at 7 ms (from `b`, 5 ms would be over)"
        );
        tokio::time::sleep(Duration::from_millis(4)).await;
        assert_eq!(free(&limit), 2, "released at 10 ms");
    }

    #[tokio::test(start_paused = true)]
    async fn the_timer_of_a_round_that_is_over_does_not_end_the_next() {
        let limit = AdaptiveConcurrency::new(2, 16);
        let (a, b) = (limit.acquire().await, limit.acquire().await);
        tokio::time::advance(Duration::from_millis(20)).await;
        drop(a); // arms the timer of round 0 for 10 ms
        drop(b); // round 0 is over
        let (c, _d) = (limit.acquire().await, limit.acquire().await);
        tokio::time::sleep(Duration::from_millis(15)).await; // round 0's timer fires
        drop(c);
        assert_eq!(
            free(&limit),
            0,
            "`c` is held for round 1, which its timer does not end"
        );
    }

    #[tokio::test(start_paused = true)]
    async fn a_waiting_caller_does_not_end_a_round_before_its_deadline() {
        let limit = AdaptiveConcurrency::new(1, 16);
        let a = limit.acquire().await;
        let waiter = {
            let limit = Arc::clone(&limit);
            tokio::spawn(async move { limit.acquire().await })
        };
        // The waiter's check runs with no deadline yet (nothing came back): the round goes on.
        tokio::time::sleep(MAX_ROUND_WAIT * 2).await;
        limit.succeeded();
        drop(a);
        let _permit = waiter.await.expect("waiter");
        assert_eq!(
            free(&limit),
            1,
            "the round ended with its growth: 2, one taken"
        );
    }

    #[tokio::test(start_paused = true)]
    async fn a_waiting_caller_ends_a_round_at_its_deadline_not_before() {
        let limit = AdaptiveConcurrency::new(2, 16);
        let (a, _b) = (limit.acquire().await, limit.acquire().await);
        tokio::time::sleep(Duration::from_millis(500)).await;
        let waiter = {
            let limit = Arc::clone(&limit);
            tokio::spawn(async move { limit.acquire().await })
        };
        tokio::time::sleep(Duration::from_millis(100)).await;
        // `a` took 600 ms: the round waits 250 ms more (at most); the waiter checks at 750 ms.
        drop(a);
        tokio::time::sleep(Duration::from_millis(160)).await;
        assert!(
            !waiter.is_finished(),
            "760 ms: the round's deadline is 850 ms"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
        assert!(waiter.is_finished());
    }

    #[tokio::test(start_paused = true)]
    async fn a_permit_of_a_round_that_is_over_comes_back_at_once_and_counts_for_no_round() {
        let limit = AdaptiveConcurrency::new(2, 16);
        let (a, b) = (limit.acquire().await, limit.acquire().await);
        tokio::time::advance(Duration::from_millis(20)).await;
        drop(a);
        tokio::time::sleep(Duration::from_millis(11)).await; // round 0 ends without `b`
        let c = limit.acquire().await; // round 1
        limit.succeeded(); // growth for round 1, held until it is over
        let free_before = free(&limit);
        drop(b);
        assert_eq!(
            free(&limit),
            free_before + 1,
            "`b` back at once; round 1 goes on"
        );
        drop(c);
        assert_eq!(
            free(&limit),
            free_before + 3,
            "round 1 over: `c` and its growth"
        );
    }

    #[tokio::test]
    async fn a_limit_that_grows_back_while_permits_are_held_repays_its_debt_first() {
        let limit = AdaptiveConcurrency::new(4, 4);
        let mut held = Vec::new();
        for _ in 0..4 {
            held.push(limit.acquire().await);
        }
        limit.throttled(limit.generation());
        assert_eq!(limit.limit(), 2, "two permits owed, none free");
        // 2 + 1/2 + 1/2.5 + 1/2.9: back to 3 while all four are still held.
        for _ in 0..3 {
            limit.succeeded();
        }
        assert_eq!(limit.limit(), 3);
        assert_eq!(free(&limit), 0, "growing repays the debt: no new permit");
        held.clear();
        assert_eq!(free(&limit), 3, "one withdrawn, three back");
    }

    #[tokio::test]
    async fn a_decrease_withdraws_free_permits_then_owes_the_rest() {
        let limit = AdaptiveConcurrency::new(8, 8);
        let mut held = Vec::new();
        for _ in 0..3 {
            held.push(limit.acquire().await);
        }
        limit.throttled(limit.generation());
        assert_eq!(
            free(&limit),
            1,
            "limit 4 with 3 out: 4 of the 5 free withdrawn"
        );
        limit.throttled(limit.generation());
        assert_eq!(
            free(&limit),
            0,
            "limit 2 with 3 out: the free one withdrawn, one owed"
        );
        held.clear();
        assert_eq!(free(&limit), 2, "one withdrawn as it came back, two back");
    }
}
