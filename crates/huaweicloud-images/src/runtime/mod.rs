//! The runtime owns every call, from the request the generated code built to the decoded answer,
//! in one direction and one loop ([`Runtime::invoke`]):
//!
//! 1. a tracing span (`huaweicloud_images.call`) and the total time-out around everything below;
//! 2. the caller's preparation (the project id resolved, the parameters checked, the request
//!    built by the generated client), then the headers every attempt carries;
//! 3. for a listing's page, a permit of the service's adaptive concurrency;
//! 4. per attempt ([`attempt`]): the service's fixed and learnt request rates, credentials as of
//!    now, a fresh signature, the request sent and the whole body read within the cap, the answer
//!    fed back to the flow, then classified — decoded once when it is a success, read once as an
//!    [`ApiError`](crate::ApiError) when it is not (a clock-skew refusal is signed again once with
//!    the gateway's time, see [`crate::clock`]);
//! 5. a failure that [`crate::retry::classify`] says is worth another attempt waits the backoff
//!    (or `Retry-After`) and pays the service's retry budget; anything else ends the call.
//!
//! The same runtime sends the project lookup to IAM (one attempt, within the call it is made for)
//! and, with its own settings (no signature, no retry, no `Content-Type`), the requests of the
//! instance metadata service.

pub(crate) mod answer;
mod attempt;
mod auth;
mod body;
#[cfg(test)]
mod budget_tests;
pub(crate) mod request;
#[cfg(test)]
mod tests;
#[cfg(test)]
mod write_tests;

use std::future::Future;
use std::sync::Arc;
use std::time::{Duration, Instant};

use http::header::{CONTENT_TYPE, HeaderName, HeaderValue, USER_AGENT};
use tracing::Instrument;
use tracing::field::Empty;

use crate::clock::Clock;
use crate::credentials::provider::CredentialCache;
use crate::error::{Error, Result};
use crate::flow::{OperationFlow, ServiceFlow};
use crate::retry::classify::Failure;
use crate::retry::{Budget, RetryPolicy};
use crate::signing::canonical_query;
use answer::Decoder;
use attempt::Failed;

const X_PROJECT_ID: HeaderName = HeaderName::from_static("x-project-id");
/// Progenitor adds it to every request; the Huawei APIs do not document it, so it is not sent.
const API_VERSION: HeaderName = HeaderName::from_static("api-version");

/// What one client's calls share: the HTTP client, credentials, the signing clock and the
/// policies.
#[derive(Debug)]
pub(crate) struct Runtime {
    http: reqwest::Client,
    /// `None`: requests are sent unsigned (the instance metadata service's).
    credentials: Option<CredentialCache>,
    /// The time requests are signed with (corrected after a clock-skew refusal).
    clock: Clock,
    user_agent: Option<HeaderValue>,
    retry: RetryPolicy,
    request_timeout: Option<Duration>,
    total_timeout: Option<Duration>,
    /// The largest body read, in bytes.
    max_body: u64,
}

/// How a [`Runtime`] is set up.
pub(crate) struct Settings {
    pub(crate) http: reqwest::Client,
    pub(crate) credentials: Option<CredentialCache>,
    pub(crate) user_agent: Option<HeaderValue>,
    pub(crate) retry: RetryPolicy,
    pub(crate) request_timeout: Option<Duration>,
    pub(crate) total_timeout: Option<Duration>,
    pub(crate) max_body: u64,
}

/// The flow and the retry budget of one client toward one service, shared by all its calls.
#[derive(Debug)]
pub(crate) struct Pace {
    pub(crate) flow: Arc<ServiceFlow>,
    pub(crate) budget: Option<Budget>,
}

/// One call as the runtime sees it.
pub(crate) struct Call<'a, T> {
    /// The operation's official name (span, errors).
    pub(crate) operation: &'static str,
    /// The service's name (span).
    pub(crate) service: &'static str,
    /// The service's flow and budget; `None` for requests outside the services (IAM, metadata).
    pub(crate) pace: Option<&'a Pace>,
    /// The call follows the service's adaptive concurrency (every call but a page of a listing
    /// that pinned its own): it holds a permit while it is on its way (its retries included),
    /// taken before its total time-out starts.
    pub(crate) holds_permit: bool,
    /// Which failed attempts may be sent again (see [`Delivery`]).
    pub(crate) delivery: Delivery,
    /// The header carrying the call's idempotency token, if its operation has one (reported in
    /// [`Error::Unconfirmed`]).
    pub(crate) token_header: Option<&'static str>,
    /// Whether the client's total time-out bounds the call (a lookup made as part of another
    /// call is bounded by that call's).
    pub(crate) bounded: bool,
    /// The statuses that are the operation's answer; any other below 400 is not decoded.
    pub(crate) success: Success,
    pub(crate) decode: Decoder<T>,
    /// The answer holds secrets: a body that does not decode is not quoted in the error.
    pub(crate) secret_answer: bool,
}

/// Which failed attempts of a call may be sent again under the client's retry policy: the one
/// place that decides it for every operation (`Operation::idempotent` and the method decide which
/// a generated call is).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Delivery {
    /// Any failure worth another attempt: a read, or a write that applying twice changes nothing
    /// (`PUT`, `DELETE`, one marked idempotent, one carrying an idempotency token).
    Repeatable,
    /// A write that applying twice would repeat (`POST`, `PATCH`): sent again only when the attempt
    /// provably was not applied — it never left (DNS, connect, TLS), or it was refused with a
    /// retryable 4xx (`408`, `429`: the gateway's throttling and the service's own alike, a 4xx
    /// applies nothing); a failure after which it may have been applied ends the call with
    /// [`Error::Unconfirmed`].
    AtMostOnce,
    /// One attempt (the clock-skew re-sign aside): lookups made on the way (IAM, metadata).
    Once,
}

impl Delivery {
    /// Whether an attempt that failed with `failure` may be sent again.
    pub(crate) fn may_send_again(self, failure: Failure) -> bool {
        match self {
            Delivery::Repeatable => failure.is_retryable(),
            Delivery::AtMostOnce => {
                failure.is_retryable() && !failure.may_have_reached_the_service()
            }
            Delivery::Once => false,
        }
    }
}

/// Which statuses a call's answer may have.
#[derive(Clone, Copy, Debug)]
pub(crate) enum Success {
    /// The ones the spec documents.
    Documented(&'static [u16]),
    /// Any `2xx` (the metadata service's, which is not documented by status).
    Any2xx,
}

impl Success {
    fn contains(self, status: http::StatusCode) -> bool {
        match self {
            Success::Documented(statuses) => statuses.contains(&status.as_u16()),
            Success::Any2xx => status.is_success(),
        }
    }
}

/// A request ready for its first attempt, and the project it is made in (`X-Project-Id`).
pub(crate) struct Prepared {
    pub(crate) request: reqwest::Request,
    pub(crate) project: Option<HeaderValue>,
}

/// What the attempts of one call saw, for its span.
#[derive(Default)]
struct Seen {
    attempts: u32,
    status: Option<u16>,
    request_id: Option<String>,
    /// Whether an attempt of a write may have reached the service.
    write: WriteTrace,
}

/// A write across its attempts: whether any of them may have reached the service, so that the
/// call's error, whatever its last attempt met, says the write may have been applied.
#[derive(Default)]
struct WriteTrace {
    /// Anything but a `GET` (lookups made on the way aside).
    is_write: bool,
    /// The idempotency token the request carries, if its operation has one.
    token: Option<String>,
    /// Whether sending it again cannot apply it twice (a `PUT`, a `DELETE`, one marked
    /// idempotent; not a write whose repeat depends on its token).
    repeatable: bool,
    /// An attempt that ended may have reached the service.
    reached: bool,
    /// An attempt's request has been handed to the connection and has not ended yet.
    in_flight: bool,
}

impl WriteTrace {
    /// `error`, as [`Error::Unconfirmed`] when an attempt of this write may have reached the
    /// service (one that ended so, or one cut short on its way).
    fn error(&self, operation: &'static str, error: Error) -> Error {
        if !self.is_write || !(self.reached || self.in_flight) {
            return error;
        }
        Error::Unconfirmed {
            operation,
            idempotency_token: self.token.clone(),
            repeatable: self.repeatable,
            source: Box::new(error),
        }
    }
}

/// Waits for a turn of the client's rates toward the service (the user's fixed one, then the
/// operation's learnt one); the generation of the learnt rate it was taken in.
async fn turn(pace: &Pace, flow: &OperationFlow) -> u64 {
    pace.flow.fixed.acquire().await;
    flow.learnt.acquire().await
}

impl Runtime {
    pub(crate) fn new(settings: Settings) -> Self {
        Runtime {
            http: settings.http,
            credentials: settings.credentials,
            clock: Clock::default(),
            user_agent: settings.user_agent,
            retry: settings.retry,
            request_timeout: settings.request_timeout,
            total_timeout: settings.total_timeout,
            max_body: settings.max_body,
        }
    }

    /// The HTTP client requests are built for and sent with.
    pub(crate) fn http(&self) -> &reqwest::Client {
        &self.http
    }

    /// The signing clock.
    pub(crate) fn clock(&self) -> &Clock {
        &self.clock
    }

    /// Runs one call within the total time-out: `prepare` (which resolves what the request needs
    /// and builds it; input it refuses is refused before any span or request), then its attempts,
    /// in a span.
    pub(crate) async fn invoke<T>(
        &self,
        call: Call<'_, T>,
        prepare: impl Future<Output = Result<Prepared>>,
    ) -> Result<T> {
        let total = self.total_timeout.filter(|_| call.bounded);
        let timed_out = |elapsed: Duration| Error::Timeout {
            operation: call.operation,
            elapsed,
        };
        // First what the request needs (the project id, through IAM at a client's first calls:
        // shared by concurrent calls, and not the service's business, so not behind its
        // permits), within the total time-out.
        let prepared_at = Instant::now();
        let prepared = match total {
            Some(limit) => tokio::time::timeout(limit, prepare)
                .await
                .unwrap_or_else(|_| Err(timed_out(prepared_at.elapsed()))),
            None => prepare.await,
        }?;
        let spent = prepared_at.elapsed();
        // The operation's flow: its permits, pacing and learnt rate are its own (the gateway
        // throttles per API), so a call held back by its operation's rate, or retrying, holds up
        // only calls of that operation. The rate is waited for with the permit held (per
        // attempt): a turn taken before it would be spent while the call waits for the permit,
        // and calls holding such turns would then leave together. A call waiting for its turn
        // (behind a listing's pages, or a batch of writes) is not on its way: the wait does not
        // count against its total time-out.
        let flow = call.pace.map(|pace| pace.flow.operation(call.operation));
        let _permit = match &flow {
            Some(flow) if call.holds_permit => {
                let permit = flow.concurrency.acquire().await;
                flow.pace().await;
                Some(permit)
            }
            _ => None,
        };
        // The call's clock, as if it had not waited for its turn.
        let started = Instant::now()
            .checked_sub(spent)
            .unwrap_or_else(Instant::now);
        let mut seen = Seen::default();
        let span = tracing::info_span!(
            "huaweicloud_images.call",
            service = call.service,
            operation = call.operation,
            attempts = Empty,
            status = Empty,
            request_id = Empty,
            duration_ms = Empty,
        );
        let run = self
            .attempts(&call, prepared, &mut seen, started, flow.as_deref())
            .instrument(span.clone());
        let outcome = match total {
            Some(limit) => match tokio::time::timeout(limit.saturating_sub(spent), run).await {
                Ok(outcome) => outcome,
                Err(_) => {
                    // Cut short while a write's attempt was on its way, or after one that may
                    // have arrived: it may have been applied.
                    Err(seen
                        .write
                        .error(call.operation, timed_out(started.elapsed())))
                }
            },
            None => run.await,
        };
        span.record("attempts", seen.attempts);
        span.record(
            "duration_ms",
            u64::try_from(started.elapsed().as_millis()).unwrap_or(u64::MAX),
        );
        if let Some(status) = seen.status {
            span.record("status", status);
        }
        if let Some(id) = &seen.request_id {
            span.record("request_id", id.as_str());
        }
        span.in_scope(|| match &outcome {
            Ok(_) => tracing::debug!(attempts = seen.attempts, "call succeeded"),
            Err(e) => tracing::debug!(attempts = seen.attempts, error = %e, "call failed"),
        });
        outcome
    }

    /// The attempts of one call: each failure the classification calls retryable waits its
    /// backoff (or `Retry-After`) and pays the retry budget; anything else ends the call.
    async fn attempts<T>(
        &self,
        call: &Call<'_, T>,
        prepared: Prepared,
        seen: &mut Seen,
        started: Instant,
        flow: Option<&OperationFlow>,
    ) -> Result<T> {
        let request = self.with_headers(prepared, call.decode.is_streamed());
        seen.write = WriteTrace {
            is_write: request.method() != http::Method::GET && call.delivery != Delivery::Once,
            token: call
                .token_header
                .and_then(|name| request.headers().get(name))
                .and_then(|value| value.to_str().ok())
                .map(str::to_owned),
            repeatable: call.delivery == Delivery::Repeatable && call.token_header.is_none(),
            ..WriteTrace::default()
        };
        let budget = call.pace.and_then(|pace| pace.budget.as_ref());
        let mut schedule = backon::BackoffBuilder::build(self.retry.backoff());
        let mut waited = Duration::ZERO;
        // What the retry in flight paid the budget: given back if it succeeds or the call is
        // dropped, lost if it fails again.
        let mut paid = None;
        loop {
            let attempt = self.attempt(call, &request, flow, seen).await;
            seen.write.in_flight = false;
            let failed = match attempt {
                Ok(value) => {
                    if let Some(budget) = budget {
                        budget.succeeded(paid.take());
                    }
                    return Ok(value);
                }
                Err(failed) => failed,
            };
            let kind = failed.kind();
            seen.write.reached |= kind.may_have_reached_the_service();
            if let Some(budget) = budget
                && failed.answered_by_the_service()
                && !kind.is_retryable()
            {
                // An answer of the service that is not the documented one: as for a success,
                // the service answered; what the retry in flight paid comes back.
                budget.succeeded(paid.take());
            } else if let Some(spent) = paid.take() {
                crate::retry::Permit::forfeit(spent);
            }
            let end = |failed: Failed| {
                let error = failed.into_error(call.operation, self.max_body, started);
                seen.write.error(call.operation, error)
            };
            if !call.delivery.may_send_again(kind) {
                return Err(end(failed));
            }
            let Some(wait) = self
                .retry
                .next_delay(failed.retry_after(), schedule.next(), waited)
            else {
                return Err(end(failed));
            };
            if let Some(budget) = budget {
                match budget.try_spend(matches!(kind, Failure::NoAnswer | Failure::NotSent)) {
                    Some(permit) => paid = Some(permit),
                    None => {
                        tracing::debug!(reason = %failed, "retry budget empty: not retrying");
                        return Err(end(failed));
                    }
                }
            }
            waited += wait;
            let wait_ms = u64::try_from(wait.as_millis()).unwrap_or(u64::MAX);
            tracing::debug!(wait_ms, reason = %failed, "retrying");
            tokio::time::sleep(wait).await;
        }
    }

    /// The headers every attempt carries, before signing; the query as it is signed.
    fn with_headers(&self, prepared: Prepared, streamed: bool) -> reqwest::Request {
        let Prepared {
            mut request,
            project,
        } = prepared;
        let headers = request.headers_mut();
        headers.remove(API_VERSION);
        headers.remove(auth::X_AUTH_TOKEN);
        if let Some(user_agent) = &self.user_agent {
            headers.insert(USER_AGENT, user_agent.clone());
        }
        // The official SDKs send (and sign) it on every API request; 002 lists it as mandatory.
        // (The metadata service's requests, unsigned, have no body and get none.)
        if self.credentials.is_some() && !headers.contains_key(CONTENT_TYPE) {
            headers.insert(CONTENT_TYPE, HeaderValue::from_static("application/json"));
        }
        if let Some(project) = project {
            headers.insert(X_PROJECT_ID, project);
        }
        // What is sent is the canonical query (space as %20, never '+'), with or without a
        // signature: the gateway reads '+' as a plus sign.
        if let Some(query) = request.url().query() {
            let canonical = canonical_query(query);
            request
                .url_mut()
                .set_query((!canonical.is_empty()).then_some(canonical.as_str()));
        }
        // reqwest's time-out covers the body too: a streamed body (a download) is bounded per
        // chunk instead (see `Download`).
        if let Some(timeout) = self.request_timeout.filter(|_| !streamed) {
            *request.timeout_mut() = Some(timeout);
        }
        request
    }
}
