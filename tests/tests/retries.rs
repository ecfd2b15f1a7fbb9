//! Retries, counted in the fake's request log: what is retried, how often, with a fresh signature
//! each time, and per-attempt time-outs. No assertion here measures time.

mod common;

use std::time::Duration;

use common::*;
use huaweicloud_images::{Error, RetryPolicy};
use huaweicloud_images_fake::{FakeConfig, FakeServer, Fault, FaultScope, Operation};

/// The statuses the fake answered, in order (`None`: no response, e.g. a reset connection).
fn statuses(fake: &FakeServer) -> Vec<Option<u16>> {
    fake.requests().iter().map(|r| r.status).collect()
}

#[tokio::test]
async fn a_429_with_retry_after_is_retried_then_succeeds() {
    let fake = start_default().await;
    fake.inject(
        Fault::TooManyRequests {
            retry_after_secs: 0,
        },
        FaultScope::Next(1),
        Some(Operation::ListImages),
    );
    let page = client(&fake).images().list().send().await.unwrap();
    assert_eq!(page.images.unwrap(), expected_images(&fake));
    assert_eq!(statuses(&fake), [Some(429), Some(200)]);
    assert_eq!(
        fake.requests()[0].faults,
        [Fault::TooManyRequests {
            retry_after_secs: 0
        }]
    );
}

/// Seconds since the Unix epoch of an `X-Sdk-Date` (`yyyyMMddTHHmmssZ`).
fn sdk_date_seconds(value: &str) -> i64 {
    let format = time::macros::format_description!("[year][month][day]T[hour][minute][second]Z");
    time::PrimitiveDateTime::parse(value, &format)
        .unwrap()
        .assume_utc()
        .unix_timestamp()
}

#[tokio::test]
async fn a_retry_after_of_one_second_is_honoured() {
    let fake = start_default().await;
    fake.inject(
        Fault::TooManyRequests {
            retry_after_secs: 1,
        },
        FaultScope::Next(1),
        None,
    );
    // The policy's own backoff is ten minutes and the whole call may take 10 s: only waiting the
    // 1 s the service asked for lets the retry happen in time.
    let patient = RetryPolicy::default()
        .without_jitter()
        .with_initial_backoff(Duration::from_secs(600))
        .with_max_backoff(Duration::from_secs(600))
        .with_max_total_delay(Duration::from_secs(3600));
    let client = builder(&fake)
        .retry(patient)
        .total_timeout(Some(Duration::from_secs(10)))
        .build()
        .unwrap();
    let server = &expected_servers(&fake)[3];
    let id = server.id.as_deref().unwrap();
    assert_eq!(&client.image_servers().get(id).await.unwrap(), server);
    assert_eq!(statuses(&fake), [Some(429), Some(200)]);
    let dates: Vec<i64> = fake
        .requests()
        .iter()
        .map(|r| sdk_date_seconds(r.header("x-sdk-date").unwrap()))
        .collect();
    assert!(
        dates[1] - dates[0] >= 1,
        "the retry waited the second it was asked to: {dates:?}"
    );
}

#[tokio::test]
async fn a_retry_after_longer_than_allowed_ends_the_retries() {
    let fake = start_default().await;
    fake.inject(
        Fault::TooManyRequests {
            retry_after_secs: 5,
        },
        FaultScope::Always,
        None,
    );
    let client = builder(&fake)
        .retry(fast_retry().with_max_retry_after(Duration::from_secs(1)))
        .build()
        .unwrap();
    let error = client.images().list().send().await.unwrap_err();
    assert_eq!(error.status(), Some(429));
    assert_eq!(api_retry_after(&error), Some(Duration::from_secs(5)));
    assert_eq!(statuses(&fake), [Some(429)], "not worth waiting for");
}

fn api_retry_after(error: &Error) -> Option<Duration> {
    error.as_api()?.retry_after
}

#[tokio::test]
async fn two_503s_then_success() {
    let fake = start_default().await;
    fake.inject(Fault::ServiceUnavailable, FaultScope::Next(2), None);
    let dev = &expected_dev_images(&fake)[2];
    let got = client(&fake)
        .dev_server_images()
        .get(dev.image_id.as_deref().unwrap())
        .await
        .unwrap();
    assert_eq!(&got, dev);
    assert_eq!(statuses(&fake), [Some(503), Some(503), Some(200)]);
}

#[tokio::test]
async fn other_retryable_statuses_and_a_reset_connection_are_retried() {
    let fake = start_default().await;
    let client = client(&fake);
    for fault in [
        Fault::InternalServerError,
        Fault::BadGatewayHtml,
        Fault::ConnectionReset,
    ] {
        fake.clear_requests();
        fake.inject(fault.clone(), FaultScope::Next(1), None);
        let page = client.image_servers().list().send().await.unwrap();
        assert_eq!(page.count, Some(28), "{fault:?}");
        let requests = fake.requests();
        assert_eq!(requests.len(), 2, "{fault:?}");
        assert_eq!(requests[1].status, Some(200), "{fault:?}");
    }
    assert_eq!(
        fake.requests()[0].status,
        None,
        "the reset attempt got no response"
    );
}

#[tokio::test]
async fn errors_that_cannot_change_are_not_retried() {
    let fake = start_default().await;
    let client = client(&fake);
    client.image_servers().get("missing").await.unwrap_err();
    // Well-formed JSON of the wrong shape: another attempt would get the same.
    fake.inject(
        Fault::Respond {
            status: 200,
            body: br#"{"images": "many"}"#.to_vec(),
        },
        FaultScope::Next(1),
        None,
    );
    let error = client.images().list().send().await.unwrap_err();
    assert!(matches!(error, Error::Decode { .. }), "{error:?}");
    assert_eq!(statuses(&fake), [Some(404), Some(200)]);
}

#[tokio::test]
async fn exhausted_retries_return_the_last_error_after_max_attempts() {
    let fake = start_default().await;
    let client = builder(&fake)
        .retry(fast_retry().with_max_attempts(3))
        .build()
        .unwrap();

    fake.inject(Fault::ServiceUnavailable, FaultScope::Always, None);
    let error = client.images().list().send().await.unwrap_err();
    assert_eq!(error.status(), Some(503));
    let last = fake.requests().last().unwrap().request_id.clone();
    assert_eq!(
        error.as_api().unwrap().request_id.as_deref(),
        Some(last.as_str()),
        "the last attempt's error"
    );
    assert_eq!(statuses(&fake), [Some(503); 3]);

    fake.clear_faults();
    fake.clear_requests();
    fake.inject(Fault::ConnectionReset, FaultScope::Always, None);
    let error = client.images().list().send().await.unwrap_err();
    assert!(
        matches!(
            error,
            Error::Transport {
                operation: "ListImages",
                ..
            }
        ),
        "{error:?}"
    );
    assert_eq!(statuses(&fake), [None; 3]);

    // The default policy makes four attempts.
    fake.clear_requests();
    let default_attempts = builder(&fake)
        .retry(
            RetryPolicy::default()
                .without_jitter()
                .with_initial_backoff(Duration::from_millis(1)),
        )
        .build()
        .unwrap();
    default_attempts.images().list().send().await.unwrap_err();
    assert_eq!(fake.requests().len(), 4);
}

#[tokio::test]
async fn disabled_retries_make_exactly_one_request() {
    let fake = start_default().await;
    fake.inject(Fault::ServiceUnavailable, FaultScope::Next(1), None);
    let error = client_without_retries(&fake)
        .image_servers()
        .list()
        .send()
        .await
        .unwrap_err();
    assert_eq!(error.status(), Some(503));
    assert_eq!(statuses(&fake), [Some(503)]);
}

#[tokio::test]
async fn every_attempt_is_signed_afresh() {
    // The fake refuses an X-Sdk-Date more than 2 s from its clock, and the retry waits 4 s. The
    // date has 1-second resolution, so a fresh one is at most about 1 s off, while one reused from
    // the first attempt would be at least 4 s off and refused.
    let config = FakeConfig {
        max_clock_skew: Duration::from_secs(2),
        ..FakeConfig::default()
    };
    let fake = start(config).await;
    fake.inject(
        Fault::TooManyRequests {
            retry_after_secs: 4,
        },
        FaultScope::Next(1),
        None,
    );
    client(&fake).images().list().send().await.unwrap();
    let requests = fake.requests();
    assert_eq!(statuses(&fake), [Some(429), Some(200)]);
    requests.iter().for_each(assert_signed);
    assert_ne!(
        requests[0].header("x-sdk-date"),
        requests[1].header("x-sdk-date"),
        "two dates four seconds apart"
    );
}

#[tokio::test]
async fn a_slow_attempt_times_out_and_is_retried() {
    let fake = start_default().await;
    fake.set_latency(Duration::from_secs(2));
    let client = builder(&fake)
        .request_timeout(Some(Duration::from_millis(200)))
        .retry(fast_retry().with_max_attempts(2))
        .build()
        .unwrap();
    let error = client.images().list().send().await.unwrap_err();
    assert!(
        matches!(
            error,
            Error::Timeout {
                operation: "ListImages",
                ..
            }
        ),
        "{error:?}"
    );
    assert!(error.is_retryable());
    assert_eq!(
        fake.requests().len(),
        2,
        "each attempt has its own time-out"
    );
}

#[tokio::test]
async fn the_total_timeout_ends_the_call() {
    let fake = start_default().await;
    fake.set_latency(Duration::from_secs(2));
    let client = builder(&fake)
        .request_timeout(None)
        .total_timeout(Some(Duration::from_millis(200)))
        .build()
        .unwrap();
    let error = client.image_servers().list().send().await.unwrap_err();
    assert!(
        matches!(
            error,
            Error::Timeout {
                operation: "ListImageServers",
                ..
            }
        ),
        "{error:?}"
    );
    assert_eq!(fake.requests().len(), 1);
}

#[tokio::test]
async fn a_slow_body_within_the_time_out_is_read_whole() {
    let fake = start_default().await;
    fake.inject(
        Fault::SlowBody {
            chunk_size: 256,
            chunk_delay: Duration::from_millis(1),
        },
        FaultScope::Next(1),
        None,
    );
    let page = client(&fake).images().list().send().await.unwrap();
    assert_eq!(page.images.unwrap(), expected_images(&fake));
    assert_eq!(statuses(&fake), [Some(200)]);
    assert_eq!(
        fake.requests()[0].faults.len(),
        1,
        "the slow body was served"
    );
}

#[tokio::test]
async fn a_body_slower_than_the_time_out_is_a_timeout_and_retried() {
    let fake = start_default().await;
    fake.inject(
        Fault::SlowBody {
            chunk_size: 64,
            chunk_delay: Duration::from_millis(100),
        },
        FaultScope::Next(1),
        None,
    );
    let client = builder(&fake)
        .request_timeout(Some(Duration::from_millis(300)))
        .build()
        .unwrap();
    let result = client.images().list().send().await;
    let requests = fake.requests();
    assert_eq!(
        requests.len(),
        2,
        "the slow attempt timed out and was retried: {result:?}"
    );
    assert_eq!(result.unwrap().images.unwrap(), expected_images(&fake));
}

#[tokio::test]
async fn a_malformed_200_is_retried_like_a_broken_connection() {
    let fake = start_default().await;
    fake.inject(Fault::MalformedJson, FaultScope::Next(2), None);
    let page = client(&fake).images().list().send().await.unwrap();
    assert_eq!(page.images.unwrap(), expected_images(&fake));
    assert_eq!(statuses(&fake), [Some(200), Some(200), Some(200)]);
    assert_eq!(fake.requests()[0].faults, [Fault::MalformedJson]);
    assert!(fake.requests()[2].faults.is_empty());
}

#[tokio::test]
async fn an_empty_200_where_a_model_is_due_is_retried_too() {
    let fake = start_default().await;
    fake.inject(
        Fault::Respond {
            status: 200,
            body: Vec::new(),
        },
        FaultScope::Next(1),
        None,
    );
    let page = client(&fake).images().list().send().await.unwrap();
    assert_eq!(page.images.unwrap(), expected_images(&fake));
    assert_eq!(statuses(&fake), [Some(200), Some(200)]);
}
