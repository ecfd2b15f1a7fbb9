//! Which failures of an attempt are worth another attempt: the one place that says so, for the
//! runtime's retry loop and for [`crate::Error::is_retryable`].

use std::time::{Duration, SystemTime};

use http::HeaderMap;
use http::header::RETRY_AFTER;

/// What went wrong with one attempt, as far as trying it again goes. The runtime classifies each
/// failed attempt with it, and [`crate::Error::is_retryable`] each final error.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Failure {
    /// The request never left: DNS, connect or TLS failed (the service cannot have seen it).
    NotSent,
    /// No complete answer to a request that was sent: time-out, reset, a body that broke off.
    NoAnswer,
    /// The request could not be built or signed: trying again cannot help.
    Unsendable,
    /// The service answered with this status.
    Status(u16),
    /// A `2xx` whose body is not well-formed JSON (garbled or cut on the way).
    MalformedBody,
    /// A `2xx` whose body is well-formed but not the documented answer: it would be the same again.
    WrongShape,
    /// A body past the client's size cap: it would be as large again.
    BodyTooLarge,
}

impl Failure {
    /// Whether another attempt may succeed.
    pub(crate) fn is_retryable(self) -> bool {
        match self {
            Failure::NotSent | Failure::NoAnswer | Failure::MalformedBody => true,
            Failure::Status(status) => {
                matches!(status, 408 | 429 | 500 | 502 | 503 | 504)
            }
            Failure::Unsendable | Failure::BodyTooLarge | Failure::WrongShape => false,
        }
    }

    /// Whether the request may have reached the service, so that a write may have been applied.
    /// Not when it never left, nor when it was refused with a 4xx — the gateway's own refusals
    /// (`429 APIGW.0308` throttling, `401 APIGW.03xx` authentication) come before the service sees
    /// the request, and a service's 4xx applies nothing; otherwise it may have: no answer to a sent
    /// request, a 5xx (the gateway's 502 and 504 included: the service may have got it), a success
    /// that could not be read.
    pub(crate) fn may_have_reached_the_service(self) -> bool {
        match self {
            Failure::NotSent | Failure::Unsendable => false,
            Failure::Status(status) => status >= 500,
            Failure::NoAnswer
            | Failure::MalformedBody
            | Failure::WrongShape
            | Failure::BodyTooLarge => true,
        }
    }
}

/// `Retry-After` as a delay: either seconds or an HTTP date. Unparsable values are ignored.
pub(crate) fn retry_after(headers: &HeaderMap) -> Option<Duration> {
    let value = headers.get(RETRY_AFTER)?.to_str().ok()?.trim();
    if let Ok(seconds) = value.parse::<u64>() {
        return Some(Duration::from_secs(seconds));
    }
    let at = httpdate::parse_http_date(value).ok()?;
    Some(
        at.duration_since(SystemTime::now())
            .unwrap_or(Duration::ZERO),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use http::HeaderValue;

    fn headers(value: &str) -> HeaderMap {
        let mut h = HeaderMap::new();
        h.insert(RETRY_AFTER, HeaderValue::from_str(value).unwrap());
        h
    }

    #[test]
    fn retry_after_reads_seconds_and_http_dates() {
        assert_eq!(retry_after(&headers("3")), Some(Duration::from_secs(3)));
        assert_eq!(retry_after(&headers(" 0 ")), Some(Duration::ZERO));
        let soon = SystemTime::now() + Duration::from_secs(120);
        let at = retry_after(&headers(&httpdate::fmt_http_date(soon))).unwrap();
        assert!(
            at > Duration::from_secs(100) && at <= Duration::from_secs(120),
            "{at:?}"
        );
        let past = httpdate::fmt_http_date(SystemTime::now() - Duration::from_secs(60));
        assert_eq!(retry_after(&headers(&past)), Some(Duration::ZERO));
        assert_eq!(retry_after(&headers("soon")), None);
        assert_eq!(retry_after(&HeaderMap::new()), None);
    }

    #[test]
    fn what_is_retried() {
        for retried in [408, 429, 500, 502, 503, 504] {
            assert!(Failure::Status(retried).is_retryable(), "{retried}");
        }
        for final_ in [400, 401, 403, 404, 405, 409, 501] {
            assert!(!Failure::Status(final_).is_retryable(), "{final_}");
        }
        assert!(Failure::NoAnswer.is_retryable());
        assert!(Failure::NotSent.is_retryable());
        assert!(Failure::MalformedBody.is_retryable());
        assert!(!Failure::Unsendable.is_retryable());
        assert!(!Failure::BodyTooLarge.is_retryable());
        assert!(!Failure::WrongShape.is_retryable());
    }

    #[test]
    fn what_may_have_reached_the_service() {
        for not in [
            Failure::NotSent,
            Failure::Unsendable,
            Failure::Status(401),
            Failure::Status(408),
            Failure::Status(400),
            Failure::Status(404),
            Failure::Status(409),
            Failure::Status(429),
        ] {
            assert!(!not.may_have_reached_the_service(), "{not:?}");
        }
        for maybe in [
            Failure::NoAnswer,
            Failure::Status(500),
            Failure::Status(502),
            Failure::Status(503),
            Failure::Status(504),
            Failure::MalformedBody,
            Failure::WrongShape,
            Failure::BodyTooLarge,
        ] {
            assert!(maybe.may_have_reached_the_service(), "{maybe:?}");
        }
    }
}
