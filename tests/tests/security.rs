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

/// An IAM or security token is a bearer secret: it never travels over plain `http://` to a host
/// other than this machine, unless the builder says so in as many words.
#[test]
fn tokens_are_not_sent_over_plain_http_to_another_host() {
    let project = "a4da8115c9d8464ead3a38309130523f";
    let token = || Credentials::token("SECRET-IAM-TOKEN").unwrap();
    let temporary = || {
        Credentials::ak_sk("AK", "SK")
            .unwrap()
            .with_security_token("SECRET-STS-TOKEN")
            .unwrap()
    };
    for credentials in [token(), temporary()] {
        let error = Client::builder()
            .credentials(credentials.clone())
            .project_id(project)
            .endpoint_for_all("http://10.1.2.3:8080")
            .build()
            .unwrap_err();
        let shown = error.to_string();
        assert!(
            matches!(error, huaweicloud_images::Error::Config(_)),
            "{error:?}"
        );
        assert!(shown.contains("http://10.1.2.3:8080"), "{shown}");
        assert!(shown.contains("allow_tokens_over_http"), "{shown}");
        assert!(!shown.contains("SECRET"), "{shown}");
        // Said in as many words, it is allowed; so is this machine, and https.
        for (url, allow) in [
            ("http://10.1.2.3:8080", true),
            ("http://127.0.0.1:8080", false),
            ("http://[::1]:8080", false),
            ("http://localhost:8080", false),
            ("https://10.1.2.3:8443", false),
        ] {
            Client::builder()
                .credentials(credentials.clone())
                .project_id(project)
                .endpoint_for_all(url)
                .allow_tokens_over_http(allow)
                .build()
                .unwrap_or_else(|e| panic!("{url}: {e}"));
        }
    }
    // AK/SK alone sends no secret (only a signature), so plain http stays allowed (with a warning).
    Client::builder()
        .credentials(Credentials::ak_sk("AK", "SK").unwrap())
        .project_id(project)
        .endpoint_for_all("http://10.1.2.3:8080")
        .build()
        .unwrap();
}

/// Server text shown in an error cannot recolour a terminal or forge a log line.
#[tokio::test]
async fn control_characters_of_server_text_are_escaped_in_messages() {
    use huaweicloud_images_fake::{
        FAKE_AK, FAKE_PROJECT_ID, FAKE_SK, FakeConfig, FakeServer, Fault, FaultScope,
    };

    let fake = FakeServer::start(FakeConfig::default()).await.unwrap();
    let client = Client::builder()
        .credentials(Credentials::ak_sk(FAKE_AK, FAKE_SK).unwrap())
        .project_id(FAKE_PROJECT_ID)
        .endpoint_for_all(fake.base_url())
        .retry(RetryPolicy::disabled())
        .build()
        .unwrap();
    let body = serde_json::json!({
        "error_code": "WKS.\u{1b}[31m0001",
        "error_msg": "denied\r\n2026-12-01T00:00:00Z INFO forged line \u{202e}txt.exe",
        "error_detail": "bell\u{7} line\u{2028}sep para\u{2029} rlm\u{200f} alm\u{61c} bom\u{feff} zw\u{200b} tags\u{e0001}\u{e0069}\u{e0067}\u{e007f} shy\u{ad} ann\u{fff9}",
    });
    fake.inject(
        Fault::Respond {
            status: 403,
            body: serde_json::to_vec(&body).unwrap(),
        },
        FaultScope::Next(1),
        None,
    );
    let error = client.images().list().send().await.unwrap_err();
    let shown = error.to_string();
    for hidden in [
        '\u{202e}',
        '\u{2028}',
        '\u{2029}',
        '\u{200f}',
        '\u{61c}',
        '\u{feff}',
        '\u{200b}',
        '\u{e0001}',
        '\u{e0069}',
        '\u{e007f}',
        '\u{ad}',
        '\u{fff9}',
    ] {
        assert!(!shown.contains(hidden), "{hidden:?} in {shown:?}");
    }
    assert!(!shown.chars().any(char::is_control), "{shown:?}");
    assert!(shown.contains(r"\u{1b}[31m"), "{shown}");
    assert!(shown.contains(r"denied\r\n2026"), "{shown}");
    // The fields keep the text as sent, for programs.
    let api = error.as_api().unwrap();
    assert_eq!(api.error_code.as_deref(), Some("WKS.\u{1b}[31m0001"));
}

/// `;` starts path parameters for servlet containers, which strip it with what follows before
/// resolving `..`: it travels encoded, so `..;` stays one segment, read back as sent.
#[tokio::test]
async fn a_semicolon_travels_encoded() {
    use huaweicloud_images_fake::{FAKE_AK, FAKE_PROJECT_ID, FAKE_SK, FakeConfig, FakeServer};

    let fake = FakeServer::start(FakeConfig::default()).await.unwrap();
    let client = Client::builder()
        .credentials(Credentials::ak_sk(FAKE_AK, FAKE_SK).unwrap())
        .project_id(FAKE_PROJECT_ID)
        .endpoint_for_all(fake.base_url())
        .retry(RetryPolicy::disabled())
        .build()
        .unwrap();
    let error = client.image_servers().get("..;x").await.unwrap_err();
    assert_eq!(error.status(), Some(404), "{error:?}");
    let sent = &fake.requests()[0];
    assert_eq!(
        sent.path,
        format!("/v1/{FAKE_PROJECT_ID}/image-servers/..%3Bx"),
        "{sent:?}"
    );
}
