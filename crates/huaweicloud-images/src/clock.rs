//! The time requests are signed with: this machine's clock plus an offset learnt from the gateway.
//!
//! The API gateway refuses a signature whose `X-Sdk-Date` is too far from its own time (401,
//! `APIGW.0303`). When it does, its `Date` header says what time it is there, and the refused
//! request is signed again once with that time: a *trial* of the offset the `Date` shows. The
//! offset is kept for the client (every later request is signed with it, at no extra cost) only
//! once the gateway has accepted a request signed with it, so one broken or passing `Date` (a
//! gateway whose clock was a day off for a moment) is never believed on its own word, and an
//! offset that later turns wrong is corrected the same way: the next refusal's `Date` is tried,
//! and kept once accepted. A second refusal in the same attempt is final, so this never loops.

use std::sync::atomic::{AtomicI64, Ordering};

use http::HeaderMap;
use time::OffsetDateTime;

/// The gateway's error code for a request time too far from its own.
pub(crate) const CLOCK_SKEW_CODE: &str = "APIGW.0303";

/// Offsets under this are not worth a second request (the `Date` header has whole seconds).
const NEGLIGIBLE_SECS: i64 = 2;
/// The largest offset tried (a day): a `Date` further off is a broken header, not a clock.
const MAX_OFFSET_SECS: i64 = 24 * 3600;

/// One client's signing clock.
#[derive(Debug, Default)]
pub(crate) struct Clock {
    offset_secs: AtomicI64,
}

impl Clock {
    /// How far the gateway's clock is from this machine's, as confirmed so far.
    pub(crate) fn offset(&self) -> time::Duration {
        time::Duration::seconds(self.offset_secs.load(Ordering::Relaxed))
    }

    /// After a clock-skew refusal ([`CLOCK_SKEW_CODE`]) of a request signed with offset
    /// `signed_with`: when `headers` carry a `Date`, the offset it shows (at most a day either
    /// way), to sign the request again with, if it differs from `signed_with`. It is not kept:
    /// [`Clock::confirm`] keeps it once the gateway accepts a request signed with it.
    pub(crate) fn trial_after_refusal(
        &self,
        headers: &HeaderMap,
        signed_with: time::Duration,
    ) -> Option<time::Duration> {
        trial_at(headers, signed_with, OffsetDateTime::now_utc())
    }

    /// The gateway let a request signed with `offset` after a refusal through its authentication
    /// (an answer that is neither a 401 nor a 5xx): sign with it from now on. Says whether that
    /// changed the offset.
    pub(crate) fn confirm(&self, offset: time::Duration) -> bool {
        let seconds = offset.whole_seconds();
        self.offset_secs.swap(seconds, Ordering::Relaxed) != seconds
    }
}

/// [`Clock::trial_after_refusal`] with this machine's time `now`.
fn trial_at(
    headers: &HeaderMap,
    signed_with: time::Duration,
    now: OffsetDateTime,
) -> Option<time::Duration> {
    let Some(server) = headers
        .get(http::header::DATE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| httpdate::parse_http_date(v).ok())
    else {
        tracing::debug!("clock-skew refusal without a usable Date header");
        return None;
    };
    let server = OffsetDateTime::from(server);
    let offset = (server - now)
        .whole_seconds()
        .clamp(-MAX_OFFSET_SECS, MAX_OFFSET_SECS);
    if (offset - signed_with.whole_seconds()).abs() < NEGLIGIBLE_SECS {
        return None;
    }
    tracing::debug!(
        offset_secs = offset,
        "the gateway refused the request time; signing again with its clock"
    );
    Some(time::Duration::seconds(offset))
}

/// This machine's time plus `offset`.
pub(crate) fn at_offset(offset: time::Duration) -> OffsetDateTime {
    let now = OffsetDateTime::now_utc();
    now.checked_add(offset).unwrap_or(now)
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

    fn near(offset: time::Duration, seconds: i64) -> bool {
        (offset.whole_seconds() - seconds).abs() <= 1
    }

    #[test]
    fn a_refusal_offers_a_trial_that_is_kept_only_once_confirmed() {
        let clock = Clock::default();
        let ahead = OffsetDateTime::now_utc() + time::Duration::minutes(10);
        let zero = time::Duration::ZERO;
        let trial = clock
            .trial_after_refusal(&date_header(ahead), zero)
            .unwrap();
        assert!(near(trial, 600), "{trial}");
        assert_eq!(clock.offset(), zero, "not believed on one answer's word");
        assert!(clock.confirm(trial), "a new offset");
        assert!(!clock.confirm(trial), "the same again changes nothing");
        assert_eq!(clock.offset(), trial);
        assert_eq!(
            clock.trial_after_refusal(&date_header(ahead), trial),
            None,
            "one signed with it gains nothing from signing again"
        );
        let far = OffsetDateTime::now_utc() + time::Duration::days(400);
        assert_eq!(
            clock.trial_after_refusal(&date_header(far), zero),
            Some(time::Duration::days(1)),
            "a broken Date is capped"
        );
    }

    #[test]
    fn a_wrong_offset_is_corrected_by_the_next_refusal() {
        let clock = Clock::default();
        clock.confirm(time::Duration::days(1));
        let right = OffsetDateTime::now_utc();
        let trial = clock
            .trial_after_refusal(&date_header(right), clock.offset())
            .unwrap();
        assert!(near(trial, 0), "{trial}");
        clock.confirm(trial);
        assert!(near(clock.offset(), 0));
        assert!(
            (at_offset(clock.offset()) - OffsetDateTime::now_utc()).abs()
                < time::Duration::seconds(2)
        );
    }

    #[test]
    fn two_seconds_off_are_worth_a_trial_one_is_not() {
        let now = OffsetDateTime::from_unix_timestamp(1_700_000_000).unwrap();
        let zero = time::Duration::ZERO;
        let two = now + time::Duration::seconds(2);
        assert_eq!(
            trial_at(&date_header(two), zero, now),
            Some(time::Duration::seconds(2))
        );
        let one = now + time::Duration::seconds(1);
        assert_eq!(trial_at(&date_header(one), zero, now), None);
        let behind = now - time::Duration::seconds(2);
        assert_eq!(
            trial_at(&date_header(behind), zero, now),
            Some(time::Duration::seconds(-2))
        );
    }

    #[test]
    fn bad_dates_offer_nothing() {
        let clock = Clock::default();
        let zero = time::Duration::ZERO;
        assert_eq!(clock.trial_after_refusal(&HeaderMap::new(), zero), None);
        let mut garbled = HeaderMap::new();
        garbled.insert(http::header::DATE, "yesterday".parse().unwrap());
        assert_eq!(clock.trial_after_refusal(&garbled, zero), None);
        let now = OffsetDateTime::now_utc();
        assert_eq!(
            clock.trial_after_refusal(&date_header(now), zero),
            None,
            "no offset worth a second request"
        );
        assert_eq!(clock.offset(), time::Duration::ZERO);
    }
}
