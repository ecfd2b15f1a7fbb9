//! Flow-control figures (not a timed test): listing 10,000 image servers in pages of 100 at 20 ms
//! per request from a fake in its own process, side by side, each case against its target:
//! - unthrottled: the adaptive defaults, `concurrency(16)` and `concurrency(4)` pinned, against
//!   `max(the latency limit at 16 in flight, (1 + ⌈99 / 16⌉) × 20 ms; the same listing at 0 ms
//!   latency)`, target within 1.3 × of it; the CPU time of the client and of the fake for each
//!   (both share this machine's 2 cores, so the fake's CPU is part of the time);
//! - throttled by the fake's gateway at 20 requests/s (burst 10): the adaptive defaults against
//!   `100 / 20 s`, target within 1.05 × and at most 5 % of the requests answered 429;
//! - four listings at once on one client, throttled: the total against `4 × 100 / 20 s`, at most
//!   3 % answered 429, and each listing's time (none starved);
//! - a batch of 100 creates made at once, throttled: against `100 / 20 s`, the same targets as
//!   one listing;
//! - the official Python SDK's hand loop (`benches/official_sdk_loop.py`) unthrottled and
//!   throttled, where the SDK is installed (`.ci/venv/bin/python`, or `BENCH_PYTHON`).
//!
//! Run: `cargo bench -p huaweicloud-images --bench flow`. `FLOW_BENCH_LOG=huaweicloud_images=debug`
//! prints the client's trace (answers, throttling, retries) with times, to see where time goes.

use std::io::{BufRead, BufReader, Write};
use std::path::PathBuf;
use std::process::{Child, ChildStdin, ChildStdout, Command, Stdio};
use std::time::{Duration, Instant};

use huaweicloud_images::models::workspaceapp::CreateImageServerReq;
use huaweicloud_images::{Client, Credentials, RetryPolicy, Service};
use huaweicloud_images_fake::{
    FAKE_AK, FAKE_PROJECT_ID, FAKE_SK, FakeConfig, FakeServer, Throttle,
};

#[path = "support/cpu.rs"]
mod cpu;
use cpu::cpu_time;
const ITEMS: usize = 10_000;
const PAGE: u32 = 100;
const CREATES: usize = 100;
const LATENCY: Duration = Duration::from_millis(20);
const CHILD: &str = "FLOW_BENCH_FAKE";

/// Child mode: a fake with `ITEMS` servers, the latency in ms and the throttle given as
/// `LATENCY;RATE,BURST` (or `LATENCY;none`); on each `stats` line on stdin, prints
/// `requests throttled cpu_us answer_us` (its CPU time so far, and its mean time from a request's
/// arrival to its answer's head since the last `stats`) and clears its log.
async fn child(spec: &str) {
    let (latency, throttle) = spec.split_once(';').unwrap_or(("20", "none"));
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
        lifecycle_step: Duration::from_secs(3600),
        ..FakeConfig::default()
    })
    .await
    .expect("fake starts");
    fake.set_latency(Duration::from_millis(latency.parse().unwrap_or(20)));
    println!("{}", fake.base_url());
    let stdin = std::io::stdin();
    let mut line = String::new();
    while stdin.lock().read_line(&mut line).is_ok_and(|n| n > 0) {
        let requests = fake.requests();
        let throttled = requests.iter().filter(|r| r.status == Some(429)).count();
        // The fake's own time per answer: its latency as slept, then its handling.
        let answered: Vec<Duration> = requests.iter().filter_map(|r| r.answered_after).collect();
        let mean = u32::try_from(answered.len())
            .ok()
            .filter(|n| *n > 0)
            .map(|n| answered.iter().sum::<Duration>() / n);
        println!(
            "{} {throttled} {} {}",
            requests.len(),
            cpu_time().as_micros(),
            mean.map_or("-".to_owned(), |mean| mean.as_micros().to_string())
        );
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
    /// Its CPU time at the last `stats`.
    cpu: Duration,
}

impl Stats {
    /// The share of the requests answered 429, in %.
    fn share(&self) -> f64 {
        100.0 * self.throttled as f64 / self.requests.max(1) as f64
    }
}

/// What the fake saw of one case.
#[derive(Clone, Copy, Default)]
struct Stats {
    requests: usize,
    throttled: usize,
    /// The fake's CPU time during the case.
    fake_cpu: Duration,
    /// The fake's mean time per answer, from a request's arrival: its latency as slept, then
    /// its handling (what of each round trip is the fake's); `None` when it answered nothing.
    fake_answer: Option<Duration>,
}

impl Fake {
    fn start(latency: Duration, throttle: Option<(f64, f64)>) -> Fake {
        let throttle = throttle.map_or("none".to_string(), |(r, b)| format!("{r},{b}"));
        let mut child = Command::new(std::env::current_exe().expect("own path"))
            .env(CHILD, format!("{};{throttle}", latency.as_millis()))
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .spawn()
            .expect("child fake");
        let stdin = child.stdin.take().expect("stdin");
        let mut stdout = BufReader::new(child.stdout.take().expect("stdout"));
        let mut url = String::new();
        stdout.read_line(&mut url).expect("url");
        let mut fake = Fake {
            child,
            stdin,
            stdout,
            url: url.trim().to_string(),
            cpu: Duration::ZERO,
        };
        fake.stats();
        fake
    }

    /// Requests, 429s and the fake's CPU time since the last call.
    fn stats(&mut self) -> Stats {
        writeln!(self.stdin, "stats").expect("ask");
        self.stdin.flush().expect("flush");
        let mut line = String::new();
        self.stdout.read_line(&mut line).expect("stats");
        let mut parts = line.split_whitespace().map(|p| p.parse::<u64>().ok());
        let requests = parts.next().flatten().unwrap_or(0) as usize;
        let throttled = parts.next().flatten().unwrap_or(0) as usize;
        let cpu = Duration::from_micros(parts.next().flatten().unwrap_or(0));
        let fake_answer = parts.next().flatten().map(Duration::from_micros);
        let fake_cpu = cpu.saturating_sub(self.cpu);
        self.cpu = cpu;
        Stats {
            requests,
            throttled,
            fake_cpu,
            fake_answer,
        }
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

/// One case's outcome: its time (or the error that ended it), and the client's CPU time.
struct Run {
    outcome: Result<Duration, String>,
    client_cpu: Duration,
}

impl Run {
    /// Its time over `limit` (infinite when it failed).
    fn ratio(&self, limit: Duration) -> f64 {
        self.outcome
            .as_ref()
            .map_or(f64::INFINITY, |d| d.as_secs_f64() / limit.as_secs_f64())
    }
}

/// Lists everything.
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

/// Runs `case`, measuring this process's CPU time too.
async fn measured(case: impl std::future::Future<Output = Result<Duration, String>>) -> Run {
    let cpu = cpu_time();
    let outcome = case.await;
    Run {
        outcome,
        client_cpu: cpu_time() - cpu,
    }
}

/// `CREATES` creates made at once on one client.
async fn creates(client: &Client) -> Result<Duration, String> {
    let started = Instant::now();
    let calls = (0..CREATES).map(|n| {
        let client = client.clone();
        async move {
            let name = format!("bench-{n}").parse().map_err(|e| format!("{e}"))?;
            client
                .image_servers()
                .create(
                    CreateImageServerReq::builder()
                        .name(Some(name))
                        .flavor_id(Some("workspace.appstream.general.xlarge.2".to_owned()))
                        .vpc_id(Some("vpc-1".to_owned()))
                        .subnet_id(Some("subnet-1".to_owned())),
                )
                .send()
                .await
                .map_err(|e| e.to_string())
        }
    });
    for outcome in futures::future::join_all(calls).await {
        outcome?;
    }
    Ok(started.elapsed())
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

fn verdict(met: bool) -> &'static str {
    if met { "met" } else { "MISSED" }
}

fn report(label: &str, run: &Run, stats: Stats, limit: Duration) {
    let Stats {
        requests,
        throttled,
        fake_cpu,
        fake_answer,
    } = stats;
    let share = stats.share();
    match &run.outcome {
        Ok(elapsed) => println!(
            "  {label:<44} {:>6.0} ms {:>5.2}x  {requests:>4} requests {throttled:>3} x 429 ({share:>4.1} %)  CPU client {:>4.0} ms, fake {:>4.0} ms; the fake answers in {}",
            ms(*elapsed),
            run.ratio(limit),
            ms(run.client_cpu),
            ms(fake_cpu),
            fake_answer.map_or("n/a".to_owned(), |d| format!("{:.2} ms", ms(d))),
        ),
        Err(error) => println!(
            "  {label:<44} FAILED after {requests} requests, {throttled} answered 429 ({share:.1} %): {error}"
        ),
    }
}

/// The throttled target: within `1.05 ×` of `limit`, at most `max_share` % answered 429.
fn throttled_target(run: &Run, stats: Stats, limit: Duration, max_share: f64) {
    let (share, ratio) = (stats.share(), run.ratio(limit));
    println!(
        "    target: <= 1.05x the limit ({ratio:.2}x: {}), <= {max_share} % answered 429 ({share:.1} %: {})",
        verdict(ratio <= 1.05),
        verdict(share <= max_share)
    );
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

async fn unthrottled(pages: usize) -> Run {
    println!("unthrottled:");
    let max = huaweicloud_images::DEFAULT_MAX_CONCURRENCY;
    let latency_limit = LATENCY * (1 + (pages - 1).div_ceil(max)) as u32;

    // The CPU floor: the same listing with no latency, the fake in its own process.
    let mut fake = Fake::start(Duration::ZERO, None);
    let floor = measured(list(&client(&fake.url), None)).await;
    let floor_stats = fake.stats();
    drop(fake);
    let floor_time = floor.outcome.clone().unwrap_or(Duration::MAX);
    let limit = latency_limit.max(floor_time);
    println!(
        "  latency limit at {max} in flight, (1 + ceil({} / {max})) x {} ms = {:.0} ms; the listing at 0 ms latency {:.0} ms",
        pages - 1,
        LATENCY.as_millis(),
        ms(latency_limit),
        ms(floor_time)
    );
    report(
        "0 ms latency, paginate() defaults",
        &floor,
        floor_stats,
        limit,
    );
    // The slow start's rounds (the first page alone, then 4, 8, 16, ... pages): what the
    // latency alone costs the adaptive listing.
    let (mut rounds, mut sent) = (1, 1);
    let mut window = huaweicloud_images::DEFAULT_INITIAL_CONCURRENCY;
    while sent < pages {
        sent += window;
        rounds += 1;
        window = (window * 2).min(max);
    }
    let ramp_limit = LATENCY * rounds;
    println!(
        "  latency limit of the slow start's rounds (1, 4, 8, 16, ... pages): {rounds} x {} ms = {:.0} ms",
        LATENCY.as_millis(),
        ms(ramp_limit)
    );

    let mut fake = Fake::start(LATENCY, None);
    let adaptive = measured(list(&client(&fake.url), None)).await;
    report(
        "paginate() defaults (adaptive)",
        &adaptive,
        fake.stats(),
        limit,
    );
    let ratio = adaptive.ratio(limit);
    println!(
        "    target: <= 1.3x max(latency limit, 0 ms listing) = {:.0} ms ({ratio:.2}x: {})",
        ms(limit.mul_f64(1.3)),
        verdict(ratio <= 1.3)
    );
    let ramp = ramp_limit.max(floor_time);
    let ramp_ratio = adaptive.ratio(ramp);
    println!(
        "    against the slow start's own latency limit instead: <= 1.3x {:.0} ms ({ramp_ratio:.2}x: {})",
        ms(ramp),
        verdict(ramp_ratio <= 1.3)
    );
    let pinned = measured(list(&client(&fake.url), Some(max))).await;
    report(
        &format!("concurrency({max}) pinned (no ramp)"),
        &pinned,
        fake.stats(),
        limit,
    );
    let fixed = measured(list(&client(&fake.url), Some(4))).await;
    report("concurrency(4) pinned", &fixed, fake.stats(), limit);
    let python = python_loop(&fake.url);
    drop(fake);
    if let Some(line) = &python {
        let ratio = match (python_ms(line), &adaptive.outcome) {
            (Some(p), Ok(d)) => format!("{:.1}x the time of paginate()", p / ms(*d)),
            _ => "no ratio".into(),
        };
        println!("  the official Python SDK's hand loop: {line} -> {ratio}");
    }
    adaptive
}

async fn throttled(pages: usize) {
    println!("throttled at 20 requests/s, burst 10:");
    let limit = Duration::from_secs_f64(pages as f64 / 20.0);
    println!("  limit, {pages} / 20 s = {:.0} ms", ms(limit));
    let mut fake = Fake::start(LATENCY, Some((20.0, 10.0)));
    let throttled_client = client(&fake.url);
    let adaptive = measured(list(&throttled_client, None)).await;
    let stats = fake.stats();
    report("paginate() defaults (adaptive)", &adaptive, stats, limit);
    throttled_target(&adaptive, stats, limit, 5.0);
    let state = throttled_client.flow_state(Service::WorkspaceApp);
    println!(
        "    the client stands at {} in flight, {}",
        state.concurrency,
        state.rate.map_or("no rate limit".to_string(), |r| format!(
            "{r:.1} requests/s"
        ))
    );
    drop(fake);
    let mut fake = Fake::start(LATENCY, Some((20.0, 10.0)));
    let fixed = measured(list(&client(&fake.url), Some(4))).await;
    report("concurrency(4) pinned", &fixed, fake.stats(), limit);
    drop(fake);

    println!("  four listings at once on one client:");
    let limit4 = limit * 4;
    println!(
        "  limit for the total, 4 x {pages} / 20 s = {:.0} ms",
        ms(limit4)
    );
    let mut fake = Fake::start(LATENCY, Some((20.0, 10.0)));
    let shared = client(&fake.url);
    let started = Instant::now();
    let cpu = cpu_time();
    let (a, b, c, d) = futures::join!(
        list(&shared, None),
        list(&shared, None),
        list(&shared, None),
        list(&shared, None)
    );
    let total = started.elapsed();
    let outcomes = [a, b, c, d];
    let all = Run {
        outcome: match outcomes.iter().find_map(|o| o.as_ref().err()) {
            Some(error) => Err(error.clone()),
            None => Ok(total),
        },
        client_cpu: cpu_time() - cpu,
    };
    let stats = fake.stats();
    report("4 x paginate() defaults, total", &all, stats, limit4);
    throttled_target(&all, stats, limit4, 3.0);
    let each: Vec<String> = outcomes
        .iter()
        .map(|o| {
            o.as_ref()
                .map_or("failed".into(), |d| format!("{:.0} ms", ms(*d)))
        })
        .collect();
    println!("    each listing: {}", each.join(", "));
    drop(fake);

    println!("  {CREATES} creates made at once on one client:");
    let limit = Duration::from_secs_f64(CREATES as f64 / 20.0);
    let mut fake = Fake::start(LATENCY, Some((20.0, 10.0)));
    let writes = measured(creates(&client(&fake.url))).await;
    let stats = fake.stats();
    report(&format!("{CREATES} x create"), &writes, stats, limit);
    throttled_target(&writes, stats, limit, 5.0);
    drop(fake);

    let mut fake = Fake::start(LATENCY, Some((20.0, 10.0)));
    let python = python_loop(&fake.url);
    let stats = fake.stats();
    if let Some(line) = python {
        let ratio = match (python_ms(&line), &adaptive.outcome) {
            (Some(p), Ok(d)) => format!("{:.1}x the time of paginate()", p / ms(*d)),
            _ => "no ratio".into(),
        };
        println!(
            "  the official Python SDK's hand loop: {line} ({} of {} requests answered 429) -> {ratio}",
            stats.throttled, stats.requests
        );
    }
}

async fn parent() {
    let pages = ITEMS.div_ceil(PAGE as usize);
    println!(
        "listing {ITEMS} image servers ({pages} pages of {PAGE}) at {} ms per request, fake in its own process",
        LATENCY.as_millis()
    );
    let which = std::env::var("FLOW_BENCH_CASES").unwrap_or_default();
    if which.is_empty() || which.contains("unthrottled") {
        unthrottled(pages).await;
    }
    if which.is_empty() || which.contains("throttled") && !which.contains("unthrottled") {
        throttled(pages).await;
    }
    if std::env::var("BENCH_PYTHON").is_err()
        && !PathBuf::from(env!("CARGO_MANIFEST_DIR"))
            .join("../../.ci/venv/bin/python")
            .exists()
    {
        println!(
            "the official Python SDK's loop: skipped (not installed: .ci/venv/bin/python or BENCH_PYTHON)"
        );
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
        Ok(spec) => runtime.block_on(child(&spec)),
        Err(_) => runtime.block_on(parent()),
    }
}
