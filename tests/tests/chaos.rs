//! A listing of 3,000 image servers while the fake injects 10 % of mixed faults (2 % each: 429 with
//! `Retry-After`, 503, a reset connection, a slow body and malformed JSON), over several seeds.
//!
//! The fake's draws depend on the seed and the request alone (not on the order concurrent requests
//! arrive in), so each seed is one reproducible run. With the default retry policy every listing
//! completes with every item exactly once, in order; with retries off it ends with a typed error,
//! and every item delivered before it is where it belongs (none lost, none repeated).

mod common;

use std::time::Duration;

use common::*;
use futures::StreamExt;
use huaweicloud_images::{Error, RetryPolicy};
use huaweicloud_images_fake::{FakeConfig, FakeServer, Fault, FaultScope};

const SEEDS: [u64; 5] = [1, 2, 3, 4, 5];

async fn chaotic(seed: u64) -> FakeServer {
    let fake = start(FakeConfig {
        seed,
        image_servers: 2_997,
        ..FakeConfig::default()
    })
    .await;
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
        fake.inject(fault, FaultScope::Rate(0.02), None);
    }
    fake
}

/// Every result of the listing, errors included.
async fn list(client: &huaweicloud_images::Client) -> Vec<Result<String, Error>> {
    client
        .image_servers()
        .list()
        .paginate()
        .page_size(100)
        .items()
        .map(|item| item.map(|server| server.id.unwrap()))
        .collect()
        .await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn with_retries_every_item_arrives_once_in_order() {
    let mut faults_met = 0;
    for seed in SEEDS {
        let fake = chaotic(seed).await;
        let expected = server_ids(&expected_servers(&fake));
        let client = builder(&fake)
            .retry(RetryPolicy::default())
            .build()
            .unwrap();
        let listed: Vec<String> = list(&client)
            .await
            .into_iter()
            .collect::<Result<_, _>>()
            .unwrap_or_else(|e| panic!("seed {seed}: {e}"));
        assert_eq!(listed, expected, "seed {seed}");
        faults_met += fake
            .requests()
            .iter()
            .filter(|r| !r.faults.is_empty())
            .count();
    }
    assert!(faults_met > 0, "the faults were met at all");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn without_retries_a_typed_error_ends_the_listing_and_nothing_is_lost() {
    let mut errors = 0;
    for seed in SEEDS {
        let fake = chaotic(seed).await;
        let expected = server_ids(&expected_servers(&fake));
        let client = client_without_retries(&fake);
        let results = list(&client).await;
        let delivered: Vec<&String> = results.iter().map_while(|r| r.as_ref().ok()).collect();
        assert_eq!(
            delivered,
            expected.iter().take(delivered.len()).collect::<Vec<_>>(),
            "seed {seed}: a gapless prefix, in order"
        );
        match results.last() {
            Some(Err(error)) => {
                errors += 1;
                assert_eq!(delivered.len(), results.len() - 1, "the error comes last");
                assert!(
                    matches!(
                        error,
                        Error::Api(_) | Error::Transport { .. } | Error::Decode { .. }
                    ),
                    "seed {seed}: {error:?}"
                );
            }
            _ => assert_eq!(delivered.len(), expected.len(), "seed {seed}"),
        }
    }
    assert!(errors > 0, "at 10 % faults, a listing of 30 pages met one");
}
