//! What the client must never do with its credentials: follow a redirect to another host.
//!
//! The endpoints here are raw TCP listeners (not the fake), so the test controls exactly what is
//! answered and can count every connection.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use huaweicloud_images::{Client, Credentials, RetryPolicy};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

const TOKEN: &str = "SECRET-IAM-TOKEN";

/// Reads one request head (up to the blank line) from `stream`.
async fn read_head(stream: &mut TcpStream) -> std::io::Result<Vec<u8>> {
    let mut head = Vec::new();
    let mut buffer = [0_u8; 1024];
    while !head.windows(4).any(|w| w == b"\r\n\r\n") {
        let read = stream.read(&mut buffer).await?;
        if read == 0 {
            break;
        }
        head.extend_from_slice(&buffer[..read]);
    }
    Ok(head)
}

#[tokio::test]
async fn redirects_are_not_followed() {
    // Where a followed redirect would go: it only counts connections.
    let thief = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let thief_port = thief.local_addr().unwrap().port();
    let stolen = Arc::new(AtomicUsize::new(0));
    let counter = Arc::clone(&stolen);
    let thief_task = tokio::spawn(async move {
        while let Ok((stream, _)) = thief.accept().await {
            counter.fetch_add(1, Ordering::SeqCst);
            drop(stream);
        }
    });

    // The endpoint the client is given: every request is answered with a 302 to the thief.
    let endpoint = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let endpoint_port = endpoint.local_addr().unwrap().port();
    let redirected = Arc::new(AtomicUsize::new(0));
    let answered = Arc::clone(&redirected);
    let endpoint_task = tokio::spawn(async move {
        while let Ok((mut stream, _)) = endpoint.accept().await {
            let answered = Arc::clone(&answered);
            tokio::spawn(async move {
                if read_head(&mut stream).await.is_err() {
                    return;
                }
                answered.fetch_add(1, Ordering::SeqCst);
                let response = format!(
                    "HTTP/1.1 302 Found\r\nLocation: http://127.0.0.1:{thief_port}/steal\r\n\
                     Content-Length: 0\r\nConnection: close\r\n\r\n"
                );
                let _ = stream.write_all(response.as_bytes()).await;
                let _ = stream.shutdown().await;
            });
        }
    });

    let client = Client::builder()
        .credentials(Credentials::token(TOKEN).unwrap())
        .project_id("a4da8115c9d8464ead3a38309130523f")
        .endpoint_for_all(format!("http://127.0.0.1:{endpoint_port}"))
        .retry(RetryPolicy::disabled())
        .build()
        .unwrap();
    let result = client.images().list().send().await;
    println!("the redirect ended the call with: {result:?}");
    let error = result.expect_err("a 302 is not a successful answer");
    let shown = format!("{error} {error:?}");
    assert!(!shown.contains(TOKEN), "{shown}");
    assert_eq!(
        redirected.load(Ordering::SeqCst),
        1,
        "one request reached the endpoint"
    );
    assert_eq!(
        stolen.load(Ordering::SeqCst),
        0,
        "the client followed the redirect to another host"
    );
    thief_task.abort();
    endpoint_task.abort();
}

/// An id is one path segment under every URL parser: the WHATWG parser reqwest uses reads `\` as
/// `/` and resolves `..`, so `..\..\..\v2\<project>\images` would otherwise become a correctly
/// signed `GET /v2/<project>/images`. Such ids are refused before anything is sent.
#[tokio::test]
async fn a_backslash_cannot_escape_the_path_segment() {
    use huaweicloud_images::Error;
    use huaweicloud_images_fake::{FAKE_AK, FAKE_PROJECT_ID, FAKE_SK, FakeConfig, FakeServer};

    let fake = FakeServer::start(FakeConfig::default()).await.unwrap();
    let client = Client::builder()
        .credentials(Credentials::ak_sk(FAKE_AK, FAKE_SK).unwrap())
        .project_id(FAKE_PROJECT_ID)
        .endpoint_for_all(fake.base_url())
        .retry(RetryPolicy::disabled())
        .build()
        .unwrap();
    let escapes = [
        format!(r"..\..\..\v2\{FAKE_PROJECT_ID}\images"),
        r"..\".to_owned(),
        r"a\b".to_owned(),
        r"\".to_owned(),
        "x".repeat(256),
    ];
    for id in &escapes {
        let result = client.image_servers().get(id).await;
        match result {
            Err(Error::InvalidInput {
                field: "server_id", ..
            }) => {}
            other => panic!("{id:?} was not refused: {other:?}"),
        }
    }
    assert!(
        fake.requests().is_empty(),
        "nothing may be sent for an id that is not one segment: {:?}",
        fake.requests()
    );
}
