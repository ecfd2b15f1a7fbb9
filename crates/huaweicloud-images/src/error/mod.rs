//! The one error type of this crate.
//!
//! Every fallible call returns [`Error`]. Messages are written for a person to act on, and never
//! contain secret values (secret keys, security tokens, auth tokens, signatures).

use std::time::Duration;

use crate::retry::classify::Failure;

mod api;
mod escaped;
#[cfg(test)]
mod tests;
mod wait;

pub use api::ApiError;
pub(crate) use api::excerpt;
pub(crate) use escaped::Escaped;
pub use wait::{WaitFailed, WaitReason};

/// Shorthand for `std::result::Result<T, huaweicloud_images::Error>`.
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// Everything that can go wrong when calling a Huawei Cloud image API.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The service answered with an error status (4xx/5xx).
    #[error("{0}")]
    Api(Box<ApiError>),

    /// The request never got a complete answer: DNS, connect, TLS, reset connection, broken body.
    #[error("transport error while calling {operation}: {}", Escaped(message))]
    Transport {
        /// The operation that was being called (official name, e.g. `ListImages`).
        operation: &'static str,
        /// What failed, as reported by the HTTP stack.
        message: String,
        /// The underlying error.
        #[source]
        source: Option<Box<dyn std::error::Error + Send + Sync>>,
    },

    /// The call (or one attempt of it) ran out of time.
    #[error("{operation} timed out after {elapsed:?}")]
    Timeout {
        /// The operation that was being called.
        operation: &'static str,
        /// How long the call had been running.
        elapsed: Duration,
    },

    /// The service answered 2xx but the body is not what the API documents.
    #[error(
        "could not decode the {operation} response (HTTP {status}): {}; body starts with: {excerpt:?}",
        Escaped(message)
    )]
    Decode {
        /// The operation that was being called.
        operation: &'static str,
        /// HTTP status of the response.
        status: u16,
        /// What the decoder said.
        message: String,
        /// The first bytes of the body (at most 200 characters).
        excerpt: String,
    },

    /// The response body is larger than the client accepts ([`crate::ClientBuilder::max_body_size`]);
    /// it was not read whole, and the call was not retried.
    #[error(
        "the {operation} response body is larger than {limit} bytes (ClientBuilder::max_body_size); it was not read"
    )]
    BodyTooLarge {
        /// The operation that was being called.
        operation: &'static str,
        /// The limit, in bytes.
        limit: u64,
    },

    /// A wait ([`crate::waiter`]) ended without reaching its target: a failure state, a 404, or
    /// its deadline; with the last answer seen.
    #[error("{0}")]
    Wait(Box<WaitFailed>),

    /// An argument was rejected before any request was sent.
    #[error("invalid {field}: {reason}")]
    InvalidInput {
        /// The parameter at fault (e.g. `limit`, `project_id`).
        field: &'static str,
        /// Why it was rejected.
        reason: String,
    },

    /// The client could not be configured: missing credentials, bad endpoint, unreadable profile.
    #[error("configuration error: {0}")]
    Config(String),

    /// The call was cut short on this side: the tokio runtime running it (the blocking flavour's
    /// own, or the one a page request was spawned on) could not start, shut down, or cancelled its
    /// task. If it was cut short after its request was sent, whether the service received it is
    /// not known.
    #[error("interrupted: {0}")]
    Interrupted(String),

    /// No usable credentials at the time of a call: the credentials provider (for example the
    /// instance metadata service) failed and no unexpired credentials were cached, or, for an
    /// automatic project id, IAM did not name exactly one project. The message names every source
    /// tried and never contains a secret.
    #[error("credentials unavailable: {0}")]
    Credentials(String),

    /// A write (`POST`, `PUT`, `PATCH`, `DELETE`) whose outcome is not known: one of its attempts
    /// may have reached the service, which may have applied it (a time-out or a broken connection
    /// after the request was sent, a 5xx, a success answer that could not be read, the call cut
    /// short while an attempt was on its way) — whatever its last attempt met. `source` is the
    /// last attempt's error ([`Error::as_api`] and [`Error::status`] look through to it). Look
    /// before doing it again; or repeat it with the same `idempotency_token` (the operation's
    /// token setter), which the service deduplicates by. A write whose every attempt provably did
    /// not reach the service (it never left, or was refused with a 4xx) fails with the plain error:
    /// it was not applied.
    #[error("{operation} may have been applied{}: {source}", token_note(idempotency_token.as_deref()))]
    Unconfirmed {
        /// The write.
        operation: &'static str,
        /// The idempotency token the request carried, if the operation has one: repeat the call
        /// with it to have the service apply it at most once.
        idempotency_token: Option<String>,
        /// Whether sending the same call again cannot apply it twice: a `PUT`, a `DELETE`, an
        /// operation the spec marks idempotent. Not for a `POST` or a `PATCH`, nor for a write
        /// whose repeat is safe only with the same `idempotency_token` (a new call makes a new
        /// one unless it is given).
        repeatable: bool,
        /// What went wrong.
        #[source]
        source: Box<Error>,
    },

    /// Pagination stopped because the service did not make progress (it repeated a page or ignored
    /// the offset); continuing would loop forever.
    #[error("pagination of {operation} stopped at offset {offset}: {reason}")]
    Pagination {
        /// The list operation.
        operation: &'static str,
        /// The offset of the page that showed the problem.
        offset: u64,
        /// What was detected.
        reason: String,
    },
}

/// ` (idempotency token …)` when a write carried one, for [`Error::Unconfirmed`]'s message.
fn token_note(token: Option<&str>) -> String {
    token.map_or_else(String::new, |token| format!(" (idempotency token {token})"))
}

impl Error {
    /// A configuration error with a message a person can act on.
    pub(crate) fn config(message: impl Into<String>) -> Self {
        Error::Config(message.into())
    }

    /// A call cut short on this side (see [`Error::Interrupted`]).
    pub(crate) fn interrupted(message: impl Into<String>) -> Self {
        Error::Interrupted(message.into())
    }

    /// No usable credentials (or project) at call time.
    pub(crate) fn credentials(message: impl Into<String>) -> Self {
        Error::Credentials(message.into())
    }

    /// An input validation error, raised before any I/O.
    pub(crate) fn invalid(field: &'static str, reason: impl Into<String>) -> Self {
        Error::InvalidInput {
            field,
            reason: reason.into(),
        }
    }

    /// The API error, if the service answered with one.
    pub fn as_api(&self) -> Option<&ApiError> {
        match self {
            Error::Api(e) => Some(e),
            Error::Unconfirmed { source, .. } => source.as_api(),
            _ => None,
        }
    }

    /// HTTP status of the answer, when there was one.
    pub fn status(&self) -> Option<u16> {
        match self {
            Error::Api(e) => Some(e.status),
            Error::Decode { status, .. } => Some(*status),
            Error::Unconfirmed { source, .. } => source.status(),
            _ => None,
        }
    }

    /// Whether the request may have been applied although the call failed ([`Error::Unconfirmed`]):
    /// only a write can be. Every other error of a write means it was not applied.
    pub fn may_have_been_applied(&self) -> bool {
        matches!(self, Error::Unconfirmed { .. })
    }

    /// Whether trying the same call again may succeed, and is safe: transport errors, time-outs,
    /// and HTTP 408, 429, 500, 502, 503 and 504 (the classification of [`crate::retry`]). A
    /// `Decode` error is not: a malformed body was retried already, and a body of the wrong shape
    /// stays so. An [`Error::Unconfirmed`] write is only when repeating it cannot apply it twice
    /// (`repeatable`): a `POST` or a `PATCH` that may have been applied is not (look first, or
    /// repeat it with its `idempotency_token`).
    pub fn is_retryable(&self) -> bool {
        let failure = match self {
            Error::Unconfirmed {
                source, repeatable, ..
            } => return *repeatable && source.is_retryable(),
            Error::Transport { .. } | Error::Timeout { .. } => Failure::NoAnswer,
            Error::Api(e) => Failure::Status(e.status),
            Error::BodyTooLarge { .. } => Failure::BodyTooLarge,
            _ => return false,
        };
        failure.is_retryable()
    }
}
