//! The control API: a few routes under the reserved prefix `/__fake/` (no real service path
//! starts so: theirs are `/v1/…`, `/v2/…`), so that tests in any language drive a running fake.
//! They need no authentication (the fake listens on 127.0.0.1 only), are not recorded in the
//! request log, and answer JSON. A request with a `Host` that is not a loopback name, or with an
//! `Origin` header from elsewhere (a web page), is refused with 403, so a page open in a browser
//! cannot drive a fake running on the same machine.
//!
//! | route | body | does |
//! |---|---|---|
//! | `GET /__fake/health` | | `{"status":"ok"}` once the fake serves |
//! | `GET /__fake/requests` | | the request log, oldest first, secrets masked |
//! | `DELETE /__fake/requests` | | empties the log |
//! | `POST /__fake/faults` | `{"fault":"503:next=2:op=ListImages"}` | injects a fault ([`crate::FaultSpec`] syntax) |
//! | `DELETE /__fake/faults` | | removes every fault |
//! | `PUT /__fake/latency` | `{"ms":20}` | waits that long before each request |
//! | `PUT /__fake/throttle` | `{"rate":20,"burst":10}` | the gateway's token bucket per project and operation |
//! | `DELETE /__fake/throttle` | | lifts it |
//! | `PUT /__fake/servers/{id}/script` | `{"steps":[{"after_ms":0,"status":"BUILDING"},{"after_ms":60000,"deleted":true}]}` | moves an image server through states ([`crate::StatusStep`]) |
//! | `POST /__fake/clock` | `{"advance_ms":60000}` | moves every status script on |
//! | `PUT /__fake/gateway-clock` | `{"offset_secs":-600}` | sets the gateway's clock off this machine's ([`crate::FakeServer::set_clock_offset`]) |
//! | `POST /__fake/credentials/rotate` | | the metadata service hands out new temporary credentials next |
//! | `PUT /__fake/credentials/lifetime` | `{"ms":2000}` | how long newly issued temporary credentials live |
//! | `GET /__fake/collections/{name}` | | the items of a remembered collection (`image_servers`, `image_server_jobs`) as they are now |
//! | `POST /__fake/collections/{name}` | an item (JSON object with its id) | adds it, as a seed: a reset keeps it |
//! | `POST /__fake/reset` | | back to the start: the configured latency, throttle and faults; no scripts; what writes did forgotten (the seeds back); an empty log |
//!
//! A malformed body is answered 400 with `{"error": …}`.

use std::time::Duration;

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post, put};
use axum::{Json, Router};
use serde::Deserialize;
use serde_json::{Value, json};

use crate::gateway::faults::FaultSpec;
use crate::gateway::log::RecordedRequest;
use crate::gateway::throttle::Throttle;
use crate::services::statuses::StatusStep;
use crate::state::SharedState;

/// The prefix of every control route.
pub const PREFIX: &str = "/__fake";

pub(crate) fn router(state: SharedState) -> Router {
    Router::new()
        .route("/__fake/health", get(health))
        .route("/__fake/requests", get(requests).delete(clear_requests))
        .route("/__fake/faults", post(inject).delete(clear_faults))
        .route("/__fake/latency", put(latency))
        .route("/__fake/throttle", put(throttle).delete(lift_throttle))
        .route("/__fake/servers/{id}/script", put(script))
        .route("/__fake/clock", post(clock))
        .route("/__fake/gateway-clock", put(gateway_clock))
        .route("/__fake/credentials/rotate", post(rotate_credentials))
        .route("/__fake/credentials/lifetime", put(credential_lifetime))
        .route(
            "/__fake/collections/{name}",
            get(collection_items).post(seed_item),
        )
        .route("/__fake/reset", post(reset))
        .layer(axum::middleware::from_fn(only_from_this_machine))
        .with_state(state)
}

/// Whether `value` (a `Host` or the host of an `Origin`) names this machine.
fn is_loopback_name(host: &str) -> bool {
    let host = host.trim();
    let name = if let Some(rest) = host.strip_prefix('[') {
        rest.split(']').next().unwrap_or_default()
    } else {
        host.rsplit_once(':').map_or(host, |(name, port)| {
            if port.chars().all(|c| c.is_ascii_digit()) {
                name
            } else {
                host
            }
        })
    };
    name.eq_ignore_ascii_case("localhost")
        || name
            .parse::<std::net::IpAddr>()
            .is_ok_and(|ip| ip.is_loopback())
}

/// The control API answers programs on this machine, not web pages: a request whose `Host` is not
/// a loopback name (DNS rebinding) or that carries a foreign `Origin` (a page's cross-origin
/// `fetch`, which browsers mark so) is refused with 403. curl, scripts and test code send no
/// `Origin`.
async fn only_from_this_machine(
    request: axum::extract::Request,
    next: axum::middleware::Next,
) -> Response {
    let headers = request.headers();
    let host_ok = headers
        .get(http::header::HOST)
        .and_then(|v| v.to_str().ok())
        .is_none_or(is_loopback_name);
    let origin_ok = headers
        .get(http::header::ORIGIN)
        .and_then(|v| v.to_str().ok())
        .is_none_or(|origin| {
            origin
                .split_once("://")
                .is_some_and(|(_, host)| is_loopback_name(host.trim_end_matches('/')))
        });
    if !(host_ok && origin_ok) {
        return (
            StatusCode::FORBIDDEN,
            Json(json!({"error": "the control API answers only requests from this machine (Host and Origin must be loopback)"})),
        )
            .into_response();
    }
    next.run(request).await
}

fn bad(message: impl Into<String>) -> Response {
    (
        StatusCode::BAD_REQUEST,
        Json(json!({"error": message.into()})),
    )
        .into_response()
}

/// The body as `T`, or why not.
fn parse<T: for<'de> Deserialize<'de>>(body: &[u8]) -> Result<T, String> {
    serde_json::from_slice(body).map_err(|e| format!("the body is not what this route takes: {e}"))
}

async fn health() -> Json<Value> {
    Json(json!({"status": "ok"}))
}

fn entry(request: &RecordedRequest) -> Value {
    json!({
        "request_id": request.request_id,
        "method": request.method,
        "path": request.path,
        "query": request.query,
        "headers": request.headers,
        "operation": request.operation.map(|op| op.name()),
        "status": request.status,
        "auth_passed": request.auth_passed,
        "faults": request.faults.iter().map(|f| format!("{f:?}")).collect::<Vec<_>>(),
        "answered_after_ms": request.answered_after.map(|d| d.as_secs_f64() * 1000.0),
    })
}

async fn requests(State(state): State<SharedState>) -> Json<Value> {
    Json(Value::Array(
        state.log.snapshot().iter().map(entry).collect(),
    ))
}

async fn clear_requests(State(state): State<SharedState>) -> StatusCode {
    state.log.clear();
    StatusCode::NO_CONTENT
}

#[derive(Deserialize)]
struct InjectBody {
    fault: String,
}

async fn inject(State(state): State<SharedState>, body: axum::body::Bytes) -> Response {
    let body: InjectBody = match parse(&body) {
        Ok(body) => body,
        Err(error) => return bad(error),
    };
    match body.fault.parse::<FaultSpec>() {
        Ok(spec) => {
            state
                .faults
                .inject(spec.fault.clone(), spec.scope, spec.operation);
            (
                StatusCode::CREATED,
                Json(json!({"fault": format!("{:?}", spec.fault), "scope": format!("{:?}", spec.scope)})),
            )
                .into_response()
        }
        Err(error) => bad(error),
    }
}

async fn clear_faults(State(state): State<SharedState>) -> StatusCode {
    state.faults.clear();
    StatusCode::NO_CONTENT
}

#[derive(Deserialize)]
struct LatencyBody {
    ms: u64,
}

async fn latency(State(state): State<SharedState>, body: axum::body::Bytes) -> Response {
    match parse::<LatencyBody>(&body) {
        Ok(body) => {
            state.set_latency(Duration::from_millis(body.ms));
            StatusCode::NO_CONTENT.into_response()
        }
        Err(error) => bad(error),
    }
}

#[derive(Deserialize)]
struct ThrottleBody {
    rate: f64,
    burst: f64,
}

async fn throttle(State(state): State<SharedState>, body: axum::body::Bytes) -> Response {
    match parse::<ThrottleBody>(&body) {
        Ok(body) => {
            let throttle = Throttle {
                rate: body.rate,
                burst: body.burst,
            };
            if let Err(reason) = throttle.check() {
                return bad(reason);
            }
            state.throttle.set(Some(throttle));
            StatusCode::NO_CONTENT.into_response()
        }
        Err(error) => bad(error),
    }
}

async fn lift_throttle(State(state): State<SharedState>) -> StatusCode {
    state.throttle.set(None);
    StatusCode::NO_CONTENT
}

#[derive(Deserialize)]
struct Step {
    after_ms: u64,
    status: Option<String>,
    #[serde(default)]
    deleted: bool,
}

#[derive(Deserialize)]
struct ScriptBody {
    steps: Vec<Step>,
}

async fn script(
    State(state): State<SharedState>,
    Path(id): Path<String>,
    body: axum::body::Bytes,
) -> Response {
    let body: ScriptBody = match parse(&body) {
        Ok(body) => body,
        Err(error) => return bad(error),
    };
    let mut steps = Vec::new();
    for step in body.steps {
        let after = Duration::from_millis(step.after_ms);
        steps.push(match (step.status, step.deleted) {
            (Some(status), false) => StatusStep::status(after, status),
            (None, true) => StatusStep::deleted(after),
            _ => return bad("each step has either a status or \"deleted\": true"),
        });
    }
    if state.data.image_server(&id).is_none() {
        return (
            StatusCode::NOT_FOUND,
            Json(json!({"error": format!("no image server {id}")})),
        )
            .into_response();
    }
    state.statuses.set(&id, steps);
    StatusCode::NO_CONTENT.into_response()
}

#[derive(Deserialize)]
struct ClockBody {
    advance_ms: u64,
}

async fn clock(State(state): State<SharedState>, body: axum::body::Bytes) -> Response {
    match parse::<ClockBody>(&body) {
        Ok(body) => {
            state
                .statuses
                .advance(Duration::from_millis(body.advance_ms));
            StatusCode::NO_CONTENT.into_response()
        }
        Err(error) => bad(error),
    }
}

/// The furthest the gateway's clock may be set off (ten years).
const MAX_CLOCK_OFFSET_SECS: i64 = 10 * 365 * 24 * 3600;

#[derive(Deserialize)]
struct GatewayClockBody {
    offset_secs: i64,
}

async fn gateway_clock(State(state): State<SharedState>, body: axum::body::Bytes) -> Response {
    match parse::<GatewayClockBody>(&body) {
        Ok(body) if body.offset_secs.unsigned_abs() <= MAX_CLOCK_OFFSET_SECS.unsigned_abs() => {
            state.clock.set_offset(body.offset_secs);
            StatusCode::NO_CONTENT.into_response()
        }
        Ok(_) => bad(format!(
            "offset_secs must be within ±{MAX_CLOCK_OFFSET_SECS}"
        )),
        Err(error) => bad(error),
    }
}

async fn rotate_credentials(State(state): State<SharedState>) -> StatusCode {
    state.temporary.rotate();
    StatusCode::NO_CONTENT
}

/// The longest lifetime of temporary credentials (a week).
const MAX_LIFETIME_MS: u64 = 7 * 24 * 3600 * 1000;

async fn credential_lifetime(
    State(state): State<SharedState>,
    body: axum::body::Bytes,
) -> Response {
    match parse::<LatencyBody>(&body) {
        Ok(body) if (1..=MAX_LIFETIME_MS).contains(&body.ms) => {
            state.temporary.set_lifetime(Duration::from_millis(body.ms));
            StatusCode::NO_CONTENT.into_response()
        }
        Ok(_) => bad(format!("ms must be 1 to {MAX_LIFETIME_MS}")),
        Err(error) => bad(error),
    }
}

async fn collection_items(
    State(state): State<SharedState>,
    axum::extract::Path(name): axum::extract::Path<String>,
) -> Response {
    match crate::services::memory::collection(&name) {
        Some(spec) => Json(Value::Array(crate::services::remembered::current_items(
            &state, spec,
        )))
        .into_response(),
        None => bad(format!("no collection {name}")),
    }
}

async fn seed_item(
    State(state): State<SharedState>,
    axum::extract::Path(name): axum::extract::Path<String>,
    body: axum::body::Bytes,
) -> Response {
    let item: Value = match serde_json::from_slice(&body) {
        Ok(item) => item,
        Err(error) => return bad(format!("the body must be a JSON object (an item): {error}")),
    };
    match crate::services::memory::check_seed_item(&name, &item) {
        Ok(spec) => match state.memory.add_seed(spec, item) {
            Ok(()) => StatusCode::CREATED.into_response(),
            Err(reason) => bad(reason),
        },
        Err(reason) => bad(reason),
    }
}

async fn reset(State(state): State<SharedState>) -> StatusCode {
    state.reset();
    StatusCode::NO_CONTENT
}
