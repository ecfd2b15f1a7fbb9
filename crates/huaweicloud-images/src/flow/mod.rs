//! Flow control of one client toward each operation of each service (the gateway throttles per
//! user and API): how many requests are in flight ([`concurrency`]), spread over the round trip
//! ([`pacing`]), and how fast requests go ([`rate`], learnt per operation, and a fixed limit a user
//! may set per service). Every call of the client to an operation shares that operation's flow:
//! several listings on one client share its concurrency, and every request its rate. (How many retries it can afford is the retry budget's business:
//! `crate::retry`.)
//!
//! The runtime feeds each answer back (successful, or throttling: `429` and `503` for the
//! concurrency, `429` alone for the rate) and takes a concurrency permit for each call (a
//! listing's page requests, a batch of writes, single calls), except the pages of a listing that
//! pinned its own ([`crate::Paginator::concurrency`]).

mod concurrency;
mod pacing;
mod rate;

use std::sync::Arc;

pub(crate) use concurrency::AdaptiveConcurrency;
pub(crate) use pacing::Pacer;
pub(crate) use rate::RateLimiter;

/// The most page requests one listing may keep in flight ([`crate::Paginator::concurrency`],
/// [`FlowPolicy::with_max_concurrency`]).
pub const MAX_CONCURRENCY: usize = 64;

/// How many requests in flight a client starts with, per operation ([`FlowPolicy`]).
pub const DEFAULT_INITIAL_CONCURRENCY: usize = 4;
/// The most requests in flight per operation and client by default ([`FlowPolicy`]).
pub const DEFAULT_MAX_CONCURRENCY: usize = 16;

/// How a client paces itself toward each service ([`crate::ClientBuilder::flow`]).
///
/// By default: calls start with 4 requests in flight per operation and grow to 16 while
/// answers come back fine, halving on each throttling answer; the request rate is not limited
/// until the service throttles, then follows what it lets through. A fixed rate limit
/// ([`FlowPolicy::with_rate_limit`]) is for users who know their quota.
///
/// ```
/// use huaweicloud_images::FlowPolicy;
///
/// let flow = FlowPolicy::default().with_max_concurrency(32).with_rate_limit(20.0);
/// assert_eq!(flow.max_concurrency(), 32);
/// assert_eq!(flow.rate_limit(), Some(20.0));
/// ```
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct FlowPolicy {
    initial_concurrency: usize,
    max_concurrency: usize,
    rate_limit: Option<f64>,
    adaptive_rate: bool,
}

impl Default for FlowPolicy {
    fn default() -> Self {
        FlowPolicy {
            initial_concurrency: DEFAULT_INITIAL_CONCURRENCY,
            max_concurrency: DEFAULT_MAX_CONCURRENCY,
            rate_limit: None,
            adaptive_rate: true,
        }
    }
}

impl FlowPolicy {
    /// The most requests in flight per operation (1 to [`MAX_CONCURRENCY`];
    /// outside, the nearest).
    pub fn with_max_concurrency(mut self, n: usize) -> Self {
        self.max_concurrency = n.clamp(1, MAX_CONCURRENCY);
        self
    }

    /// How many requests in flight an operation starts with (at most the maximum).
    pub fn with_initial_concurrency(mut self, n: usize) -> Self {
        self.initial_concurrency = n.max(1);
        self
    }

    /// At most `requests_per_second` requests per service, retries included (a finite positive
    /// number; anything else means none).
    pub fn with_rate_limit(mut self, requests_per_second: f64) -> Self {
        self.rate_limit = Some(requests_per_second).filter(|r| r.is_finite() && *r > 0.0);
        self
    }

    /// Whether the request rate follows what the service lets through once it throttles (on by
    /// default).
    pub fn with_adaptive_rate(mut self, adaptive: bool) -> Self {
        self.adaptive_rate = adaptive;
        self
    }

    /// The most requests in flight per operation.
    pub fn max_concurrency(&self) -> usize {
        self.max_concurrency
    }

    /// The fixed rate limit, if any.
    pub fn rate_limit(&self) -> Option<f64> {
        self.rate_limit
    }
}

/// Where a client's flow toward a service stands ([`crate::Client::flow_state`]).
#[derive(Clone, Copy, Debug, PartialEq)]
#[non_exhaustive]
pub struct FlowState {
    /// Requests allowed in flight now (listings that pinned theirs aside): the lowest limit of
    /// the service's operations called so far, each having its own (the initial one before any
    /// call).
    pub concurrency: usize,
    /// The request rate that applies now (requests per second), if any: the fixed limit, the
    /// lowest rate learnt for an operation once the service throttled, or the lower of both.
    pub rate: Option<f64>,
}

/// The flow of one client toward one operation: the gateway throttles per user and API, so each
/// operation has its own adaptive concurrency, pacing and learnt rate. A listing that meets its
/// bucket (or retries throttled pages while holding its permits) does not hold up the service's
/// other operations; four listings of one operation share one flow.
#[derive(Debug)]
pub(crate) struct OperationFlow {
    pub(crate) concurrency: Arc<AdaptiveConcurrency>,
    /// Spreads the requests the concurrency allows over the round trip.
    pub(crate) pacer: Pacer,
    /// The rate learnt from the operation's throttling answers.
    pub(crate) learnt: RateLimiter,
}

impl OperationFlow {
    /// Waits for the turn of a call that holds a permit to leave: after the slow start, paced
    /// `srtt / (2 × limit)` apart; in the slow start at once (a round leaves together, to be read
    /// together).
    pub(crate) async fn pace(&self) {
        if !self.concurrency.in_slow_start() {
            self.pacer.wait(self.concurrency.limit()).await;
        }
    }
}

/// The flow of one client toward one service: the user's fixed rate limit, and the flow of each
/// operation called so far.
#[derive(Debug)]
pub(crate) struct ServiceFlow {
    /// The user's fixed limit, for every request to the service.
    pub(crate) fixed: RateLimiter,
    operations: std::sync::Mutex<std::collections::HashMap<&'static str, Arc<OperationFlow>>>,
    policy: FlowPolicy,
}

impl ServiceFlow {
    /// Where the flow stands: the lowest concurrency limit and rate of the operations called so
    /// far (the initial concurrency when none was).
    pub(crate) fn state(&self) -> FlowState {
        let operations = self
            .operations
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        let learnt = operations
            .values()
            .filter_map(|flow| flow.learnt.rate())
            .reduce(f64::min);
        let concurrency = operations
            .values()
            .map(|flow| flow.concurrency.limit())
            .min()
            .unwrap_or_else(|| {
                self.policy
                    .initial_concurrency
                    .clamp(1, self.policy.max_concurrency)
            });
        let rate = match (self.fixed.rate(), learnt) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        };
        FlowState { concurrency, rate }
    }

    /// The flow of `operation` (created on first use).
    pub(crate) fn operation(&self, operation: &'static str) -> Arc<OperationFlow> {
        let mut operations = self
            .operations
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        Arc::clone(operations.entry(operation).or_insert_with(|| {
            Arc::new(OperationFlow {
                concurrency: AdaptiveConcurrency::new(
                    self.policy.initial_concurrency,
                    self.policy.max_concurrency,
                ),
                pacer: Pacer::default(),
                learnt: RateLimiter::new(None, self.policy.adaptive_rate),
            })
        }))
    }

    /// The most requests in flight any operation's concurrency allows.
    pub(crate) fn max_concurrency(&self) -> usize {
        self.policy.max_concurrency
    }

    pub(crate) fn new(policy: &FlowPolicy) -> Self {
        ServiceFlow {
            fixed: RateLimiter::new(policy.rate_limit, false),
            operations: std::sync::Mutex::default(),
            policy: *policy,
        }
    }
}

/// Whether an answer with this status is the service throttling.
pub(crate) fn is_throttling(status: u16) -> bool {
    matches!(status, 429 | 503)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test(start_paused = true)]
    async fn a_rate_learnt_for_one_operation_does_not_pace_another() {
        let flow = ServiceFlow::new(&FlowPolicy::default().with_rate_limit(50.0));
        let listing = flow.operation("ListImageServers");
        for _ in 0..5 {
            listing.learnt.succeeded();
        }
        listing.learnt.throttled(listing.learnt.acquire().await);
        assert!(listing.learnt.rate().is_some());
        assert_eq!(flow.operation("ShowImageServer").learnt.rate(), None);
        assert_eq!(
            flow.state().rate,
            listing.learnt.rate().map(|r| r.min(50.0))
        );
        assert_eq!(
            flow.fixed.rate(),
            Some(50.0),
            "the user's limit is per service"
        );
    }

    #[test]
    fn a_policy_keeps_what_it_is_given_within_bounds() {
        let policy = FlowPolicy::default()
            .with_max_concurrency(32)
            .with_initial_concurrency(8)
            .with_rate_limit(2.5)
            .with_adaptive_rate(false);
        assert_eq!(policy.max_concurrency(), 32);
        assert_eq!(policy.rate_limit(), Some(2.5));
        let flow = ServiceFlow::new(&policy);
        assert_eq!(flow.max_concurrency(), 32);
        assert_eq!(flow.state().concurrency, 8);
        assert_eq!(
            FlowPolicy::default()
                .with_max_concurrency(0)
                .max_concurrency(),
            1
        );
        assert_eq!(
            FlowPolicy::default()
                .with_max_concurrency(1000)
                .max_concurrency(),
            MAX_CONCURRENCY
        );
        for refused in [0.0, -1.0, f64::NAN, f64::INFINITY] {
            assert_eq!(
                FlowPolicy::default().with_rate_limit(refused).rate_limit(),
                None,
                "{refused}"
            );
        }
    }

    #[tokio::test(start_paused = true)]
    async fn without_an_adaptive_rate_throttling_teaches_no_rate() {
        let flow = ServiceFlow::new(&FlowPolicy::default().with_adaptive_rate(false))
            .operation("ListImageServers");
        for _ in 0..5 {
            flow.learnt.succeeded();
        }
        flow.learnt.throttled(flow.learnt.acquire().await);
        assert_eq!(flow.learnt.rate(), None);
    }

    #[test]
    fn only_429_and_503_are_throttling() {
        assert!(is_throttling(429) && is_throttling(503));
        assert!(!is_throttling(500) && !is_throttling(200) && !is_throttling(408));
    }

    #[tokio::test(start_paused = true)]
    async fn calls_are_paced_after_the_slow_start_only() {
        let flow = ServiceFlow::new(&FlowPolicy::default()).operation("ListImageServers");
        flow.pacer.observe(std::time::Duration::from_millis(40));
        let started = tokio::time::Instant::now();
        for _ in 0..3 {
            flow.pace().await;
        }
        assert_eq!(
            started.elapsed(),
            std::time::Duration::ZERO,
            "a round leaves together"
        );
        flow.concurrency.throttled(flow.concurrency.generation());
        assert_eq!(flow.concurrency.limit(), 2);
        let started = tokio::time::Instant::now();
        for _ in 0..3 {
            flow.pace().await;
        }
        assert_eq!(
            started.elapsed(),
            std::time::Duration::from_millis(20),
            "40 ms / (2 x 2) apart"
        );
    }

    #[test]
    fn a_throttled_operation_halves_its_own_concurrency_only() {
        let flow = ServiceFlow::new(&FlowPolicy::default());
        assert_eq!(flow.state().concurrency, DEFAULT_INITIAL_CONCURRENCY);
        let listing = flow.operation("ListImageServers");
        listing
            .concurrency
            .throttled(listing.concurrency.generation());
        assert_eq!(listing.concurrency.limit(), 2);
        assert_eq!(flow.operation("ShowImageServer").concurrency.limit(), 4);
        assert!(Arc::ptr_eq(&listing, &flow.operation("ListImageServers")));
        assert_eq!(flow.state().concurrency, 2, "the lowest of the operations");
    }
}
