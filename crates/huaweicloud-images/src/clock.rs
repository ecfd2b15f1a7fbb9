//! The time requests are signed with: this machine's clock plus an offset learnt from the gateway.
//!
//! The API gateway refuses a signature whose `X-Sdk-Date` is too far from its own time (401,
//! `APIGW.0303`). When it does, its `Date` header says what time it is there: the offset is kept
//! for the client (every later request is signed with it, at no extra cost), and the refused
//! request is signed again once. A second refusal in the same attempt is final, so this never
//! loops.

use std::sync::atomic::{AtomicI64, Ordering};

use http::HeaderMap;
use time::OffsetDateTime;

/// The gateway's error code for a request time too far from its own.
pub(crate) const CLOCK_SKEW_CODE: &str = "APIGW.0303";

/// Offsets under this are not worth a second request (the `Date` header has whole seconds).
const NEGLIGIBLE_SECS: i64 = 2;

/// One client's signing clock.
#[derive(Debug, Default)]
pub(crate) struct Clock {
    offset_secs: AtomicI64,
}

impl Clock {
    /// The time to sign with.
    pub(crate) fn now(&self) -> OffsetDateTime {
        let offset = time::Duration::seconds(self.offset_secs.load(Ordering::Relaxed));
        OffsetDateTime::now_utc()
            .checked_add(offset)
            .unwrap_or_else(OffsetDateTime::now_utc)
    }

    /// How far the gateway's clock is from this machine's, as learnt so far.
    pub(crate) fn offset(&self) -> time::Duration {
        time::Duration::seconds(self.offset_secs.load(Ordering::Relaxed))
    }

    /// After a 401: when `body` is the gateway's clock-skew refusal and `headers` carry a `Date`
    /// that moves the offset, keeps the new offset and says so (the request is worth signing
    /// again).
    pub(crate) fn learn_from_refusal(&self, headers: &HeaderMap, body: &[u8]) -> bool {
        if !is_clock_skew_refusal(body) {
            return false;
        }
        let Some(server) = headers
            .get(http::header::DATE)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| httpdate::parse_http_date(v).ok())
        else {
            tracing::debug!("clock-skew refusal without a usable Date header");
            return false;
        };
        let server = OffsetDateTime::from(server);
        let offset = (server - OffsetDateTime::now_utc()).whole_seconds();
        let previous = self.offset_secs.swap(offset, Ordering::Relaxed);
        if (offset - previous).abs() < NEGLIGIBLE_SECS {
            return false;
        }
        tracing::info!(
            offset_secs = offset,
            "the gateway's clock differs from this machine's: signing with its time from now on"
        );
        true
    }
}

/// Whether an error body carries [`CLOCK_SKEW_CODE`] (as `error_code` or `code`).
fn is_clock_skew_refusal(body: &[u8]) -> bool {
    #[derive(serde::Deserialize)]
    struct Body {
        error_code: Option<String>,
        code: Option<String>,
    }
    serde_json::from_slice::<Body>(body).is_ok_and(|b| {
        b.error_code.as_deref() == Some(CLOCK_SKEW_CODE)
            || b.code.as_deref() == Some(CLOCK_SKEW_CODE)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn date_header(at: OffsetDateTime) -> HeaderMap {
        let mut headers = HeaderMap::new();
        let text = httpdate::fmt_http_date(at.into());
        headers.insert(http::header::DATE, text.parse().unwrap());
        headers
    }

    const SKEW: &[u8] = br#"{"error_code":"APIGW.0303","error_msg":"request expired"}"#;

    #[test]
    fn a_skew_refusal_with_a_date_sets_the_offset_once() {
        let clock = Clock::default();
        let ahead = OffsetDateTime::now_utc() + time::Duration::minutes(10);
        assert!(clock.learn_from_refusal(&date_header(ahead), SKEW));
        assert!((clock.offset().whole_seconds() - 600).abs() <= 1);
        assert!(
            !clock.learn_from_refusal(&date_header(ahead), SKEW),
            "nothing new"
        );
    }

    #[test]
    fn other_refusals_and_bad_dates_change_nothing() {
        let clock = Clock::default();
        let ahead = OffsetDateTime::now_utc() + time::Duration::minutes(10);
        let other = br#"{"error_code":"APIGW.0301","error_msg":"bad signature"}"#;
        assert!(!clock.learn_from_refusal(&date_header(ahead), other));
        assert!(!clock.learn_from_refusal(&HeaderMap::new(), SKEW));
        let mut garbled = HeaderMap::new();
        garbled.insert(http::header::DATE, "yesterday".parse().unwrap());
        assert!(!clock.learn_from_refusal(&garbled, SKEW));
        assert!(!clock.learn_from_refusal(&date_header(ahead), b"not json"));
        assert_eq!(clock.offset(), time::Duration::ZERO);
    }
}
