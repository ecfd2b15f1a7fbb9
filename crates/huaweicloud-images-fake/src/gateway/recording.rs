//! The outermost middleware: a request id for every request (`X-Request-Id` on every response),
//! the configured latency, the request log entry (recorded on arrival, completed with what the
//! admission and the handler made of it) and the `Allow` header of a 405.

use axum::extract::{Request, State};
use axum::middleware::Next;
use axum::response::Response;
use http::{HeaderValue, StatusCode, header};

use crate::gateway::faults::Fault;
use crate::gateway::log::{RecordedRequest, mask_headers};
use crate::generated::operations::Operation;
use crate::state::SharedState;

/// What the admission found out; read back by [`record`].
#[derive(Debug, Clone, Default)]
pub(crate) struct Outcome {
    pub(crate) operation: Option<Operation>,
    pub(crate) auth_passed: bool,
    pub(crate) faults: Vec<Fault>,
    /// The request body, as the admission read it.
    pub(crate) body: Option<axum::body::Bytes>,
}

/// Marks a response that must not be sent: the connection is reset instead.
#[derive(Debug, Clone, Copy)]
pub(crate) struct DropConnection;

/// The request id of the request being handled (a request extension).
#[derive(Debug, Clone, Default)]
pub(crate) struct RequestId(pub(crate) String);

/// Outermost middleware: request id, latency, log, `X-Request-Id` and `Allow` headers.
pub(crate) async fn record(
    State(state): State<SharedState>,
    mut request: Request,
    next: Next,
) -> Response {
    let request_id = state.next_request_id();
    request
        .extensions_mut()
        .insert(RequestId(request_id.clone()));
    state.log.push(RecordedRequest {
        request_id: request_id.clone(),
        method: request.method().as_str().to_owned(),
        path: request.uri().path().to_owned(),
        query: request.uri().query().map(str::to_owned),
        headers: mask_headers(request.headers()),
        operation: None,
        status: None,
        auth_passed: false,
        faults: Vec::new(),
        body: Vec::new(),
        body_len: 0,
    });
    let path = request.uri().path().to_owned();
    let latency = state.latency();
    if !latency.is_zero() {
        tokio::time::sleep(latency).await;
    }

    let mut response = next.run(request).await;
    let outcome = response
        .extensions_mut()
        .remove::<Outcome>()
        .unwrap_or_default();
    let dropped = response.extensions().get::<DropConnection>().is_some();
    let status = (!dropped).then(|| response.status());
    tracing::debug!(
        request_id,
        operation = outcome.operation.map(Operation::name),
        status = status.map(|s| s.as_u16()),
        auth_passed = outcome.auth_passed,
        "fake answered"
    );
    state.log.complete(
        &request_id,
        status,
        outcome.operation,
        outcome.auth_passed,
        outcome.faults,
        outcome.body.as_deref(),
    );
    if response.status() == StatusCode::METHOD_NOT_ALLOWED
        && let Ok(allowed) = HeaderValue::from_str(&methods_of(&path))
    {
        response.headers_mut().insert(header::ALLOW, allowed);
    }
    if let Ok(value) = HeaderValue::from_str(&request_id) {
        response.headers_mut().insert("x-request-id", value);
    }
    // The gateway's own time, which may be set off (crate::identity).
    let now = std::time::SystemTime::from(state.clock.now());
    if let Ok(value) = HeaderValue::from_str(&httpdate::fmt_http_date(now)) {
        response.headers_mut().insert(header::DATE, value);
    }
    response
}

/// The methods the operations of a path take, for the `Allow` header of a 405.
fn methods_of(path: &str) -> String {
    let mut methods: Vec<&str> = Operation::ALL
        .iter()
        .filter(|op| op.spec().matches_path(path))
        .map(|op| op.spec().method)
        .collect();
    methods.sort_unstable();
    methods.dedup();
    methods.join(", ")
}
