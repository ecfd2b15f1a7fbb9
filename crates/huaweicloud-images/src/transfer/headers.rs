//! An answer's body together with the response headers its operation declares.

use http::HeaderMap;

/// The answer of an operation that declares response headers: its body, and its headers read
/// into the operation's headers type (one optional field per declared header: a header that is
/// missing, or not of its documented type, is `None`).
#[derive(Clone, Debug, PartialEq)]
#[non_exhaustive]
pub struct WithHeaders<T, H> {
    /// The body, as the operation without headers would return it.
    pub body: T,
    /// The declared headers.
    pub headers: H,
}

impl<T, H> WithHeaders<T, H> {
    /// The body alone.
    pub fn into_body(self) -> T {
        self.body
    }

    /// The body and the headers.
    pub fn into_parts(self) -> (T, H) {
        (self.body, self.headers)
    }
}

/// The headers type of an operation (generated): read from an answer's headers.
#[allow(
    dead_code,
    reason = "used by the generated code of the operation shapes the seed spec does not have (the corpus test builds and calls them all)"
)]
pub(crate) trait ResponseHeaders: Sized {
    fn from_headers(headers: &HeaderMap) -> Self;
}

/// Reading one declared header as its documented type; `None` when it is missing or is not one.
#[allow(
    dead_code,
    reason = "used by the generated code of the operation shapes the seed spec does not have (the corpus test builds and calls them all)"
)]
pub(crate) mod read {
    use http::HeaderMap;

    fn value<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
        headers.get(name)?.to_str().ok().map(str::trim)
    }

    pub(crate) fn string(headers: &HeaderMap, name: &str) -> Option<String> {
        value(headers, name).map(str::to_owned)
    }

    pub(crate) fn integer(headers: &HeaderMap, name: &str) -> Option<i64> {
        value(headers, name)?.parse().ok()
    }

    pub(crate) fn number(headers: &HeaderMap, name: &str) -> Option<f64> {
        value(headers, name)?
            .parse()
            .ok()
            .filter(|n: &f64| n.is_finite())
    }

    pub(crate) fn boolean(headers: &HeaderMap, name: &str) -> Option<bool> {
        match value(headers, name)? {
            "true" => Some(true),
            "false" => Some(false),
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::read;
    use http::{HeaderMap, HeaderValue};

    #[test]
    fn headers_read_as_their_type_or_not_at_all() {
        let mut headers = HeaderMap::new();
        headers.insert("x-count", HeaderValue::from_static(" 42 "));
        headers.insert("x-ratio", HeaderValue::from_static("0.5"));
        headers.insert("x-flag", HeaderValue::from_static("true"));
        headers.insert("x-bad", HeaderValue::from_static("many"));
        headers.insert("x-inf", HeaderValue::from_static("inf"));
        headers.insert("x-opaque", HeaderValue::from_bytes(b"\xff").unwrap());
        assert_eq!(read::integer(&headers, "X-Count"), Some(42));
        assert_eq!(read::number(&headers, "x-ratio"), Some(0.5));
        assert_eq!(read::boolean(&headers, "x-flag"), Some(true));
        assert_eq!(read::string(&headers, "x-count").as_deref(), Some("42"));
        assert_eq!(read::integer(&headers, "x-bad"), None);
        assert_eq!(read::boolean(&headers, "x-bad"), None);
        assert_eq!(read::number(&headers, "x-inf"), None);
        assert_eq!(read::string(&headers, "x-opaque"), None);
        assert_eq!(read::string(&headers, "x-missing"), None);
    }
}
