//! The retry budget as the runtime's loop spends it: a retry that fails again is paid for; a
//! success answer of the wrong shape (the service answered; a retry would get the same) refills
//! as a success does.

use std::sync::Arc;
use std::time::Duration;

use axum::http::StatusCode;

use super::answer::{Decoder, json};
use super::{Call, Delivery, Pace, Prepared, Runtime, Settings, Success};
use crate::flow::{FlowPolicy, ServiceFlow};
use crate::retry::{Budget, RetryBudget};

/// A service that answers every request with `status`.
async fn answering(status: u16) -> String {
    let app = axum::Router::new().fallback(move || async move {
        (
            StatusCode::from_u16(status).unwrap(),
            [("content-type", "application/json")],
            r#"{"error_code":"WKS.00010500","error_msg":"no"}"#,
        )
    });
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await });
    format!("http://{address}")
}

async fn get<T>(runtime: &Runtime, pace: &Pace, url: &str, decode: Decoder<T>) {
    let call = Call {
        operation: "ReadThing",
        service: "Test",
        pace: Some(pace),
        holds_permit: false,
        delivery: Delivery::Repeatable,
        token_header: None,
        bounded: true,
        success: Success::Documented(&[200]),
        decode,
        secret_answer: false,
    };
    let request = runtime.http().get(url).build().unwrap();
    let prepared = async {
        Ok(Prepared {
            request,
            project: None,
        })
    };
    let _ = runtime.invoke(call, prepared).await;
}

fn runtime() -> Runtime {
    Runtime::new(Settings {
        http: reqwest::Client::new(),
        credentials: None,
        user_agent: None,
        retry: crate::RetryPolicy::default()
            .with_initial_backoff(Duration::from_millis(1))
            .with_max_backoff(Duration::from_millis(1)),
        request_timeout: Some(Duration::from_secs(2)),
        total_timeout: None,
        max_body: 10_000,
    })
}

fn pace(capacity: u32) -> Pace {
    Pace {
        flow: Arc::new(ServiceFlow::new(&FlowPolicy::default())),
        budget: Some(Budget::new(
            RetryBudget::default()
                .with_capacity(capacity)
                .with_retry_cost(5)
                .with_success_refill(1),
        )),
    }
}

#[tokio::test]
async fn retries_that_fail_again_drain_the_budget_and_final_answers_refill_it() {
    let runtime = runtime();
    // 503 on every attempt: each call pays for its retries, which fail again.
    let pace = pace(20);
    let unavailable = answering(503).await;
    get(
        &runtime,
        &pace,
        &unavailable,
        Decoder::Whole(json::<serde_json::Value>),
    )
    .await;
    let left = pace.budget.as_ref().unwrap().left();
    assert!(
        left < 20,
        "retries that failed again were paid for: {left} left"
    );

    // A 200 whose well-formed body is not the documented answer: the service answered, and
    // another attempt would get the same; as a success, it refills (by one).
    let other_shape = answering(200).await;
    let before = pace.budget.as_ref().unwrap().left();
    get(&runtime, &pace, &other_shape, Decoder::Whole(json::<u32>)).await;
    assert_eq!(pace.budget.as_ref().unwrap().left(), before + 1);
}
