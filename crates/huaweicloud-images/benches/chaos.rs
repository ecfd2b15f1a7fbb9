//! Listing under faults (figures, not a timed test): 10,000 image servers in pages of 100 while the
//! fake injects 10 % of mixed faults (2 % each: 429 with `Retry-After: 1`, 503, a reset connection,
//! a slow body, malformed JSON), with the default retry policy, for a few seeds. Prints, per seed,
//! the requests sent, the retries among them, the faults met and the wall time, and checks that
//! every item arrived once, in order.
//!
//! Run: `cargo bench -p huaweicloud-images --bench chaos` (`BENCH_SEEDS=1,2,3`, `BENCH_ITEMS`,
//! `BENCH_FAULT_RATE` change the set-up).

use std::time::{Duration, Instant};

use futures::TryStreamExt;
use huaweicloud_images::{Client, Credentials, RetryPolicy};
use huaweicloud_images_fake::{
    FAKE_AK, FAKE_PROJECT_ID, FAKE_SK, FakeConfig, FakeServer, Fault, FaultScope,
};

fn env_or<T: std::str::FromStr>(name: &str, default: T) -> T {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

#[tokio::main]
async fn main() {
    let items: usize = env_or("BENCH_ITEMS", 10_000);
    let rate: f64 = env_or("BENCH_FAULT_RATE", 0.10);
    let seeds: Vec<u64> = std::env::var("BENCH_SEEDS")
        .unwrap_or_else(|_| "1,2,3".into())
        .split(',')
        .filter_map(|s| s.trim().parse().ok())
        .collect();
    println!(
        "listing {items} image servers in pages of 100 under {:.0} % mixed faults, default retry policy",
        rate * 100.0
    );
    println!(
        "  {:>4}  {:>8}  {:>7}  {:>11}  {:>9}",
        "seed", "requests", "retries", "faults met", "wall ms"
    );
    for seed in seeds {
        let fake = FakeServer::start(FakeConfig {
            seed,
            image_servers: items.saturating_sub(3),
            images: 0,
            dev_server_images: 0,
            ..FakeConfig::default()
        })
        .await
        .expect("fake starts");
        for fault in [
            Fault::TooManyRequests {
                retry_after_secs: 1,
            },
            Fault::ServiceUnavailable,
            Fault::ConnectionReset,
            Fault::SlowBody {
                chunk_size: 4_096,
                chunk_delay: Duration::from_millis(2),
            },
            Fault::MalformedJson,
        ] {
            fake.inject(fault, FaultScope::Rate(rate / 5.0), None);
        }
        let client = Client::builder()
            .credentials(Credentials::ak_sk(FAKE_AK, FAKE_SK).expect("credentials"))
            .project_id(FAKE_PROJECT_ID)
            .endpoint_for_all(fake.base_url())
            .retry(RetryPolicy::default())
            .build()
            .expect("client");
        let started = Instant::now();
        let listed: Vec<String> = client
            .image_servers()
            .list()
            .paginate()
            .page_size(100)
            .items()
            .map_ok(|server| server.id.unwrap_or_default())
            .try_collect()
            .await
            .expect("the listing completes under faults");
        let elapsed = started.elapsed();
        let expected: Vec<String> = fake
            .data()
            .image_servers
            .iter()
            .map(|s| s.id.clone())
            .collect();
        assert!(listed == expected, "seed {seed}: every item once, in order");
        let requests = fake.requests();
        let pages = items.div_ceil(100);
        let met = requests.iter().filter(|r| !r.faults.is_empty()).count();
        println!(
            "  {seed:>4}  {:>8}  {:>7}  {met:>11}  {:>9.0}",
            requests.len(),
            requests.len().saturating_sub(pages),
            elapsed.as_secs_f64() * 1000.0
        );
        fake.shutdown().await;
    }
}
