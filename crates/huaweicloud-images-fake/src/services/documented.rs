//! The hand-written semantics of the four documented operations (by official name):
//! ListImageServers filters and returns `create_time` descending, then `id`; ShowImageServer and
//! GetDevServerImage look the id up (404 otherwise); ListImages filters and sorts by the requested
//! field (ties broken by `id`), `desc` being the exact reverse of `asc`. An offset past the end
//! gives an empty page with the true total. (This module names operations: it is the fake's one
//! place for the documents' own semantics.)

use axum::Json;
use axum::extract::rejection::PathRejection;
use axum::extract::{Path, RawQuery, State};
use axum::response::{IntoResponse, Response};
use axum::routing::{MethodRouter, get};
use http::{HeaderValue, StatusCode, header};

use super::paging::{bad_query, page, reported_total, with_fired};
use super::query::Query;
use serde_json::Value;

use super::memory::collection;
use super::remembered::{current, current_items};
use super::shapes::{ImageInfo, ImagePage};
use crate::errors::ApiError;
use crate::generated::operations::Operation;
use crate::state::SharedState;

/// The handler of `operation` when it has hand-written semantics. Each handler is given its
/// operation rather than naming it, so that this module builds whichever services are compiled
/// in (a cargo feature each).
pub(super) fn handler(operation: Operation) -> Option<MethodRouter<SharedState>> {
    Some(match operation.name() {
        "ListImageServers" => get(move |state, raw| list_image_servers(operation, state, raw)),
        "ShowImageServer" => get(move |state, path| show_image_server(operation, state, path)),
        "ListImages" => get(move |state, raw| list_images(operation, state, raw)),
        "GetDevServerImage" => get(move |state, path| get_dev_server_image(operation, state, path)),
        _ => return None,
    })
}

/// The image servers: what the memory holds (the generated ones, and those writes created), as
/// their status scripts have them now.
const IMAGE_SERVERS: &str = "image_servers";

fn text_of<'a>(server: &'a Value, field: &str) -> &'a str {
    server
        .get(field)
        .and_then(Value::as_str)
        .unwrap_or_default()
}

/// The filters of a server listing, read from its query once (not once per server: with 10,000
/// servers, three lookups per server were most of the fake's CPU per page, measured with `perf`).
struct ServerFilter<'q> {
    name: Option<String>,
    id: Option<String>,
    enterprise_project: Option<&'q str>,
}

impl<'q> ServerFilter<'q> {
    fn new(query: &'q Query) -> Self {
        ServerFilter {
            name: query.text("server_name"),
            id: query.text("server_id"),
            enterprise_project: query.raw("enterprise_project_id"),
        }
    }

    /// Whether no filter is set (every server matches).
    fn is_none(&self) -> bool {
        self.name.is_none() && self.id.is_none() && self.enterprise_project.is_none()
    }

    fn matches(&self, server: &Value) -> bool {
        let default_project = |id: &str| id.is_empty() || id == "0";
        self.name
            .as_deref()
            .is_none_or(|name| text_of(server, "name").contains(name))
            && self
                .id
                .as_deref()
                .is_none_or(|id| text_of(server, "id") == id)
            && self.enterprise_project.is_none_or(|ep| {
                let theirs = text_of(server, "enterprise_project_id");
                if default_project(ep) {
                    default_project(theirs)
                } else {
                    theirs == ep
                }
            })
    }
}

/// `value` as a JSON answer, written into a buffer sized for a page of servers at once (axum's
/// `Json` starts at 128 bytes and grows it, copying a 70 KB page over and over: with the
/// unfiltered listing served without a list of matches, the fake's CPU for the listing of
/// `benches/flow.rs` went from 32-35 ms to 24-26 ms).
fn json_response(value: &ServerPage<'_>) -> Response {
    let mut body = Vec::with_capacity(256 + 1024 * value.items.len());
    match serde_json::to_writer(&mut body, value) {
        Ok(()) => (
            [(
                header::CONTENT_TYPE,
                HeaderValue::from_static("application/json"),
            )],
            body,
        )
            .into_response(),
        Err(error) => (StatusCode::INTERNAL_SERVER_ERROR, error.to_string()).into_response(),
    }
}

/// A page of servers, serialized from the stored ones (not copied first).
#[derive(serde::Serialize)]
struct ServerPage<'a> {
    count: i64,
    items: Vec<&'a Value>,
}

async fn list_image_servers(
    operation: Operation,
    State(state): State<SharedState>,
    RawQuery(raw): RawQuery,
) -> Response {
    let query = match Query::parse(raw.as_deref().unwrap_or(""), operation.spec()) {
        Ok(query) => query,
        Err(error) => return bad_query(operation.service(), error),
    };
    let faults = state
        .faults
        .pagination_faults(operation, raw.as_deref().unwrap_or(""));
    let Some(spec) = collection(IMAGE_SERVERS) else {
        return Json(serde_json::json!({"count": 0, "items": []})).into_response();
    };
    // The page of the servers that match, newest first (the generated ones in their order, after
    // those writes created), as their status scripts have them now. Without scripts, the stored
    // servers are filtered in place and only the page is copied.
    let filter = ServerFilter::new(&query);
    let page_of = |servers: &[Value]| {
        let (offset, limit) = (query.count("offset"), query.count("limit"));
        let (matching, items) = if filter.is_none() {
            let items = page(servers, offset, limit, faults.ignore_offset);
            (servers.len(), items)
        } else {
            let matching: Vec<&Value> = servers
                .iter()
                .filter(|server| filter.matches(server))
                .collect();
            let items = page(
                matching.iter().copied(),
                offset,
                limit,
                faults.ignore_offset,
            );
            (matching.len(), items)
        };
        json_response(&ServerPage {
            count: reported_total(matching, faults.total_delta),
            items,
        })
    };
    let response = if state.statuses.is_empty() {
        state.memory.with_items(IMAGE_SERVERS, page_of)
    } else {
        page_of(&current_items(&state, spec))
    };
    with_fired(response, faults.fired)
}

async fn show_image_server(
    operation: Operation,
    State(state): State<SharedState>,
    path: Result<Path<(String, String)>, PathRejection>,
) -> Response {
    let service = operation.service();
    let Ok(Path((_, server_id))) = path else {
        return ApiError::bad_request(service, "invalid path parameters").into_response();
    };
    let server = collection(IMAGE_SERVERS).and_then(|spec| {
        let server = state.memory.get(spec, &server_id)?;
        current(&state, spec, server)
    });
    match server {
        Some(server) => Json(server).into_response(),
        None => ApiError::not_found(
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

async fn list_images(
    operation: Operation,
    State(state): State<SharedState>,
    RawQuery(raw): RawQuery,
) -> Response {
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
            matching.iter().copied(),
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
    operation: Operation,
    State(state): State<SharedState>,
    path: Result<Path<(String, String)>, PathRejection>,
) -> Response {
    let service = operation.service();
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
    fn a_server_filter_is_none_only_without_any_filter() {
        let filter_of = |raw: &str| {
            let query = Query::parse(raw, Operation::ListImageServers.spec()).unwrap();
            ServerFilter::new(&query).is_none()
        };
        assert!(filter_of(""));
        assert!(filter_of("offset=10&limit=5"));
        for raw in ["server_name=a", "server_id=x", "enterprise_project_id=0"] {
            assert!(!filter_of(raw), "{raw}");
        }
    }

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
        assert_eq!(page(items.iter(), 3, 10, false), [&4, &5]);
        assert_eq!(page(items.iter(), 3, 2, true), [&1, &2]);
        assert!(page(items.iter(), 9, 2, false).is_empty());
        assert!(page(items.iter(), u64::MAX, 2, false).is_empty());
    }
}
