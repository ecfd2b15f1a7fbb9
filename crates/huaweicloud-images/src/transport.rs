//! The path every request travels after the generated client has built it: authentication headers,
//! a fresh signature on every attempt, retries, and what the facade needs to know afterwards.
//!
//! The generated client (see `huaweicloud_images_api::Transport`) hands over the built request;
//! this module sends it and gives back the final response, and records in a per-call
//! [`CallRecord`] what the error mapping needs (status, request id, attempts and, for error
//! statuses, the body as received — progenitor drops the status of an error body it cannot
//! decode and knows nothing of the `errorCode`/`code` shapes). Bodies are read inside the attempt,
//! up to the client's cap ([`Shared::max_body`]), so a body that breaks off, or a `2xx` body that
//! is not well-formed JSON, is retried too; which failures are retried is [`crate::retry`]'s call.

use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use backon::{Retryable, TokioSleeper};
use bytes::Bytes;
use huaweicloud_images_api::{BoxFuture, Transport};
use reqwest::header::{CONTENT_TYPE, HeaderName, HeaderValue, USER_AGENT};

use crate::body::BodyError;
use crate::clock::{Clock, at_offset, is_clock_skew_refusal};
use crate::credentials::Credentials;
use crate::credentials::provider::CredentialCache;
use crate::error::Error;
use crate::flow::{ServiceFlow, is_throttling};
use crate::operation::Operation;
use crate::retry::{Failure, RetryPolicy, retry_after};
use crate::signing::{canonical_query, sign_request};

const X_PROJECT_ID: HeaderName = HeaderName::from_static("x-project-id");
const X_AUTH_TOKEN: HeaderName = HeaderName::from_static("x-auth-token");
const X_SECURITY_TOKEN: HeaderName = HeaderName::from_static("x-security-token");
/// Progenitor adds it to every request; the Huawei APIs do not document it, so it is not sent.
const API_VERSION: HeaderName = HeaderName::from_static("api-version");

/// What every call of one client shares.
pub(crate) struct Shared {
    pub(crate) credentials: CredentialCache,
    /// The time requests are signed with (corrected after a clock-skew refusal).
    pub(crate) clock: Clock,
    pub(crate) user_agent: HeaderValue,
    pub(crate) retry: RetryPolicy,
    pub(crate) request_timeout: Option<Duration>,
    /// The largest body read, in bytes; a larger one ends the attempt with
    /// [`Error::BodyTooLarge`].
    pub(crate) max_body: u64,
    /// The flow toward each service, at [`crate::Service`]'s index.
    pub(crate) flows: Vec<Arc<ServiceFlow>>,
}

/// What happened during one call, for error mapping and tracing.
#[derive(Debug, Default)]
pub(crate) struct CallRecord {
    pub(crate) attempts: u32,
    pub(crate) status: Option<u16>,
    pub(crate) request_id: Option<String>,
    pub(crate) retry_after: Option<Duration>,
    /// The body of a final error status (>= 400), whole (it is within [`Shared::max_body`]).
    pub(crate) error_body: Option<Bytes>,
    /// A failure of our own before sending (e.g. signing) that reqwest cannot express.
    pub(crate) failure: Option<Error>,
}

/// The transport of one call: the client's shared settings plus this call's record.
pub(crate) struct CallTransport {
    pub(crate) shared: Arc<Shared>,
    pub(crate) record: Arc<Mutex<CallRecord>>,
    pub(crate) operation: &'static Operation,
    /// The client's flow toward the operation's service.
    pub(crate) flow: Arc<ServiceFlow>,
    /// The operation's learnt rate (from `flow`, looked up once per call).
    pub(crate) learnt: Arc<crate::flow::RateLimiter>,
    /// `X-Project-Id`.
    pub(crate) project_id: HeaderValue,
}

impl CallTransport {
    fn record(&self) -> std::sync::MutexGuard<'_, CallRecord> {
        self.record.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Headers every attempt carries, before signing.
    fn prepare(&self, request: &mut reqwest::Request) {
        let shared = &self.shared;
        let headers = request.headers_mut();
        headers.remove(API_VERSION);
        headers.remove(X_AUTH_TOKEN);
        headers.insert(USER_AGENT, shared.user_agent.clone());
        // The official SDKs send (and sign) it on every request; 002 lists it as mandatory.
        headers.insert(CONTENT_TYPE, HeaderValue::from_static("application/json"));
        headers.insert(X_PROJECT_ID, self.project_id.clone());
        // What is sent is the canonical query (space as %20, never '+'), with or without a
        // signature: the gateway reads '+' as a plus sign.
        if let Some(query) = request.url().query() {
            let canonical = canonical_query(query);
            request
                .url_mut()
                .set_query((!canonical.is_empty()).then_some(canonical.as_str()));
        }
        if let Some(timeout) = shared.request_timeout {
            *request.timeout_mut() = Some(timeout);
        }
    }

    /// One attempt: credentials as of now, a fresh `X-Sdk-Date` and signature on a copy of the
    /// prepared request, and the whole body read, so that a connection that breaks mid-body is
    /// retried like any other. A clock-skew refusal is signed again once, with the gateway's time
    /// (see [`crate::clock`]).
    async fn attempt(
        &self,
        client: &reqwest::Client,
        prepared: &reqwest::Request,
    ) -> Result<http::Response<Bytes>, Attempt> {
        // The client's pace toward the service: the rate limit waits here.
        self.flow.fixed.acquire().await;
        let learnt = &self.learnt;
        let rate_generation = learnt.acquire().await;
        let concurrency_generation = self.flow.concurrency.generation();
        // After any wait, so that what is signed is fresh when it leaves.
        let credentials = match self
            .shared
            .credentials
            .get(self.shared.clock.offset())
            .await
        {
            Ok(credentials) => credentials,
            Err(e) => {
                self.record().failure = Some(e);
                return Err(Attempt::Unsendable);
            }
        };
        // The offset this attempt is signed with: the client's, or once, after a clock-skew
        // refusal, the one the gateway's `Date` showed (kept if the gateway accepts it).
        let mut signed_with = self.shared.clock.offset();
        let mut trial = false;
        let (status, headers, version, body) = loop {
            let Some(mut request) = prepared.try_clone() else {
                self.record().failure = Some(Error::config(
                    "the request cannot be copied for a new attempt",
                ));
                return Err(Attempt::Unsendable);
            };
            let attempt = {
                let mut record = self.record();
                record.attempts += 1;
                record.attempts
            };
            if let Err(e) = authenticate(&mut request, &credentials, at_offset(signed_with)) {
                self.record().failure = Some(e);
                return Err(Attempt::Unsendable);
            }
            let response = client.execute(request).await.map_err(|error| {
                tracing::debug!(attempt, error = %error, "request failed");
                Attempt::Transport(error)
            })?;
            let status = response.status();
            if is_throttling(status.as_u16()) {
                self.flow.concurrency.throttled(concurrency_generation);
                // Only the gateway's explicit throttling says a rate is exceeded; a 503 (an
                // overload or an outage) is left to the concurrency, the backoff and the budget.
                if status == http::StatusCode::TOO_MANY_REQUESTS {
                    learnt.throttled(rate_generation);
                }
            } else if status.is_success() {
                self.flow.concurrency.succeeded();
                learnt.succeeded();
            }
            let headers = response.headers().clone();
            let version = response.version();
            let body = self.read_body(response, attempt).await?;
            tracing::debug!(
                attempt,
                status = status.as_u16(),
                bytes = body.len(),
                "response"
            );
            let refused = status == http::StatusCode::UNAUTHORIZED && is_clock_skew_refusal(&body);
            // Past authentication (not a 401, not a 5xx the gateway may send before judging it).
            if trial && status != http::StatusCode::UNAUTHORIZED && status.as_u16() < 500 {
                self.shared.clock.confirm(signed_with);
            }
            if refused
                && !trial
                && credentials.ak().is_some()
                && let Some(offset) =
                    self.shared
                        .clock
                        .trial_after_refusal(&headers, &body, signed_with)
            {
                signed_with = offset;
                trial = true;
                continue;
            }
            break (status, headers, version, body);
        };
        // A JSON answer that does not parse (truncated, garbled, or empty) is malformed.
        let malformed = status.is_success() && self.operation.json_answer && !is_json(&body);
        let mut buffered = http::Response::new(body);
        *buffered.status_mut() = status;
        *buffered.headers_mut() = headers;
        *buffered.version_mut() = version;
        if malformed {
            tracing::debug!("the body is not well-formed JSON");
            Err(Attempt::MalformedBody(buffered))
        } else if Failure::Status(status.as_u16()).is_retryable() {
            Err(Attempt::RetryableStatus(buffered))
        } else {
            Ok(buffered)
        }
    }

    /// The whole body, or, past [`Shared::max_body`], an end to the attempt before it is read
    /// whole (a declared length past the cap is refused before any of it is read).
    async fn read_body(&self, response: reqwest::Response, attempt: u32) -> Result<Bytes, Attempt> {
        let limit = self.shared.max_body;
        match crate::body::read_capped(response, limit).await {
            Ok(body) => Ok(body),
            Err(BodyError::TooLarge) => {
                tracing::debug!(attempt, limit, "the body is larger than the cap");
                self.record().failure = Some(Error::BodyTooLarge {
                    operation: self.operation.name,
                    limit,
                });
                Err(Attempt::BodyTooLarge)
            }
            Err(BodyError::BrokeOff(error)) => {
                tracing::debug!(attempt, error = %error, "body failed");
                Err(Attempt::Transport(error))
            }
        }
    }

    async fn send(
        &self,
        client: &reqwest::Client,
        mut request: reqwest::Request,
    ) -> reqwest::Result<reqwest::Response> {
        self.prepare(&mut request);
        let policy = &self.shared.retry;
        let mut waited = Duration::ZERO;
        // What the retry in flight paid the budget: given back if it succeeds or the call is
        // dropped, lost if it fails again.
        let mut permit = None;
        let outcome = (|| self.attempt(client, &request))
            .retry(policy.backoff())
            .sleep(TokioSleeper)
            .when(Attempt::is_retryable)
            .adjust(|attempt, backoff| {
                let wait = policy.next_delay(attempt.retry_after(), backoff, waited)?;
                if let Some(budget) = &self.flow.budget {
                    if let Some(failed) = permit.take() {
                        crate::flow::Permit::forfeit(failed);
                    }
                    let no_answer = matches!(attempt, Attempt::Transport(_));
                    match budget.try_spend(no_answer) {
                        Some(paid) => permit = Some(paid),
                        None => {
                            tracing::debug!(reason = %attempt, "retry budget empty: not retrying");
                            return None;
                        }
                    }
                }
                waited += wait;
                Some(wait)
            })
            .notify(|attempt, wait| {
                let wait_ms = u64::try_from(wait.as_millis()).unwrap_or(u64::MAX);
                tracing::debug!(wait_ms, reason = %attempt, "retrying")
            })
            .await;
        match outcome {
            // The last attempt's answer goes to the generated code: an error status is mapped, a
            // malformed body becomes `Error::Decode` with its excerpt.
            Ok(response) => {
                if let Some(budget) = &self.flow.budget {
                    if response.status().is_success() {
                        budget.succeeded(permit.take());
                    } else if let Some(failed) = permit.take() {
                        failed.forfeit();
                    }
                }
                Ok(self.finish(response))
            }
            Err(Attempt::RetryableStatus(response)) | Err(Attempt::MalformedBody(response)) => {
                if let Some(failed) = permit.take() {
                    failed.forfeit();
                }
                Ok(self.finish(response))
            }
            Err(Attempt::Transport(error)) => {
                if let Some(failed) = permit.take() {
                    failed.forfeit();
                }
                Err(error)
            }
            // reqwest errors cannot be made by hand: answer with a placeholder response, not
            // recorded as a status. It never reaches the user: the error mapping reports
            // `CallRecord::failure` first.
            Err(Attempt::Unsendable | Attempt::BodyTooLarge) => {
                // A retry that ends so failed again: its cost is spent, not given back.
                if let Some(failed) = permit.take() {
                    failed.forfeit();
                }
                Ok(reqwest::Response::from(unsent_placeholder()))
            }
        }
    }

    /// Records status, request id and, for an error status, the body, then hands the response to
    /// the generated code to decode.
    fn finish(&self, response: http::Response<Bytes>) -> reqwest::Response {
        let status = response.status().as_u16();
        let mut record = self.record();
        record.status = Some(status);
        record.request_id = response
            .headers()
            .get("x-request-id")
            .and_then(|v| v.to_str().ok())
            .map(str::to_string);
        record.retry_after = retry_after(response.headers());
        if status >= 400 {
            // Whole, so that a long error body still yields its code and message.
            record.error_body = Some(response.body().clone());
        }
        reqwest::Response::from(response)
    }
}

impl Transport for CallTransport {
    fn execute<'a>(
        &'a self,
        client: &'a reqwest::Client,
        request: reqwest::Request,
        _operation_id: &'static str,
    ) -> BoxFuture<'a, reqwest::Result<reqwest::Response>> {
        Box::pin(self.send(client, request))
    }
}

/// The outcome of one failed attempt.
enum Attempt {
    Transport(reqwest::Error),
    RetryableStatus(http::Response<Bytes>),
    /// A `2xx` whose body is not well-formed JSON.
    MalformedBody(http::Response<Bytes>),
    /// Could not be sent at all (signing failed; the reason is in the record).
    Unsendable,
    /// The body is past the cap (the error is in the record).
    BodyTooLarge,
}

impl Attempt {
    fn failure(&self) -> Failure {
        match self {
            Attempt::Transport(e) if e.is_builder() => Failure::Unsendable,
            Attempt::Transport(_) => Failure::NoAnswer,
            Attempt::RetryableStatus(response) => Failure::Status(response.status().as_u16()),
            Attempt::MalformedBody(_) => Failure::MalformedBody,
            Attempt::Unsendable => Failure::Unsendable,
            Attempt::BodyTooLarge => Failure::BodyTooLarge,
        }
    }

    fn is_retryable(&self) -> bool {
        self.failure().is_retryable()
    }

    fn retry_after(&self) -> Option<Duration> {
        match self {
            Attempt::RetryableStatus(response) => retry_after(response.headers()),
            _ => None,
        }
    }
}

/// Whether `body` is one well-formed JSON document (its shape is the generated code's business).
fn is_json(body: &[u8]) -> bool {
    serde_json::from_slice::<serde::de::IgnoredAny>(body).is_ok()
}

impl std::fmt::Display for Attempt {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Attempt::Transport(e) if e.is_timeout() => f.write_str("timed out"),
            Attempt::Transport(e) if e.is_connect() => f.write_str("connection failed"),
            Attempt::Transport(_) => f.write_str("transport error"),
            Attempt::RetryableStatus(r) => write!(f, "HTTP {}", r.status().as_u16()),
            Attempt::MalformedBody(_) => f.write_str("malformed JSON body"),
            Attempt::Unsendable => f.write_str("not sendable"),
            Attempt::BodyTooLarge => f.write_str("body too large"),
        }
    }
}

/// Puts `credentials` on `request`: `X-Auth-Token` for an IAM token, else `X-Security-Token` for
/// temporary AK/SK and a signature made at `at`.
pub(crate) fn authenticate(
    request: &mut reqwest::Request,
    credentials: &Credentials,
    at: time::OffsetDateTime,
) -> crate::Result<()> {
    let headers = request.headers_mut();
    headers.remove(X_AUTH_TOKEN);
    headers.remove(X_SECURITY_TOKEN);
    if let Some(token) = credentials.auth_token().and_then(sensitive) {
        headers.insert(X_AUTH_TOKEN, token);
    }
    if let Some(token) = credentials.security_token().and_then(sensitive) {
        headers.insert(X_SECURITY_TOKEN, token);
    }
    if let (Some(ak), Some(sk)) = (credentials.ak(), credentials.expose_sk()) {
        sign_request(request, ak, sk, at)?;
    }
    Ok(())
}

/// A header value that is never printed by `Debug` of the request.
fn sensitive(value: &str) -> Option<HeaderValue> {
    let mut value = HeaderValue::from_str(value).ok()?;
    value.set_sensitive(true);
    Some(value)
}

/// What the generated code is given when a request could not be sent at all (see
/// [`CallRecord::failure`]).
fn unsent_placeholder() -> http::Response<Bytes> {
    let mut response = http::Response::new(Bytes::new());
    *response.status_mut() = http::StatusCode::INTERNAL_SERVER_ERROR;
    response
}
