//! From what the generated client returned (and what the transport recorded) to this crate's
//! [`Error`]: every status mapped, every error-body shape the services use read, nothing secret kept.

use std::time::Duration;

use huaweicloud_images_api::progenitor_client::Error as GenError;
use serde_json::Value;

use crate::error::{ApiError, Error};
use crate::operation::Operation;
use crate::transport::CallRecord;

/// How much of an undecodable body goes into an error message.
const EXCERPT_CHARS: usize = 200;
/// How much of a non-JSON error body is kept in [`ApiError::raw_body`].
const RAW_BODY_CHARS: usize = 1024;

/// Maps a failed generated call to [`Error`].
pub(crate) fn map_error<E>(
    operation: &'static Operation,
    error: GenError<E>,
    record: &mut CallRecord,
    elapsed: Duration,
) -> Error {
    if let Some(failure) = record.failure.take() {
        return failure;
    }
    let (spec_operation, operation) = (operation, operation.name);
    match error {
        GenError::InvalidRequest(reason) => Error::InvalidInput {
            field: field_named_in(spec_operation, &reason),
            reason,
        },
        GenError::CommunicationError(e)
        | GenError::ResponseBodyError(e)
        | GenError::InvalidUpgrade(e) => transport(operation, e, elapsed),
        GenError::ErrorResponse(response) => {
            api_error(operation, response.status().as_u16(), record)
        }
        GenError::UnexpectedResponse(response) => {
            let status = response.status().as_u16();
            if status >= 400 {
                api_error(operation, status, record)
            } else {
                Error::Decode {
                    operation,
                    status,
                    message: format!("HTTP {status} is not a documented answer of {operation}"),
                    excerpt: String::new(),
                }
            }
        }
        GenError::InvalidResponsePayload(body, e) => match record.status {
            Some(status) if status >= 400 => api_error(operation, status, record),
            status => Error::Decode {
                operation,
                status: status.unwrap_or(200),
                message: e.to_string(),
                excerpt: excerpt(&body, EXCERPT_CHARS),
            },
        },
        GenError::Custom(reason) => Error::Transport {
            operation,
            message: reason,
            source: None,
        },
    }
}

/// A transport failure: time-outs are told apart, the rest keeps reqwest's error as the source.
pub(crate) fn transport(
    operation: &'static str,
    error: reqwest::Error,
    elapsed: Duration,
) -> Error {
    if error.is_timeout() {
        return Error::Timeout { operation, elapsed };
    }
    let kind = if error.is_connect() {
        "could not connect"
    } else if error.is_body() || error.is_decode() {
        "the response body broke off"
    } else {
        "the request failed"
    };
    // reqwest's Display names the URL, which holds no secret (credentials travel in headers).
    Error::Transport {
        operation,
        message: format!("{kind}: {error}"),
        source: Some(Box::new(error)),
    }
}

/// An error status with whatever the body says, in any of the shapes the services use.
fn api_error(operation: &'static str, status: u16, record: &CallRecord) -> Error {
    let body = record.error_body.as_deref().unwrap_or_default();
    let mut error = ApiError {
        operation,
        status,
        error_code: None,
        error_msg: None,
        error_detail: None,
        encoded_authorization_message: None,
        request_id: record.request_id.clone(),
        raw_body: None,
        retry_after: record.retry_after,
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
    Error::Api(Box::new(error))
}

/// Progenitor says "conversion to `T` for <rust name> failed"; the facade checks every parameter
/// first, so this is a fallback for a check it does not make itself. The parameter is named as
/// the spec names it, from the operation table.
fn field_named_in(operation: &Operation, message: &str) -> &'static str {
    message
        .split_once(" for ")
        .and_then(|(_, rest)| rest.split_once(" failed"))
        .and_then(|(rust_name, _)| operation.parameter_by_rust_name(rust_name))
        .unwrap_or("request")
}

/// A JSON string, or a number/bool written out (some services send numeric codes).
fn text(value: &Value) -> Option<String> {
    match value {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        Value::Bool(b) => Some(b.to_string()),
        _ => None,
    }
}

/// The first `max` characters of a body, lossily decoded.
fn excerpt(body: &[u8], max: usize) -> String {
    let text = String::from_utf8_lossy(body);
    let mut out: String = text.chars().take(max).collect();
    if text.chars().nth(max).is_some() {
        out.push('…');
    }
    out
}

#[cfg(test)]
mod tests;
