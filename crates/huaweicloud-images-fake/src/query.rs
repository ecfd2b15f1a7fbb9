//! Query-string parsing and validation for the two list operations.
//!
//! Rules (the same for both operations):
//! - values are percent-decoded only; `+` is a literal plus, as in the signature's canonical query;
//! - a parameter given twice, a value that is not UTF-8 after decoding, or a number that is not a
//!   plain integer in range is a 400 (`offset` is an int32 in the spec: above `i32::MAX` is out of
//!   range);
//! - an empty string filter (`os_type=`) counts as not given, except `enterprise_project_id`, where
//!   blank means the default enterprise project (as the document says);
//! - parameters no document lists are ignored.

use std::collections::HashMap;

use percent_encoding::percent_decode_str;

/// A 400-worthy problem with the query string; the message names the parameter.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QueryError(pub String);

type Params = HashMap<String, String>;

/// The largest `offset` (the spec's `format: int32`).
const MAX_OFFSET: u64 = i32::MAX as u64;

fn parse(raw: &str) -> Result<Params, QueryError> {
    let mut params = Params::new();
    for pair in raw.split('&').filter(|pair| !pair.is_empty()) {
        let (key, value) = pair.split_once('=').unwrap_or((pair, ""));
        let decode = |part: &str| {
            percent_decode_str(part)
                .decode_utf8()
                .map(|text| text.into_owned())
                .map_err(|_| QueryError(format!("parameter {part:?} is not UTF-8 once decoded")))
        };
        let (key, value) = (decode(key)?, decode(value)?);
        if params.contains_key(&key) {
            return Err(QueryError(format!(
                "parameter {key} is given more than once"
            )));
        }
        params.insert(key, value);
    }
    Ok(params)
}

fn integer(
    params: &Params,
    name: &str,
    range: std::ops::RangeInclusive<u64>,
    default: u64,
) -> Result<u64, QueryError> {
    let Some(text) = params.get(name) else {
        return Ok(default);
    };
    let in_range = text
        .parse::<u64>()
        .ok()
        .filter(|value| text.bytes().all(|b| b.is_ascii_digit()) && range.contains(value));
    in_range.ok_or_else(|| {
        let (low, high) = (range.start(), range.end());
        QueryError(format!(
            "{name} must be an integer from {low} to {high}, got {text:?}"
        ))
    })
}

fn filter(params: &Params, name: &str) -> Option<String> {
    params.get(name).filter(|value| !value.is_empty()).cloned()
}

/// ListImageServers parameters.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImageServerQuery {
    /// `offset` (0 to `i32::MAX`, default 0).
    pub offset: u64,
    /// `limit` (1–100, default 10).
    pub limit: u64,
    /// `server_name`: substring of the name (case-sensitive).
    pub server_name: Option<String>,
    /// `server_id`: the server's `id`, exactly.
    pub server_id: Option<String>,
    /// `enterprise_project_id`: exact; `Some("")` and `Some("0")` both mean the default project,
    /// which matches servers whose `enterprise_project_id` is `"0"` or `""`.
    pub enterprise_project_id: Option<String>,
}

impl ImageServerQuery {
    /// Parses and validates the raw query string.
    pub fn parse(raw: &str) -> Result<Self, QueryError> {
        let params = parse(raw)?;
        Ok(ImageServerQuery {
            offset: integer(&params, "offset", 0..=MAX_OFFSET, 0)?,
            limit: integer(&params, "limit", 1..=100, 10)?,
            server_name: filter(&params, "server_name"),
            server_id: filter(&params, "server_id"),
            enterprise_project_id: params.get("enterprise_project_id").cloned(),
        })
    }
}

/// ListImages `sort_field`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SortField {
    /// `name` (the default).
    Name,
    /// `created_at`; images without it sort before those with it (ascending).
    CreatedAt,
}

/// ListImages parameters.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImageQuery {
    /// `os_type`, exact (e.g. `Linux`).
    pub os_type: Option<String>,
    /// `image_type`, exact (e.g. `gold`).
    pub image_type: Option<String>,
    /// `platform`: the first word of `os_version`, ASCII case-insensitive (e.g. `Windows`, `EulerOS`).
    pub platform: Option<String>,
    /// `architecture`, exact (e.g. `x86`); images without one never match.
    pub architecture: Option<String>,
    /// `package_type`, exact, against the fake's hidden per-image attribute.
    pub package_type: Option<String>,
    /// `image_id`, exact.
    pub image_id: Option<String>,
    /// `limit` (0–100, default 100). `limit=0` returns no images but the true `total_count`.
    pub limit: u64,
    /// `offset` (0 to `i32::MAX`, default 0).
    pub offset: u64,
    /// `sort_field` (`name` or `created_at`, default `name`).
    pub sort_field: SortField,
    /// `sort_type`: `true` for `desc`, `false` for `asc` (the default).
    pub descending: bool,
}

impl ImageQuery {
    /// Parses and validates the raw query string.
    pub fn parse(raw: &str) -> Result<Self, QueryError> {
        let params = parse(raw)?;
        let sort_field = match params.get("sort_field").map(String::as_str) {
            None | Some("name") => SortField::Name,
            Some("created_at") => SortField::CreatedAt,
            Some(other) => {
                return Err(QueryError(format!(
                    "sort_field must be name or created_at, got {other:?}"
                )));
            }
        };
        let descending = match params.get("sort_type").map(String::as_str) {
            None | Some("asc") => false,
            Some("desc") => true,
            Some(other) => {
                return Err(QueryError(format!(
                    "sort_type must be asc or desc, got {other:?}"
                )));
            }
        };
        Ok(ImageQuery {
            os_type: filter(&params, "os_type"),
            image_type: filter(&params, "image_type"),
            platform: filter(&params, "platform"),
            architecture: filter(&params, "architecture"),
            package_type: filter(&params, "package_type"),
            image_id: filter(&params, "image_id"),
            limit: integer(&params, "limit", 0..=100, 100)?,
            offset: integer(&params, "offset", 0..=MAX_OFFSET, 0)?,
            sort_field,
            descending,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn image_server_defaults_and_ranges() {
        let q = ImageServerQuery::parse("").unwrap();
        assert_eq!((q.offset, q.limit, q.enterprise_project_id), (0, 10, None));
        let q = ImageServerQuery::parse(
            "limit=100&offset=7&server_name=a%20b+c&enterprise_project_id=",
        )
        .unwrap();
        assert_eq!((q.offset, q.limit), (7, 100));
        assert_eq!(q.server_name.as_deref(), Some("a b+c"));
        assert_eq!(q.enterprise_project_id.as_deref(), Some(""));
        for bad in [
            "limit=0",
            "limit=101",
            "limit=-1",
            "offset=-1",
            "limit=abc",
            "limit=",
            "limit=+5",
            "limit=1&limit=2",
            "offset=99999999999999999999",
        ] {
            let err = ImageServerQuery::parse(bad).unwrap_err();
            assert!(
                err.0.contains("limit") || err.0.contains("offset"),
                "{bad}: {err:?}"
            );
        }
        assert!(ImageServerQuery::parse("server_name=%FF").is_err());
    }

    #[test]
    fn offsets_are_int32() {
        let last = ImageServerQuery::parse("offset=2147483647").unwrap();
        assert_eq!(last.offset, 2_147_483_647);
        assert_eq!(
            ImageQuery::parse("offset=2147483647").unwrap().offset,
            2_147_483_647
        );
        for bad in ["offset=2147483648", "offset=18446744073709551615"] {
            let err = ImageServerQuery::parse(bad).unwrap_err();
            assert!(
                err.0.contains("offset") && err.0.contains("2147483647"),
                "{err:?}"
            );
            let err = ImageQuery::parse(bad).unwrap_err();
            assert!(err.0.contains("offset"), "{err:?}");
        }
    }

    #[test]
    fn image_defaults_ranges_and_sorting() {
        let q = ImageQuery::parse("unknown=1").unwrap();
        assert_eq!(
            (q.limit, q.offset, q.sort_field, q.descending),
            (100, 0, SortField::Name, false)
        );
        let q = ImageQuery::parse("limit=0&sort_field=created_at&sort_type=desc&os_type=").unwrap();
        assert_eq!(
            (q.limit, q.sort_field, q.descending, q.os_type),
            (0, SortField::CreatedAt, true, None)
        );
        for bad in ["limit=101", "sort_field=size", "sort_type=DESC", "offset=x"] {
            assert!(ImageQuery::parse(bad).is_err(), "{bad}");
        }
    }
}
