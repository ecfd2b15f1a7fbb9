//! The state one fake server shares between its connections.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use crate::config::FakeConfig;
use crate::gateway::auth::Verifier;
use crate::gateway::clock::GatewayClock;
use crate::gateway::faults::{FaultBook, FaultSpec};
use crate::gateway::log::RequestLog;
use crate::gateway::throttle::{Buckets, Throttle};
use crate::services::data::FakeData;
use crate::services::statuses::Scripts;
use crate::services::temporary::Issuer;

/// Shared, cheaply cloned handle to the state.
pub(crate) type SharedState = Arc<AppState>;

/// The parts of the configuration a reset restores.
pub(crate) struct Initial {
    pub(crate) latency: Duration,
    pub(crate) throttle: Option<Throttle>,
    pub(crate) faults: Vec<FaultSpec>,
}

pub(crate) struct AppState {
    pub(crate) project_id: Option<String>,
    pub(crate) verifier: Verifier,
    pub(crate) data: FakeData,
    pub(crate) faults: FaultBook,
    pub(crate) log: RequestLog,
    pub(crate) throttle: Buckets,
    pub(crate) statuses: Scripts,
    /// What the fake remembers of writes.
    pub(crate) memory: crate::services::memory::Memory,
    /// How long a remembered item stays in each state of its lifecycle.
    pub(crate) lifecycle_step: Duration,
    /// The gateway's clock.
    pub(crate) clock: GatewayClock,
    /// The temporary credentials the metadata service issues.
    pub(crate) temporary: Issuer,
    iam_projects: Vec<(String, String)>,
    latency_nanos: AtomicU64,
    /// What a reset through the control API goes back to.
    pub(crate) initial: Initial,
    request_nonce: u64,
    request_counter: AtomicU64,
}

impl AppState {
    pub(crate) fn new(config: &FakeConfig) -> Self {
        let data = FakeData::generate(config);
        let memory = crate::services::memory::Memory::seeded(&data);
        AppState {
            memory,
            lifecycle_step: config.lifecycle_step,
            project_id: config.project_id.clone(),
            verifier: Verifier::new(&config.credentials, &config.tokens, config.max_clock_skew),
            data,
            faults: FaultBook::new(config.seed),
            log: RequestLog::new(config.request_log_capacity),
            throttle: Buckets::new(config.throttle),
            statuses: Scripts::default(),
            clock: GatewayClock::new(config.clock_offset_secs),
            temporary: Issuer::new(config.temporary_credential_lifetime),
            iam_projects: if config.iam_projects.is_empty() {
                vec![(
                    String::new(),
                    config
                        .project_id
                        .clone()
                        .unwrap_or_else(|| crate::config::FAKE_PROJECT_ID.to_owned()),
                )]
            } else {
                config.iam_projects.clone()
            },
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
        self.memory.reset();
        self.clock.reset();
        self.temporary.clear();
        self.log.clear();
    }

    /// The `(region, project id)` pairs IAM answers for `name` (every region has the one default
    /// project unless [`FakeConfig::iam_projects`] lists them).
    pub(crate) fn iam_projects(&self, name: Option<&str>) -> Vec<(String, String)> {
        self.iam_projects
            .iter()
            .filter_map(|(region, id)| match (region.is_empty(), name) {
                (true, Some(name)) => Some((name.to_owned(), id.clone())),
                (true, None) => Some(("cn-north-4".to_owned(), id.clone())),
                (false, Some(name)) if region == name => Some((region.clone(), id.clone())),
                (false, None) => Some((region.clone(), id.clone())),
                _ => None,
            })
            .collect()
    }

    pub(crate) fn set_latency(&self, latency: Duration) {
        let nanos = u64::try_from(latency.as_nanos()).unwrap_or(u64::MAX);
        self.latency_nanos.store(nanos, Ordering::Relaxed);
    }
}
