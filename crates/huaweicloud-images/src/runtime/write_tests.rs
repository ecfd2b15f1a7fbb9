//! Writes across their attempts: which failed attempts are sent again ([`super::Delivery`]), and
//! whether the call's error says the write may have been applied — from every attempt, not only
//! the last one.

use std::collections::VecDeque;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::http::StatusCode;
use axum::response::IntoResponse;

use super::answer::{Decoder, json};
use super::{Call, Delivery, Prepared, Runtime, Settings, Success};
use crate::error::Error;

/// What the scripted service does with one request.
#[derive(Clone, Copy)]
enum Step {
    Answer(u16, &'static str),
    /// Answers, then stops listening: later attempts meet a refused connection.
    AnswerAndStop(u16, &'static str),
}

/// A service answering each request with the next step (the last one again when they run out);
/// the number of requests it received.
async fn serve(steps: &[Step]) -> (String, Arc<Mutex<usize>>) {
    let script = Arc::new(Mutex::new(steps.iter().copied().collect::<VecDeque<_>>()));
    let received = Arc::new(Mutex::new(0));
    let (stop, stopped) = tokio::sync::watch::channel(false);
    let app = {
        let (script, received) = (script.clone(), received.clone());
        axum::Router::new().fallback(move || {
            let (script, received, stop) = (script.clone(), received.clone(), stop.clone());
            async move {
                *received.lock().unwrap() += 1;
                let mut script = script.lock().unwrap();
                let step = if script.len() > 1 {
                    script.pop_front().unwrap()
                } else {
                    script[0]
                };
                let (status, body) = match step {
                    Step::Answer(status, body) => (status, body),
                    Step::AnswerAndStop(status, body) => {
                        let _ = stop.send(true);
                        (status, body)
                    }
                };
                (
                    StatusCode::from_u16(status).unwrap(),
                    [("content-type", "application/json")],
                    body,
                )
                    .into_response()
            }
        })
    };
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = listener.local_addr().unwrap();
    tokio::spawn(async move {
        let mut stopped = stopped;
        let served = axum::serve(listener, app).with_graceful_shutdown(async move {
            let _ = stopped.wait_for(|stop| *stop).await;
        });
        let _ = served.await;
    });
    (format!("http://{address}"), received)
}

fn runtime(total_timeout: Option<Duration>, backoff: Duration) -> Runtime {
    Runtime::new(Settings {
        // No pooled connection outlives the scripted service's stop.
        http: reqwest::Client::builder()
            .pool_max_idle_per_host(0)
            .build()
            .unwrap(),
        credentials: None,
        user_agent: None,
        retry: crate::RetryPolicy::default()
            .with_initial_backoff(backoff)
            .with_max_backoff(backoff)
            .without_retry_budget(),
        request_timeout: Some(Duration::from_secs(2)),
        total_timeout,
        max_body: 10_000,
    })
}

async fn send(
    runtime: &Runtime,
    method: reqwest::Method,
    url: &str,
    delivery: Delivery,
    token: Option<&str>,
) -> crate::error::Result<serde_json::Value> {
    let call = Call {
        operation: "WriteThing",
        service: "Test",
        pace: None,
        holds_permit: false,
        delivery,
        token_header: token.map(|_| "x-client-token"),
        bounded: true,
        success: Success::Documented(&[200]),
        decode: Decoder::Whole(json::<serde_json::Value>),
        secret_answer: false,
    };
    let mut request = runtime.http().request(method, url).body("{}");
    if let Some(token) = token {
        request = request.header("x-client-token", token);
    }
    let request = request.build().unwrap();
    runtime
        .invoke(call, async {
            Ok(Prepared {
                request,
                project: None,
            })
        })
        .await
}

const OK: Step = Step::Answer(200, "{}");
const FAILED: Step = Step::Answer(500, r#"{"error_code":"WKS.00010500","error_msg":"failed"}"#);
const BAD: Step = Step::Answer(400, r#"{"error_code":"WKS.00010400","error_msg":"bad"}"#);
const THROTTLED: Step = Step::Answer(
    429,
    r#"{"error_code":"APIGW.0308","error_msg":"throttled"}"#,
);
const SERVICE_THROTTLED: Step =
    Step::Answer(429, r#"{"error_code":"WKS.00010429","error_msg":"later"}"#);

fn fast() -> Runtime {
    runtime(None, Duration::from_millis(1))
}

#[tokio::test]
async fn a_write_that_may_have_arrived_once_stays_unconfirmed_whatever_its_last_attempt_met() {
    // A PUT is sent again after a 500; the 400 that ends it does not undo the 500's "maybe".
    let (url, received) = serve(&[FAILED, BAD]).await;
    let error = send(
        &fast(),
        reqwest::Method::PUT,
        &url,
        Delivery::Repeatable,
        None,
    )
    .await
    .unwrap_err();
    assert_eq!(*received.lock().unwrap(), 2);
    assert!(error.may_have_been_applied(), "{error:?}");
    assert_eq!(error.status(), Some(400), "the last attempt's error inside");
    assert!(!error.is_retryable(), "a 400 is not worth repeating");

    // A write with a token: 500, then the gateway throttles until the attempts run out.
    let (url, received) = serve(&[FAILED, THROTTLED]).await;
    let error = send(
        &fast(),
        reqwest::Method::POST,
        &url,
        Delivery::Repeatable,
        Some("token-1"),
    )
    .await
    .unwrap_err();
    assert_eq!(*received.lock().unwrap(), 4);
    match &error {
        Error::Unconfirmed {
            idempotency_token,
            repeatable,
            ..
        } => {
            assert_eq!(idempotency_token.as_deref(), Some("token-1"));
            assert!(!repeatable, "safe to repeat only with its token");
        }
        other => panic!("{other:?}"),
    }
    assert!(
        error.to_string().contains("idempotency token token-1"),
        "{error}"
    );
    assert!(!error.is_retryable());

    // 500, then the service is gone (connection refused): the first attempt may have arrived.
    let (url, received) = serve(&[Step::AnswerAndStop(500, "{}")]).await;
    let error = send(
        &fast(),
        reqwest::Method::DELETE,
        &url,
        Delivery::Repeatable,
        None,
    )
    .await
    .unwrap_err();
    assert_eq!(*received.lock().unwrap(), 1);
    assert!(error.may_have_been_applied(), "{error:?}");
    assert!(error.is_retryable(), "a DELETE repeats safely: {error:?}");
}

#[tokio::test]
async fn a_write_that_never_arrived_is_not_unconfirmed_even_when_the_total_time_out_ends_it() {
    // Nothing listens: every attempt is refused; the total time-out ends the call in a backoff.
    let closed = {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let address = listener.local_addr().unwrap();
        drop(listener);
        format!("http://{address}")
    };
    let slow = runtime(Some(Duration::from_millis(300)), Duration::from_secs(2));
    let error = send(
        &slow,
        reqwest::Method::POST,
        &closed,
        Delivery::AtMostOnce,
        None,
    )
    .await
    .unwrap_err();
    assert!(matches!(error, Error::Timeout { .. }), "{error:?}");
    assert!(!error.may_have_been_applied());
}

#[tokio::test]
async fn a_post_is_sent_again_after_a_refusal_and_never_after_a_500() {
    // 429 (the service's own code as much as the gateway's) and 408 apply nothing.
    let (url, received) = serve(&[SERVICE_THROTTLED, THROTTLED, Step::Answer(408, "{}"), OK]).await;
    send(
        &fast(),
        reqwest::Method::POST,
        &url,
        Delivery::AtMostOnce,
        None,
    )
    .await
    .unwrap();
    assert_eq!(*received.lock().unwrap(), 4);

    let (url, received) = serve(&[FAILED, OK]).await;
    let error = send(
        &fast(),
        reqwest::Method::PATCH,
        &url,
        Delivery::AtMostOnce,
        None,
    )
    .await
    .unwrap_err();
    assert_eq!(*received.lock().unwrap(), 1);
    assert!(error.may_have_been_applied());
    assert!(
        !error.is_retryable(),
        "a PATCH that may have been applied: {error:?}"
    );
    assert_eq!(error.status(), Some(500));

    // A refusal after a 500 of a PUT: not applied by the refused attempt, maybe by the first.
    let (url, _) = serve(&[BAD]).await;
    let error = send(
        &fast(),
        reqwest::Method::PATCH,
        &url,
        Delivery::AtMostOnce,
        None,
    )
    .await
    .unwrap_err();
    assert!(
        !error.may_have_been_applied(),
        "a 400 alone applies nothing"
    );
}

#[tokio::test]
async fn reads_and_lookups_are_never_unconfirmed() {
    // A GET that met a 500 on every attempt: a read applies nothing.
    let (url, received) = serve(&[FAILED]).await;
    let error = send(
        &fast(),
        reqwest::Method::GET,
        &url,
        Delivery::Repeatable,
        None,
    )
    .await
    .unwrap_err();
    assert_eq!(*received.lock().unwrap(), 4, "a read is retried");
    assert!(!error.may_have_been_applied(), "{error:?}");
    assert_eq!(error.status(), Some(500));
    // A lookup made on the way (IAM, the metadata service: one attempt), even a PUT.
    let (url, received) = serve(&[FAILED]).await;
    let error = send(&fast(), reqwest::Method::PUT, &url, Delivery::Once, None)
        .await
        .unwrap_err();
    assert_eq!(*received.lock().unwrap(), 1);
    assert!(!error.may_have_been_applied(), "{error:?}");
}
