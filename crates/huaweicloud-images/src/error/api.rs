//! An error answer of a service ([`ApiError`]), read from the answer's status, headers and body in
//! one pass: every error-body shape the services and the gateway use, nothing secret kept.

use std::time::Duration;

use super::escaped::Escaped;

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

/// How much of a non-JSON error body is kept in [`ApiError::raw_body`].
const RAW_BODY_CHARS: usize = 1024;

impl ApiError {
    /// The error answer `status` of `operation`, read from its headers and body (the whole body,
    /// within the client's cap, parsed once): `error_code`/`errorCode`/`code`,
    /// `error_msg`/`errorMsg`/`message`, the same nested under `error`, `error_detail`,
    /// `encoded_authorization_message`, the request id (header first, then body) and
    /// `Retry-After`; a body that is not a JSON error object is kept as text, up to 1 KiB.
    pub(crate) fn from_answer(
        operation: &'static str,
        status: u16,
        headers: &http::HeaderMap,
        body: &[u8],
    ) -> ApiError {
        use serde_json::Value;
        let mut error = ApiError {
            operation,
            status,
            error_code: None,
            error_msg: None,
            error_detail: None,
            encoded_authorization_message: None,
            request_id: headers
                .get("x-request-id")
                .and_then(|v| v.to_str().ok())
                .map(str::to_string),
            raw_body: None,
            retry_after: crate::retry::classify::retry_after(headers),
        };
        match serde_json::from_slice::<Value>(body) {
            Ok(Value::Object(map)) => {
                // Some gateways nest the fields: {"error": {"code": …, "message": …}}.
                let nested = map.get("error").and_then(Value::as_object);
                let field = |names: &[&str]| {
                    names.iter().find_map(|name| {
                        map.get(*name)
                            .or_else(|| nested.and_then(|n| n.get(*name)))
                            .and_then(text)
                    })
                };
                error.error_code = field(&["error_code", "errorCode", "code"]);
                error.error_msg = field(&["error_msg", "errorMsg", "message"]);
                error.error_detail = field(&["error_detail", "errorDetail"]);
                error.encoded_authorization_message = field(&["encoded_authorization_message"]);
                if error.request_id.is_none() {
                    error.request_id = field(&["request_id", "requestId"]);
                }
                if error.error_code.is_none() && error.error_msg.is_none() {
                    error.raw_body = Some(excerpt(body, RAW_BODY_CHARS));
                }
            }
            _ if !body.is_empty() => error.raw_body = Some(excerpt(body, RAW_BODY_CHARS)),
            _ => {}
        }
        error
    }
}

/// A JSON string, or a number/bool written out (some services send numeric codes).
fn text(value: &serde_json::Value) -> Option<String> {
    use serde_json::Value;
    match value {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        Value::Bool(b) => Some(b.to_string()),
        _ => None,
    }
}

/// The first `max` characters of a body, lossily decoded, marked with `…` when cut.
pub(crate) fn excerpt(body: &[u8], max: usize) -> String {
    let text = String::from_utf8_lossy(body);
    let mut out: String = text.chars().take(max).collect();
    if text.chars().nth(max).is_some() {
        out.push('…');
    }
    out
}
