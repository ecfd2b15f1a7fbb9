//! The operations of a collection the fake remembers (`x-collection` in the spec), from the spec
//! alone:
//!
//! - `create` starts from a whole item made from the schema, takes the body's fields the item has,
//!   gives it a fresh id, and moves it through the collection's `states` on the status clock (one
//!   [lifecycle step](crate::FakeConfig::lifecycle_step) each); when it answers a job (`job`), the
//!   job is an item of its own collection that runs to its last state; a create that carries an
//!   idempotency token seen before is answered as the first was and creates nothing;
//! - `get` answers the item (404 once it is gone), `list` the items paged as the operation pages;
//! - `update` sets the body's fields on the item (404 when there is none);
//! - `delete` and `batch-delete` move the item to the `deleting` state, gone one step later (at
//!   once without one);
//! - `action` (an operation on one item, `POST …/{id}/actions/…`) answers from its example (with
//!   a fresh job when it names one, `job`) when the item exists, 404 when it does not.
//!
//! Bodies are checked against the spec first (`bodies.rs`): a missing required field is a 400
//! naming it. (This module names no operation: everything comes from the generated table.)

use std::collections::HashMap;
use std::time::Duration;

use axum::body::Body;
use axum::extract::{Request, State};
use axum::response::{IntoResponse, Response};
use axum::routing::{MethodFilter, MethodRouter, on};
use http::{HeaderValue, StatusCode};
use serde_json::{Value, json};

use super::bodies::{body_properties, check_body};
use super::memory::{collection, id_of};
use super::paging::{bad_query, page_listing, with_fired};
use super::query::Query;
use super::statuses::{Now, StatusStep};
use crate::errors::ApiError;
use crate::generated::operations::Operation;
use crate::services::spec_table::{AnswerKind, CollectionRole, CollectionSpec};
use crate::state::SharedState;

/// The handler of an operation of a remembered collection, if it is one.
pub(super) fn handler(operation: Operation) -> Option<MethodRouter<SharedState>> {
    operation.spec().collection.as_ref()?;
    let method = http::Method::from_bytes(operation.spec().method.as_bytes())
        .ok()
        .and_then(|m| MethodFilter::try_from(m).ok())
        .unwrap_or(MethodFilter::GET);
    Some(on(
        method,
        move |state: State<SharedState>, request: Request| remembered(operation, state, request),
    ))
}

/// The item as it is now on the status clock: `None` once it is gone.
pub(crate) fn current(
    state: &SharedState,
    spec: &CollectionSpec,
    mut item: Value,
) -> Option<Value> {
    let (Some(field), Some(id)) = (spec.status, id_of(spec, &item)) else {
        return Some(item);
    };
    match state.statuses.now(&id) {
        Now::Unchanged => Some(item),
        Now::Status(status) => {
            if let Some(object) = item.as_object_mut() {
                object.insert(field.to_owned(), Value::String(status));
            }
            Some(item)
        }
        // Hidden, not forgotten: a status script set again brings it back (as the control API's
        // scripts of the generated servers always have).
        Now::Gone => None,
    }
}

/// The items of `spec` as they are now.
pub(crate) fn current_items(state: &SharedState, spec: &CollectionSpec) -> Vec<Value> {
    state
        .memory
        .items(spec.name)
        .into_iter()
        .filter_map(|item| current(state, spec, item))
        .collect()
}

/// Moves `id` through `states`, one lifecycle step each, from now.
fn run_through(state: &SharedState, id: &str, states: &[&str]) {
    let step = state.lifecycle_step;
    let steps = (0u32..)
        .zip(states)
        .map(|(n, status)| StatusStep::status(step.saturating_mul(n), *status))
        .collect();
    state.statuses.set(id, steps);
}

/// Deletes `id` of `spec`: `deleting`, then gone a step later; at once without a `deleting`
/// state. Whether there was such an item.
fn delete(state: &SharedState, spec: &CollectionSpec, id: &str) -> bool {
    let Some(item) = state.memory.get(spec, id) else {
        return false;
    };
    if current(state, spec, item).is_none() {
        return false;
    }
    match spec.deleting {
        Some(deleting) => state.statuses.set(
            id,
            vec![
                StatusStep::status(Duration::ZERO, deleting),
                StatusStep::deleted(state.lifecycle_step),
            ],
        ),
        None => {
            state.memory.remove(spec, id);
        }
    }
    true
}

/// A new job of `collection`: its id.
fn new_job(state: &SharedState, collection: &CollectionSpec) -> String {
    let id = uuid::Uuid::new_v4().to_string();
    let mut job: Value = serde_json::from_str(collection.template).unwrap_or_else(|_| json!({}));
    if let Some(object) = job.as_object_mut() {
        object.insert(collection.id.to_owned(), Value::String(id.clone()));
    }
    state.memory.insert(collection.name, job);
    run_through(state, &id, collection.states);
    id
}

/// The operation's answer (its example, or the value made from its schema), with `job_id` set
/// when it has one.
fn answer_with(operation: Operation, job: Option<&str>, item: Option<&Value>) -> Value {
    let spec = operation.spec();
    let mut answer: Value = spec
        .example
        .and_then(|example| serde_json::from_str(example).ok())
        .unwrap_or_else(|| json!({}));
    if let (Some(job), Some(object)) = (job, answer.as_object_mut())
        && object.contains_key("job_id")
    {
        object.insert("job_id".into(), Value::String(job.to_owned()));
    }
    match (job, item) {
        (None, Some(item)) if answer.get("job_id").is_none() => item.clone(),
        _ => answer,
    }
}

/// The fake's clock now, as the services write times (RFC 3339).
fn now_text(state: &SharedState) -> String {
    state
        .clock
        .now()
        .format(&time::format_description::well_known::Rfc3339)
        .unwrap_or_default()
}

/// Whether `item` is in its collection's `deleting` state.
fn is_deleting(items: &CollectionSpec, item: &Value) -> bool {
    match (items.status, items.deleting) {
        (Some(field), Some(deleting)) => item.get(field).and_then(Value::as_str) == Some(deleting),
        _ => false,
    }
}

/// What an update may set: the body's fields its schema names (never the item's id or status,
/// which the service keeps), and the time of the change.
fn writable(
    operation: Operation,
    items: &CollectionSpec,
    body: &Value,
    state: &SharedState,
) -> Value {
    let named = body_properties(operation.spec()).unwrap_or_default();
    let mut patch: serde_json::Map<String, Value> = body
        .as_object()
        .into_iter()
        .flatten()
        .filter(|(field, _)| named.contains(field))
        .filter(|(field, _)| *field != items.id && Some(field.as_str()) != items.status)
        .map(|(field, value)| (field.clone(), value.clone()))
        .collect();
    let now = now_text(state);
    for time_field in ["update_time", "updated_at"] {
        patch.insert(time_field.to_owned(), Value::String(now.clone()));
    }
    Value::Object(patch)
}

fn respond(operation: Operation, body: Value) -> Response {
    let spec = operation.spec();
    let status = StatusCode::from_u16(spec.success).unwrap_or(StatusCode::OK);
    match spec.answer {
        AnswerKind::Json => (status, axum::Json(body)).into_response(),
        _ => (status, Body::empty()).into_response(),
    }
}

fn not_found(operation: Operation, id: &str) -> Response {
    ApiError::not_found(operation.service(), &format!("{id} does not exist")).into_response()
}

async fn remembered(
    operation: Operation,
    State(state): State<SharedState>,
    request: Request,
) -> Response {
    let spec = operation.spec();
    let Some(role) = &spec.collection else {
        return ApiError::bad_request(operation.service(), "not a remembered operation")
            .into_response();
    };
    let Some(items) = collection(role.collection) else {
        return ApiError::bad_request(operation.service(), "no such collection").into_response();
    };
    let raw_query = request.uri().query().unwrap_or("").to_owned();
    let query = match Query::parse(&raw_query, spec) {
        Ok(query) => query,
        Err(error) => return bad_query(operation.service(), error),
    };
    let parameters = parameters_of(spec.path, request.uri().path());
    let token = spec
        .idempotency_token
        .and_then(|name| request.headers().get(name))
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    let (parts, body) = request.into_parts();
    let Ok(bytes) = axum::body::to_bytes(body, crate::gateway::admission::MAX_BODY).await else {
        return ApiError::bad_request(operation.service(), "the request body could not be read")
            .into_response();
    };
    let again = Request::from_parts(parts, Body::from(bytes.clone()));
    if let Err(message) = check_body(spec, again).await {
        return ApiError::bad_request(operation.service(), &message).into_response();
    }
    let body: Value = serde_json::from_slice(&bytes).unwrap_or(Value::Null);
    let id = role
        .id
        .and_then(|name| parameters.get(name).cloned())
        .unwrap_or_default();
    let mut response = match role.role {
        "create" => create(&state, operation, role, items, &body, token.as_deref()),
        "get" => match state
            .memory
            .get(items, &id)
            .and_then(|item| current(&state, items, item))
        {
            Some(item) => respond(operation, item),
            None => not_found(operation, &id),
        },
        "list" => list(&state, operation, items, &query, &raw_query),
        "update" => match state
            .memory
            .get(items, &id)
            .and_then(|item| current(&state, items, item))
        {
            Some(item) if is_deleting(items, &item) => {
                ApiError::conflict(operation.service(), &format!("{id} is being deleted"))
                    .into_response()
            }
            Some(_) => {
                let patch = writable(operation, items, &body, &state);
                let updated = state.memory.update(items, &id, &patch);
                respond(operation, answer_with(operation, None, updated.as_ref()))
            }
            None => not_found(operation, &id),
        },
        "delete" => {
            if delete(&state, items, &id) {
                respond(operation, answer_with(operation, None, None))
            } else {
                not_found(operation, &id)
            }
        }
        "batch-delete" => {
            let ids: Vec<String> = role
                .ids
                .and_then(|field| body.get(field))
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
                .filter_map(Value::as_str)
                .map(str::to_owned)
                .collect();
            for id in &ids {
                delete(&state, items, id);
            }
            let job = role
                .job
                .and_then(collection)
                .map(|jobs| new_job(&state, jobs));
            respond(operation, answer_with(operation, job.as_deref(), None))
        }
        "action" => match state
            .memory
            .get(items, &id)
            .and_then(|item| current(&state, items, item))
        {
            Some(_) => {
                let job = role
                    .job
                    .and_then(collection)
                    .map(|jobs| new_job(&state, jobs));
                respond(operation, answer_with(operation, job.as_deref(), None))
            }
            None => not_found(operation, &id),
        },
        other => {
            ApiError::bad_request(operation.service(), &format!("role {other}")).into_response()
        }
    };
    if let (Some(name), Some(token)) = (spec.idempotency_token, token)
        && let (Ok(name), Ok(value)) = (
            http::HeaderName::from_bytes(name.as_bytes()),
            HeaderValue::from_str(&token),
        )
    {
        response.headers_mut().insert(name, value);
    }
    response
}

/// A create: the item, its lifecycle, its job; or, for a token seen before, the first answer.
fn create(
    state: &SharedState,
    operation: Operation,
    role: &CollectionRole,
    items: &CollectionSpec,
    body: &Value,
    token: Option<&str>,
) -> Response {
    // From the token's lookup to its remembering, one tokened write at a time: two creates
    // with one token apply once.
    let _tokened = token.map(|_| state.memory.tokened_write());
    if let Some(token) = token
        && let Some((first_body, first)) = state.memory.answered(items.name, token)
    {
        if first_body != *body {
            return ApiError::conflict(
                operation.service(),
                "the idempotency token was used with another request",
            )
            .into_response();
        }
        return respond(operation, first);
    }
    let mut item: Value = serde_json::from_str(items.template).unwrap_or_else(|_| json!({}));
    let id = uuid::Uuid::new_v4().to_string();
    let now = now_text(state);
    if let Some(object) = item.as_object_mut() {
        // The body's fields its schema names that the item has (a create takes what the item
        // shows; never its id or status).
        let named = body_properties(operation.spec());
        if let Some(fields) = body.as_object() {
            for (field, value) in fields {
                if object.contains_key(field)
                    && !value.is_null()
                    && named.as_ref().is_none_or(|named| named.contains(field))
                    && field != items.id
                    && Some(field.as_str()) != items.status
                {
                    object.insert(field.clone(), value.clone());
                }
            }
        }
        object.insert(items.id.to_owned(), Value::String(id.clone()));
        for time_field in ["create_time", "created_at", "update_time", "updated_at"] {
            if object.contains_key(time_field) {
                object.insert(time_field.to_owned(), Value::String(now.clone()));
            }
        }
        if let (Some(field), Some(first)) = (items.status, items.states.first()) {
            object.insert(field.to_owned(), Value::String((*first).to_owned()));
        }
    }
    state.memory.insert(items.name, item.clone());
    if items.status.is_some() {
        run_through(state, &id, items.states);
    }
    let job = role
        .job
        .and_then(collection)
        .map(|jobs| new_job(state, jobs));
    let answer = answer_with(operation, job.as_deref(), Some(&item));
    if let Some(token) = token {
        state
            .memory
            .remember(items.name, token, body.clone(), answer.clone());
    }
    respond(operation, answer)
}

/// A list: the items as they are now, paged as the operation pages.
fn list(
    state: &SharedState,
    operation: Operation,
    items: &CollectionSpec,
    query: &Query,
    raw_query: &str,
) -> Response {
    let spec = operation.spec();
    let all = current_items(state, items);
    let Some(pagination) = &spec.pagination else {
        return respond(operation, Value::Array(all));
    };
    let mut body = json!({});
    body[pagination.items] = Value::Array(all);
    let faults = state.faults.pagination_faults(operation, raw_query);
    match page_listing(body, pagination, query, &faults) {
        Ok(page) => with_fired(respond(operation, page), faults.fired),
        Err(message) => ApiError::bad_request(operation.service(), &message).into_response(),
    }
}

/// The path parameters of `path` (as received, percent-decoded) by the names in `template`.
fn parameters_of(template: &str, path: &str) -> HashMap<String, String> {
    template
        .trim_start_matches('/')
        .split('/')
        .zip(path.trim_start_matches('/').split('/'))
        .filter_map(|(name, value)| {
            let name = name.strip_prefix('{')?.strip_suffix('}')?;
            let value = percent_encoding::percent_decode_str(value)
                .decode_utf8()
                .ok()?
                .into_owned();
            Some((name.to_owned(), value))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn path_parameters_are_read_by_the_templates_names() {
        let parameters = parameters_of(
            "/v1/{project_id}/image-servers/{server_id}",
            "/v1/p1/image-servers/a%2Fb",
        );
        assert_eq!(parameters["project_id"], "p1");
        assert_eq!(parameters["server_id"], "a/b");
    }
}
