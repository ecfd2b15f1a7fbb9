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
/// The largest offset kept (a day): a `Date` further off is a broken header, not a clock.
const MAX_OFFSET_SECS: i64 = 24 * 3600;

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

    /// After a 401 to a request signed with offset `signed_with`: when `body` is the gateway's
    /// clock-skew refusal and `headers` carry a `Date`, keeps the offset that `Date` shows, and
    /// says whether it differs from `signed_with` (the request is then worth signing again). So
    /// every call in flight when the offset was learnt signs again, not only the first to hear.
    pub(crate) fn learn_from_refusal(
        &self,
        headers: &HeaderMap,
        body: &[u8],
        signed_with: time::Duration,
    ) -> bool {
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
        let offset = (server - OffsetDateTime::now_utc())
            .whole_seconds()
            .clamp(-MAX_OFFSET_SECS, MAX_OFFSET_SECS);
        let previous = self.offset_secs.swap(offset, Ordering::Relaxed);
        if (offset - signed_with.whole_seconds()).abs() < NEGLIGIBLE_SECS {
            return false;
        }
        if previous == offset {
            return true;
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
        let zero = time::Duration::ZERO;
        assert!(clock.learn_from_refusal(&date_header(ahead), SKEW, zero));
        assert!((clock.offset().whole_seconds() - 600).abs() <= 1);
        assert!(
            clock.learn_from_refusal(&date_header(ahead), SKEW, zero),
            "a request signed before the offset was learnt signs again"
        );
        assert!(
            !clock.learn_from_refusal(&date_header(ahead), SKEW, clock.offset()),
            "one signed with it gains nothing from signing again"
        );
        let far = OffsetDateTime::now_utc() + time::Duration::days(400);
        assert!(clock.learn_from_refusal(&date_header(far), SKEW, zero));
        assert_eq!(
            clock.offset(),
            time::Duration::days(1),
            "a broken Date is capped"
        );
    }

    #[test]
    fn other_refusals_and_bad_dates_change_nothing() {
        let clock = Clock::default();
        let ahead = OffsetDateTime::now_utc() + time::Duration::minutes(10);
        let other = br#"{"error_code":"APIGW.0301","error_msg":"bad signature"}"#;
        let zero = time::Duration::ZERO;
        assert!(!clock.learn_from_refusal(&date_header(ahead), other, zero));
        assert!(!clock.learn_from_refusal(&HeaderMap::new(), SKEW, zero));
        let mut garbled = HeaderMap::new();
        garbled.insert(http::header::DATE, "yesterday".parse().unwrap());
        assert!(!clock.learn_from_refusal(&garbled, SKEW, zero));
        assert!(!clock.learn_from_refusal(&date_header(ahead), b"not json", zero));
        assert_eq!(clock.offset(), time::Duration::ZERO);
    }
}
