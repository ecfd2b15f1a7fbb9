//! Flow-control figures (not a timed test): listing 10,000 image servers in pages of 100 at 20 ms
//! per request from a fake in its own process, side by side:
//! - unthrottled: the adaptive defaults against the limit for 16 in flight,
//!   `(1 + ⌈99 / 16⌉) × 20 ms`, and today's fixed prefetch of 4 (`concurrency(4)`);
//! - throttled by the fake's gateway at 20 requests/s (burst 10): the adaptive defaults against
//!   `100 / 20 s`, and the fixed prefetch of 4, with the share of requests answered 429;
//! - four listings at once on one client, throttled: the total against `4 × 100 / 20 s`, and each
//!   listing's time (none starved);
//! - the official Python SDK's hand loop (`benches/official_sdk_loop.py`) in both cases, where the
//!   SDK is installed (`.ci/venv/bin/python`, or `BENCH_PYTHON`).
//!
//! Run: `cargo bench -p huaweicloud-images --bench flow`.

use std::io::{BufRead, BufReader, Write};
use std::path::PathBuf;
use std::process::{Child, ChildStdin, ChildStdout, Command, Stdio};
use std::time::{Duration, Instant};

use huaweicloud_images::{Client, Credentials, FlowPolicy, RetryPolicy, Service};
use huaweicloud_images_fake::{
    FAKE_AK, FAKE_PROJECT_ID, FAKE_SK, FakeConfig, FakeServer, Throttle,
};

const ITEMS: usize = 10_000;
const PAGE: u32 = 100;
const LATENCY: Duration = Duration::from_millis(20);
const CHILD: &str = "FLOW_BENCH_FAKE";

/// Child mode: a fake with `ITEMS` servers, `LATENCY`, and the throttle given as `rate,burst`
/// (or `none`); on each `stats` line on stdin, prints `requests throttled` and clears its log.
async fn child(throttle: &str) {
    let throttle = throttle.split_once(',').and_then(|(rate, burst)| {
        Some(Throttle {
            rate: rate.parse().ok()?,
            burst: burst.parse().ok()?,
        })
    });
    let fake = FakeServer::start(FakeConfig {
        image_servers: ITEMS - 3,
        images: 0,
        dev_server_images: 0,
        throttle,
        request_log_capacity: 100_000,
        ..FakeConfig::default()
    })
    .await
    .expect("fake starts");
    fake.set_latency(LATENCY);
    println!("{}", fake.base_url());
    let stdin = std::io::stdin();
    let mut line = String::new();
    while stdin.lock().read_line(&mut line).is_ok_and(|n| n > 0) {
        let requests = fake.requests();
        let throttled = requests.iter().filter(|r| r.status == Some(429)).count();
        println!("{} {throttled}", requests.len());
        fake.clear_requests();
        line.clear();
    }
}

/// A fake in a child process.
struct Fake {
    child: Child,
    stdin: ChildStdin,
    stdout: BufReader<ChildStdout>,
    url: String,
}

impl Fake {
    fn start(throttle: Option<(f64, f64)>) -> Fake {
        let spec = throttle.map_or("none".to_string(), |(r, b)| format!("{r},{b}"));
        let mut child = Command::new(std::env::current_exe().expect("own path"))
            .env(CHILD, spec)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .spawn()
            .expect("child fake");
        let stdin = child.stdin.take().expect("stdin");
        let mut stdout = BufReader::new(child.stdout.take().expect("stdout"));
        let mut url = String::new();
        stdout.read_line(&mut url).expect("url");
        Fake {
            child,
            stdin,
            stdout,
            url: url.trim().to_string(),
        }
    }

    /// Requests and 429s since the last call.
    fn stats(&mut self) -> (usize, usize) {
        writeln!(self.stdin, "stats").expect("ask");
        self.stdin.flush().expect("flush");
        let mut line = String::new();
        self.stdout.read_line(&mut line).expect("stats");
        let mut parts = line.split_whitespace().map(|p| p.parse().unwrap_or(0));
        (parts.next().unwrap_or(0), parts.next().unwrap_or(0))
    }
}

impl Drop for Fake {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn client(url: &str) -> Client {
    Client::builder()
        .credentials(Credentials::ak_sk(FAKE_AK, FAKE_SK).expect("credentials"))
        .project_id(FAKE_PROJECT_ID)
        .endpoint_for_all(url)
        .retry(RetryPolicy::default())
        .build()
        .expect("client")
}

/// Lists everything; the time, or the error that ended the listing.
async fn list(client: &Client, pinned: Option<usize>) -> Result<Duration, String> {
    let started = Instant::now();
    let paginator = client.image_servers().list().paginate().page_size(PAGE);
    let paginator = match pinned {
        Some(n) => paginator.concurrency(n),
        None => paginator,
    };
    let items = paginator.collect_all().await.map_err(|e| e.to_string())?;
    if items.len() != ITEMS {
        return Err(format!("{} items, not {ITEMS}", items.len()));
    }
    Ok(started.elapsed())
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

fn report(label: &str, outcome: &Result<Duration, String>, stats: (usize, usize), limit: Duration) {
    let (requests, throttled) = stats;
    let share = 100.0 * throttled as f64 / requests.max(1) as f64;
    match outcome {
        Ok(elapsed) => println!(
            "  {label:<46} {:>7.0} ms  {:>5.2}x the limit  {requests:>4} requests, {throttled:>3} answered 429 ({share:.1} %)",
            ms(*elapsed),
            elapsed.as_secs_f64() / limit.as_secs_f64()
        ),
        Err(error) => println!(
            "  {label:<46} FAILED after {requests} requests, {throttled} answered 429 ({share:.1} %): {error}"
        ),
    }
}

/// The official Python SDK's loop against `url`, where the SDK is installed.
fn python_loop(url: &str) -> Option<String> {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..");
    let python = std::env::var("BENCH_PYTHON")
        .map(PathBuf::from)
        .unwrap_or_else(|_| root.join(".ci/venv/bin/python"));
    if !python.exists() {
        return None;
    }
    let script = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("benches/official_sdk_loop.py");
    let output = Command::new(python)
        .arg(script)
        .args([url, FAKE_AK, FAKE_SK, FAKE_PROJECT_ID, &PAGE.to_string()])
        .output()
        .ok()?;
    if !output.status.success() {
        return Some(format!(
            "failed: {}",
            String::from_utf8_lossy(&output.stderr)
                .lines()
                .last()
                .unwrap_or("")
        ));
    }
    Some(String::from_utf8_lossy(&output.stdout).trim().to_string())
}

fn python_ms(line: &str) -> Option<f64> {
    line.split_whitespace()
        .find_map(|part| part.strip_prefix("elapsed_ms="))
        .and_then(|v| v.parse().ok())
}

async fn parent() {
    let pages = ITEMS.div_ceil(PAGE as usize);
    println!(
        "listing {ITEMS} image servers ({pages} pages of {PAGE}) at {} ms per request, fake in its own process",
        LATENCY.as_millis()
    );

    if std::env::var_os("FLOW_BENCH_QUICK").is_some() {
        let mut fake = Fake::start(Some((20.0, 10.0)));
        let c = client(&fake.url);
        let outcome = list(&c, None).await;
        report(
            "quick throttled",
            &outcome,
            fake.stats(),
            Duration::from_secs(5),
        );
        return;
    }
    println!("unthrottled:");
    let mut fake = Fake::start(None);
    let max = huaweicloud_images::DEFAULT_MAX_CONCURRENCY;
    let limit = LATENCY * (1 + (pages - 1).div_ceil(max)) as u32;
    println!(
        "  limit for {max} in flight, (1 + ceil({} / {max})) x {} ms = {:.0} ms",
        pages - 1,
        LATENCY.as_millis(),
        ms(limit)
    );
    let adaptive_free = list(&client(&fake.url), None).await;
    report(
        "paginate() defaults (adaptive)",
        &adaptive_free,
        fake.stats(),
        limit,
    );
    let fixed = list(&client(&fake.url), Some(4)).await;
    report(
        "concurrency(4) (the former fixed prefetch)",
        &fixed,
        fake.stats(),
        limit,
    );
    let pinned = list(&client(&fake.url), Some(max)).await;
    report(
        &format!("concurrency({max}) (no ramp)"),
        &pinned,
        fake.stats(),
        limit,
    );
    let python_free = python_loop(&fake.url);
    drop(fake);

    println!("throttled at 20 requests/s, burst 10:");
    let limit = Duration::from_secs_f64(pages as f64 / 20.0);
    println!("  limit, {pages} / 20 s = {:.0} ms", ms(limit));
    let mut fake = Fake::start(Some((20.0, 10.0)));
    let throttled_client = client(&fake.url);
    let adaptive_throttled = list(&throttled_client, None).await;
    report(
        "paginate() defaults (adaptive)",
        &adaptive_throttled,
        fake.stats(),
        limit,
    );
    let state = throttled_client.flow_state(Service::WorkspaceApp);
    println!(
        "    the client stands at {} in flight, {}",
        state.concurrency,
        state.rate.map_or("no rate limit".to_string(), |r| format!(
            "{r:.1} requests/s"
        ))
    );
    drop(fake);
    let mut fake = Fake::start(Some((20.0, 10.0)));
    let before = Client::builder()
        .credentials(Credentials::ak_sk(FAKE_AK, FAKE_SK).expect("credentials"))
        .project_id(FAKE_PROJECT_ID)
        .endpoint_for_all(&fake.url)
        .retry(RetryPolicy::default().without_retry_budget())
        .flow(FlowPolicy::default().with_adaptive_rate(false))
        .build()
        .expect("client");
    let before = list(&before, Some(4)).await;
    report(
        "before: fixed 4, no learnt rate, no retry budget",
        &before,
        fake.stats(),
        limit,
    );
    drop(fake);
    let mut fake = Fake::start(Some((20.0, 10.0)));
    let fixed = list(&client(&fake.url), Some(4)).await;
    report(
        "concurrency(4) (the former fixed prefetch)",
        &fixed,
        fake.stats(),
        limit,
    );
    drop(fake);

    println!("four listings at once on one client, throttled at 20 requests/s, burst 10:");
    let limit4 = limit * 4;
    println!(
        "  limit for the total, 4 x {pages} / 20 s = {:.0} ms",
        ms(limit4)
    );
    let mut fake = Fake::start(Some((20.0, 10.0)));
    let shared = client(&fake.url);
    let started = Instant::now();
    let (a, b, c, d) = futures::join!(
        list(&shared, None),
        list(&shared, None),
        list(&shared, None),
        list(&shared, None)
    );
    let total = started.elapsed();
    let outcomes = [a, b, c, d];
    let all: Result<Duration, String> = match outcomes.iter().find_map(|o| o.as_ref().err()) {
        Some(error) => Err(error.clone()),
        None => Ok(total),
    };
    report("4 x paginate() defaults, total", &all, fake.stats(), limit4);
    let each: Vec<String> = outcomes
        .iter()
        .map(|o| {
            o.as_ref()
                .map_or("failed".into(), |d| format!("{:.0} ms", ms(*d)))
        })
        .collect();
    println!("    each listing: {}", each.join(", "));
    let mut fake_python = Fake::start(Some((20.0, 10.0)));
    let python_throttled = python_loop(&fake_python.url);
    let python_stats = fake_python.stats();
    drop(fake_python);
    drop(fake);

    println!("the official Python SDK's hand loop (benches/official_sdk_loop.py):");
    match (python_free, python_throttled) {
        (Some(free), Some(throttled)) => {
            let ratio =
                |python: &str, ours: &Result<Duration, String>| match (python_ms(python), ours) {
                    (Some(p), Ok(d)) => format!("{:.1}x the time of paginate()", p / ms(*d)),
                    _ => "no ratio".into(),
                };
            println!("  unthrottled: {free} -> {}", ratio(&free, &adaptive_free));
            println!(
                "  throttled:   {throttled} ({} requests answered 429 of {}) -> {}",
                python_stats.1,
                python_stats.0,
                ratio(&throttled, &adaptive_throttled)
            );
        }
        _ => println!(
            "  skipped: the official SDK is not installed (.ci/venv/bin/python or BENCH_PYTHON)"
        ),
    }
}

fn main() {
    if std::env::var_os("FLOW_BENCH_LOG").is_some() {
        tracing_subscriber::fmt()
            .with_env_filter(tracing_subscriber::EnvFilter::from_env("FLOW_BENCH_LOG"))
            .with_timer(tracing_subscriber::fmt::time::uptime())
            .with_ansi(false)
            .with_target(false)
            .with_writer(std::io::stderr)
            .init();
    }
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("runtime");
    match std::env::var(CHILD) {
        Ok(throttle) => runtime.block_on(child(&throttle)),
        Err(_) => runtime.block_on(parent()),
    }
}
