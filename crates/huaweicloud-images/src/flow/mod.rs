//! Flow control of one client toward each service: how many requests are in flight
//! ([`concurrency`]), spread over the round trip ([`pacing`]), and how fast requests go
//! ([`rate`]). Every call of the client to a service
//! shares that service's flow: several listings on one client share its concurrency, and every
//! request its rate. (How many retries it can afford is the retry budget's business:
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

/// How many requests in flight a client starts with, per service ([`FlowPolicy`]).
pub const DEFAULT_INITIAL_CONCURRENCY: usize = 4;
/// The most requests in flight per service and client by default ([`FlowPolicy`]).
pub const DEFAULT_MAX_CONCURRENCY: usize = 16;

/// How a client paces itself toward each service ([`crate::ClientBuilder::flow`]).
///
/// By default: calls start with 4 requests in flight per service and grow to 16 while
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
    /// The most requests in flight per service (1 to [`MAX_CONCURRENCY`];
    /// outside, the nearest).
    pub fn with_max_concurrency(mut self, n: usize) -> Self {
        self.max_concurrency = n.clamp(1, MAX_CONCURRENCY);
        self
    }

    /// How many requests in flight a service starts with (at most the maximum).
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

    /// The most requests in flight per service.
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
    /// Page requests allowed in flight now (listings that pinned theirs aside).
    pub concurrency: usize,
    /// The request rate that applies now (requests per second), if any: the fixed limit, the
    /// learnt one once the service throttled, or the lower of both.
    pub rate: Option<f64>,
}

/// The flow of one client toward one service.
#[derive(Debug)]
pub(crate) struct ServiceFlow {
    pub(crate) concurrency: Arc<AdaptiveConcurrency>,
    /// Spreads the requests the concurrency allows over the round trip.
    pub(crate) pacer: Pacer,
    /// The user's fixed limit, for every request to the service.
    pub(crate) fixed: RateLimiter,
    /// The learnt rate of each operation: the gateway throttles per user and API, so a listing
    /// that meets its bucket does not slow the service's other operations.
    learnt: std::sync::Mutex<std::collections::HashMap<&'static str, Arc<RateLimiter>>>,
    adaptive: bool,
}

impl ServiceFlow {
    pub(crate) fn state(&self) -> FlowState {
        let learnt = self
            .learnt
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .values()
            .filter_map(|rate| rate.rate())
            .reduce(f64::min);
        let rate = match (self.fixed.rate(), learnt) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        };
        FlowState {
            concurrency: self.concurrency.limit(),
            rate,
        }
    }

    /// The learnt rate of `operation` (created on first use).
    pub(crate) fn learnt_rate(&self, operation: &'static str) -> Arc<RateLimiter> {
        let mut learnt = self
            .learnt
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        Arc::clone(
            learnt
                .entry(operation)
                .or_insert_with(|| Arc::new(RateLimiter::new(None, self.adaptive))),
        )
    }

    pub(crate) fn new(policy: &FlowPolicy) -> Self {
        ServiceFlow {
            concurrency: AdaptiveConcurrency::new(
                policy.initial_concurrency,
                policy.max_concurrency,
            ),
            pacer: Pacer::default(),
            fixed: RateLimiter::new(policy.rate_limit, false),
            learnt: std::sync::Mutex::default(),
            adaptive: policy.adaptive_rate,
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
        let listing = flow.learnt_rate("ListImageServers");
        for _ in 0..5 {
            listing.succeeded();
        }
        listing.throttled(listing.acquire().await);
        assert!(listing.rate().is_some());
        assert_eq!(flow.learnt_rate("ShowImageServer").rate(), None);
        assert_eq!(flow.state().rate, listing.rate().map(|r| r.min(50.0)));
        assert_eq!(
            flow.fixed.rate(),
            Some(50.0),
            "the user's limit is per service"
        );
    }
}
