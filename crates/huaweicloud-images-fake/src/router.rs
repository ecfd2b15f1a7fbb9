//! The router: the gateway's pipeline around every operation of the spec's generated table
//! (recording, then routing — an unknown path is `404 APIGW.0101`, another method `405` — then
//! admission, then the service's handler), the counterparts' routes (metadata, IAM) and the
//! control API.

use axum::Router;
use axum::extract::Request;
use axum::middleware::from_fn_with_state;
use axum::response::{IntoResponse, Response};
use axum::routing::{MethodRouter, get};
use http::StatusCode;

use crate::errors::{APIGW_NO_SUCH_API, ApiError};
use crate::gateway::admission::{AdmissionState, admit};
use crate::gateway::recording::{RequestId, record};
use crate::generated::operations::{Operation, Service};
use crate::state::SharedState;

/// Builds the whole application: a route per operation of the spec, admission in front of each,
/// fallbacks and the recording middleware.
pub(crate) fn router(state: SharedState) -> Router {
    let mut router = Router::new();
    // One route per path, with a method per operation on it (a path may have several, and
    // name its parameters differently in each: `{thing_id}` and `{id}` are one route).
    let shape = |path: &str| -> String {
        path.split('/')
            .map(|segment| {
                if segment.starts_with('{') {
                    "{}"
                } else {
                    segment
                }
            })
            .collect::<Vec<_>>()
            .join("/")
    };
    let mut paths: Vec<(String, &'static str)> = Vec::new();
    for &operation in Operation::ALL {
        let path = operation.spec().path;
        if !paths.iter().any(|(known, _)| *known == shape(path)) {
            paths.push((shape(path), path));
        }
    }
    for (path_shape, path) in paths {
        let mut route: Option<MethodRouter<SharedState>> = None;
        let mut methods = Vec::new();
        for operation in Operation::ALL
            .iter()
            .copied()
            .filter(|op| shape(op.spec().path) == path_shape)
        {
            // Two services with the same route (they have hosts of their own): one fake serves
            // the first, in the order of the spec files.
            if methods.contains(&operation.spec().method) {
                continue;
            }
            methods.push(operation.spec().method);
            let one = operation_route(&state, operation);
            route = Some(match route {
                Some(route) => route.merge(one),
                None => one,
            });
        }
        if let Some(route) = route {
            router = router.route(path, route.head(method_not_allowed));
        }
    }
    let api = router
        .route(
            "/meta-data/latest/api/token",
            axum::routing::put(crate::services::metadata::session_token),
        )
        .route(
            "/openstack/latest/securitykey",
            get(crate::services::metadata::security_key),
        )
        .route("/v3/projects", get(crate::services::iam::projects))
        .fallback(not_found)
        // A multipart form is read with the gateway's limit, not axum's default 2 MiB.
        .layer(axum::extract::DefaultBodyLimit::max(
            crate::gateway::admission::MAX_BODY,
        ))
        .method_not_allowed_fallback(method_not_allowed)
        .layer(from_fn_with_state(state.clone(), record))
        .with_state(state.clone());
    // The control API is outside the log and the admission (control.rs).
    crate::control::router(state).merge(api)
}

/// The operation's handler for its method only, behind its admission (`HEAD` is refused like any
/// other method, once per path).
fn operation_route(state: &SharedState, operation: Operation) -> MethodRouter<SharedState> {
    let admission = AdmissionState {
        state: state.clone(),
        operation,
    };
    crate::services::handler(operation).route_layer(from_fn_with_state(admission, admit))
}

/// The service a path belongs to, from the operations' routes (used for 405 bodies).
pub(crate) fn service_for_path(path: &str) -> Option<Service> {
    Operation::ALL
        .iter()
        .copied()
        .find(|op| op.spec().matches_path(path))
        .map(Operation::service)
}

fn request_id(request: &Request) -> String {
    request
        .extensions()
        .get::<RequestId>()
        .map(|id| id.0.clone())
        .unwrap_or_default()
}

async fn not_found(request: Request) -> Response {
    let message = "The API does not exist or has not been published in the environment";
    ApiError::gateway(
        StatusCode::NOT_FOUND,
        APIGW_NO_SUCH_API,
        message,
        &request_id(&request),
    )
    .into_response()
}

async fn method_not_allowed(request: Request) -> Response {
    let message = format!("The request method {} is not allowed", request.method());
    match service_for_path(request.uri().path()) {
        Some(service) => ApiError::service(service, StatusCode::METHOD_NOT_ALLOWED, &message),
        None => ApiError::gateway(
            StatusCode::METHOD_NOT_ALLOWED,
            APIGW_NO_SUCH_API,
            &message,
            &request_id(&request),
        ),
    }
    .into_response()
}
