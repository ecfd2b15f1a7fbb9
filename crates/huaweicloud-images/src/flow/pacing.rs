//! Pacing: the requests a client's concurrency allows toward a service leave spread over the
//! round trip, `smoothed round trip / (2 × limit)` apart, instead of all at once.
//!
//! Requests that leave together come back together, and their answers then queue for the
//! CPU together (the service's, and the client's decoding): a listing with 16 pages in flight
//! moved in rounds of 20 ms of latency plus 12 ms of that queue, in phase from the first round to
//! the last (measured, `benches/flow.rs`). Spread out, each answer is decoded while the others
//! are still on their way. Pacing lets `2 × limit` requests leave per smoothed round trip, twice
//! what the limit allows while round trips stay as they were, so that the concurrency, not the
//! pacer, bounds the rate; a round trip that just grew (one slow answer) slows the next requests
//! until the smoothing forgets it, and at most 100 ms apart.
//! Each operation has its own pacer, so a slow operation does not space out another's requests.
//!
//! The round trip is smoothed as TCP does (`7/8` of the last value plus `1/8` of each new
//! sample); until the first sample, nothing is paced.

use std::sync::{Mutex, PoisonError};
use std::time::Duration;

use tokio::time::Instant;

/// The longest a request waits for its turn (a round trip measured in seconds would otherwise
/// space requests seconds apart).
const MAX_SPACING: Duration = Duration::from_millis(100);
/// Requests leave at up to twice `limit` per smoothed round trip (as TCP paces at twice its
/// window per round trip in its slow start): a burst of permits is spread over half a round trip,
/// which breaks the rounds, and the limit is left to the concurrency. Paced at exactly `limit`
/// per round trip, the pacer bound a listing below its concurrency (a request that left late
/// never made up for it): 211 to 213 ms for the listing of `benches/flow.rs` at 1.25 ×, 202 to
/// 205 ms at 2 ×.
const PACING_GAIN: u32 = 2;
/// A turn closer than this leaves at once: tokio's timer counts whole milliseconds and would wake
/// it a tick later anyway. The turns after it are still counted from its turn, so the pace holds
/// on average.
const TIMER_RESOLUTION: Duration = Duration::from_millis(1);

/// The pacing of one client's requests to one operation.
#[derive(Debug, Default)]
pub(crate) struct Pacer {
    state: Mutex<State>,
}

#[derive(Debug, Default)]
struct State {
    /// The smoothed round trip, once measured.
    srtt: Option<Duration>,
    /// When the next request may leave.
    next: Option<Instant>,
}

impl Pacer {
    fn state(&self) -> std::sync::MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// A round trip measured: from a request leaving to its answer's headers.
    pub(crate) fn observe(&self, rtt: Duration) {
        let mut state = self.state();
        state.srtt = Some(match state.srtt {
            Some(srtt) => srtt * 7 / 8 + rtt / 8,
            None => rtt,
        });
    }

    /// The smoothed round trip, once measured.
    #[cfg(test)]
    fn srtt(&self) -> Option<Duration> {
        self.state().srtt
    }

    /// Waits for this request's turn with `limit` requests allowed in flight.
    pub(crate) async fn wait(&self, limit: usize) {
        let wait = {
            let mut state = self.state();
            let Some(srtt) = state.srtt else {
                return;
            };
            let per_round_trip = u32::try_from(limit.max(1))
                .unwrap_or(u32::MAX)
                .saturating_mul(PACING_GAIN);
            let spacing = (srtt / per_round_trip).min(MAX_SPACING);
            let now = Instant::now();
            let turn = state.next.filter(|next| *next > now).unwrap_or(now);
            state.next = Some(turn + spacing);
            turn - now
        };
        if wait >= TIMER_RESOLUTION {
            tokio::time::sleep(wait).await;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// When each of `n` requests left, from the first one's wait, with `limit` allowed.
    async fn departures(pacer: &Pacer, n: usize, limit: usize) -> Vec<Duration> {
        let started = Instant::now();
        let mut left = Vec::new();
        for _ in 0..n {
            pacer.wait(limit).await;
            left.push(started.elapsed());
        }
        left
    }

    #[tokio::test(start_paused = true)]
    async fn nothing_is_paced_until_a_round_trip_is_measured() {
        let pacer = Pacer::default();
        let started = Instant::now();
        for _ in 0..10 {
            pacer.wait(4).await;
        }
        assert_eq!(started.elapsed(), Duration::ZERO);
    }

    #[tokio::test(start_paused = true)]
    async fn requests_leave_half_a_round_trip_over_the_limit_apart() {
        let pacer = Pacer::default();
        pacer.observe(Duration::from_millis(40));
        assert_eq!(
            departures(&pacer, 5, 4).await,
            [0, 5, 10, 15, 20].map(Duration::from_millis),
            "40 ms / (2 x 4) apart"
        );
        // After a pause, the next one goes at once.
        tokio::time::advance(Duration::from_millis(100)).await;
        let before = Instant::now();
        pacer.wait(4).await;
        assert_eq!(before.elapsed(), Duration::ZERO);
    }

    #[tokio::test(start_paused = true)]
    async fn a_turn_closer_than_the_timer_resolution_leaves_at_once() {
        let pacer = Pacer::default();
        // 4 ms / (2 x 4): half a millisecond apart.
        pacer.observe(Duration::from_millis(4));
        let left = departures(&pacer, 6, 4).await;
        // Each turn is counted from the one before (not from when the timer woke), so the
        // requests keep to the pace on average: the ones whose turn was under a millisecond
        // away left at once, the others waited for theirs.
        assert_eq!(
            left,
            [0, 0, 1_000, 1_000, 2_000, 2_000].map(Duration::from_micros)
        );
    }

    #[test]
    fn the_round_trip_is_smoothed() {
        let pacer = Pacer::default();
        pacer.observe(Duration::from_millis(80));
        assert_eq!(pacer.srtt(), Some(Duration::from_millis(80)));
        pacer.observe(Duration::from_millis(40));
        assert_eq!(
            pacer.srtt(),
            Some(Duration::from_millis(75)),
            "7/8 x 80 + 1/8 x 40"
        );
    }

    #[tokio::test(start_paused = true)]
    async fn spacing_is_bounded() {
        let pacer = Pacer::default();
        pacer.observe(Duration::from_secs(30));
        pacer.wait(1).await;
        let started = Instant::now();
        pacer.wait(1).await;
        assert_eq!(started.elapsed(), MAX_SPACING);
    }
}
