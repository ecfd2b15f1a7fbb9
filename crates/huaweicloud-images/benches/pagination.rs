//! Pagination figures (not a timed test): wall time to list 10,000 items (100 pages of 100) from
//! the local fake at 20 ms per request — a hand-written offset loop, the paginator with
//! concurrency 1, and the paginator's defaults (adaptive concurrency) — and the peak heap growth
//! while streaming 10,000 and 100,000 items. `benches/flow.rs` has the throttled cases.
//!
//! Run: `cargo bench -p huaweicloud-images --bench pagination` (figures are printed; the README
//! quotes them). `BENCH_LATENCY_MS` and `BENCH_ITEMS` change the set-up.

use std::io::{BufRead, Read};
use std::time::{Duration, Instant};

use futures::TryStreamExt;
use huaweicloud_images::{Client, Credentials, RetryPolicy};
use huaweicloud_images_fake::{FAKE_AK, FAKE_PROJECT_ID, FAKE_SK, FakeConfig, FakeServer};
use peak_alloc::PeakAlloc;

#[global_allocator]
static HEAP: PeakAlloc = PeakAlloc;

fn env_or(name: &str, default: u64) -> u64 {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

async fn fake_with(servers: usize) -> FakeServer {
    FakeServer::start(FakeConfig {
        image_servers: servers,
        images: 0,
        dev_server_images: 0,
        ..FakeConfig::default()
    })
    .await
    .expect("fake starts")
}

fn client(fake: &FakeServer) -> Client {
    Client::builder()
        .credentials(Credentials::ak_sk(FAKE_AK, FAKE_SK).expect("credentials"))
        .project_id(FAKE_PROJECT_ID)
        .endpoint_for_all(fake.base_url())
        .retry(RetryPolicy::disabled())
        .build()
        .expect("client")
}

/// What users of the official SDKs write: offset/limit by hand, one request at a time.
async fn hand_loop(client: &Client, page: u32) -> usize {
    let mut offset = 0u64;
    let mut seen = 0usize;
    loop {
        let response = client
            .image_servers()
            .list()
            .offset(offset)
            .limit(page)
            .send()
            .await
            .expect("page");
        let n = response.items.map(|i| i.len()).unwrap_or(0);
        seen += n;
        offset += n as u64;
        if n < page as usize {
            return seen;
        }
    }
}

async fn timed<F: std::future::Future<Output = usize>>(
    label: &str,
    f: F,
    expected: usize,
) -> Duration {
    let started = Instant::now();
    let n = f.await;
    let elapsed = started.elapsed();
    assert_eq!(n, expected, "{label} listed a wrong number of items");
    println!("  {label:<44} {:>8.0} ms", elapsed.as_secs_f64() * 1000.0);
    elapsed
}

/// The fake serves the documents' three example image servers beside the generated ones.
const EXAMPLE_SERVERS: usize = 3;

async fn throughput(items: usize, latency: Duration) {
    let fake = fake_with(items.saturating_sub(EXAMPLE_SERVERS)).await;
    assert_eq!(fake.data().image_servers.len(), items);
    fake.set_latency(latency);
    let client = client(&fake);
    let pages = items.div_ceil(100);
    println!(
        "listing {items} items ({pages} pages of 100) at {} ms per request:",
        latency.as_millis()
    );
    // Warm up the connection pool so every variant starts alike.
    client
        .image_servers()
        .list()
        .limit(1)
        .send()
        .await
        .expect("warm-up");
    timed(
        "hand-written offset loop (official SDK style)",
        hand_loop(&client, 100),
        items,
    )
    .await;
    let sequential = client
        .image_servers()
        .list()
        .paginate()
        .page_size(100)
        .concurrency(1);
    timed(
        "paginator, concurrency 1",
        async { sequential.collect_all().await.expect("list").len() },
        items,
    )
    .await;
    let default = client.image_servers().list().paginate().page_size(100);
    let elapsed = timed(
        "paginator, defaults (adaptive, up to 16)",
        async { default.collect_all().await.expect("list").len() },
        items,
    )
    .await;
    let max = huaweicloud_images::DEFAULT_MAX_CONCURRENCY;
    let limit = latency * (1 + (pages - 1).div_ceil(max)) as u32;
    println!(
        "  limit for {max} in flight, (1 + ceil({} / {max})) x latency: {:.0} ms; the defaults took {:.2}x (see the flow bench for the fake in its own process)",
        pages - 1,
        limit.as_secs_f64() * 1000.0,
        elapsed.as_secs_f64() / limit.as_secs_f64()
    );
}

/// Child mode: serve `n` image servers from a fake in this process and print its URL, until stdin
/// closes. The memory figures then count the client alone.
const CHILD_VARIABLE: &str = "PAGINATION_BENCH_FAKE_ITEMS";

async fn serve_fake_until_stdin_closes(generated: usize) {
    let fake = fake_with(generated).await;
    println!("{} {}", fake.base_url(), fake.data().image_servers.len());
    let _ = tokio::task::spawn_blocking(|| std::io::stdin().read_to_end(&mut Vec::new())).await;
}

/// A fake in a child process (this same binary in child mode).
struct ChildFake {
    child: std::process::Child,
    base_url: String,
    items: usize,
}

impl ChildFake {
    fn start(generated: usize) -> ChildFake {
        let mut child = std::process::Command::new(std::env::current_exe().expect("own path"))
            .env(CHILD_VARIABLE, generated.to_string())
            .stdin(std::process::Stdio::piped())
            .stdout(std::process::Stdio::piped())
            .spawn()
            .expect("child fake starts");
        let mut line = String::new();
        std::io::BufReader::new(child.stdout.take().expect("stdout"))
            .read_line(&mut line)
            .expect("child prints its URL");
        let mut parts = line.split_whitespace();
        let base_url = parts.next().expect("URL").to_string();
        let items = parts
            .next()
            .and_then(|n| n.parse().ok())
            .expect("item count");
        ChildFake {
            child,
            base_url,
            items,
        }
    }
}

impl Drop for ChildFake {
    fn drop(&mut self) {
        drop(self.child.stdin.take());
        let _ = self.child.wait();
    }
}

/// Peak heap growth of this process (the client; the fake runs in a child process) above the
/// level before streaming, while streaming every item and dropping it.
async fn peak_memory(generated: usize) {
    let fake = ChildFake::start(generated);
    let items = fake.items;
    let client = Client::builder()
        .credentials(Credentials::ak_sk(FAKE_AK, FAKE_SK).expect("credentials"))
        .project_id(FAKE_PROJECT_ID)
        .endpoint_for_all(fake.base_url.clone())
        .retry(RetryPolicy::disabled())
        .build()
        .expect("client");
    let stream = client
        .image_servers()
        .list()
        .paginate()
        .page_size(100)
        .items();
    let baseline = HEAP.current_usage();
    HEAP.reset_peak_usage();
    let count = stream
        .try_fold(0usize, |n, _server| async move { Ok(n + 1) })
        .await
        .expect("stream");
    assert_eq!(count, items);
    let peak = HEAP.peak_usage().saturating_sub(baseline);
    println!(
        "  streaming {items:>7} items: peak heap growth {:>8.1} KiB (client only; fake in a child process)",
        peak as f64 / 1024.0
    );
}

fn main() {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("runtime");
    if let Ok(n) = std::env::var(CHILD_VARIABLE) {
        let n = n.parse().expect("item count");
        runtime.block_on(serve_fake_until_stdin_closes(n));
        return;
    }
    let latency = Duration::from_millis(env_or("BENCH_LATENCY_MS", 20));
    let items = env_or("BENCH_ITEMS", 10_000) as usize;
    runtime.block_on(async {
        throughput(items, latency).await;
        println!("peak memory (page size 100, default prefetch, no latency):");
        for n in [10_000, 100_000] {
            peak_memory(n - EXAMPLE_SERVERS).await;
        }
    });
}
