//! CPU per call (not a timed test): one `ListImageServers` call of 100 items at a time against a
//! fake in its own process with no latency, so that this process does only the client's work:
//! build and check the request, sign it, send it, read the body and decode the 100 items. Prints
//! the client's CPU time (user + system, from `getrusage`) and the wall time per call, over
//! `BENCH_CALLS` sequential calls (default 2,000) after a warm-up.
//!
//! Beside it, the same call written by hand with `reqwest` and `serde_json` (what a user without
//! an SDK writes: sign with the fake's own signer, send, read the body with `bytes()`, decode it
//! with `serde_json::from_slice` into the same generated model, as reqwest's `Response::json`
//! does), and a tuned hand-written call that decodes as the SDK does (the body checked for UTF-8
//! whole, then `serde_json::from_str`), in alternating runs so that all see the same machine.
//!
//! Run: `cargo bench -p huaweicloud-images --bench call`. `CALL_BENCH_ONLY=sdk` (or `hand`, or
//! `hand-text`) runs one side only, to profile or trace it alone (`perf`, `strace -c`, valgrind's
//! `callgrind`, which counts instructions without the machine's noise).

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use huaweicloud_images::{Client, Credentials, RetryPolicy};
use huaweicloud_images_api::workspaceapp::types::ListImageServersResponse;
use huaweicloud_images_fake::gateway::signing::{
    SignedRequest, canonical_request, payload_hash, signature, string_to_sign,
};
use huaweicloud_images_fake::{FAKE_AK, FAKE_PROJECT_ID, FAKE_SK, FakeConfig, FakeServer};

#[path = "support/cpu.rs"]
mod cpu;
use cpu::cpu_time;
use cpu::system_time;
const CHILD: &str = "CALL_BENCH_FAKE";

async fn child() {
    let fake = FakeServer::start(FakeConfig {
        image_servers: 997,
        images: 0,
        dev_server_images: 0,
        request_log_capacity: 16,
        ..FakeConfig::default()
    })
    .await
    .expect("fake starts");
    println!("{}", fake.base_url());
    // Until the parent goes away.
    let _ = tokio::task::spawn_blocking(|| {
        let mut line = String::new();
        let _ = std::io::stdin().lock().read_line(&mut line);
    })
    .await;
}

struct Fake(Child);

impl Drop for Fake {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn main() {
    if std::env::var_os(CHILD).is_some() {
        let runtime = tokio::runtime::Runtime::new().expect("runtime");
        runtime.block_on(child());
        return;
    }
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime");
    let calls: u32 = std::env::var("BENCH_CALLS")
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(2_000);
    let mut process = Command::new(std::env::current_exe().expect("own path"))
        .env(CHILD, "1")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .expect("child fake");
    let mut url = String::new();
    BufReader::new(process.stdout.take().expect("stdout"))
        .read_line(&mut url)
        .expect("url");
    let _fake = Fake(process);
    let client = Client::builder()
        .credentials(Credentials::ak_sk(FAKE_AK, FAKE_SK).expect("credentials"))
        .project_id(FAKE_PROJECT_ID)
        .endpoint_for_all(url.trim())
        .retry(RetryPolicy::disabled())
        .build()
        .expect("client");
    let http = reqwest::Client::new();
    let base = url.trim().to_string();
    runtime.block_on(async {
        let sdk = || async {
            let page = client
                .image_servers()
                .list()
                .limit(100)
                .send()
                .await
                .expect("a page");
            assert_eq!(page.items.map(|items| items.len()), Some(100));
        };
        let by_hand = |decode| hand_written(&http, &base, decode);
        for _ in 0..200 {
            sdk().await;
            by_hand(Decode::Slice).await;
            by_hand(Decode::Text).await;
        }
        let per = |d: Duration| d.as_secs_f64() * 1e6 / f64::from(calls);
        let only = std::env::var("CALL_BENCH_ONLY").unwrap_or_default();
        let sides = [
            ("sdk", "the SDK (paced, signed, checked, decoded once)"),
            (
                "hand",
                "by hand: reqwest + serde_json::from_slice (what reqwest's json() does)",
            ),
            (
                "hand-text",
                "by hand, tuned: the body checked for UTF-8 whole, then serde_json::from_str",
            ),
        ];
        // Per side, the CPU time per call of each of its runs.
        let mut figures = [Vec::new(), Vec::new(), Vec::new()];
        for round in 0..6 {
            let side = round % sides.len();
            let (name, label) = sides[side];
            if !only.is_empty() && only != name {
                continue;
            }
            let (cpu, system, wall) = (cpu_time(), system_time(), Instant::now());
            for _ in 0..calls {
                match side {
                    0 => sdk().await,
                    1 => by_hand(Decode::Slice).await,
                    _ => by_hand(Decode::Text).await,
                }
            }
            let (cpu, system, wall) = (cpu_time() - cpu, system_time() - system, wall.elapsed());
            println!(
                "ListImageServers, 100 items per call, {calls} sequential calls, {label}: client CPU {:.1} µs per call (system {:.1}), wall {:.1} µs per call",
                per(cpu),
                per(system),
                per(wall)
            );
            figures[side].push(per(cpu));
        }
        let mean = |runs: &[f64]| runs.iter().sum::<f64>() / runs.len().max(1) as f64;
        let [sdk, hand, tuned] = figures.map(|runs| mean(&runs));
        if only.is_empty() {
            println!(
                "client CPU per call: the SDK {sdk:.1} µs, by hand {hand:.1} µs: {:.2}x (target <= 1.00x: {}); against the tuned hand-written call ({tuned:.1} µs): {:.2}x",
                sdk / hand,
                if sdk <= hand { "met" } else { "MISSED" },
                sdk / tuned
            );
        }
    });
}

/// How the hand-written call decodes its body.
#[derive(Clone, Copy)]
enum Decode {
    /// `serde_json::from_slice`, as reqwest's `Response::json` does.
    Slice,
    /// The body checked for UTF-8 whole, then `serde_json::from_str` (what the SDK does).
    Text,
}

/// `ListImageServers` (limit 100) by hand: signed with the fake's own signer, sent with reqwest,
/// the body decoded with serde_json into the generated model.
async fn hand_written(http: &reqwest::Client, base: &str, decode: Decode) {
    let date = time::OffsetDateTime::now_utc()
        .format(time::macros::format_description!(
            "[year][month][day]T[hour][minute][second]Z"
        ))
        .expect("date");
    let path = format!("/v1/{FAKE_PROJECT_ID}/image-servers");
    let host = base
        .trim_start_matches("http://")
        .trim_end_matches('/')
        .to_string();
    let headers = [
        ("host".to_string(), host),
        ("x-sdk-date".to_string(), date.clone()),
    ];
    let canonical = canonical_request(&SignedRequest {
        method: "GET",
        raw_path: &path,
        raw_query: "limit=100",
        signed_headers: &headers,
        payload_hash: &payload_hash(b"", None),
    });
    let signed = signature(FAKE_SK, &string_to_sign(&date, &canonical));
    let response = http
        .get(format!("{base}{path}?limit=100"))
        .header("x-sdk-date", date)
        .header(
            "authorization",
            format!(
                "SDK-HMAC-SHA256 Access={FAKE_AK}, SignedHeaders=host;x-sdk-date, Signature={signed}"
            ),
        )
        .send()
        .await
        .expect("an answer");
    assert!(response.status().is_success(), "{}", response.status());
    let body = response.bytes().await.expect("a body");
    let page: ListImageServersResponse = match decode {
        Decode::Slice => serde_json::from_slice(&body).expect("a page"),
        Decode::Text => {
            serde_json::from_str(std::str::from_utf8(&body).expect("text")).expect("a page")
        }
    };
    assert_eq!(page.items.map(|items| items.len()), Some(100));
}
