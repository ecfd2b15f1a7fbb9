//! One attempt of a call: the rates, credentials, a fresh signature, the request sent, the whole
//! body read within the cap, the answer fed back to the flow, and classified — decoded once when
//! it is a success, read once as an [`ApiError`] when it is not. What went wrong is a [`Failed`],
//! which the retry loop classifies and, when it gives up, turns into the call's [`Error`].

use std::fmt;
use std::time::Instant;

use super::answer::{Answer, Decoder};
use super::auth::authenticate;
use super::body::{BodyError, read_capped};
use super::{Call, Runtime, Seen};
use crate::clock::{CLOCK_SKEW_CODE, at_offset};
use crate::error::{ApiError, Error};
use crate::flow::{OperationFlow, is_throttling};
use crate::retry::classify::Failure;
use crate::transfer::Streamed;

/// How much of an undecodable body goes into [`Error::Decode`].
const EXCERPT_CHARS: usize = 200;

/// What went wrong with one attempt.
pub(super) enum Failed {
    /// No complete answer: DNS, connect, TLS, time-out, reset, a body that broke off.
    NoAnswer(reqwest::Error),
    /// No answer's headers within the request time-out (of a call whose body is streamed).
    Unanswered,
    /// The request could not be sent at all (credentials, signing).
    Unsendable(Error),
    /// The body is past the client's cap.
    TooLarge,
    /// An error status, with what the service said.
    Status(Box<ApiError>),
    /// A success whose body the operation's decoder refused: garbled on the way, or of
    /// another shape than documented; or a status below 400 the spec does not document as the
    /// operation's answer.
    Malformed {
        status: u16,
        message: String,
        excerpt: String,
        garbled: bool,
    },
}

impl Failed {
    /// What kind of failure it is, for the retry classification.
    pub(super) fn kind(&self) -> Failure {
        match self {
            Failed::NoAnswer(e) if e.is_builder() => Failure::Unsendable,
            // DNS, TCP or TLS failed: the request never left.
            Failed::NoAnswer(e) if e.is_connect() => Failure::NotSent,
            Failed::NoAnswer(_) | Failed::Unanswered => Failure::NoAnswer,
            Failed::Unsendable(_) => Failure::Unsendable,
            Failed::TooLarge => Failure::BodyTooLarge,
            Failed::Status(api) => Failure::Status(api.status),
            Failed::Malformed { garbled: true, .. } => Failure::MalformedBody,
            Failed::Malformed { garbled: false, .. } => Failure::WrongShape,
        }
    }

    /// Whether the service answered with a success status (whatever the body was).
    pub(super) fn answered_by_the_service(&self) -> bool {
        matches!(self, Failed::Malformed { status, .. } if (200..300).contains(status))
    }

    /// The service's `Retry-After`, if it sent one.
    pub(super) fn retry_after(&self) -> Option<std::time::Duration> {
        match self {
            Failed::Status(api) => api.retry_after,
            _ => None,
        }
    }

    /// The call's error, when this failure ends it.
    pub(super) fn into_error(
        self,
        operation: &'static str,
        max_body: u64,
        started: Instant,
    ) -> Error {
        match self {
            Failed::NoAnswer(error) => transport(operation, error, started),
            Failed::Unanswered => Error::Timeout {
                operation,
                elapsed: started.elapsed(),
            },
            Failed::Unsendable(error) => error,
            Failed::TooLarge => Error::BodyTooLarge {
                operation,
                limit: max_body,
            },
            Failed::Status(api) => Error::Api(api),
            Failed::Malformed {
                status,
                message,
                excerpt,
                ..
            } => Error::Decode {
                operation,
                status,
                message,
                excerpt,
            },
        }
    }
}

/// What a log line says of a failure: its kind, never a body.
impl fmt::Display for Failed {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Failed::NoAnswer(e) if e.is_timeout() => f.write_str("timed out"),
            Failed::NoAnswer(e) if e.is_connect() => f.write_str("connection failed"),
            Failed::NoAnswer(_) => f.write_str("transport error"),
            Failed::Unanswered => f.write_str("timed out"),
            Failed::Unsendable(_) => f.write_str("not sendable"),
            Failed::TooLarge => f.write_str("body too large"),
            Failed::Status(api) => write!(f, "HTTP {}", api.status),
            Failed::Malformed { .. } => f.write_str("malformed body"),
        }
    }
}

/// The request id the gateway gave an answer.
fn request_id(headers: &http::HeaderMap) -> Option<String> {
    headers
        .get("x-request-id")
        .and_then(|v| v.to_str().ok())
        .map(str::to_string)
}

/// A transport failure: time-outs are told apart, the rest keeps reqwest's error as the source.
fn transport(operation: &'static str, error: reqwest::Error, started: Instant) -> Error {
    if error.is_timeout() {
        return Error::Timeout {
            operation,
            elapsed: started.elapsed(),
        };
    }
    let kind = if error.is_connect() {
        "could not connect"
    } else if error.is_body() || error.is_decode() {
        "the response body broke off"
    } else {
        "the request failed"
    };
    // reqwest's Display names the URL, which holds no secret (credentials travel in headers).
    Error::Transport {
        operation,
        message: format!("{kind}: {error}"),
        source: Some(Box::new(error)),
    }
}

impl Runtime {
    /// One attempt of `call` with `request` (prepared, not yet signed).
    pub(super) async fn attempt<T>(
        &self,
        call: &Call<'_, T>,
        request: &reqwest::Request,
        flow: Option<&OperationFlow>,
        seen: &mut Seen,
    ) -> std::result::Result<T, Failed> {
        // The client's pace toward the operation: the rate limits wait here.
        let mut generations = None;
        if let (Some(pace), Some(flow)) = (call.pace, flow) {
            let rate = super::turn(pace, flow).await;
            generations = Some((flow, rate, flow.concurrency.generation()));
        }
        // After any wait, so that what is signed is fresh when it leaves.
        let credentials = match &self.credentials {
            Some(cache) => Some(
                cache
                    .get(self.clock.offset())
                    .await
                    .map_err(Failed::Unsendable)?,
            ),
            None => None,
        };
        // The offset this attempt is signed with: the client's, or once, after a clock-skew
        // refusal, the one the gateway's `Date` showed (kept if the gateway accepts it).
        let mut signed_with = self.clock.offset();
        let mut trial = false;
        loop {
            let mut sending = request.try_clone().ok_or_else(|| {
                Failed::Unsendable(Error::invalid(
                    "request",
                    "its body cannot be sent a second time",
                ))
            })?;
            seen.attempts += 1;
            seen.status = None;
            seen.request_id = None;
            let attempt = seen.attempts;
            if let Some(credentials) = &credentials {
                authenticate(&mut sending, credentials, at_offset(signed_with))
                    .map_err(Failed::Unsendable)?;
            }
            // From here the request may reach the service (a write cut short now may have
            // been applied).
            seen.write.in_flight = true;
            let left = tokio::time::Instant::now();
            tracing::trace!(attempt, "sending");
            let sent = self.http.execute(sending);
            // A streamed answer's body outlives the attempt: reqwest's time-out (which covers
            // the body) is not set on its request; the wait for its headers is bounded here.
            let response = match self.request_timeout.filter(|_| call.decode.is_streamed()) {
                Some(limit) => match tokio::time::timeout(limit, sent).await {
                    Ok(response) => response,
                    Err(_) => {
                        tracing::debug!(attempt, "no answer within the request time-out");
                        return Err(Failed::Unanswered);
                    }
                },
                None => sent.await,
            }
            .map_err(|error| {
                tracing::debug!(attempt, error = %error, "request failed");
                Failed::NoAnswer(error)
            })?;
            let status = response.status();
            if let Some((flow, rate, concurrency)) = generations {
                if is_throttling(status.as_u16()) {
                    flow.concurrency.throttled(concurrency);
                    // Only the gateway's explicit throttling says a rate is exceeded; a 503 (an
                    // overload or an outage) is left to the concurrency, the backoff and the
                    // budget.
                    if status == http::StatusCode::TOO_MANY_REQUESTS {
                        flow.learnt.throttled(rate);
                    }
                } else if status.is_success() {
                    flow.pacer.observe(left.elapsed());
                    flow.concurrency.succeeded();
                    flow.learnt.succeeded();
                }
            }
            if let Decoder::Streamed(open) = call.decode
                && call.success.contains(status)
            {
                tracing::debug!(attempt, status = status.as_u16(), "response (streamed)");
                seen.status = Some(status.as_u16());
                seen.request_id = request_id(response.headers());
                if trial && self.clock.confirm(signed_with) {
                    tracing::info!(
                        offset_secs = signed_with.whole_seconds(),
                        "the gateway's clock differs from this machine's: signing with its time from now on"
                    );
                }
                return Ok(open(Streamed {
                    response,
                    operation: call.operation,
                    idle_timeout: self.request_timeout,
                }));
            }
            let headers = response.headers().clone();
            let body = read_capped(response, self.max_body)
                .await
                .map_err(|error| match error {
                    BodyError::TooLarge => {
                        tracing::debug!(
                            attempt,
                            limit = self.max_body,
                            "the body is larger than the cap"
                        );
                        Failed::TooLarge
                    }
                    BodyError::BrokeOff(error) => {
                        tracing::debug!(attempt, error = %error, "body failed");
                        Failed::NoAnswer(error)
                    }
                })?;
            tracing::debug!(
                attempt,
                status = status.as_u16(),
                bytes = body.len(),
                "response"
            );
            seen.status = Some(status.as_u16());
            seen.request_id = request_id(&headers);
            // Past authentication (not a 401, not a 5xx the gateway may send before judging it):
            // the time the trial was signed with is the gateway's.
            if trial
                && status != http::StatusCode::UNAUTHORIZED
                && !status.is_server_error()
                && self.clock.confirm(signed_with)
            {
                tracing::info!(
                    offset_secs = signed_with.whole_seconds(),
                    "the gateway's clock differs from this machine's: signing with its time from now on"
                );
            }
            if !status.is_client_error()
                && !status.is_server_error()
                && !call.success.contains(status)
            {
                tracing::debug!(attempt, status = status.as_u16(), "not a documented answer");
                return Err(Failed::Malformed {
                    status: status.as_u16(),
                    message: format!(
                        "HTTP {} is not a documented answer of {}",
                        status.as_u16(),
                        call.operation
                    ),
                    excerpt: if call.secret_answer {
                        String::new()
                    } else {
                        crate::error::excerpt(&body, EXCERPT_CHARS)
                    },
                    garbled: false,
                });
            }
            if status.is_success() {
                let answer = Answer {
                    status,
                    headers,
                    body,
                };
                let Decoder::Whole(decode) = call.decode else {
                    unreachable!("a streamed success returned above");
                };
                return decode(&answer).map_err(|undecodable| {
                    tracing::debug!(attempt, "the body is not the documented answer");
                    let message = undecodable.message;
                    // An answer holding secrets is quoted nowhere, and neither is what the
                    // decoder said of it (it may quote a value).
                    let (message, excerpt) = if call.secret_answer {
                        (
                            "the body is not the documented answer".to_owned(),
                            String::new(),
                        )
                    } else {
                        (message, crate::error::excerpt(&answer.body, EXCERPT_CHARS))
                    };
                    Failed::Malformed {
                        status: status.as_u16(),
                        message,
                        excerpt,
                        garbled: undecodable.garbled,
                    }
                });
            }
            let error = ApiError::from_answer(call.operation, status.as_u16(), &headers, &body);
            if status == http::StatusCode::UNAUTHORIZED
                && error.error_code.as_deref() == Some(CLOCK_SKEW_CODE)
                && !trial
                && credentials.as_ref().is_some_and(|c| c.ak().is_some())
                && let Some(offset) = self.clock.trial_after_refusal(&headers, signed_with)
            {
                signed_with = offset;
                trial = true;
                continue;
            }
            return Err(Failed::Status(Box::new(error)));
        }
    }
}
