//! The one error type of this crate.
//!
//! Every fallible call returns [`Error`]. Messages are written for a person to act on, and never
//! contain secret values (secret keys, security tokens, auth tokens, signatures).

use std::time::Duration;

use crate::retry::Failure;

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

    /// No usable credentials at the time of a call: the credentials provider (for example the
    /// instance metadata service) failed and no unexpired credentials were cached, or, for an
    /// automatic project id, IAM did not name exactly one project. The message names every source
    /// tried and never contains a secret.
    #[error("credentials unavailable: {0}")]
    Credentials(String),

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

/// An error answer from the service, with everything the service said about it.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct ApiError {
    /// The operation that was called (official name, e.g. `ShowImageServer`).
    pub operation: &'static str,
    /// HTTP status code.
    pub status: u16,
    /// `error_code` (or `errorCode` / `code`), e.g. `WKS.0001` or `APIGW.0301`.
    pub error_code: Option<String>,
    /// `error_msg` (or `errorMsg` / `message`).
    pub error_msg: Option<String>,
    /// `error_detail` (Workspace v2).
    pub error_detail: Option<String>,
    /// `encoded_authorization_message` (Workspace v2): decode it with STS
    /// `decode-authorization-message`.
    pub encoded_authorization_message: Option<String>,
    /// Request id from the `X-Request-Id` header, or `request_id` in the body.
    pub request_id: Option<String>,
    /// The body as received when it was not a JSON error object (at most 1 KiB).
    pub raw_body: Option<String>,
    /// `Retry-After` as sent by the service, if any.
    pub retry_after: Option<Duration>,
}

/// Why a wait ended without reaching its target ([`Error::Wait`]).
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

/// Text from a server as an error message shows it: control characters (ANSI escapes, line
/// breaks, bells), line and paragraph separators, and every invisible formatting character
/// (Unicode category `Cf`: bidirectional overrides, zero-width characters, the BOM, soft hyphens,
/// the tag characters U+E0000–U+E007F that can smuggle hidden text), as well as private-use and
/// unassigned code points, written as escapes (`\u{1b}`, `\r\n`, `\u{e0069}`), so that they can
/// neither recolour a terminal nor forge a log line nor hide text from a reader. The fields keep
/// the text as sent.
pub(crate) struct Escaped<'a>(pub(crate) &'a str);

impl std::fmt::Display for Escaped<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        use std::fmt::Write;
        use unicode_properties::{GeneralCategory, UnicodeGeneralCategory};
        for c in self.0.chars() {
            let hidden = matches!(
                c.general_category(),
                GeneralCategory::Control
                    | GeneralCategory::Format
                    | GeneralCategory::LineSeparator
                    | GeneralCategory::ParagraphSeparator
                    | GeneralCategory::PrivateUse
                    | GeneralCategory::Surrogate
                    | GeneralCategory::Unassigned
            );
            if hidden {
                write!(f, "{}", c.escape_default())?;
            } else {
                f.write_char(c)?;
            }
        }
        Ok(())
    }
}

impl std::fmt::Display for ApiError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} failed with HTTP {}", self.operation, self.status)?;
        if let Some(code) = &self.error_code {
            write!(f, " [{}]", Escaped(code))?;
        }
        if let Some(msg) = &self.error_msg {
            write!(f, ": {}", Escaped(msg))?;
        }
        if let Some(detail) = &self.error_detail {
            write!(f, " ({})", Escaped(detail))?;
        }
        if self.error_code.is_none()
            && self.error_msg.is_none()
            && let Some(raw) = &self.raw_body
        {
            write!(f, ": {raw:?}")?;
        }
        if let Some(id) = &self.request_id {
            write!(f, " (request id {})", Escaped(id))?;
        }
        Ok(())
    }
}

impl Error {
    /// A configuration error with a message a person can act on.
    pub(crate) fn config(message: impl Into<String>) -> Self {
        Error::Config(message.into())
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
            _ => None,
        }
    }

    /// HTTP status of the answer, when there was one.
    pub fn status(&self) -> Option<u16> {
        match self {
            Error::Api(e) => Some(e.status),
            Error::Decode { status, .. } => Some(*status),
            _ => None,
        }
    }

    /// Whether trying the same call again may succeed: transport errors, time-outs, and HTTP
    /// 408, 429, 500, 502, 503 and 504 (the classification of [`crate::retry`]). A `Decode` error
    /// is not: a malformed body was retried already, and a body of the wrong shape stays so.
    pub fn is_retryable(&self) -> bool {
        let failure = match self {
            Error::Transport { .. } | Error::Timeout { .. } => Failure::NoAnswer,
            Error::Api(e) => Failure::Status(e.status),
            Error::BodyTooLarge { .. } => Failure::BodyTooLarge,
            _ => return false,
        };
        failure.is_retryable()
    }
}

#[cfg(test)]
mod tests {
    use super::Escaped;

    #[test]
    fn invisible_and_control_characters_are_escaped_and_the_rest_kept() {
        let shown = Escaped(
            "a\u{1b}[31m\r\n\u{202e}\u{e0001}\u{e0068}\u{e007f}\u{ad}\u{fff9}\u{f8ff}\u{10ffff}z",
        )
        .to_string();
        assert_eq!(
            shown,
            r"a\u{1b}[31m\r\n\u{202e}\u{e0001}\u{e0068}\u{e007f}\u{ad}\u{fff9}\u{f8ff}\u{10ffff}z"
        );
        let plain = "名字 ünïcode é́ emoji 🙂 tab-free";
        assert_eq!(Escaped(plain).to_string(), plain);
    }
}
