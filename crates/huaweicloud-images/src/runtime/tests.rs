//! The runtime with a streamed answer (a download): its body is not read by the call, so neither
//! the body cap nor reqwest's whole-request time-out applies to it; the wait for its headers is
//! bounded by the request time-out, each chunk by the same.

use std::time::Duration;

use axum::body::Body;
use axum::routing::get;
use bytes::Bytes;
use futures::stream;

use super::answer::Decoder;
use super::{Call, Prepared, Runtime, Settings, Success};
use crate::error::Error;
use crate::transfer::Download;

/// `/slow`: 5 chunks of 100 000 bytes, 150 ms apart; `/late`: headers after 2 s.
async fn serve() -> String {
    let app = axum::Router::new()
        .route(
            "/slow",
            get(|| async {
                Body::from_stream(stream::unfold(0, |n| async move {
                    if n == 5 {
                        return None;
                    }
                    tokio::time::sleep(Duration::from_millis(150)).await;
                    Some((
                        Ok::<_, std::io::Error>(Bytes::from(vec![1u8; 100_000])),
                        n + 1,
                    ))
                }))
            }),
        )
        .route(
            "/late",
            get(|| async {
                tokio::time::sleep(Duration::from_secs(2)).await;
                "late"
            }),
        );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await });
    format!("http://{address}")
}

fn runtime(total_timeout: Option<Duration>) -> Runtime {
    Runtime::new(Settings {
        http: reqwest::Client::new(),
        credentials: None,
        user_agent: None,
        retry: crate::RetryPolicy::disabled(),
        request_timeout: Some(Duration::from_millis(400)),
        total_timeout,
        max_body: 1000,
    })
}

async fn download(runtime: &Runtime, url: String) -> crate::error::Result<Download> {
    let call = Call {
        operation: "DownloadThing",
        service: "Test",
        pace: None,
        holds_permit: false,
        delivery: super::Delivery::Once,
        token_header: None,
        bounded: true,
        success: Success::Documented(&[200]),
        decode: Decoder::Streamed(Download::from_streamed),
        secret_answer: false,
    };
    let request = runtime.http().get(url).build().unwrap();
    runtime
        .invoke(call, async {
            Ok(Prepared {
                request,
                project: None,
            })
        })
        .await
}

#[tokio::test]
async fn a_download_outlasts_the_time_outs_and_the_cap_chunk_by_chunk() {
    let base = serve().await;
    let runtime = runtime(Some(Duration::from_millis(600)));
    let mut file = download(&runtime, format!("{base}/slow")).await.unwrap();
    let started = std::time::Instant::now();
    let mut received = 0;
    while let Some(chunk) = file.chunk().await.unwrap() {
        received += chunk.len();
    }
    assert_eq!(received, 500_000, "500 times the body cap");
    assert!(
        started.elapsed() > Duration::from_millis(600),
        "longer than the request and the total time-outs: {:?}",
        started.elapsed()
    );
}

#[tokio::test]
async fn the_wait_for_a_downloads_headers_is_bounded() {
    let base = serve().await;
    // No total time-out: the request time-out alone bounds the wait for the headers.
    let started = std::time::Instant::now();
    let error = download(&runtime(None), format!("{base}/late"))
        .await
        .unwrap_err();
    assert!(
        matches!(
            error,
            Error::Timeout {
                operation: "DownloadThing",
                ..
            }
        ),
        "{error:?}"
    );
    assert!(
        started.elapsed() < Duration::from_millis(1500),
        "{:?}",
        started.elapsed()
    );
}
