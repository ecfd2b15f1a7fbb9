//! Image servers that move through their states on a schedule a test controls: for a server, a
//! list of steps (after this long, this status; or gone), counted on a clock that runs with tokio's
//! (so paused time drives it) and that [`crate::FakeServer::advance_status_clock`] can move on.
//! ShowImageServer and ListImageServers answer with the server's current status, and a server
//! whose script reached [`StatusStep::deleted`] is gone (404, and out of the lists).

use std::collections::HashMap;
use std::sync::{Mutex, PoisonError};
use std::time::Duration;

use tokio::time::Instant;

/// How far the status clock may be moved on (a century): past that, `Instant` could overflow.
const MAX_OFFSET: Duration = Duration::from_secs(100 * 365 * 24 * 3600);

/// One step of a server's script.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StatusStep {
    /// How long after the script starts the step applies.
    pub after: Duration,
    /// The status from then on; `None`: the server is gone.
    pub status: Option<String>,
}

impl StatusStep {
    /// After `after`, the server shows `status`.
    pub fn status(after: Duration, status: impl Into<String>) -> Self {
        StatusStep {
            after,
            status: Some(status.into()),
        }
    }

    /// After `after`, the server is gone.
    pub fn deleted(after: Duration) -> Self {
        StatusStep {
            after,
            status: None,
        }
    }
}

/// What a script says of a server now.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Now {
    /// Not scripted (or not started yet): as generated.
    Unchanged,
    Status(String),
    Gone,
}

#[derive(Debug)]
struct Script {
    started: Instant,
    steps: Vec<StatusStep>,
}

/// Every script of one server, and the clock's offset.
#[derive(Debug, Default)]
pub(crate) struct Scripts {
    scripts: Mutex<HashMap<String, Script>>,
    offset: Mutex<Duration>,
}

impl Scripts {
    /// Starts (or replaces) the script of server `id`, now.
    pub(crate) fn set(&self, id: &str, mut steps: Vec<StatusStep>) {
        steps.sort_by_key(|step| step.after);
        // On the virtual clock: real time plus what was advanced.
        let now = Instant::now();
        let started = now.checked_add(*self.offset()).unwrap_or(now);
        self.lock()
            .insert(id.to_string(), Script { started, steps });
    }

    /// Whether no item has a script (everything is as generated or written).
    pub(crate) fn is_empty(&self) -> bool {
        self.lock().is_empty()
    }

    /// Moves the clock on by `by`.
    pub(crate) fn advance(&self, by: Duration) {
        let mut offset = self.offset();
        *offset = offset.saturating_add(by).min(MAX_OFFSET);
    }

    /// Forgets every script and the clock's offset.
    pub(crate) fn clear(&self) {
        self.lock().clear();
        *self.offset() = Duration::ZERO;
    }

    /// What the script of `id` says now.
    pub(crate) fn now(&self, id: &str) -> Now {
        let offset = *self.offset();
        let scripts = self.lock();
        let Some(script) = scripts.get(id) else {
            return Now::Unchanged;
        };
        let now = Instant::now();
        let elapsed = now
            .checked_add(offset)
            .unwrap_or(now)
            .saturating_duration_since(script.started);
        match script.steps.iter().rev().find(|step| step.after <= elapsed) {
            None => Now::Unchanged,
            Some(StatusStep {
                status: Some(status),
                ..
            }) => Now::Status(status.clone()),
            Some(StatusStep { status: None, .. }) => Now::Gone,
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<String, Script>> {
        self.scripts.lock().unwrap_or_else(PoisonError::into_inner)
    }

    fn offset(&self) -> std::sync::MutexGuard<'_, Duration> {
        self.offset.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_clock_moved_on_without_bound_saturates() {
        let scripts = Scripts::default();
        scripts.set("s", vec![StatusStep::status(Duration::ZERO, "A")]);
        for _ in 0..3 {
            scripts.advance(Duration::MAX);
        }
        scripts.set("t", vec![StatusStep::status(Duration::ZERO, "B")]);
        assert!(matches!(scripts.now("s"), Now::Status(_)));
        assert!(matches!(scripts.now("t"), Now::Status(_)));
    }

    #[tokio::test(start_paused = true)]
    async fn a_script_moves_on_with_the_clock_and_with_advance() {
        let scripts = Scripts::default();
        scripts.set(
            "s",
            vec![
                StatusStep::status(Duration::ZERO, "CREATING"),
                StatusStep::status(Duration::from_secs(10), "ACTIVE"),
                StatusStep::deleted(Duration::from_secs(60)),
            ],
        );
        assert_eq!(scripts.now("s"), Now::Status("CREATING".into()));
        assert_eq!(scripts.now("other"), Now::Unchanged);
        tokio::time::advance(Duration::from_secs(10)).await;
        assert_eq!(scripts.now("s"), Now::Status("ACTIVE".into()));
        scripts.advance(Duration::from_secs(50));
        assert_eq!(scripts.now("s"), Now::Gone);
        // A script set after the clock was advanced starts at the clock's now.
        scripts.set(
            "t",
            vec![StatusStep::status(Duration::from_secs(1), "BUILT")],
        );
        assert_eq!(scripts.now("t"), Now::Unchanged);
        scripts.advance(Duration::from_secs(1));
        assert_eq!(scripts.now("t"), Now::Status("BUILT".into()));
        scripts.clear();
        assert_eq!(scripts.now("s"), Now::Unchanged);
    }
}
