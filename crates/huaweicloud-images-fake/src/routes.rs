//! The router: every operation of the spec's generated table, with hand-written semantics where
//! they exist and the documented example otherwise.
//!
//! Hand-written semantics (by official name): ListImageServers filters and returns `create_time`
//! descending, then `id`; ShowImageServer and GetDevServerImage look the id up (404 otherwise);
//! ListImages filters and sorts by the requested field (ties broken by `id`), `desc` being the
//! exact reverse of `asc`. An offset past the end gives an empty page with the true total.
//!
//! Any other operation of the spec answers with its documented example: for one with
//! `x-pagination`, the example's items paged by the request's offset and limit, with the total
//! set to their number; for one without an example, `{}`. Its query is checked against the spec
//! like every other ([`crate::query`]), so a user's offline test of a newly added operation works
//! without touching the fake.

use axum::Json;
use axum::Router;
use axum::extract::rejection::PathRejection;
use axum::extract::{Path, RawQuery, Request, State};
use axum::middleware::from_fn_with_state;
use axum::response::{IntoResponse, Response};
use axum::routing::{MethodFilter, MethodRouter, get, on};
use http::StatusCode;
use serde_json::{Value, json};

use crate::admission::{AdmissionState, FiredFaults, admit};
use crate::errors::{APIGW_NO_SUCH_API, ApiError};
use crate::model::{ImageInfo, ImagePage, ImageServer, ImageServerPage};
use crate::operation::{Operation, Service};
use crate::query::{Query, QueryError};
use crate::recording::{RequestId, record};
use crate::state::SharedState;
use crate::statuses::Now;

/// Builds the whole application: a route per operation of the spec, admission in front of each,
/// fallbacks and the recording middleware.
pub(crate) fn router(state: SharedState) -> Router {
    let mut router = Router::new();
    for operation in Operation::ALL {
        router = router.route(operation.spec().path, operation_route(&state, operation));
    }
    let api = router
        .route(
            "/meta-data/latest/api/token",
            axum::routing::put(crate::identity::session_token),
        )
        .route(
            "/openstack/latest/securitykey",
            get(crate::identity::security_key),
        )
        .route("/v3/projects", get(crate::identity::projects))
        .fallback(not_found)
        .method_not_allowed_fallback(method_not_allowed)
        .layer(from_fn_with_state(state.clone(), record))
        .with_state(state.clone());
    // The control API is outside the log and the admission (control.rs).
    crate::control::router(state).merge(api)
}

/// The operation's handler for its method only, behind its admission; `HEAD` is refused like any
/// other method.
fn operation_route(state: &SharedState, operation: Operation) -> MethodRouter<SharedState> {
    let admission = AdmissionState {
        state: state.clone(),
        operation,
    };
    let handler = match operation.name() {
        "ListImageServers" => get(list_image_servers),
        "ShowImageServer" => get(show_image_server),
        "ListImages" => get(list_images),
        "GetDevServerImage" => get(get_dev_server_image),
        _ => {
            let method = http::Method::from_bytes(operation.spec().method.as_bytes())
                .ok()
                .and_then(|m| MethodFilter::try_from(m).ok())
                .unwrap_or(MethodFilter::GET);
            on(method, move |state: State<SharedState>, query: RawQuery| {
                documented_example(operation, state, query)
            })
        }
    };
    handler
        .route_layer(from_fn_with_state(admission, admit))
        .head(method_not_allowed)
}

/// The service a path belongs to, from the operations' routes (used for 405 bodies).
pub(crate) fn service_for_path(path: &str) -> Option<Service> {
    Operation::ALL
        .into_iter()
        .find(|op| op.spec().matches_path(path))
        .map(Operation::service)
}

fn bad_query(service: Service, QueryError(message): QueryError) -> Response {
    ApiError::bad_request(service, &message).into_response()
}

/// An operation without hand-written semantics: its documented example (paged when it pages).
async fn documented_example(
    operation: Operation,
    State(state): State<SharedState>,
    RawQuery(raw): RawQuery,
) -> Response {
    let spec = operation.spec();
    let query = match Query::parse(raw.as_deref().unwrap_or(""), spec) {
        Ok(query) => query,
        Err(error) => return bad_query(operation.service(), error),
    };
    let mut body: Value = spec
        .example
        .and_then(|example| serde_json::from_str(example).ok())
        .unwrap_or_else(|| json!({}));
    let Some(pagination) = &spec.pagination else {
        return Json(body).into_response();
    };
    let faults = state
        .faults
        .pagination_faults(operation, raw.as_deref().unwrap_or(""));
    if let Some(items) = body.get_mut(pagination.items).and_then(Value::as_array_mut) {
        let all = std::mem::take(items);
        let matching: Vec<&Value> = all.iter().collect();
        let limit = query
            .integer(pagination.limit)
            .and_then(|l| u64::try_from(l).ok())
            .unwrap_or(u64::MAX);
        let offset = query.count(pagination.offset);
        let paged: Vec<Value> = page(&matching, offset, limit, faults.ignore_offset)
            .into_iter()
            .cloned()
            .collect();
        let total = reported_total(all.len(), faults.total_delta);
        *items = paged;
        if let Some(field) = pagination.total
            && let Some(object) = body.as_object_mut()
        {
            object.insert(field.to_string(), json!(total));
        }
    }
    with_fired(Json(body).into_response(), faults.fired)
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

fn usize_of(value: u64) -> usize {
    usize::try_from(value).unwrap_or(usize::MAX)
}

fn reported_total(matching: usize, delta: i64) -> i64 {
    i64::try_from(matching)
        .unwrap_or(i64::MAX)
        .saturating_add(delta)
        .max(0)
}

fn page<'a, T>(matching: &[&'a T], offset: u64, limit: u64, ignore_offset: bool) -> Vec<&'a T> {
    let offset = if ignore_offset { 0 } else { usize_of(offset) };
    matching
        .iter()
        .skip(offset)
        .take(usize_of(limit))
        .copied()
        .collect()
}

fn with_fired(mut response: Response, fired: Vec<crate::faults::Fault>) -> Response {
    response.extensions_mut().insert(FiredFaults(fired));
    response
}

fn server_matches(query: &Query, server: &ImageServer) -> bool {
    let default_project = |id: &str| id.is_empty() || id == "0";
    query
        .text("server_name")
        .is_none_or(|name| server.name.contains(name.as_str()))
        && query.text("server_id").is_none_or(|id| server.id == id)
        && query.raw("enterprise_project_id").is_none_or(|ep| {
            if default_project(ep) {
                default_project(&server.enterprise_project_id)
            } else {
                server.enterprise_project_id == ep
            }
        })
}

async fn list_image_servers(State(state): State<SharedState>, RawQuery(raw): RawQuery) -> Response {
    let operation = Operation::ListImageServers;
    let query = match Query::parse(raw.as_deref().unwrap_or(""), operation.spec()) {
        Ok(query) => query,
        Err(error) => return bad_query(operation.service(), error),
    };
    // As their status scripts have them now: deleted ones gone, the others in their state.
    let scripted: Vec<ImageServer>;
    let servers: &[ImageServer] = if state.statuses.is_empty() {
        &state.data.image_servers
    } else {
        scripted = state
            .data
            .image_servers
            .iter()
            .filter_map(|server| match state.statuses.now(&server.id) {
                Now::Unchanged => Some(server.clone()),
                Now::Status(status) => Some(ImageServer {
                    status,
                    ..server.clone()
                }),
                Now::Gone => None,
            })
            .collect();
        &scripted
    };
    let matching: Vec<&ImageServer> = servers
        .iter()
        .filter(|server| server_matches(&query, server))
        .collect();
    let faults = state
        .faults
        .pagination_faults(operation, raw.as_deref().unwrap_or(""));
    let body = ImageServerPage {
        count: reported_total(matching.len(), faults.total_delta),
        items: page(
            &matching,
            query.count("offset"),
            query.count("limit"),
            faults.ignore_offset,
        ),
    };
    with_fired(Json(body).into_response(), faults.fired)
}

async fn show_image_server(
    State(state): State<SharedState>,
    path: Result<Path<(String, String)>, PathRejection>,
) -> Response {
    let service = Service::WorkspaceApp;
    let Ok(Path((_, server_id))) = path else {
        return ApiError::bad_request(service, "invalid path parameters").into_response();
    };
    let scripted = state.statuses.now(&server_id);
    match (state.data.image_server(&server_id), scripted) {
        (Some(server), Now::Unchanged) => Json(server).into_response(),
        (Some(server), Now::Status(status)) => Json(ImageServer {
            status,
            ..server.clone()
        })
        .into_response(),
        (None, _) | (Some(_), Now::Gone) => ApiError::not_found(
            service,
            &format!("The image instance {server_id} does not exist"),
        )
        .into_response(),
    }
}

fn image_matches(query: &Query, image: &ImageInfo) -> bool {
    let exact = |name: &str, actual: Option<&str>| {
        query
            .text(name)
            .is_none_or(|wanted| actual == Some(wanted.as_str()))
    };
    let platform = image.os_version.split_whitespace().next();
    exact("os_type", Some(&image.os_type))
        && exact("image_type", Some(&image.image_type))
        && exact("architecture", image.architecture.as_deref())
        && exact("package_type", image.package_type.as_deref())
        && exact("image_id", Some(&image.id))
        && query
            .text("platform")
            .is_none_or(|wanted| platform.is_some_and(|word| word.eq_ignore_ascii_case(&wanted)))
}

async fn list_images(State(state): State<SharedState>, RawQuery(raw): RawQuery) -> Response {
    let operation = Operation::ListImages;
    let query = match Query::parse(raw.as_deref().unwrap_or(""), operation.spec()) {
        Ok(query) => query,
        Err(error) => return bad_query(operation.service(), error),
    };
    let mut matching: Vec<&ImageInfo> = state
        .data
        .images
        .iter()
        .filter(|image| image_matches(&query, image))
        .collect();
    // The query is checked against the documented values (name, created_at / asc, desc); a value
    // the spec adds later sorts by name until this handler learns it.
    match query.text("sort_field").as_deref() {
        Some("created_at") => matching.sort_by(|a, b| {
            a.created_at
                .cmp(&b.created_at)
                .then_with(|| a.id.cmp(&b.id))
        }),
        _ => matching.sort_by(|a, b| a.name.cmp(&b.name).then_with(|| a.id.cmp(&b.id))),
    }
    if query.text("sort_type").as_deref() == Some("desc") {
        matching.reverse();
    }
    let faults = state
        .faults
        .pagination_faults(operation, raw.as_deref().unwrap_or(""));
    let body = ImagePage {
        total_count: reported_total(matching.len(), faults.total_delta),
        images: page(
            &matching,
            query.count("offset"),
            query.count("limit"),
            faults.ignore_offset,
        ),
    };
    with_fired(Json(body).into_response(), faults.fired)
}

/// 1–64 of letters, digits and `-` (document 004).
pub(crate) fn is_project_id(value: &str) -> bool {
    (1..=64).contains(&value.len())
        && value
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-')
}

/// `^[0-9a-f]{8}-[0-9a-f]{4}-[1-5][0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$` (document 004).
pub(crate) fn is_image_id(value: &str) -> bool {
    let groups: Vec<&str> = value.split('-').collect();
    let lower_hex = |group: &str| {
        group
            .bytes()
            .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
    };
    groups.len() == 5
        && groups.iter().map(|g| g.len()).eq([8, 4, 4, 4, 12])
        && groups.iter().all(|g| lower_hex(g))
        && groups[2].starts_with(['1', '2', '3', '4', '5'])
        && groups[3].starts_with(['8', '9', 'a', 'b'])
}

async fn get_dev_server_image(
    State(state): State<SharedState>,
    path: Result<Path<(String, String)>, PathRejection>,
) -> Response {
    let service = Service::ModelArts;
    let Ok(Path((project_id, id))) = path else {
        return ApiError::bad_request(service, "invalid path parameters").into_response();
    };
    if !is_project_id(&project_id) {
        let message = "project_id must be 1 to 64 letters, digits or hyphens";
        return ApiError::bad_request(service, message).into_response();
    }
    if !is_image_id(&id) {
        let message = format!("id {id} does not match the image id pattern");
        return ApiError::bad_request(service, &message).into_response();
    }
    match state.data.dev_server_image(&id) {
        Some(image) => Json(image).into_response(),
        None => {
            ApiError::not_found(service, &format!("The image {id} does not exist")).into_response()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn image_id_pattern() {
        assert!(is_image_id("3b9c8e0e-4c1a-4f55-8d3e-6f0a7d2b9c44"));
        assert!(is_image_id("00000000-0000-1000-b000-000000000000"));
        for bad in [
            "3B9C8E0E-4C1A-4F55-8D3E-6F0A7D2B9C44",
            "3b9c8e0e-4c1a-6f55-8d3e-6f0a7d2b9c44",
            "3b9c8e0e-4c1a-0f55-8d3e-6f0a7d2b9c44",
            "3b9c8e0e-4c1a-4f55-cd3e-6f0a7d2b9c44",
            "3b9c8e0e4c1a4f558d3e6f0a7d2b9c44",
            "3b9c8e0e-4c1a-4f55-8d3e-6f0a7d2b9c4",
            "3b9c8e0e-4c1a-4f55-8d3e-6f0a7d2b9c44-",
            "3b9c8e0g-4c1a-4f55-8d3e-6f0a7d2b9c44",
            "",
        ] {
            assert!(!is_image_id(bad), "{bad}");
        }
    }

    #[test]
    fn project_id_pattern() {
        assert!(is_project_id("a4da8115c9d8464ead3a38309130523f"));
        assert!(is_project_id("A-1"));
        assert!(is_project_id(&"a".repeat(64)));
        assert!(!is_project_id(&"a".repeat(65)));
        assert!(!is_project_id(""));
        assert!(!is_project_id("a_b"));
        assert!(!is_project_id("a.b"));
    }

    #[test]
    fn totals_and_pages() {
        assert_eq!(reported_total(5, -9), 0);
        assert_eq!(reported_total(5, 2), 7);
        let items = [1, 2, 3, 4, 5];
        let refs: Vec<&i32> = items.iter().collect();
        assert_eq!(page(&refs, 3, 10, false), [&4, &5]);
        assert_eq!(page(&refs, 3, 2, true), [&1, &2]);
        assert!(page(&refs, 9, 2, false).is_empty());
        assert!(page(&refs, u64::MAX, 2, false).is_empty());
    }
}
