//! Query strings, checked against what the spec says of each operation's parameters.
//!
//! Rules (the same for every operation, from the generated table [`crate::Operation::spec`]):
//! - values are percent-decoded only; `+` is a literal plus, as in the signature's canonical query;
//! - a parameter given twice, or a value that is not UTF-8 once decoded, is a 400;
//! - an integer must be plain digits (a `-` first only where the spec allows negatives) within the
//!   spec's `minimum`/`maximum` and its `format` (`offset` is an int32: above `i32::MAX` is out of
//!   range); a boolean `true` or `false`; a string within its `minLength`/`maxLength` and matching
//!   its `pattern`; a `required` parameter present;
//! - an enum-typed parameter (filters such as `os_type` and sorting alike) must be one of the
//!   documented values: anything else is a 400 naming the parameter and the values. The documents
//!   say nothing of other values; refusing them is this fake's choice (spec/README.md);
//! - an empty value (`os_type=`) counts as not given, except where a handler reads it raw
//!   (`enterprise_project_id`, where blank means the default enterprise project);
//! - parameters the spec does not list are ignored.

use std::collections::HashMap;

use percent_encoding::percent_decode_str;

use crate::services::spec_table::{OperationSpec, ParamKind};

/// A 400-worthy problem with the query string; the message names the parameter.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QueryError(pub String);

/// A checked query string.
#[derive(Debug, Clone)]
pub struct Query {
    params: HashMap<String, String>,
    /// The values of repeated array parameters.
    repeated: HashMap<String, Vec<String>>,
    spec: &'static OperationSpec,
}

fn decode(part: &str) -> Result<String, QueryError> {
    percent_decode_str(part)
        .decode_utf8()
        .map(|text| text.into_owned())
        .map_err(|_| QueryError(format!("parameter {part:?} is not UTF-8 once decoded")))
}

impl Query {
    /// Parses `raw` (without `?`) and checks every parameter `spec` lists.
    pub fn parse(raw: &str, spec: &'static OperationSpec) -> Result<Query, QueryError> {
        let mut params = HashMap::new();
        let mut repeated: HashMap<String, Vec<String>> = HashMap::new();
        for pair in raw.split('&').filter(|pair| !pair.is_empty()) {
            let (key, value) = pair.split_once('=').unwrap_or((pair, ""));
            let (key, value) = (decode(key)?, decode(value)?);
            // A repeated array parameter (`explode`) is the one parameter given several times.
            if let Some(ParamKind::Array { explode: true, .. }) =
                spec.query_param(&key).map(|p| &p.kind)
            {
                repeated.entry(key).or_default().push(value);
                continue;
            }
            if params.contains_key(&key) {
                return Err(QueryError(format!(
                    "parameter {key} is given more than once"
                )));
            }
            params.insert(key, value);
        }
        let query = Query {
            params,
            repeated,
            spec,
        };
        for param in spec.query {
            if let ParamKind::Array {
                item,
                min_items,
                max_items,
                ..
            } = &param.kind
            {
                let Some(values) = query.values(param.name) else {
                    if param.required {
                        return Err(QueryError(format!("{} is required", param.name)));
                    }
                    continue;
                };
                let count = values.len() as u64;
                if min_items.is_some_and(|m| count < m) || max_items.is_some_and(|m| count > m) {
                    return Err(QueryError(format!(
                        "{} holds {count} values, the spec allows {} to {}",
                        param.name,
                        min_items.unwrap_or(0),
                        max_items.map_or("any number".to_string(), |m| m.to_string())
                    )));
                }
                for value in &values {
                    check(param.name, item, value)?;
                }
                continue;
            }
            let Some(value) = query.params.get(param.name) else {
                if param.required {
                    return Err(QueryError(format!("{} is required", param.name)));
                }
                continue;
            };
            check(param.name, &param.kind, value)?;
        }
        Ok(query)
    }

    /// An integer parameter as given, else the spec's default.
    pub fn integer(&self, name: &str) -> Option<i64> {
        self.params
            .get(name)
            .and_then(|v| v.parse().ok())
            .or_else(|| match self.spec.query_param(name)?.kind {
                ParamKind::Integer { default, .. } => default,
                _ => None,
            })
    }

    /// A non-negative integer parameter (or its default) as `u64`; 0 when neither.
    pub fn count(&self, name: &str) -> u64 {
        self.integer(name)
            .and_then(|v| u64::try_from(v).ok())
            .unwrap_or(0)
    }

    /// A filter: the value, unless absent or empty.
    pub fn text(&self, name: &str) -> Option<String> {
        self.params.get(name).filter(|v| !v.is_empty()).cloned()
    }

    /// The value exactly as given (empty included).
    pub fn raw(&self, name: &str) -> Option<&str> {
        self.params.get(name).map(String::as_str)
    }

    /// The values of an array parameter: each repetition, or the comma-separated values of its
    /// one value (`None` when not given; an empty value is no values).
    pub fn values(&self, name: &str) -> Option<Vec<String>> {
        if let Some(values) = self.repeated.get(name) {
            return Some(values.clone());
        }
        let value = self.params.get(name)?;
        Some(if value.is_empty() {
            Vec::new()
        } else {
            value.split(',').map(str::to_owned).collect()
        })
    }
}

fn check(name: &str, kind: &ParamKind, value: &str) -> Result<(), QueryError> {
    match kind {
        ParamKind::Array { .. } => {
            return Err(QueryError(format!(
                "{name}: an array parameter's values are checked one by one"
            )));
        }
        ParamKind::Integer {
            minimum, maximum, ..
        } => {
            let digits = value.strip_prefix('-').unwrap_or(value);
            let plain = !digits.is_empty()
                && digits.bytes().all(|b| b.is_ascii_digit())
                && (!value.starts_with('-') || *minimum < 0);
            let in_range = plain
                && value
                    .parse::<i64>()
                    .is_ok_and(|v| (*minimum..=*maximum).contains(&v));
            if !in_range {
                return Err(QueryError(format!(
                    "{name} must be an integer from {minimum} to {maximum}, got {value:?}"
                )));
            }
        }
        ParamKind::Number => {
            if value.parse::<f64>().map_or(true, |v| !v.is_finite()) {
                return Err(QueryError(format!(
                    "{name} must be a number, got {value:?}"
                )));
            }
        }
        ParamKind::Boolean => {
            if value != "true" && value != "false" {
                return Err(QueryError(format!(
                    "{name} must be true or false, got {value:?}"
                )));
            }
        }
        ParamKind::String {
            min_length,
            max_length,
            pattern,
        } => {
            let length = value.chars().count() as u64;
            if min_length.is_some_and(|min| length < min)
                || max_length.is_some_and(|max| length > max)
            {
                return Err(QueryError(format!(
                    "{name} must be {} to {} characters, got {length}",
                    min_length.unwrap_or(0),
                    max_length.map_or("any number of".to_string(), |m| m.to_string())
                )));
            }
            if let Some(pattern) = pattern {
                // The xtask checked that the pattern compiles.
                let matches = regress::Regex::new(pattern)
                    .map(|regex| regex.find(value).is_some())
                    .unwrap_or(true);
                if !matches {
                    return Err(QueryError(format!(
                        "{name} does not match {pattern}, got {value:?}"
                    )));
                }
            }
        }
        ParamKind::Enum { name: ty, values } => {
            if !value.is_empty() && !values.contains(&value) {
                return Err(QueryError(format!(
                    "{name} must be one of {} ({ty}), got {value:?}",
                    values.join(", ")
                )));
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Operation;

    fn servers(raw: &str) -> Result<Query, QueryError> {
        Query::parse(raw, Operation::ListImageServers.spec())
    }

    fn images(raw: &str) -> Result<Query, QueryError> {
        Query::parse(raw, Operation::ListImages.spec())
    }

    #[test]
    fn image_server_defaults_and_ranges() {
        let q = servers("").unwrap();
        assert_eq!(
            (
                q.count("offset"),
                q.count("limit"),
                q.raw("enterprise_project_id")
            ),
            (0, 10, None)
        );
        let q = servers("limit=100&offset=7&server_name=a%20b+c&enterprise_project_id=").unwrap();
        assert_eq!((q.count("offset"), q.count("limit")), (7, 100));
        assert_eq!(q.text("server_name").as_deref(), Some("a b+c"));
        assert_eq!(q.raw("enterprise_project_id"), Some(""));
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
            let err = servers(bad).unwrap_err();
            assert!(
                err.0.contains("limit") || err.0.contains("offset"),
                "{bad}: {err:?}"
            );
        }
        assert!(servers("server_name=%FF").is_err());
    }

    #[test]
    fn offsets_are_int32() {
        assert_eq!(
            servers("offset=2147483647").unwrap().count("offset"),
            2_147_483_647
        );
        assert_eq!(
            images("offset=2147483647").unwrap().count("offset"),
            2_147_483_647
        );
        for bad in ["offset=2147483648", "offset=18446744073709551615"] {
            let err = servers(bad).unwrap_err();
            assert!(
                err.0.contains("offset") && err.0.contains("2147483647"),
                "{err:?}"
            );
            assert!(images(bad).unwrap_err().0.contains("offset"));
        }
    }

    #[test]
    fn required_lengths_and_patterns_are_checked() {
        use crate::services::spec_table::QueryParam;
        static SPEC: OperationSpec = OperationSpec {
            method: "GET",
            path: "/v1/{project_id}/things",
            query: &[QueryParam {
                name: "code",
                required: true,
                kind: ParamKind::String {
                    min_length: Some(2),
                    max_length: Some(4),
                    pattern: Some("^[a-z]+$"),
                },
            }],
            pagination: None,
            example: None,
            success: 200,
            answer: crate::services::spec_table::AnswerKind::Json,
            body: None,
            response_headers: &[],
            collection: None,
            idempotency_token: None,
        };
        assert_eq!(
            Query::parse("code=abc", &SPEC)
                .unwrap()
                .text("code")
                .as_deref(),
            Some("abc")
        );
        for (raw, says) in [
            ("", "code is required"),
            ("code=a", "2 to 4 characters"),
            ("code=abcde", "2 to 4 characters"),
            ("code=AB", "does not match"),
        ] {
            let error = Query::parse(raw, &SPEC).unwrap_err();
            assert!(error.0.contains(says), "{raw}: {error:?}");
        }
    }

    #[test]
    fn every_enum_parameter_takes_only_its_documented_values() {
        let q = images("unknown=1").unwrap();
        assert_eq!((q.count("limit"), q.count("offset")), (100, 0));
        let q = images("limit=0&sort_field=created_at&sort_type=desc&os_type=").unwrap();
        assert_eq!(q.count("limit"), 0);
        assert_eq!(q.text("sort_field").as_deref(), Some("created_at"));
        assert_eq!(q.text("os_type"), None, "empty counts as not given");
        for bad in [
            "limit=101",
            "offset=x",
            "sort_field=size",
            "sort_type=DESC",
            "os_type=Kylin",
            "image_type=market",
            "architecture=riscv64",
        ] {
            let err = images(bad).unwrap_err();
            let name = bad.split('=').next().unwrap();
            assert!(err.0.starts_with(name), "{bad}: {err:?}");
        }
        let err = images("os_type=Kylin").unwrap_err();
        assert_eq!(
            err.0,
            "os_type must be one of Linux, Windows, Other (OsType), got \"Kylin\""
        );
    }

    static ARRAYS: OperationSpec = OperationSpec {
        method: "GET",
        path: "/v1/{project_id}/things",
        query: &[
            crate::services::spec_table::QueryParam {
                name: "ids",
                required: false,
                kind: ParamKind::Array {
                    item: &ParamKind::String {
                        min_length: None,
                        max_length: Some(3),
                        pattern: None,
                    },
                    explode: false,
                    min_items: None,
                    max_items: Some(2),
                },
            },
            crate::services::spec_table::QueryParam {
                name: "kinds",
                required: false,
                kind: ParamKind::Array {
                    item: &ParamKind::Enum {
                        name: "Kind",
                        values: &["small", "large"],
                    },
                    explode: true,
                    min_items: None,
                    max_items: None,
                },
            },
        ],
        pagination: None,
        example: None,
        success: 200,
        answer: crate::services::spec_table::AnswerKind::Json,
        body: None,
        response_headers: &[],
        collection: None,
        idempotency_token: None,
    };

    #[test]
    fn array_parameters_are_repeated_or_comma_separated_and_each_value_checked() {
        let query = Query::parse("ids=a%2Cbc&kinds=small&kinds=large", &ARRAYS).unwrap();
        assert_eq!(query.values("ids").unwrap(), ["a", "bc"]);
        assert_eq!(query.values("kinds").unwrap(), ["small", "large"]);
        assert_eq!(query.values("absent"), None);
        for (bad, expected) in [
            ("ids=a,b,c", "3 values"),
            ("ids=abcd", "ids"),
            ("kinds=huge", "kinds must be one of"),
            ("ids=a&ids=b", "more than once"),
        ] {
            let error = Query::parse(bad, &ARRAYS).unwrap_err();
            assert!(error.0.contains(expected), "{bad}: {error:?}");
        }
        assert_eq!(
            Query::parse("ids=", &ARRAYS)
                .unwrap()
                .values("ids")
                .unwrap(),
            Vec::<String>::new()
        );
    }
}
