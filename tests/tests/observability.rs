//! The `huaweicloud_images.call` span: one per call (one per page of a listing), with the service,
//! the operation, the attempts made, the final status and the request id the fake answered with.

mod common;

use std::time::Duration;

use common::*;
use huaweicloud_images_fake::{FakeServer, Fault, FaultScope};

const CALL: &str = "huaweicloud_images.call";

/// The request ids the fake answered with, in order.
fn request_ids(fake: &FakeServer) -> Vec<String> {
    fake.requests().into_iter().map(|r| r.request_id).collect()
}

#[tokio::test]
async fn each_operation_records_its_service_operation_status_and_request_id() {
    let capture = Capture::start();
    let fake = start_default().await;
    let client = client(&fake);
    let server_id = fake.data().image_servers[0].id.clone();
    let dev_id = fake.data().dev_server_images[0].image_id.clone();
    client.image_servers().list().send().await.unwrap();
    client.image_servers().get(&server_id).await.unwrap();
    client.images().list().send().await.unwrap();
    client.dev_server_images().get(&dev_id).await.unwrap();

    let spans = capture.spans(CALL);
    let ids = request_ids(&fake);
    assert_eq!(spans.len(), 4, "{spans:?}");
    let expected = [
        ("WorkspaceApp", "ListImageServers"),
        ("WorkspaceApp", "ShowImageServer"),
        ("Workspace", "ListImages"),
        ("ModelArts", "GetDevServerImage"),
    ];
    for ((span, (service, operation)), id) in spans.iter().zip(expected).zip(&ids) {
        assert_eq!(span.field("service"), Some(service), "{span:?}");
        assert_eq!(span.field("operation"), Some(operation), "{span:?}");
        assert_eq!(span.field("attempts"), Some("1"), "{span:?}");
        assert_eq!(span.field("status"), Some("200"), "{span:?}");
        assert_eq!(span.field("request_id"), Some(id.as_str()), "{span:?}");
        assert!(span.field("duration_ms").is_some(), "{span:?}");
    }
}

#[tokio::test]
async fn retried_calls_record_every_attempt_and_the_last_answer() {
    let capture = Capture::start();
    let fake = start_default().await;
    fake.inject(Fault::ServiceUnavailable, FaultScope::Next(2), None);
    client(&fake).images().list().send().await.unwrap();

    let spans = capture.spans(CALL);
    assert_eq!(spans.len(), 1, "one span per call, not per attempt");
    let ids = request_ids(&fake);
    assert_eq!(ids.len(), 3);
    assert_eq!(spans[0].field("attempts"), Some("3"));
    assert_eq!(spans[0].field("status"), Some("200"));
    assert_eq!(spans[0].field("request_id"), Some(ids[2].as_str()));
    let retries = capture.text().matches("retrying").count();
    assert_eq!(retries, 2, "one `retrying` event per retry");
}

#[tokio::test]
async fn failed_calls_record_what_is_known() {
    let capture = Capture::start();
    let fake = start_default().await;
    let client = builder(&fake)
        .retry(fast_retry().with_max_attempts(3))
        .build()
        .unwrap();

    client.image_servers().get("missing").await.unwrap_err();
    fake.inject(Fault::InternalServerError, FaultScope::Always, None);
    client.images().list().send().await.unwrap_err();
    fake.clear_faults();
    fake.inject(Fault::ConnectionReset, FaultScope::Next(1), None);
    client_without_retries(&fake)
        .images()
        .list()
        .send()
        .await
        .unwrap_err();

    let spans = capture.spans(CALL);
    let ids = request_ids(&fake);
    assert_eq!(spans.len(), 3);
    assert_eq!(ids.len(), 1 + 3 + 1);
    let fields = |i: usize, name: &str| spans[i].field(name).map(str::to_owned);
    assert_eq!(fields(0, "attempts").as_deref(), Some("1"));
    assert_eq!(fields(0, "status").as_deref(), Some("404"));
    assert_eq!(fields(0, "request_id"), Some(ids[0].clone()));
    assert_eq!(fields(1, "attempts").as_deref(), Some("3"));
    assert_eq!(fields(1, "status").as_deref(), Some("500"));
    assert_eq!(fields(1, "request_id"), Some(ids[3].clone()));
    assert_eq!(fields(2, "attempts").as_deref(), Some("1"));
    assert_eq!(fields(2, "status"), None, "no answer");
    assert_eq!(fields(2, "request_id"), None);
    let text = capture.text();
    assert!(text.contains("call failed"), "{text}");
    assert!(text.contains("WKS.00010404"), "the error is in the event");
}

#[tokio::test]
async fn a_timed_out_call_records_its_attempts_without_a_status() {
    let capture = Capture::start();
    let fake = start_default().await;
    fake.set_latency(Duration::from_secs(2));
    let client = builder(&fake)
        .request_timeout(Some(Duration::from_millis(100)))
        .retry(fast_retry().with_max_attempts(2))
        .build()
        .unwrap();
    client.images().list().send().await.unwrap_err();
    let spans = capture.spans(CALL);
    assert_eq!(spans.len(), 1);
    assert_eq!(spans[0].field("attempts"), Some("2"));
    assert_eq!(spans[0].field("status"), None);
}

#[tokio::test]
async fn a_listing_records_one_span_per_page_and_none_for_refused_input() {
    let capture = Capture::start();
    let fake = start_default().await;
    let client = client(&fake);
    let all = client
        .images()
        .list()
        .paginate()
        .page_size(10)
        .collect_all()
        .await
        .unwrap();
    assert_eq!(all.len(), 32);
    client
        .image_servers()
        .list()
        .limit(0)
        .send()
        .await
        .unwrap_err();
    client.dev_server_images().get("nope").await.unwrap_err();

    let spans = capture.spans(CALL);
    let mut ids = request_ids(&fake);
    assert_eq!(ids.len(), 4, "⌈32/10⌉ pages");
    assert_eq!(spans.len(), 4, "no span for input refused before sending");
    let mut span_ids: Vec<String> = spans
        .iter()
        .map(|s| s.field("request_id").unwrap().to_owned())
        .collect();
    span_ids.sort();
    ids.sort();
    assert_eq!(span_ids, ids);
    assert!(
        spans
            .iter()
            .all(|s| s.field("operation") == Some("ListImages"))
    );
    assert!(spans.iter().all(|s| s.field("status") == Some("200")));
}

/// Review of issue 17: the span's status and request id are those of the final attempt's answer;
/// a final attempt that got none leaves them unset (a 503 before it does not stay).
#[tokio::test]
async fn the_span_keeps_the_final_attempts_status_only() {
    let capture = Capture::start();
    let fake = start_default().await;
    fake.inject(Fault::ServiceUnavailable, FaultScope::Next(1), None);
    fake.inject(Fault::ConnectionReset, FaultScope::Next(1), None);
    let client = builder(&fake)
        .retry(fast_retry().with_max_attempts(2))
        .build()
        .unwrap();
    client.images().list().send().await.unwrap_err();
    let spans = capture.spans(CALL);
    assert_eq!(spans.len(), 1, "{spans:?}");
    assert_eq!(spans[0].field("attempts"), Some("2"));
    assert_eq!(spans[0].field("status"), None, "{:?}", spans[0]);
    assert_eq!(spans[0].field("request_id"), None, "{:?}", spans[0]);
}
