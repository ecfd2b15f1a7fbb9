//! The gateway's clock: this machine's plus an offset ([`crate::FakeServer::set_clock_offset`]).
//! The gateway judges `X-Sdk-Date` by it and sends it as `Date`; the metadata service dates the
//! credentials it issues by it.

use std::sync::atomic::{AtomicI64, Ordering};

use time::OffsetDateTime;

/// The gateway's clock.
#[derive(Debug)]
pub(crate) struct GatewayClock {
    offset_secs: AtomicI64,
    /// What a reset goes back to.
    initial: i64,
}

impl GatewayClock {
    pub(crate) fn new(offset_secs: i64) -> Self {
        GatewayClock {
            offset_secs: AtomicI64::new(offset_secs),
            initial: offset_secs,
        }
    }

    /// The gateway's time: this machine's plus the offset.
    pub(crate) fn now(&self) -> OffsetDateTime {
        let offset = time::Duration::seconds(self.offset_secs.load(Ordering::Relaxed));
        OffsetDateTime::now_utc()
            .checked_add(offset)
            .unwrap_or_else(OffsetDateTime::now_utc)
    }

    /// Sets the gateway's clock `seconds` ahead of this machine's (negative: behind).
    pub(crate) fn set_offset(&self, seconds: i64) {
        self.offset_secs.store(seconds, Ordering::Relaxed);
    }

    /// Back to the configured offset.
    pub(crate) fn reset(&self) {
        self.set_offset(self.initial);
    }
}
