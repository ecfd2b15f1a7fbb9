//! Admission: what a request must pass before its operation's handler, in order: authentication,
//! the project checks, the gateway's flow control ([`crate::Throttle`]), then the injected response
//! faults (which may replace the answer or bend its body). Unknown paths and other methods never get here (no auth for them).

use std::collections::HashMap;
use std::convert::Infallible;
use std::time::Duration;

use axum::body::{Body, Bytes};
use axum::extract::rejection::PathRejection;
use axum::extract::{Path, Request, State};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use futures::StreamExt;
use http::{HeaderValue, StatusCode, header};

use crate::errors::{APIGW_THROTTLED, ApiError};
use crate::gateway::auth::AuthRequest;
use crate::gateway::faults::Fault;
use crate::gateway::recording::{DropConnection, Outcome, RequestId};
use crate::generated::operations::Operation;
use crate::state::SharedState;

/// Largest request body read (and hashed for the signature): uploads of tens of megabytes pass.
pub(crate) const MAX_BODY: usize = 64 << 20;

/// The state of one operation's admission.
#[derive(Clone)]
pub(crate) struct AdmissionState {
    pub(crate) state: SharedState,
    pub(crate) operation: Operation,
}

/// Pagination faults a list handler applied (a response extension).
#[derive(Debug, Clone)]
pub(crate) struct FiredFaults(pub(crate) Vec<Fault>);

fn with_outcome(
    mut response: Response,
    operation: Operation,
    auth_passed: bool,
    faults: Vec<Fault>,
) -> Response {
    let outcome = Outcome {
        operation: Some(operation),
        auth_passed,
        faults,
        body: None,
    };
    response.extensions_mut().insert(outcome);
    response
}

/// The middleware: admits the request to the handler, or answers in its place.
pub(crate) async fn admit(
    State(admission): State<AdmissionState>,
    path: Result<Path<HashMap<String, String>>, PathRejection>,
    request: Request,
    next: Next,
) -> Response {
    let AdmissionState { state, operation } = admission;
    let service = operation.service();
    let request_id = request
        .extensions()
        .get::<RequestId>()
        .cloned()
        .unwrap_or_default()
        .0;
    let (parts, body) = request.into_parts();
    let Ok(body) = axum::body::to_bytes(body, MAX_BODY).await else {
        let error = ApiError::bad_request(service, "the request body could not be read");
        return with_outcome(error.into_response(), operation, false, Vec::new());
    };

    let body_seen = body.clone();
    let auth = state.verifier.verify_with(
        &AuthRequest {
            method: parts.method.as_str(),
            raw_path: parts.uri.path(),
            raw_query: parts.uri.query().unwrap_or(""),
            headers: &parts.headers,
            body: &body,
        },
        state.clock.now(),
        &|access| state.temporary.find(access),
    );
    if let Err(error) = auth {
        let message = error.to_string();
        let response = ApiError::gateway(
            StatusCode::UNAUTHORIZED,
            error.code(),
            &message,
            &request_id,
        );
        return with_outcome(response.into_response(), operation, false, Vec::new());
    }

    let Ok(Path(params)) = path else {
        let error = ApiError::bad_request(service, "the path parameters are not valid UTF-8");
        return with_outcome(error.into_response(), operation, true, Vec::new());
    };
    let project = params
        .get("project_id")
        .map(String::as_str)
        .unwrap_or_default();
    if let Some(error) = project_error(&state, &parts.headers, project, operation) {
        return with_outcome(error.into_response(), operation, true, Vec::new());
    }

    if let Err(wait) = state.throttle.take(project, operation) {
        let message = format!(
            "The throttling threshold has been reached: {} of project {project} (retry after {} ms)",
            operation.name(),
            wait.as_millis()
        );
        let mut response = ApiError::gateway(
            StatusCode::TOO_MANY_REQUESTS,
            APIGW_THROTTLED,
            &message,
            &request_id,
        )
        .into_response();
        // `Retry-After` has whole seconds: rounded up, so that a client waiting that long finds a
        // token back; a wait under a second is not sent (rounding it up would hold a client back
        // up to 20 times too long; the message says it in milliseconds).
        if wait >= Duration::from_secs(1) {
            response.headers_mut().insert(
                header::RETRY_AFTER,
                HeaderValue::from(wait.as_secs() + u64::from(wait.subsec_nanos() > 0)),
            );
        }
        return with_outcome(response, operation, true, Vec::new());
    }

    let key = format!(
        "{} {}",
        parts.method,
        parts.uri.path_and_query().map_or("", |pq| pq.as_str())
    );
    let fault = state.faults.response_fault(operation, &key);
    let mut faults: Vec<Fault> = fault.iter().cloned().collect();
    let response = match fault {
        Some(Fault::TooManyRequests { retry_after_secs }) => {
            let message = "The throttling threshold has been reached (injected fault)";
            let error = ApiError::gateway(
                StatusCode::TOO_MANY_REQUESTS,
                APIGW_THROTTLED,
                message,
                &request_id,
            );
            let mut response = error.into_response();
            response
                .headers_mut()
                .insert(header::RETRY_AFTER, HeaderValue::from(retry_after_secs));
            response
        }
        Some(Fault::ServiceUnavailable) => ApiError::service(
            service,
            StatusCode::SERVICE_UNAVAILABLE,
            "Service unavailable (injected fault)",
        )
        .into_response(),
        Some(Fault::InternalServerError) => ApiError::service(
            service,
            StatusCode::INTERNAL_SERVER_ERROR,
            "Internal error (injected fault)",
        )
        .into_response(),
        Some(Fault::BadGatewayHtml) => bad_gateway_html(),
        Some(Fault::ConnectionReset) => {
            let mut response = Response::new(Body::empty());
            response.extensions_mut().insert(DropConnection);
            response
        }
        Some(Fault::Respond { status, body }) => {
            let status = StatusCode::from_u16(status).unwrap_or(StatusCode::OK);
            let content_type = [(header::CONTENT_TYPE, "application/json")];
            (status, content_type, body).into_response()
        }
        Some(Fault::EndlessBody) => endless(),
        other => {
            let mut response = next.run(Request::from_parts(parts, Body::from(body))).await;
            if let Some(FiredFaults(fired)) = response.extensions_mut().remove::<FiredFaults>() {
                faults.extend(fired);
            }
            match other {
                Some(Fault::MalformedJson) => malformed(response).await,
                Some(Fault::SlowBody {
                    chunk_size,
                    chunk_delay,
                }) => slow(response, chunk_size, chunk_delay).await,
                Some(Fault::OversizedBody { bytes }) => padded(response, bytes).await,
                Some(Fault::RawTotal(total)) => with_total(response, operation, &total).await,
                // Applied (the handler ran); the answer lost.
                Some(Fault::InternalServerErrorAfterApply) => ApiError::service(
                    service,
                    StatusCode::INTERNAL_SERVER_ERROR,
                    "Internal error after the request was applied (injected fault)",
                )
                .into_response(),
                Some(Fault::ConnectionResetAfterApply) => {
                    let mut response = Response::new(Body::empty());
                    response.extensions_mut().insert(DropConnection);
                    response
                }
                _ => response,
            }
        }
    };
    let mut response = with_outcome(response, operation, true, faults);
    if let Some(outcome) = response.extensions_mut().get_mut::<Outcome>() {
        outcome.body = Some(body_seen);
    }
    response
}

/// 403 when the project is not the configured one, or `X-Project-Id` disagrees with the path.
fn project_error(
    state: &SharedState,
    headers: &http::HeaderMap,
    project: &str,
    operation: Operation,
) -> Option<ApiError> {
    let forbidden =
        |message: String| ApiError::service(operation.service(), StatusCode::FORBIDDEN, &message);
    if let Some(expected) = &state.project_id
        && expected != project
    {
        return Some(forbidden(format!(
            "project {project} is not accessible with these credentials"
        )));
    }
    let header_project = headers
        .get("x-project-id")
        .map(|value| String::from_utf8_lossy(value.as_bytes()));
    match header_project {
        Some(header_project) if header_project != project => Some(forbidden(format!(
            "X-Project-Id {header_project} does not match the project {project} in the path"
        ))),
        _ => None,
    }
}

fn bad_gateway_html() -> Response {
    let html = "<html>\r\n<head><title>502 Bad Gateway</title></head>\r\n<body>\r\n\
                <center><h1>502 Bad Gateway</h1></center>\r\n</body>\r\n</html>\r\n";
    let content_type = [(header::CONTENT_TYPE, "text/html")];
    (StatusCode::BAD_GATEWAY, content_type, html).into_response()
}

async fn body_bytes(response: Response) -> (http::response::Parts, Bytes) {
    let (mut parts, body) = response.into_parts();
    parts.headers.remove(header::CONTENT_LENGTH);
    let bytes = axum::body::to_bytes(body, usize::MAX)
        .await
        .unwrap_or_default();
    (parts, bytes)
}

/// 200, JSON content type, the first half of the real body: never valid JSON, since every body is an
/// object and no strict prefix of an object is valid.
async fn malformed(response: Response) -> Response {
    let (mut parts, bytes) = body_bytes(response).await;
    parts.status = StatusCode::OK;
    parts.headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    Response::from_parts(parts, Body::from(bytes.slice(..bytes.len() / 2)))
}

/// The real body with an `x_fake_padding` field that makes it at least `bytes` long.
async fn padded(response: Response, bytes: usize) -> Response {
    let (parts, body) = body_bytes(response).await;
    let mut value: serde_json::Value = serde_json::from_slice(&body).unwrap_or_default();
    if let Some(object) = value.as_object_mut() {
        object.insert(
            "x_fake_padding".to_string(),
            serde_json::Value::String(
                "x".repeat(
                    bytes
                        .min(crate::gateway::faults::MAX_OVERSIZED)
                        .saturating_sub(body.len()),
                ),
            ),
        );
    }
    let body = serde_json::to_vec(&value).unwrap_or_default();
    Response::from_parts(parts, Body::from(body))
}

/// The real body with the list's total field written as the raw JSON `total`.
async fn with_total(response: Response, operation: Operation, total: &str) -> Response {
    let Some(field) = operation.spec().pagination.as_ref().and_then(|p| p.total) else {
        return response;
    };
    let (parts, body) = body_bytes(response).await;
    let Ok(serde_json::Value::Object(mut object)) = serde_json::from_slice(&body) else {
        return Response::from_parts(parts, Body::from(body));
    };
    let raw = serde_json::from_str(total).unwrap_or(serde_json::Value::String(total.into()));
    object.insert(field.to_string(), raw);
    let body = serde_json::to_vec(&object).unwrap_or_default();
    Response::from_parts(parts, Body::from(body))
}

/// 200, `application/json`, chunked, never ending: `{"items":[{},{},…` 64 KiB at a time.
fn endless() -> Response {
    const CHUNK: usize = 64 * 1024;
    let head = futures::stream::once(async {
        Ok::<Bytes, Infallible>(Bytes::from_static(b"{\"items\":["))
    });
    let tail = futures::stream::repeat_with(|| Ok(Bytes::from("{},".repeat(CHUNK / 3))));
    let mut response = Response::new(Body::from_stream(head.chain(tail)));
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    response
}

async fn slow(response: Response, chunk_size: usize, chunk_delay: Duration) -> Response {
    let (parts, bytes) = body_bytes(response).await;
    let size = chunk_size.max(1);
    let chunks: Vec<Bytes> = (0..bytes.len())
        .step_by(size)
        .map(|start| bytes.slice(start..(start + size).min(bytes.len())))
        .collect();
    let stream = futures::stream::iter(chunks.into_iter().enumerate()).then(
        move |(index, chunk)| async move {
            if index > 0 {
                tokio::time::sleep(chunk_delay).await;
            }
            Ok::<Bytes, Infallible>(chunk)
        },
    );
    Response::from_parts(parts, Body::from_stream(stream))
}
