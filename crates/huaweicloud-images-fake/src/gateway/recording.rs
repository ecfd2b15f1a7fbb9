//! The outermost middleware: a request id for every request (`X-Request-Id` on every response),
//! the configured latency, the request log entry (recorded on arrival, completed with what the
//! admission and the handler made of it) and the `Allow` header of a 405.

use std::time::Duration;

use axum::extract::{Request, State};
use axum::middleware::Next;
use axum::response::Response;
use http::{HeaderValue, StatusCode, header};

use crate::gateway::faults::Fault;
use crate::gateway::log::{Completed, RecordedRequest, mask_headers};
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
        answered_after: None,
    });
    let path = request.uri().path().to_owned();
    let arrived = tokio::time::Instant::now();
    let latency = state.latency();
    if !latency.is_zero() {
        match arrived.checked_add(latency) {
            Some(deadline) => wait_until(deadline).await,
            // Past the clock's range: as long as tokio's timer can wait.
            None => tokio::time::sleep(latency).await,
        }
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
        Completed {
            status,
            operation: outcome.operation,
            auth_passed: outcome.auth_passed,
            faults: outcome.faults,
            body: outcome.body.as_deref(),
            answered_after: arrived.elapsed(),
        },
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

/// How much of a wait tokio's timer is trusted with: it counts whole milliseconds, rounds a
/// deadline up to the next one, and on a busy machine wakes later still (measured in
/// `benches/flow.rs`: a 20 ms latency slept 21.2 to 22.8 ms on average, so every round trip there
/// was 6 to 14 % longer than it said).
const TIMER_SLACK: Duration = Duration::from_millis(3);

/// Waits until `deadline`: tokio's timer until [`TIMER_SLACK`] before it, then a blocking
/// thread's sleep (the system's, to a tenth of a millisecond or so) for the rest. A timer that
/// wakes later than the slack is late by that much.
async fn wait_until(deadline: tokio::time::Instant) {
    if let Some(early) = deadline.checked_sub(TIMER_SLACK) {
        tokio::time::sleep_until(early).await;
    }
    let rest = deadline.saturating_duration_since(tokio::time::Instant::now());
    if rest.is_zero() {
        return;
    }
    // The end, on the system's clock: time spent waiting for a blocking thread is not added.
    let end = std::time::Instant::now() + rest;
    // A runtime shutting down drops the answer anyway.
    let _ = tokio::task::spawn_blocking(move || {
        std::thread::sleep(end.saturating_duration_since(std::time::Instant::now()));
    })
    .await;
    // With tokio's clock paused (tests), the blocking sleep did not move it.
    if tokio::time::Instant::now() < deadline {
        tokio::time::sleep_until(deadline).await;
    }
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

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test(start_paused = true)]
    async fn a_wait_ends_at_its_deadline_on_a_paused_clock_too() {
        // The last stretch is slept on a blocking thread, which does not move tokio's paused
        // clock: the wait still ends at the deadline by that clock, not 3 ms before it.
        let started = tokio::time::Instant::now();
        wait_until(started + Duration::from_millis(50)).await;
        assert!(
            started.elapsed() >= Duration::from_millis(50),
            "{:?}",
            started.elapsed()
        );
    }

    #[tokio::test]
    async fn a_wait_shorter_than_the_slack_is_slept_whole() {
        let started = tokio::time::Instant::now();
        wait_until(started + Duration::from_micros(1_500)).await;
        assert!(started.elapsed() >= Duration::from_micros(1_500));
    }
}
