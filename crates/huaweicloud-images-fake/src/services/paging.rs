//! What the list handlers share: a page of what matches, the total as reported (bent by an
//! injected fault), the faults that fired, and the answer to a bad query.

use axum::response::{IntoResponse, Response};

use super::query::QueryError;
use crate::errors::ApiError;
use crate::gateway::admission::FiredFaults;
use crate::gateway::faults::Fault;
use crate::generated::operations::Service;

pub(super) fn bad_query(service: Service, QueryError(message): QueryError) -> Response {
    ApiError::bad_request(service, &message).into_response()
}

fn usize_of(value: u64) -> usize {
    usize::try_from(value).unwrap_or(usize::MAX)
}

pub(super) fn reported_total(matching: usize, delta: i64) -> i64 {
    i64::try_from(matching)
        .unwrap_or(i64::MAX)
        .saturating_add(delta)
        .max(0)
}

pub(super) fn page<'a, T>(
    matching: &[&'a T],
    offset: u64,
    limit: u64,
    ignore_offset: bool,
) -> Vec<&'a T> {
    let offset = if ignore_offset { 0 } else { usize_of(offset) };
    matching
        .iter()
        .skip(offset)
        .take(usize_of(limit))
        .copied()
        .collect()
}

pub(super) fn with_fired(mut response: Response, fired: Vec<Fault>) -> Response {
    response.extensions_mut().insert(FiredFaults(fired));
    response
}
