//! Any operation without hand-written semantics answers from its spec, whatever its shape:
//!
//! - its query is checked like every other ([`super::query`]), and its request body against
//!   what the spec says of it (`bodies.rs`): a JSON object with its required properties, a
//!   multipart form with its required parts, or bytes;
//! - it answers its first documented success status with its documented example (or the value
//!   `cargo xtask gen` made from the schema when there is none): JSON, text, no body, or, for a
//!   download, [`DOWNLOAD_BYTES`] bytes of a known pattern ([`download_byte`]); each declared
//!   response header is set to a value of its type;
//! - a listing pages the example's items by the request, in its `x-pagination` style
//!   (`paging.rs`).
//!
//! So a user's offline test of a newly added operation works without touching the fake.

use axum::body::Body;
use axum::extract::{Request, State};
use axum::response::{IntoResponse, Response};
use axum::routing::{MethodFilter, MethodRouter, on};
use http::{HeaderValue, StatusCode, header};
use serde_json::{Value, json};

use super::bodies::check_body;
use super::paging::{bad_query, page_listing, with_fired};
use super::query::Query;
use crate::errors::ApiError;
use crate::generated::operations::Operation;
use crate::services::spec_table::AnswerKind;
use crate::state::SharedState;

/// How many bytes a download operation sends.
pub const DOWNLOAD_BYTES: usize = 100_000;

/// The byte at `position` of every download: a pattern a test can check without keeping a copy.
pub fn download_byte(position: usize) -> u8 {
    (position % 251) as u8
}

/// The handler of an operation without hand-written semantics, for its method.
pub(super) fn handler(operation: Operation) -> MethodRouter<SharedState> {
    let method = http::Method::from_bytes(operation.spec().method.as_bytes())
        .ok()
        .and_then(|m| MethodFilter::try_from(m).ok())
        .unwrap_or(MethodFilter::GET);
    on(
        method,
        move |state: State<SharedState>, request: Request| answer(operation, state, request),
    )
}

/// An operation without hand-written semantics: its documented answer (paged when it pages).
async fn answer(
    operation: Operation,
    State(state): State<SharedState>,
    request: Request,
) -> Response {
    let spec = operation.spec();
    let raw_query = request.uri().query().unwrap_or("").to_owned();
    let query = match Query::parse(&raw_query, spec) {
        Ok(query) => query,
        Err(error) => return bad_query(operation.service(), error),
    };
    if let Err(message) = check_body(spec, request).await {
        return ApiError::bad_request(operation.service(), &message).into_response();
    }
    let status = StatusCode::from_u16(spec.success).unwrap_or(StatusCode::OK);
    let mut response = match spec.answer {
        AnswerKind::Empty => (status, Body::empty()).into_response(),
        AnswerKind::Text => (
            status,
            [(header::CONTENT_TYPE, "text/plain; charset=utf-8")],
            spec.example.unwrap_or_default().to_owned(),
        )
            .into_response(),
        AnswerKind::Download => {
            let bytes: Vec<u8> = (0..DOWNLOAD_BYTES).map(download_byte).collect();
            (
                status,
                [(header::CONTENT_TYPE, "application/octet-stream")],
                bytes,
            )
                .into_response()
        }
        AnswerKind::Json => {
            let body: Value = spec
                .example
                .and_then(|example| serde_json::from_str(example).ok())
                .unwrap_or_else(|| json!({}));
            let (body, fired) = match &spec.pagination {
                Some(pagination) => {
                    let faults = state.faults.pagination_faults(operation, &raw_query);
                    match page_listing(body, pagination, &query, &faults) {
                        Ok(body) => (body, faults.fired),
                        Err(message) => {
                            return ApiError::bad_request(operation.service(), &message)
                                .into_response();
                        }
                    }
                }
                None => (body, Vec::new()),
            };
            let mut response = (status, axum::Json(body)).into_response();
            response = with_fired(response, fired);
            response
        }
    };
    for (name, kind) in spec.response_headers {
        let value = match *kind {
            "integer" => HeaderValue::from_static("1"),
            "number" => HeaderValue::from_static("1.5"),
            "boolean" => HeaderValue::from_static("true"),
            _ => HeaderValue::from_static("example"),
        };
        if let Ok(name) = http::HeaderName::from_bytes(name.as_bytes()) {
            response.headers_mut().insert(name, value);
        }
    }
    response
}
