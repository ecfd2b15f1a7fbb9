//! Faults on demand, latency, the request log and concurrency.

mod common;

use std::time::Duration;

use common::*;
use huaweicloud_images_fake::{
    FAKE_AK, FAKE_SK, FAKE_TOKEN, FakeConfig, FakeServer, Fault, FaultScope, Operation,
};
use serde_json::{Value, json};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

#[tokio::test]
async fn too_many_requests_for_the_next_n_of_one_operation() {
    let server = start(FakeConfig::default()).await;
    server.inject(
        Fault::TooManyRequests {
            retry_after_secs: 3,
        },
        FaultScope::Next(2),
        Some(Operation::ListImages),
    );
    for _ in 0..2 {
        let response = token_get(&server, &images_path()).await;
        assert_eq!(response.status(), 429);
        assert_eq!(response.headers()["retry-after"], "3");
        let request_id = response.headers()["x-request-id"]
            .to_str()
            .unwrap()
            .to_owned();
        let body: Value = response.json().await.unwrap();
        assert_eq!(body["error_code"], "APIGW.0308");
        assert_eq!(body["request_id"], request_id);
        assert_eq!(token_get(&server, &servers_path()).await.status(), 200);
    }
    assert_eq!(token_get(&server, &images_path()).await.status(), 200);
    let faults: Vec<Vec<Fault>> = server.requests().into_iter().map(|r| r.faults).collect();
    let throttled = vec![Fault::TooManyRequests {
        retry_after_secs: 3,
    }];
    assert_eq!(
        faults,
        [throttled.clone(), vec![], throttled, vec![], vec![]]
    );
}

#[tokio::test]
async fn server_errors_carry_the_services_body() {
    let server = start(FakeConfig::default()).await;
    let dev = dev_image_path(&server.data().dev_server_images[0].image_id);
    let cases = [
        (
            Fault::ServiceUnavailable,
            images_path(),
            503,
            json!("WKS.00010503"),
            true,
        ),
        (
            Fault::InternalServerError,
            servers_path(),
            500,
            json!("WKS.00010500"),
            false,
        ),
        (
            Fault::ServiceUnavailable,
            dev.clone(),
            503,
            json!("ModelArts.0503"),
            false,
        ),
    ];
    for (fault, path, status, code, v2) in cases {
        server.inject(fault, FaultScope::Next(1), None);
        let (got, body) = get_json(&server, &path).await;
        assert_eq!((got, body["error_code"].clone()), (status, code), "{path}");
        assert_eq!(body.get("error_detail").is_some(), v2, "{path}");
        assert_eq!(
            get_json(&server, &path).await.0,
            200,
            "{path} after the fault"
        );
    }
}

#[tokio::test]
async fn bad_gateway_is_html() {
    let server = start(FakeConfig::default()).await;
    server.inject(
        Fault::BadGatewayHtml,
        FaultScope::Always,
        Some(Operation::ShowImageServer),
    );
    let path = format!("{}/627989489700044800", servers_path());
    for _ in 0..2 {
        let response = token_get(&server, &path).await;
        assert_eq!(response.status(), 502);
        assert_eq!(response.headers()["content-type"], "text/html");
        let text = response.text().await.unwrap();
        assert!(
            text.starts_with("<html>") && text.contains("502 Bad Gateway"),
            "{text}"
        );
        assert!(serde_json::from_str::<Value>(&text).is_err());
    }
    assert_eq!(token_get(&server, &servers_path()).await.status(), 200);
    server.clear_faults();
    assert_eq!(token_get(&server, &path).await.status(), 200);
}

#[tokio::test]
async fn connection_reset_sends_no_response() {
    let server = start(FakeConfig::default()).await;
    server.inject(
        Fault::ConnectionReset,
        FaultScope::Next(1),
        Some(Operation::ListImages),
    );
    let url = format!("{}{}", server.base_url(), images_path());
    let error = client()
        .get(&url)
        .header("x-auth-token", FAKE_TOKEN)
        .send()
        .await
        .unwrap_err();
    assert!(error.status().is_none(), "{error:?}");
    assert!(error.is_request() || error.is_connect(), "{error:?}");
    let logged = server.requests().pop().unwrap();
    assert_eq!((logged.status, logged.auth_passed), (None, true));
    assert_eq!(logged.faults, [Fault::ConnectionReset]);
    assert_eq!(token_get(&server, &images_path()).await.status(), 200);

    // On the wire: not one byte of response, and a reset (RST), not an orderly close (FIN).
    server.inject(Fault::ConnectionReset, FaultScope::Next(1), None);
    let mut stream = tokio::net::TcpStream::connect(server.addr()).await.unwrap();
    let request = format!(
        "GET {} HTTP/1.1\r\nHost: {}\r\nX-Auth-Token: {FAKE_TOKEN}\r\n\r\n",
        images_path(),
        server.addr()
    );
    stream.write_all(request.as_bytes()).await.unwrap();
    let mut received = Vec::new();
    let error = stream.read_to_end(&mut received).await.unwrap_err();
    assert_eq!(error.kind(), std::io::ErrorKind::ConnectionReset);
    assert!(received.is_empty());
}

#[tokio::test]
async fn malformed_json_is_a_200_with_half_the_body() {
    let server = start(FakeConfig::default()).await;
    let real = token_get(&server, &servers_path())
        .await
        .bytes()
        .await
        .unwrap();
    server.inject(Fault::MalformedJson, FaultScope::Next(1), None);
    let response = token_get(&server, &servers_path()).await;
    assert_eq!(response.status(), 200);
    assert_eq!(response.headers()["content-type"], "application/json");
    let broken = response.bytes().await.unwrap();
    assert_eq!(broken.len(), real.len() / 2);
    assert!(real.starts_with(&broken));
    assert!(serde_json::from_slice::<Value>(&broken).is_err());
}

/// Sends a raw HTTP/1.1 request and returns the head and the sizes of the body's chunks.
async fn raw_chunks(server: &FakeServer, path: &str) -> (String, Vec<usize>, Vec<u8>) {
    let mut stream = tokio::net::TcpStream::connect(server.addr()).await.unwrap();
    let request = format!(
        "GET {path} HTTP/1.1\r\nHost: {}\r\nX-Auth-Token: {FAKE_TOKEN}\r\nConnection: close\r\n\r\n",
        server.addr()
    );
    stream.write_all(request.as_bytes()).await.unwrap();
    let mut raw = Vec::new();
    stream.read_to_end(&mut raw).await.unwrap();
    let split = raw.windows(4).position(|w| w == b"\r\n\r\n").unwrap();
    let head = String::from_utf8(raw[..split].to_vec()).unwrap();
    let mut rest = &raw[split + 4..];
    let (mut sizes, mut body) = (Vec::new(), Vec::new());
    loop {
        let line_end = rest.windows(2).position(|w| w == b"\r\n").unwrap();
        let size =
            usize::from_str_radix(std::str::from_utf8(&rest[..line_end]).unwrap(), 16).unwrap();
        if size == 0 {
            break;
        }
        body.extend_from_slice(&rest[line_end + 2..line_end + 2 + size]);
        sizes.push(size);
        rest = &rest[line_end + 2 + size + 2..];
    }
    (head, sizes, body)
}

#[tokio::test]
async fn slow_body_arrives_in_small_chunks() {
    let server = start(FakeConfig::default()).await;
    let real = token_get(&server, &images_path())
        .await
        .bytes()
        .await
        .unwrap();
    let slow = Fault::SlowBody {
        chunk_size: 256,
        chunk_delay: Duration::from_millis(5),
    };
    server.inject(
        slow.clone(),
        FaultScope::Next(1),
        Some(Operation::ListImages),
    );
    let (head, sizes, body) = raw_chunks(&server, &images_path()).await;
    assert!(
        head.to_ascii_lowercase()
            .contains("transfer-encoding: chunked"),
        "{head}"
    );
    assert_eq!(body, real);
    assert_eq!(sizes.len(), real.len().div_ceil(256));
    assert!(sizes.iter().all(|size| *size <= 256));
    assert_eq!(server.requests().pop().unwrap().faults, [slow]);
}

#[tokio::test]
async fn latency_holds_requests_until_it_is_lifted() {
    let server = start(FakeConfig::default()).await;
    server.set_latency(Duration::from_secs(600));
    let url = format!("{}{}", server.base_url(), images_path());
    let held = tokio::spawn(async move {
        client()
            .get(url)
            .header("x-auth-token", FAKE_TOKEN)
            .send()
            .await
    });
    while server.requests().is_empty() {
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    server.set_latency(Duration::ZERO);
    let answered = token_get(&server, &images_path()).await;
    assert_eq!(answered.status(), 200);
    let log = server.requests();
    assert_eq!(log.len(), 2);
    assert_eq!(log[0].status, None, "the first request is still held");
    assert_eq!(log[0].answered_after, None);
    assert_eq!(log[1].status, Some(200));
    assert!(log[1].answered_after.is_some());
    assert!(!held.is_finished());
    held.abort();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn latency_is_held_in_full_before_an_answer() {
    let server = start(FakeConfig::default()).await;
    // Tokio's timer would wake a wait of it up to a few milliseconds late, never early: the fake
    // leaves the last 2 ms of it to a blocking sleep, which must not answer early either.
    let latency = Duration::from_micros(25_300);
    server.set_latency(latency);
    for _ in 0..5 {
        let started = std::time::Instant::now();
        let answered = token_get(&server, &images_path()).await;
        assert_eq!(answered.status(), 200);
        assert!(started.elapsed() >= latency, "{:?}", started.elapsed());
    }
    for entry in server.requests() {
        let after = entry.answered_after.expect("answered");
        assert!(after >= latency, "answered {after:?} after arriving");
    }
}

#[tokio::test]
async fn pagination_faults_ignore_offset_and_misreport_totals() {
    let server = start(FakeConfig::default()).await;
    let first_page = get_json(&server, &format!("{}?limit=5", servers_path()))
        .await
        .1;
    let second_page = get_json(&server, &format!("{}?limit=5&offset=5", servers_path()))
        .await
        .1;
    assert_ne!(first_page["items"], second_page["items"]);

    server.inject(
        Fault::IgnoreOffset,
        FaultScope::Always,
        Some(Operation::ListImageServers),
    );
    let ignored = get_json(&server, &format!("{}?limit=5&offset=5", servers_path()))
        .await
        .1;
    assert_eq!(ignored, first_page);
    let images_offset = get_json(&server, &format!("{}?offset=31", images_path()))
        .await
        .1;
    assert_eq!(
        images_offset["images"].as_array().unwrap().len(),
        1,
        "other operations unaffected"
    );
    server.clear_faults();
    assert_eq!(
        get_json(&server, &format!("{}?limit=5&offset=5", servers_path()))
            .await
            .1,
        second_page
    );

    server.inject(Fault::TotalOffBy(5), FaultScope::Next(1), None);
    let show = format!("{}/627989489700044800", servers_path());
    assert_eq!(
        get_json(&server, &show).await.0,
        200,
        "not a list: the fault waits"
    );
    assert_eq!(get_json(&server, &images_path()).await.1["total_count"], 37);
    assert_eq!(get_json(&server, &images_path()).await.1["total_count"], 32);
    server.inject(
        Fault::TotalOffBy(-1000),
        FaultScope::Next(1),
        Some(Operation::ListImageServers),
    );
    let body = get_json(&server, &servers_path()).await.1;
    assert_eq!(
        (
            body["count"].clone(),
            body["items"].as_array().unwrap().len()
        ),
        (json!(0), 10)
    );
    let fired: Vec<Vec<Fault>> = server
        .requests()
        .iter()
        .rev()
        .take(3)
        .map(|r| r.faults.clone())
        .collect();
    assert_eq!(
        fired,
        [
            vec![Fault::TotalOffBy(-1000)],
            vec![],
            vec![Fault::TotalOffBy(5)]
        ]
    );
}

#[tokio::test]
async fn rate_faults_follow_the_seed() {
    let statuses = |seed| async move {
        let server = start(FakeConfig {
            seed,
            ..FakeConfig::default()
        })
        .await;
        server.inject(Fault::ServiceUnavailable, FaultScope::Rate(0.5), None);
        let mut out = Vec::new();
        for _ in 0..40 {
            out.push(token_get(&server, &images_path()).await.status().as_u16());
        }
        out
    };
    let first = statuses(5).await;
    assert_eq!(first, statuses(5).await);
    assert!(first.contains(&503) && first.contains(&200), "{first:?}");
    assert!(first.iter().all(|s| *s == 503 || *s == 200));
}

#[tokio::test]
async fn unauthenticated_requests_do_not_consume_faults() {
    let server = start(FakeConfig::default()).await;
    server.inject(Fault::InternalServerError, FaultScope::Next(1), None);
    let unsigned = send(&server, reqwest::Method::GET, &images_path(), &[]).await;
    assert_eq!(unsigned.status(), 401);
    assert_eq!(token_get(&server, &images_path()).await.status(), 500);
    assert_eq!(token_get(&server, &images_path()).await.status(), 200);
}

#[tokio::test]
async fn the_request_log_masks_secrets() {
    let server = start(FakeConfig::default()).await;
    let date = sdk_date(time::Duration::ZERO);
    let path = format!("{}?limit=3", servers_path());
    let sts = "sts-token-value-0123456789";
    let headers = signed_headers(
        &server,
        "GET",
        &path,
        (FAKE_AK, FAKE_SK),
        &date,
        &[("x-security-token", sts)],
    );
    let signature = headers
        .last()
        .unwrap()
        .1
        .rsplit("Signature=")
        .next()
        .unwrap()
        .to_owned();
    assert_eq!(
        send(&server, reqwest::Method::GET, &path, &headers)
            .await
            .status(),
        200
    );
    assert_eq!(token_get(&server, &images_path()).await.status(), 200);

    let log = server.requests();
    let shown = format!("{log:?}");
    for secret in [FAKE_SK, FAKE_TOKEN, sts, signature.as_str()] {
        assert!(!shown.contains(secret), "{secret} leaked: {shown}");
    }
    let signed = &log[0];
    assert_eq!(
        (signed.method.as_str(), signed.path.as_str()),
        ("GET", servers_path().as_str())
    );
    assert_eq!(signed.query.as_deref(), Some("limit=3"));
    assert_eq!(signed.operation, Some(Operation::ListImageServers));
    assert_eq!((signed.status, signed.auth_passed), (Some(200), true));
    assert_eq!(
        signed.header("authorization"),
        Some(format!("SDK-HMAC-SHA256 Access={FAKE_AK}, SignedHeaders=host;x-sdk-date;x-security-token, Signature=***").as_str())
    );
    assert_eq!(signed.header("x-security-token"), Some("***"));
    assert_eq!(signed.header("x-sdk-date"), Some(date.as_str()));
    assert_eq!(log[1].header("x-auth-token"), Some("***"));
    server.clear_requests();
    assert!(server.requests().is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_hundred_concurrent_requests_are_all_answered() {
    let server = start(FakeConfig::default()).await;
    // Each request is logged on arrival and then held for the latency before it is handled, so
    // a log holding 100 requests none of which is answered yet shows 100 in flight at once.
    server.set_latency(Duration::from_secs(5));
    let base = server.base_url();
    let id = server.data().dev_server_images[3].image_id.clone();
    let paths = [
        servers_path(),
        images_path(),
        format!("{}/627989489700044800", servers_path()),
        dev_image_path(&id),
    ];
    let client = client();
    let tasks: Vec<_> = (0..100)
        .map(|i| {
            let request = client
                .get(format!("{base}{}", paths[i % paths.len()]))
                .header("x-auth-token", FAKE_TOKEN);
            tokio::spawn(async move { request.send().await.map(|r| r.status().as_u16()) })
        })
        .collect();
    // Wait until all 100 have arrived, or one was answered, or every client gave up.
    let in_flight = loop {
        let log = server.requests();
        if log.len() >= 100
            || log.iter().any(|r| r.status.is_some())
            || tasks.iter().all(|t| t.is_finished())
        {
            break log;
        }
        tokio::time::sleep(Duration::from_millis(5)).await;
    };
    assert_eq!(in_flight.len(), 100);
    assert!(
        in_flight.iter().all(|r| r.status.is_none()),
        "a request was answered before all 100 arrived"
    );
    let mut statuses = Vec::new();
    for task in tasks {
        statuses.push(task.await.unwrap().unwrap());
    }
    assert_eq!(statuses, vec![200; 100]);
    let log = server.requests();
    assert_eq!(log.len(), 100);
    let ids: std::collections::HashSet<_> = log.iter().map(|r| r.request_id.clone()).collect();
    assert_eq!(ids.len(), 100);
    for op in [
        Operation::ListImageServers,
        Operation::ShowImageServer,
        Operation::ListImages,
        Operation::GetDevServerImage,
    ] {
        assert_eq!(
            log.iter().filter(|r| r.operation == Some(op)).count(),
            25,
            "{op}"
        );
    }
}

/// A token only the server under test accepts: any other server that takes its port later (a
/// parallel test's fake) answers it with 401.
const ONLY_THIS_SERVER: &str = "token-of-the-server-that-is-stopped";

/// Whether the server at `addr` still answers a request made with [`ONLY_THIS_SERVER`]. A refused
/// or dropped connection, no answer within 5 s, or any status but 200 means it does not.
async fn still_answers(addr: std::net::SocketAddr) -> bool {
    let client = reqwest::Client::builder()
        .timeout(Duration::from_secs(5))
        .build()
        .unwrap();
    let response = client
        .get(format!("http://{addr}{}", images_path()))
        .header("x-auth-token", ONLY_THIS_SERVER)
        .send()
        .await;
    matches!(response, Ok(r) if r.status() == 200)
}

fn stoppable() -> FakeConfig {
    FakeConfig {
        tokens: vec![ONLY_THIS_SERVER.to_owned()],
        ..FakeConfig::default()
    }
}

#[tokio::test]
async fn shutdown_and_drop_stop_the_server() {
    // The port may be reused by a parallel test once it is free, so what is checked is that the
    // stopped server no longer answers, not that connections are refused.
    let server = start(stoppable()).await;
    let addr = server.addr();
    assert!(still_answers(addr).await, "the check sees a running server");
    server.shutdown().await;
    assert!(
        !still_answers(addr).await,
        "the shut-down server still answers"
    );

    let dropped = start(stoppable()).await;
    let addr = dropped.addr();
    assert!(still_answers(addr).await, "the check sees a running server");
    drop(dropped);
    let mut stopped = false;
    for _ in 0..200 {
        if !still_answers(addr).await {
            stopped = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    assert!(stopped, "the dropped server still answers");
}

#[tokio::test]
async fn the_gateway_retry_after_is_rounded_up_to_when_a_token_is_back() {
    let server = start(FakeConfig {
        throttle: Some(huaweicloud_images_fake::Throttle {
            rate: 0.5,
            burst: 1.0,
        }),
        ..FakeConfig::default()
    })
    .await;
    assert_eq!(token_get(&server, &images_path()).await.status(), 200);
    let throttled = token_get(&server, &images_path()).await;
    assert_eq!(throttled.status(), 429);
    // A token is back in just under 2 s: "1" would send the client back too early.
    assert_eq!(throttled.headers()["retry-after"], "2");
}
