//! Faults on demand, for retry, timeout and pagination tests.
//!
//! A rule is a fault, a scope ([`FaultScope`]) and an optional operation. For each authenticated
//! request, the rules are tried in the order they were injected:
//! - *response* faults (all but the two pagination ones): the first rule that fires decides the
//!   response; later rules are not tried (and draw nothing);
//! - *pagination* faults ([`Fault::IgnoreOffset`], [`Fault::TotalOffBy`]) apply to the list operations
//!   only; every rule that fires applies (deltas add up).
//!
//! `Next(n)` fires for the next `n` requests it applies to, then disappears; `Rate(p)` fires with
//! probability `p` (clamped to 0–1) from a generator seeded with the config's seed, so a given sequence
//! of requests sees the same faults on every run; `Always` always fires.

use std::sync::Mutex;
use std::time::Duration;

use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

use crate::operation::Operation;

/// What goes wrong.
#[derive(Debug, Clone, PartialEq)]
pub enum Fault {
    /// 429 with `Retry-After: <secs>` and a gateway body (`APIGW.0308`).
    TooManyRequests {
        /// The `Retry-After` value in seconds.
        retry_after_secs: u64,
    },
    /// 503 with the service's error body.
    ServiceUnavailable,
    /// 500 with the service's error body.
    InternalServerError,
    /// 502 with an HTML body (`text/html`), as a proxy in front of the service would send.
    BadGatewayHtml,
    /// The connection is reset (TCP RST) without any response.
    ConnectionReset,
    /// 200 with `Content-Type: application/json` and the first half of the real body (invalid JSON).
    MalformedJson,
    /// The real response, its body sent `chunk_size` bytes at a time with `chunk_delay` between chunks.
    SlowBody {
        /// Bytes per chunk (0 counts as 1).
        chunk_size: usize,
        /// Pause before each chunk after the first.
        chunk_delay: Duration,
    },
    /// The response replaced by `status` with `Content-Type: application/json` and exactly `body`
    /// (any bytes: for tests of what an arbitrary answer does to a client).
    Respond {
        /// The status sent.
        status: u16,
        /// The body sent, as is.
        body: Vec<u8>,
    },
    /// The real answer padded to at least `bytes` bytes (an extra `x_fake_padding` string field),
    /// sent with its `Content-Length`.
    OversizedBody {
        /// The least size of the body.
        bytes: usize,
    },
    /// 200 with a chunked JSON body that never ends (an array that keeps growing), until the client
    /// goes away.
    EndlessBody,
    /// List operations report their total (`count` / `total_count`) as this JSON text, e.g.
    /// `2147483648` (past `int32`), `25.0` or `"many"`; other operations are unchanged.
    RawTotal(String),
    /// List operations ignore `offset` and always return the first page.
    IgnoreOffset,
    /// List operations report a total (`count` / `total_count`) off by this much (never below 0).
    TotalOffBy(i64),
}

impl Fault {
    /// Whether the fault bends list results instead of replacing the response.
    pub fn is_pagination(&self) -> bool {
        matches!(self, Fault::IgnoreOffset | Fault::TotalOffBy(_))
    }
}

/// When an injected fault fires.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum FaultScope {
    /// For the next `n` matching requests (`Next(0)` injects nothing).
    Next(u32),
    /// For each matching request with this probability, drawn from the seeded generator.
    Rate(f64),
    /// For every matching request until [`crate::FakeServer::clear_faults`].
    Always,
}

#[derive(Debug)]
struct Rule {
    fault: Fault,
    scope: FaultScope,
    operation: Option<Operation>,
}

impl Rule {
    fn applies_to(&self, operation: Operation) -> bool {
        let op_ok = self.operation.is_none_or(|op| op == operation);
        op_ok && (!self.fault.is_pagination() || operation.is_list())
    }

    /// Whether the rule fires now; consumes one `Next` use when it does.
    fn fire(&mut self, rng: &mut ChaCha8Rng) -> bool {
        match &mut self.scope {
            FaultScope::Always => true,
            FaultScope::Next(left) => {
                let fires = *left > 0;
                *left = left.saturating_sub(1);
                fires
            }
            FaultScope::Rate(p) => {
                let p = if p.is_nan() { 0.0 } else { p.clamp(0.0, 1.0) };
                rng.random::<f64>() < p
            }
        }
    }

    fn spent(&self) -> bool {
        self.scope == FaultScope::Next(0)
    }
}

/// The pagination faults that fired for one list request.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct PaginationFaults {
    /// Whether `offset` is ignored.
    pub ignore_offset: bool,
    /// The sum of the fired [`Fault::TotalOffBy`] deltas.
    pub total_delta: i64,
    /// The faults that fired, for the request log.
    pub fired: Vec<Fault>,
}

#[derive(Debug)]
struct Book {
    rules: Vec<Rule>,
    rng: ChaCha8Rng,
}

/// The injected faults of one server.
#[derive(Debug)]
pub(crate) struct FaultBook {
    book: Mutex<Book>,
}

impl FaultBook {
    /// An empty book whose `Rate` draws come from `seed`.
    pub(crate) fn new(seed: u64) -> Self {
        let mut rng = ChaCha8Rng::seed_from_u64(seed);
        rng.set_stream(0xfa17);
        FaultBook {
            book: Mutex::new(Book {
                rules: Vec::new(),
                rng,
            }),
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Book> {
        self.book
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    pub(crate) fn inject(&self, fault: Fault, scope: FaultScope, operation: Option<Operation>) {
        if scope != FaultScope::Next(0) {
            self.lock().rules.push(Rule {
                fault,
                scope,
                operation,
            });
        }
    }

    pub(crate) fn clear(&self) {
        self.lock().rules.clear();
    }

    /// The response fault for this request, if one fires.
    pub(crate) fn response_fault(&self, operation: Operation) -> Option<Fault> {
        let mut guard = self.lock();
        let Book { rules, rng } = &mut *guard;
        let index = rules.iter_mut().position(|rule| {
            !rule.fault.is_pagination() && rule.applies_to(operation) && rule.fire(rng)
        })?;
        let fault = rules[index].fault.clone();
        rules.retain(|rule| !rule.spent());
        Some(fault)
    }

    /// The pagination faults for this list request.
    pub(crate) fn pagination_faults(&self, operation: Operation) -> PaginationFaults {
        let mut guard = self.lock();
        let Book { rules, rng } = &mut *guard;
        let mut faults = PaginationFaults::default();
        for rule in rules.iter_mut() {
            if rule.fault.is_pagination() && rule.applies_to(operation) && rule.fire(rng) {
                match rule.fault {
                    Fault::IgnoreOffset => faults.ignore_offset = true,
                    Fault::TotalOffBy(delta) => {
                        faults.total_delta = faults.total_delta.saturating_add(delta)
                    }
                    _ => {}
                }
                faults.fired.push(rule.fault.clone());
            }
        }
        rules.retain(|rule| !rule.spent());
        faults
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const LIST: Operation = Operation::ListImages;

    #[test]
    fn next_n_fires_n_times_then_disappears() {
        let book = FaultBook::new(1);
        book.inject(Fault::ServiceUnavailable, FaultScope::Next(2), None);
        let fired: Vec<_> = (0..4).map(|_| book.response_fault(LIST)).collect();
        assert_eq!(
            fired,
            [
                Some(Fault::ServiceUnavailable),
                Some(Fault::ServiceUnavailable),
                None,
                None
            ]
        );
        book.inject(Fault::InternalServerError, FaultScope::Next(0), None);
        assert_eq!(book.response_fault(LIST), None);
    }

    #[test]
    fn operation_scoping_and_injection_order() {
        let book = FaultBook::new(1);
        book.inject(
            Fault::InternalServerError,
            FaultScope::Next(1),
            Some(Operation::ShowImageServer),
        );
        book.inject(Fault::BadGatewayHtml, FaultScope::Always, None);
        assert_eq!(book.response_fault(LIST), Some(Fault::BadGatewayHtml));
        assert_eq!(
            book.response_fault(Operation::ShowImageServer),
            Some(Fault::InternalServerError)
        );
        assert_eq!(
            book.response_fault(Operation::ShowImageServer),
            Some(Fault::BadGatewayHtml)
        );
        book.clear();
        assert_eq!(book.response_fault(LIST), None);
    }

    #[test]
    fn rate_is_seeded_and_clamped() {
        let draws = |seed| {
            let book = FaultBook::new(seed);
            book.inject(Fault::ServiceUnavailable, FaultScope::Rate(0.5), None);
            (0..200)
                .map(|_| book.response_fault(LIST).is_some())
                .collect::<Vec<_>>()
        };
        let first = draws(9);
        assert_eq!(first, draws(9));
        let hits = first.iter().filter(|hit| **hit).count();
        assert!((50..150).contains(&hits), "{hits} of 200");
        let book = FaultBook::new(1);
        book.inject(Fault::ServiceUnavailable, FaultScope::Rate(f64::NAN), None);
        book.inject(Fault::InternalServerError, FaultScope::Rate(7.0), None);
        assert_eq!(book.response_fault(LIST), Some(Fault::InternalServerError));
    }

    #[test]
    fn pagination_faults_only_touch_lists_and_add_up() {
        let book = FaultBook::new(1);
        book.inject(Fault::TotalOffBy(3), FaultScope::Next(1), None);
        book.inject(Fault::TotalOffBy(-1), FaultScope::Always, Some(LIST));
        book.inject(Fault::IgnoreOffset, FaultScope::Always, None);
        assert_eq!(book.response_fault(LIST), None);
        let show = book.pagination_faults(Operation::ShowImageServer);
        assert_eq!(show, PaginationFaults::default());
        let first = book.pagination_faults(LIST);
        assert_eq!(
            (first.ignore_offset, first.total_delta, first.fired.len()),
            (true, 2, 3)
        );
        let second = book.pagination_faults(LIST);
        assert_eq!((second.ignore_offset, second.total_delta), (true, -1));
        let servers = book.pagination_faults(Operation::ListImageServers);
        assert_eq!((servers.ignore_offset, servers.total_delta), (true, 0));
    }
}
