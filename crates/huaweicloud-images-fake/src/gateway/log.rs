//! The request log tests assert on (filled by the outermost middleware, `recording.rs`).
//!
//! Every request is recorded when it arrives (so a request whose client gave up still shows) and
//! completed when its response head is ready. Secrets are masked before anything is stored or traced:
//! the `Signature=` part of `Authorization` (the access key and signed-header list stay readable), and
//! the whole value of `X-Auth-Token`, `X-Security-Token`, `X-Subject-Token`, `Cookie` and
//! `Proxy-Authorization`.

use std::collections::VecDeque;
use std::sync::Mutex;
use std::time::Duration;

use http::{HeaderMap, HeaderValue, StatusCode, header};

use crate::gateway::faults::Fault;
use crate::gateway::signing::Authorization;
use crate::generated::operations::Operation;

/// What is shown instead of a secret.
pub const MASK: &str = "***";

const SECRET_HEADERS: [&str; 5] = [
    "x-auth-token",
    "x-security-token",
    "x-subject-token",
    "cookie",
    "proxy-authorization",
];

/// One request as the fake saw it.
#[derive(Debug, Clone, PartialEq)]
pub struct RecordedRequest {
    /// The `X-Request-Id` the fake answered with.
    pub request_id: String,
    /// HTTP method.
    pub method: String,
    /// Path as received (percent-encoded).
    pub path: String,
    /// Query string as received, without `?`.
    pub query: Option<String>,
    /// Headers in the order received, names lower-case, secrets masked (see the module docs).
    pub headers: Vec<(String, String)>,
    /// The operation the path and method matched, if any.
    pub operation: Option<Operation>,
    /// The status sent; `None` when no response was sent (a [`Fault::ConnectionReset`], or the client
    /// went away first).
    pub status: Option<u16>,
    /// Whether the request passed authentication (false for unmatched paths, which are not checked).
    pub auth_passed: bool,
    /// The faults that fired for this request.
    pub faults: Vec<Fault>,
    /// The request body's first [`BODY_KEPT`] bytes (a body is read once it reached an operation).
    pub body: Vec<u8>,
    /// The request body's length in bytes.
    pub body_len: usize,
    /// How long after its arrival the answer's head was ready (or its connection was reset by a
    /// fault): the fake's latency as it was slept, then its handling; a body a fault slows down
    /// takes longer to send. `None` until then. It differs from run to run, so entries compared
    /// whole (`==`) do too.
    pub answered_after: Option<Duration>,
}

/// What the log learns of a request once it is answered.
pub(crate) struct Completed<'a> {
    /// The status sent (`None` when none was).
    pub(crate) status: Option<StatusCode>,
    pub(crate) operation: Option<Operation>,
    pub(crate) auth_passed: bool,
    pub(crate) faults: Vec<Fault>,
    /// The request body, once an operation read it.
    pub(crate) body: Option<&'a [u8]>,
    /// From the request's arrival to its answer.
    pub(crate) answered_after: Duration,
}

/// How much of each request body the log keeps.
pub const BODY_KEPT: usize = 64 * 1024;

impl RecordedRequest {
    /// The body as JSON, when it is a JSON document (and was kept whole).
    pub fn json_body(&self) -> Option<serde_json::Value> {
        serde_json::from_slice(&self.body).ok()
    }

    /// The (masked) value of the first header called `name` (case-insensitive).
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(header, _)| header.eq_ignore_ascii_case(name))
            .map(|(_, value)| value.as_str())
    }
}

fn mask_value(name: &str, value: &HeaderValue) -> String {
    let text = String::from_utf8_lossy(value.as_bytes());
    if SECRET_HEADERS.contains(&name) {
        return MASK.to_owned();
    }
    if name == header::AUTHORIZATION.as_str() {
        return match Authorization::parse(&text) {
            Some(auth) => Authorization {
                signature: MASK.to_owned(),
                ..auth
            }
            .header_value(),
            None => MASK.to_owned(),
        };
    }
    text.into_owned()
}

/// The headers with secrets masked, in received order.
pub fn mask_headers(headers: &HeaderMap) -> Vec<(String, String)> {
    headers
        .iter()
        .map(|(name, value)| (name.as_str().to_owned(), mask_value(name.as_str(), value)))
        .collect()
}

/// A bounded, shared log.
#[derive(Debug)]
pub(crate) struct RequestLog {
    entries: Mutex<VecDeque<RecordedRequest>>,
    capacity: usize,
}

impl RequestLog {
    pub(crate) fn new(capacity: usize) -> Self {
        RequestLog {
            entries: Mutex::new(VecDeque::new()),
            capacity: capacity.max(1),
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, VecDeque<RecordedRequest>> {
        self.entries
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    pub(crate) fn push(&self, entry: RecordedRequest) {
        let mut entries = self.lock();
        while entries.len() >= self.capacity {
            entries.pop_front();
        }
        entries.push_back(entry);
    }

    /// Completes the entry of `request_id` with what became of it.
    pub(crate) fn complete(&self, request_id: &str, completed: Completed<'_>) {
        let mut entries = self.lock();
        if let Some(entry) = entries
            .iter_mut()
            .rev()
            .find(|entry| entry.request_id == request_id)
        {
            entry.status = completed.status.map(|status| status.as_u16());
            entry.operation = completed.operation;
            entry.auth_passed = completed.auth_passed;
            entry.faults = completed.faults;
            entry.answered_after = Some(completed.answered_after);
            if let Some(body) = completed.body {
                entry.body_len = body.len();
                entry.body = body[..body.len().min(BODY_KEPT)].to_vec();
            }
        }
    }

    pub(crate) fn snapshot(&self) -> Vec<RecordedRequest> {
        self.lock().iter().cloned().collect()
    }

    pub(crate) fn clear(&self) {
        self.lock().clear();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secrets_are_masked_and_the_rest_kept() {
        let mut headers = HeaderMap::new();
        let auth = "SDK-HMAC-SHA256 Access=AK1, SignedHeaders=host;x-sdk-date, Signature=deadbeef";
        headers.insert("authorization", HeaderValue::from_static(auth));
        headers.insert("x-auth-token", HeaderValue::from_static("tok-secret"));
        headers.insert("x-security-token", HeaderValue::from_static("sts-secret"));
        headers.insert("x-sdk-date", HeaderValue::from_static("20240102T030405Z"));
        let masked = mask_headers(&headers);
        let shown = format!("{masked:?}");
        for secret in ["deadbeef", "tok-secret", "sts-secret"] {
            assert!(!shown.contains(secret), "{shown}");
        }
        let get = |name: &str| {
            masked
                .iter()
                .find(|(n, _)| n == name)
                .map(|(_, v)| v.as_str())
        };
        assert_eq!(
            get("authorization"),
            Some("SDK-HMAC-SHA256 Access=AK1, SignedHeaders=host;x-sdk-date, Signature=***")
        );
        assert_eq!(get("x-sdk-date"), Some("20240102T030405Z"));
        let mut odd = HeaderMap::new();
        odd.insert(
            "authorization",
            HeaderValue::from_static("Bearer secret-bearer"),
        );
        assert_eq!(
            mask_headers(&odd),
            [("authorization".to_owned(), MASK.to_owned())]
        );
    }

    #[test]
    fn the_log_is_bounded_and_completes_by_request_id() {
        let log = RequestLog::new(2);
        for id in ["a", "b", "c"] {
            log.push(RecordedRequest {
                request_id: id.into(),
                method: "GET".into(),
                path: "/".into(),
                query: None,
                headers: Vec::new(),
                operation: None,
                status: None,
                auth_passed: false,
                faults: Vec::new(),
                body: Vec::new(),
                body_len: 0,
                answered_after: None,
            });
        }
        log.complete(
            "c",
            Completed {
                status: Some(StatusCode::OK),
                operation: Some(Operation::ListImages),
                auth_passed: true,
                faults: vec![],
                body: Some(&[7u8; BODY_KEPT + 1][..]),
                answered_after: Duration::from_millis(3),
            },
        );
        let entries = log.snapshot();
        assert_eq!(
            (entries[1].body.len(), entries[1].body_len),
            (BODY_KEPT, BODY_KEPT + 1)
        );
        assert_eq!(
            (entries[0].answered_after, entries[1].answered_after),
            (None, Some(Duration::from_millis(3)))
        );
        assert_eq!(
            entries
                .iter()
                .map(|e| e.request_id.as_str())
                .collect::<Vec<_>>(),
            ["b", "c"]
        );
        assert_eq!(
            (entries[1].status, entries[1].auth_passed),
            (Some(200), true)
        );
        assert_eq!(entries[0].status, None);
        log.clear();
        assert!(log.snapshot().is_empty());
    }
}
