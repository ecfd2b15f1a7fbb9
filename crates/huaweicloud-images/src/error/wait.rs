//! How a wait ended without reaching its target ([`WaitFailed`], [`WaitReason`]).

use std::time::Duration;

use super::escaped::Escaped;

/// Why a wait ended without reaching its target ([`Error::Wait`](super::Error::Wait)).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum WaitReason {
    /// The resource reached a failure state.
    FailureState,
    /// The operation answered 404 while a state was awaited.
    NotFound,
    /// The deadline passed first.
    Deadline,
}

/// A wait that ended without reaching its target: why, and the last answer seen.
#[derive(Clone, Debug, PartialEq)]
#[non_exhaustive]
pub struct WaitFailed {
    /// The operation polled, e.g. `ShowImageServer`.
    pub operation: &'static str,
    /// Why the wait ended.
    pub reason: WaitReason,
    /// The state of the last answer, as the service spelt it.
    pub last_status: Option<String>,
    /// How many polls were made.
    pub polls: u32,
    /// How long the wait took.
    pub elapsed: Duration,
    last: Option<serde_json::Value>,
}

impl WaitFailed {
    pub(crate) fn new(
        operation: &'static str,
        reason: WaitReason,
        last_status: Option<String>,
        polls: u32,
        elapsed: Duration,
        last: Option<serde_json::Value>,
    ) -> Self {
        WaitFailed {
            operation,
            reason,
            last_status,
            polls,
            elapsed,
            last,
        }
    }

    /// The last answer seen, as `T` (e.g. `ImageServer`), if there was one.
    pub fn last<T: serde::de::DeserializeOwned>(&self) -> Option<T> {
        self.last
            .clone()
            .and_then(|value| serde_json::from_value(value).ok())
    }
}

impl std::fmt::Display for WaitFailed {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let why = match self.reason {
            WaitReason::FailureState => "the resource reached a failure state",
            WaitReason::NotFound => "the resource is gone (404)",
            WaitReason::Deadline => "the deadline passed",
        };
        write!(
            f,
            "waiting with {} ended after {} polls ({:?}): {why}",
            self.operation, self.polls, self.elapsed
        )?;
        if let Some(status) = &self.last_status {
            write!(f, "; last state {}", Escaped(status))?;
        }
        Ok(())
    }
}
