//! The state one fake server shares between its connections.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use crate::auth::Verifier;
use crate::config::FakeConfig;
use crate::data::FakeData;
use crate::faults::FaultBook;
use crate::log::RequestLog;
use crate::statuses::Scripts;
use crate::throttle::Buckets;

/// Shared, cheaply cloned handle to the state.
pub(crate) type SharedState = Arc<AppState>;

/// The parts of the configuration a reset restores.
pub(crate) struct Initial {
    pub(crate) latency: Duration,
    pub(crate) throttle: Option<crate::Throttle>,
    pub(crate) faults: Vec<crate::FaultSpec>,
}

pub(crate) struct AppState {
    pub(crate) project_id: Option<String>,
    pub(crate) verifier: Verifier,
    pub(crate) data: FakeData,
    pub(crate) faults: FaultBook,
    pub(crate) log: RequestLog,
    pub(crate) throttle: Buckets,
    pub(crate) statuses: Scripts,
    latency_nanos: AtomicU64,
    /// What a reset through the control API goes back to.
    pub(crate) initial: Initial,
    request_nonce: u64,
    request_counter: AtomicU64,
}

impl AppState {
    pub(crate) fn new(config: &FakeConfig) -> Self {
        AppState {
            project_id: config.project_id.clone(),
            verifier: Verifier::new(&config.credentials, &config.tokens, config.max_clock_skew),
            data: FakeData::generate(config),
            faults: FaultBook::new(config.seed),
            log: RequestLog::new(config.request_log_capacity),
            throttle: Buckets::new(config.throttle),
            statuses: Scripts::default(),
            latency_nanos: AtomicU64::new(0),
            initial: Initial {
                latency: config.latency,
                throttle: config.throttle,
                faults: config.faults.clone(),
            },
            request_nonce: rand::random(),
            request_counter: AtomicU64::new(0),
        }
    }

    /// A 32-hex-digit id, unique per request (and, with high probability, per server).
    pub(crate) fn next_request_id(&self) -> String {
        let n = self.request_counter.fetch_add(1, Ordering::Relaxed);
        format!("{:016x}{n:016x}", self.request_nonce)
    }

    pub(crate) fn latency(&self) -> Duration {
        Duration::from_nanos(self.latency_nanos.load(Ordering::Relaxed))
    }

    /// Back to how the server started: the configured latency, throttle and faults; no status
    /// scripts, an empty log.
    pub(crate) fn reset(&self) {
        self.set_latency(self.initial.latency);
        self.throttle.set(self.initial.throttle);
        self.faults.clear();
        for spec in &self.initial.faults {
            self.faults
                .inject(spec.fault.clone(), spec.scope, spec.operation);
        }
        self.statuses.clear();
        self.log.clear();
    }

    pub(crate) fn set_latency(&self, latency: Duration) {
        let nanos = u64::try_from(latency.as_nanos()).unwrap_or(u64::MAX);
        self.latency_nanos.store(nanos, Ordering::Relaxed);
    }
}
