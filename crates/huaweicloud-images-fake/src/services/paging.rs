//! What the list handlers share: a page of what matches, the total as reported (bent by an
//! injected fault), the faults that fired, and the answer to a bad query; and the paging of a
//! documented example's items in every `x-pagination` style.

use axum::response::{IntoResponse, Response};

use serde_json::{Value, json};

use super::query::{Query, QueryError};
use crate::errors::ApiError;
use crate::gateway::admission::FiredFaults;
use crate::gateway::faults::{Fault, PaginationFaults};
use crate::generated::operations::Service;
use crate::services::spec_table::{PaginationSpec, PagingStyle};

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

pub(super) fn page<'a, T: 'a>(
    matching: impl IntoIterator<Item = &'a T>,
    offset: u64,
    limit: u64,
    ignore_offset: bool,
) -> Vec<&'a T> {
    let offset = if ignore_offset { 0 } else { usize_of(offset) };
    matching
        .into_iter()
        .skip(offset)
        .take(usize_of(limit))
        .collect()
}

pub(super) fn with_fired(mut response: Response, fired: Vec<Fault>) -> Response {
    response.extensions_mut().insert(FiredFaults(fired));
    response
}

/// The page of `body`'s items (the example's listing) the request asks for, in the operation's
/// paging style: by offset, by page index, after a marker (the last item's id, or the id the
/// previous page named) or at a continuation token (`t<position>`); with the total where the
/// spec has one, and the next marker or token while items remain. An injected `IgnoreOffset`
/// serves the first page whatever the request says.
pub(super) fn page_listing(
    mut body: Value,
    pagination: &PaginationSpec,
    query: &Query,
    faults: &PaginationFaults,
) -> Result<Value, String> {
    let Some(items) = body.get_mut(pagination.items).and_then(Value::as_array_mut) else {
        return Ok(body);
    };
    let all = std::mem::take(items);
    let limit = query
        .integer(pagination.limit)
        .and_then(|l| u64::try_from(l).ok())
        .unwrap_or(u64::MAX);
    let id_of = |item: &Value| -> Option<String> {
        let id = item.get(pagination.item_id?)?;
        Some(match id {
            Value::String(s) => s.clone(),
            other => other.to_string(),
        })
    };
    let after = |marker: &str| -> Result<u64, String> {
        all.iter()
            .position(|item| id_of(item).as_deref() == Some(marker))
            .map(|at| at as u64 + 1)
            .ok_or_else(|| format!("marker {marker:?} names no item"))
    };
    let start = match &pagination.style {
        PagingStyle::OffsetLimit { offset } => query.count(offset),
        PagingStyle::Page { page, first } => {
            let index = query
                .integer(page)
                .and_then(|p| u64::try_from(p).ok())
                .unwrap_or(*first);
            if index < *first {
                return Err(format!("{page} counts from {first}, got {index}"));
            }
            (index - first).saturating_mul(if limit == u64::MAX { 0 } else { limit })
        }
        PagingStyle::Marker { marker, .. } => match query.text(marker) {
            Some(marker) => after(&marker)?,
            None => 0,
        },
        PagingStyle::Token { token, .. } => match query.text(token) {
            Some(token) => token
                .strip_prefix('t')
                .and_then(|n| n.parse().ok())
                .ok_or_else(|| format!("{token:?} is not a token this service gave"))?,
            None => 0,
        },
    };
    let paged: Vec<Value> = page(all.iter(), start, limit, faults.ignore_offset)
        .into_iter()
        .cloned()
        .collect();
    let served_from = if faults.ignore_offset { 0 } else { start };
    let end = served_from.saturating_add(paged.len() as u64);
    let more = (end as usize) < all.len() && !paged.is_empty();
    let next = match &pagination.style {
        PagingStyle::Marker {
            next: Some(field), ..
        } => Some((field, paged.last().and_then(id_of).map(Value::String))),
        PagingStyle::Token { next, .. } => Some((next, Some(json!(format!("t{end}"))))),
        _ => None,
    };
    let total = reported_total(all.len(), faults.total_delta);
    *items = paged;
    if let Some(object) = body.as_object_mut() {
        if let Some(field) = pagination.total {
            object.insert(field.to_string(), json!(total));
        }
        if let Some((field, value)) = next {
            object.remove(*field);
            if more && let Some(value) = value {
                object.insert(field.to_string(), value);
            }
        }
    }
    Ok(body)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::services::spec_table::{AnswerKind, OperationSpec, ParamKind, QueryParam};

    fn listing() -> Value {
        json!({"things": [{"id": "a"}, {"id": "b"}, {"id": "c"}, {"id": "d"}, {"id": "e"}]})
    }

    fn ids(body: &Value) -> Vec<&str> {
        body["things"]
            .as_array()
            .unwrap()
            .iter()
            .map(|t| t["id"].as_str().unwrap())
            .collect()
    }

    static QUERY: [QueryParam; 4] = [
        QueryParam {
            name: "limit",
            required: false,
            kind: ParamKind::Integer {
                minimum: 1,
                maximum: 10,
                default: Some(2),
            },
        },
        QueryParam {
            name: "page",
            required: false,
            kind: ParamKind::Integer {
                minimum: 0,
                maximum: 10,
                default: None,
            },
        },
        QueryParam {
            name: "marker",
            required: false,
            kind: ParamKind::String {
                min_length: None,
                max_length: None,
                pattern: None,
            },
        },
        QueryParam {
            name: "offset",
            required: false,
            kind: ParamKind::Integer {
                minimum: 0,
                maximum: 10,
                default: None,
            },
        },
    ];

    static SPEC: OperationSpec = OperationSpec {
        method: "GET",
        path: "/things",
        query: &QUERY,
        pagination: None,
        example: None,
        success: 200,
        answer: AnswerKind::Json,
        body: None,
        response_headers: &[],
        collection: None,
        idempotency_token: None,
    };

    fn page_of(style: PagingStyle, raw: &str) -> Result<Value, String> {
        let spec = PaginationSpec {
            style,
            limit: "limit",
            items: "things",
            total: Some("total"),
            item_id: Some("id"),
        };
        let query = Query::parse(raw, &SPEC).unwrap();
        page_listing(listing(), &spec, &query, &PaginationFaults::default())
    }

    #[test]
    fn every_style_pages_the_example() {
        let page = page_of(
            PagingStyle::Page {
                page: "page",
                first: 1,
            },
            "page=2",
        )
        .unwrap();
        assert_eq!(
            (ids(&page), page["total"].as_i64()),
            (vec!["c", "d"], Some(5))
        );
        let error = page_of(
            PagingStyle::Page {
                page: "page",
                first: 1,
            },
            "page=0",
        )
        .unwrap_err();
        assert!(error.contains("counts from 1"), "{error}");
        let marker = PagingStyle::Marker {
            marker: "marker",
            next: Some("next"),
        };
        let first = page_of(marker, "").unwrap();
        assert_eq!(
            (ids(&first), first["next"].as_str()),
            (vec!["a", "b"], Some("b"))
        );
        let marker = PagingStyle::Marker {
            marker: "marker",
            next: Some("next"),
        };
        let last = page_of(marker, "marker=d").unwrap();
        assert_eq!((ids(&last), last.get("next")), (vec!["e"], None));
        let unknown = page_of(
            PagingStyle::Marker {
                marker: "marker",
                next: None,
            },
            "marker=zz",
        );
        assert!(unknown.unwrap_err().contains("names no item"));
        let token = PagingStyle::Token {
            token: "marker",
            next: "next",
        };
        let second = page_of(token, "marker=t2&limit=2").unwrap();
        assert_eq!(
            (ids(&second), second["next"].as_str()),
            (vec!["c", "d"], Some("t4"))
        );
        let bad = page_of(
            PagingStyle::Token {
                token: "marker",
                next: "next",
            },
            "marker=x",
        );
        assert!(bad.unwrap_err().contains("not a token"));
        let offset = page_of(PagingStyle::OffsetLimit { offset: "offset" }, "offset=4").unwrap();
        assert_eq!(ids(&offset), ["e"]);
    }
}
