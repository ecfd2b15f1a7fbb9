//! Faults on demand, for retry, timeout and pagination tests.
//!
//! A rule is a fault, a scope ([`FaultScope`]) and an optional operation. For each authenticated
//! request, the rules are tried in the order they were injected:
//! - *response* faults (all but the two pagination ones): the first rule that fires decides the
//!   response; later rules are not tried (and draw nothing);
//! - *pagination* faults ([`Fault::IgnoreOffset`], [`Fault::TotalOffBy`]) apply to the list operations
//!   only; every rule that fires applies (deltas add up).
//!
//! `Next(n)` fires for the next `n` requests it applies to, then disappears; `Always` always fires;
//! `Rate(p)` fires with probability `p` (clamped to 0–1). Its draw is a hash of the config's seed,
//! the rule, the request (method, path and query: not its signature or date) and how many times the
//! same request was seen before, so the faults a listing meets depend on the seed alone — not on
//! the order its concurrent requests arrive in. The same seed gives the same faults on every run,
//! retries included (a retried request is the same request seen once more).

use std::sync::Mutex;
use std::time::Duration;

use std::collections::HashMap;
use std::hash::{DefaultHasher, Hash, Hasher};

use crate::generated::operations::Operation;

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
    /// The operation runs (a write is applied), then 500 with the service's error body: the
    /// ambiguous answer a client cannot tell from a failure before applying.
    InternalServerErrorAfterApply,
    /// The operation runs (a write is applied), then the connection is reset without a response.
    ConnectionResetAfterApply,
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

/// A fault as the command line and the control API write it: `KIND[:key=value]…`.
///
/// | kind | fault | keys |
/// |---|---|---|
/// | `429` | [`Fault::TooManyRequests`] | `retry-after=SECS` (default 1) |
/// | `500` | [`Fault::InternalServerError`] | |
/// | `502` | [`Fault::BadGatewayHtml`] | |
/// | `503` | [`Fault::ServiceUnavailable`] | |
/// | `reset` | [`Fault::ConnectionReset`] | |
/// | `500-after` | [`Fault::InternalServerErrorAfterApply`] | |
/// | `reset-after` | [`Fault::ConnectionResetAfterApply`] | |
/// | `malformed` | [`Fault::MalformedJson`] | |
/// | `slow-body` | [`Fault::SlowBody`] | `chunk=BYTES` (default 256), `delay-ms=MS` (default 10) |
/// | `oversized` | [`Fault::OversizedBody`] | `bytes=N` (default 16 MiB) |
/// | `endless` | [`Fault::EndlessBody`] | |
/// | `respond` | [`Fault::Respond`] | `status=N` (default 200), `body=TEXT` (last: the rest of the spec, colons included; default `{}`) |
/// | `raw-total` | [`Fault::RawTotal`] | `value=JSON` |
/// | `ignore-offset` | [`Fault::IgnoreOffset`] | |
/// | `total-off-by` | [`Fault::TotalOffBy`] | `by=N` |
///
/// And, for any kind, when it fires: `next=N` (the next `N` requests), `rate=P` (with probability
/// `P`), or `always` (the default); and which operation: `op=ListImages` (default: every one).
///
/// ```
/// use huaweicloud_images_fake::{Fault, FaultScope, FaultSpec, Operation};
///
/// let spec: FaultSpec = "429:rate=0.1:retry-after=2:op=ListImages".parse().unwrap();
/// assert_eq!(spec.fault, Fault::TooManyRequests { retry_after_secs: 2 });
/// assert_eq!(spec.scope, FaultScope::Rate(0.1));
/// assert_eq!(spec.operation, Some(Operation::ListImages));
/// assert!("teapot".parse::<FaultSpec>().is_err());
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct FaultSpec {
    /// What goes wrong.
    pub fault: Fault,
    /// When.
    pub scope: FaultScope,
    /// For which operation (`None`: every one).
    pub operation: Option<Operation>,
}

/// The largest padded body [`Fault::OversizedBody`] makes (1 GiB).
pub const MAX_OVERSIZED: usize = 1 << 30;

impl std::str::FromStr for FaultSpec {
    type Err = String;

    fn from_str(spec: &str) -> Result<Self, String> {
        // `body=` takes the rest of the spec, colons included (a JSON body has them).
        let (head, body) = match spec.find(":body=") {
            Some(at) => (&spec[..at], Some(&spec[at + ":body=".len()..])),
            None => (spec, None),
        };
        let mut parts = head.split(':');
        let kind = parts.next().unwrap_or_default().trim();
        let mut keys: Vec<(&str, &str)> = Vec::new();
        if let Some(body) = body {
            keys.push(("body", body));
        }
        let mut scope = FaultScope::Always;
        let mut operation = None;
        for part in parts {
            let (key, value) = part.split_once('=').unwrap_or((part, ""));
            match key {
                "always" => scope = FaultScope::Always,
                "next" => {
                    scope = FaultScope::Next(
                        value
                            .parse()
                            .map_err(|_| format!("{spec}: next={value} is not a whole number"))?,
                    )
                }
                "rate" => {
                    let p: f64 = value
                        .parse()
                        .map_err(|_| format!("{spec}: rate={value} is not a number"))?;
                    if !(0.0..=1.0).contains(&p) {
                        return Err(format!("{spec}: rate={value} is not between 0 and 1"));
                    }
                    scope = FaultScope::Rate(p);
                }
                "op" => {
                    operation = Some(
                        Operation::ALL
                            .iter()
                            .copied()
                            .find(|op| op.name() == value)
                            .ok_or_else(|| {
                                format!(
                                    "{spec}: op={value} is not an operation ({})",
                                    Operation::ALL
                                        .iter()
                                        .map(|op| op.name())
                                        .collect::<Vec<_>>()
                                        .join(", ")
                                )
                            })?,
                    )
                }
                _ => keys.push((key, value)),
            }
        }
        let mut take = |name: &str| {
            keys.iter()
                .position(|(k, _)| *k == name)
                .map(|i| keys.remove(i).1)
        };
        let number = |name: &str, value: Option<&str>, default: u64| -> Result<u64, String> {
            value.map_or(Ok(default), |v| {
                v.parse()
                    .map_err(|_| format!("{spec}: {name}={v} is not a whole number"))
            })
        };
        let fault = match kind {
            "429" => Fault::TooManyRequests {
                retry_after_secs: number("retry-after", take("retry-after"), 1)?,
            },
            "500" => Fault::InternalServerError,
            "502" => Fault::BadGatewayHtml,
            "503" => Fault::ServiceUnavailable,
            "reset" => Fault::ConnectionReset,
            "500-after" => Fault::InternalServerErrorAfterApply,
            "reset-after" => Fault::ConnectionResetAfterApply,
            "malformed" => Fault::MalformedJson,
            "slow-body" => Fault::SlowBody {
                chunk_size: number("chunk", take("chunk"), 256)? as usize,
                chunk_delay: Duration::from_millis(number("delay-ms", take("delay-ms"), 10)?),
            },
            "oversized" => {
                let bytes = number("bytes", take("bytes"), 16 << 20)?;
                if bytes > MAX_OVERSIZED as u64 {
                    return Err(format!(
                        "{spec}: bytes={bytes} is more than {MAX_OVERSIZED}"
                    ));
                }
                Fault::OversizedBody {
                    bytes: bytes as usize,
                }
            }
            "endless" => Fault::EndlessBody,
            "respond" => Fault::Respond {
                status: u16::try_from(number("status", take("status"), 200)?)
                    .map_err(|_| format!("{spec}: status is not an HTTP status"))?,
                body: take("body").unwrap_or("{}").as_bytes().to_vec(),
            },
            "raw-total" => Fault::RawTotal(
                take("value")
                    .ok_or_else(|| format!("{spec}: raw-total needs value=JSON"))?
                    .to_string(),
            ),
            "ignore-offset" => Fault::IgnoreOffset,
            "total-off-by" => Fault::TotalOffBy(
                take("by")
                    .ok_or_else(|| format!("{spec}: total-off-by needs by=N"))?
                    .parse()
                    .map_err(|_| format!("{spec}: by is not a whole number"))?,
            ),
            other => {
                return Err(format!(
                    "{spec}: `{other}` is not a fault (429, 500, 502, 503, reset, malformed, slow-body, oversized, endless, respond, raw-total, ignore-offset, total-off-by)"
                ));
            }
        };
        if let Some((key, _)) = keys.first() {
            return Err(format!("{spec}: `{key}` is not a setting of {kind}"));
        }
        Ok(FaultSpec {
            fault,
            scope,
            operation,
        })
    }
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

    /// Whether the rule fires now; consumes one `Next` use when it does. `draw` is this rule's
    /// uniform draw in `[0, 1)` for this request.
    fn fire(&mut self, draw: f64) -> bool {
        match &mut self.scope {
            FaultScope::Always => true,
            FaultScope::Next(left) => {
                let fires = *left > 0;
                *left = left.saturating_sub(1);
                fires
            }
            FaultScope::Rate(p) => {
                let p = if p.is_nan() { 0.0 } else { p.clamp(0.0, 1.0) };
                draw < p
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
    seed: u64,
    /// How many times each request (by the hash of its key) was seen, per kind of draw.
    seen: HashMap<(bool, u64), u64>,
}

impl Book {
    /// The uniform draws in `[0, 1)` of every rule for the request `key`, seen once more.
    fn draws(&mut self, pagination: bool, key: &str) -> impl Fn(usize) -> f64 + use<> {
        let mut hasher = DefaultHasher::new();
        key.hash(&mut hasher);
        let request = hasher.finish();
        let seen = self.seen.entry((pagination, request)).or_insert(0);
        let occurrence = *seen;
        *seen += 1;
        let seed = self.seed;
        move |rule| {
            let mut hasher = DefaultHasher::new();
            (seed, pagination, request, occurrence, rule).hash(&mut hasher);
            // The top 53 bits as a fraction.
            (hasher.finish() >> 11) as f64 / (1u64 << 53) as f64
        }
    }
}

/// The injected faults of one server.
#[derive(Debug)]
pub(crate) struct FaultBook {
    book: Mutex<Book>,
}

impl FaultBook {
    /// An empty book whose `Rate` draws come from `seed`.
    pub(crate) fn new(seed: u64) -> Self {
        FaultBook {
            book: Mutex::new(Book {
                rules: Vec::new(),
                seed,
                seen: HashMap::new(),
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

    /// The response fault for the request `key` (its method, path and query), if one fires.
    pub(crate) fn response_fault(&self, operation: Operation, key: &str) -> Option<Fault> {
        let mut guard = self.lock();
        let draw = guard.draws(false, key);
        let rules = &mut guard.rules;
        let index = rules.iter_mut().enumerate().position(|(i, rule)| {
            !rule.fault.is_pagination() && rule.applies_to(operation) && rule.fire(draw(i))
        })?;
        let fault = rules[index].fault.clone();
        rules.retain(|rule| !rule.spent());
        Some(fault)
    }

    /// The pagination faults for the list request `key` (its operation and query).
    pub(crate) fn pagination_faults(&self, operation: Operation, key: &str) -> PaginationFaults {
        let mut guard = self.lock();
        let draw = guard.draws(true, key);
        let rules = &mut guard.rules;
        let mut faults = PaginationFaults::default();
        for (i, rule) in rules.iter_mut().enumerate() {
            if rule.fault.is_pagination() && rule.applies_to(operation) && rule.fire(draw(i)) {
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
    fn fault_specs_parse_and_bad_ones_say_why() {
        let spec: FaultSpec = "reset:next=3".parse().unwrap();
        assert_eq!(
            (spec.fault, spec.scope, spec.operation),
            (Fault::ConnectionReset, FaultScope::Next(3), None)
        );
        let spec: FaultSpec = "slow-body:chunk=64:delay-ms=5".parse().unwrap();
        assert_eq!(
            spec.fault,
            Fault::SlowBody {
                chunk_size: 64,
                chunk_delay: Duration::from_millis(5)
            }
        );
        assert_eq!(spec.scope, FaultScope::Always);
        let spec: FaultSpec =
            r#"respond:status=404:op=ShowImageServer:body={"error_code":"APIGW.0101","x":"a:b"}"#
                .parse()
                .unwrap();
        assert_eq!(
            spec.fault,
            Fault::Respond {
                status: 404,
                body: br#"{"error_code":"APIGW.0101","x":"a:b"}"#.to_vec()
            },
            "a JSON body keeps its colons"
        );
        assert_eq!(spec.operation, Some(Operation::ShowImageServer));
        let too_big = "oversized:bytes=100000000000000".parse::<FaultSpec>();
        assert!(too_big.unwrap_err().contains("bytes="));
        let spec: FaultSpec = "respond:status=418:body=short".parse().unwrap();
        assert_eq!(
            spec.fault,
            Fault::Respond {
                status: 418,
                body: b"short".to_vec()
            }
        );
        for (bad, says) in [
            ("429:rate=2", "between 0 and 1"),
            ("429:op=Nope", "not an operation"),
            ("503:colour=red", "not a setting"),
            ("total-off-by", "needs by"),
            ("next=1", "is not a fault"),
        ] {
            let error = bad.parse::<FaultSpec>().unwrap_err();
            assert!(error.contains(says), "{bad}: {error}");
        }
    }

    #[test]
    fn next_n_fires_n_times_then_disappears() {
        let book = FaultBook::new(1);
        book.inject(Fault::ServiceUnavailable, FaultScope::Next(2), None);
        let fired: Vec<_> = (0..4).map(|_| book.response_fault(LIST, "k")).collect();
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
        assert_eq!(book.response_fault(LIST, "k"), None);
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
        assert_eq!(book.response_fault(LIST, "k"), Some(Fault::BadGatewayHtml));
        assert_eq!(
            book.response_fault(Operation::ShowImageServer, "k"),
            Some(Fault::InternalServerError)
        );
        assert_eq!(
            book.response_fault(Operation::ShowImageServer, "k"),
            Some(Fault::BadGatewayHtml)
        );
        book.clear();
        assert_eq!(book.response_fault(LIST, "k"), None);
    }

    #[test]
    fn rate_is_seeded_and_clamped() {
        let draws = |seed| {
            let book = FaultBook::new(seed);
            book.inject(Fault::ServiceUnavailable, FaultScope::Rate(0.5), None);
            (0..200)
                .map(|_| book.response_fault(LIST, "k").is_some())
                .collect::<Vec<_>>()
        };
        let first = draws(9);
        assert_eq!(first, draws(9));
        let hits = first.iter().filter(|hit| **hit).count();
        assert!((50..150).contains(&hits), "{hits} of 200");
        let book = FaultBook::new(1);
        book.inject(Fault::ServiceUnavailable, FaultScope::Rate(f64::NAN), None);
        book.inject(Fault::InternalServerError, FaultScope::Rate(7.0), None);
        assert_eq!(
            book.response_fault(LIST, "k"),
            Some(Fault::InternalServerError)
        );
    }

    #[test]
    fn rate_draws_follow_the_request_not_the_order_of_arrival() {
        let pattern = |keys: &[&str]| {
            let book = FaultBook::new(3);
            book.inject(Fault::ServiceUnavailable, FaultScope::Rate(0.5), None);
            let mut fired: Vec<(String, bool)> = keys
                .iter()
                .map(|k| (k.to_string(), book.response_fault(LIST, k).is_some()))
                .collect();
            fired.sort();
            fired
        };
        let keys = ["a", "b", "c", "d", "e", "f", "g", "h", "a", "b"];
        let mut reversed = keys;
        reversed.reverse();
        // "a" and "b" come twice: their second draws differ from their first.
        let forward = pattern(&keys);
        assert_eq!(forward, pattern(&reversed));
        assert!(forward.iter().any(|(_, f)| *f) && forward.iter().any(|(_, f)| !*f));
    }

    #[test]
    fn pagination_faults_only_touch_lists_and_add_up() {
        let book = FaultBook::new(1);
        book.inject(Fault::TotalOffBy(3), FaultScope::Next(1), None);
        book.inject(Fault::TotalOffBy(-1), FaultScope::Always, Some(LIST));
        book.inject(Fault::IgnoreOffset, FaultScope::Always, None);
        assert_eq!(book.response_fault(LIST, "k"), None);
        let show = book.pagination_faults(Operation::ShowImageServer, "k");
        assert_eq!(show, PaginationFaults::default());
        let first = book.pagination_faults(LIST, "k");
        assert_eq!(
            (first.ignore_offset, first.total_delta, first.fired.len()),
            (true, 2, 3)
        );
        let second = book.pagination_faults(LIST, "k");
        assert_eq!((second.ignore_offset, second.total_delta), (true, -1));
        let servers = book.pagination_faults(Operation::ListImageServers, "k");
        assert_eq!((servers.ignore_offset, servers.total_delta), (true, 0));
    }
}
