//! Any operation without hand-written semantics answers with its documented example: for one with
//! `x-pagination`, the example's items paged by the request's offset and limit, with the total set
//! to their number; for one without an example, `{}`. Its query is checked against the spec like
//! every other ([`super::query`]), so a user's offline test of a newly added operation works
//! without touching the fake.

use axum::Json;
use axum::extract::{RawQuery, State};
use axum::response::{IntoResponse, Response};
use axum::routing::{MethodFilter, MethodRouter, on};
use serde_json::{Value, json};

use super::paging::{bad_query, page, reported_total, with_fired};
use super::query::Query;
use crate::generated::operations::Operation;
use crate::state::SharedState;

/// The handler of an operation without hand-written semantics, for its method.
pub(super) fn handler(operation: Operation) -> MethodRouter<SharedState> {
    let method = http::Method::from_bytes(operation.spec().method.as_bytes())
        .ok()
        .and_then(|m| MethodFilter::try_from(m).ok())
        .unwrap_or(MethodFilter::GET);
    on(method, move |state: State<SharedState>, query: RawQuery| {
        documented_example(operation, state, query)
    })
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
