//! A consumer that works on each page must not make the pages requested ahead time out: requests
//! in flight are driven on their own, so a time-out measures the service, not the consumer.
//!
//! The reproduction: 50 image servers, pages of 10, 4 in flight, a 300 ms per-attempt time-out,
//! retries off, and a consumer that spends 600 ms on each page. Before, the listing failed after 20
//! items with "ListImageServers timed out after 606 ms" although the fake answered in milliseconds.

mod common;

use std::time::Duration;

use common::*;
use futures::TryStreamExt;
use huaweicloud_images::{RetryPolicy, blocking};
use huaweicloud_images_fake::{FakeConfig, FakeServer, Operation};

const WORK_PER_PAGE: Duration = Duration::from_millis(600);

async fn fifty_servers() -> FakeServer {
    let fake = start(FakeConfig {
        image_servers: 47,
        ..FakeConfig::default()
    })
    .await;
    assert_eq!(fake.data().image_servers.len(), 50);
    fake
}

fn impatient(fake: &FakeServer) -> huaweicloud_images::Client {
    builder(fake)
        .request_timeout(Some(Duration::from_millis(300)))
        .retry(RetryPolicy::disabled())
        .build()
        .unwrap()
}

fn list_requests(fake: &FakeServer) -> usize {
    fake.requests()
        .iter()
        .filter(|r| r.operation == Some(Operation::ListImageServers))
        .count()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_slow_async_consumer_gets_every_item_with_one_request_per_page() {
    let fake = fifty_servers().await;
    let client = impatient(&fake);
    let mut pages = client
        .image_servers()
        .list()
        .paginate()
        .page_size(10)
        .concurrency(4)
        .pages();
    let mut items = Vec::new();
    while let Some(page) = pages.try_next().await.unwrap() {
        items.extend(page.items);
        tokio::time::sleep(WORK_PER_PAGE).await;
    }
    assert_eq!(server_ids(&items), server_ids(&expected_servers(&fake)));
    assert_eq!(
        list_requests(&fake),
        5,
        "one request per page, none repeated"
    );
}

#[test]
fn a_slow_blocking_consumer_gets_every_item_with_one_request_per_page() {
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let fake = runtime.block_on(fifty_servers());
    let client = blocking::Client::new(impatient(&fake)).unwrap();
    let mut items = Vec::new();
    for page in client
        .image_servers()
        .list()
        .paginate()
        .page_size(10)
        .concurrency(4)
        .pages()
    {
        items.extend(page.unwrap().items);
        std::thread::sleep(WORK_PER_PAGE);
    }
    assert_eq!(server_ids(&items), server_ids(&expected_servers(&fake)));
    assert_eq!(
        list_requests(&fake),
        5,
        "one request per page, none repeated"
    );
}

#[tokio::test]
async fn dropping_a_listing_cancels_its_requests_in_flight() {
    let fake = fifty_servers().await;
    fake.set_latency(Duration::from_millis(300));
    let client = client(&fake);
    let mut pages = client
        .image_servers()
        .list()
        .paginate()
        .page_size(10)
        .concurrency(4)
        .pages();
    pages.try_next().await.unwrap().unwrap();
    // The next pages are in flight now; dropping the stream must abort them.
    tokio::time::sleep(Duration::from_millis(50)).await;
    drop(pages);
    tokio::time::sleep(Duration::from_millis(600)).await;
    let answered: Vec<_> = fake
        .requests()
        .into_iter()
        .filter(|r| r.status.is_some())
        .collect();
    assert_eq!(
        answered.len(),
        1,
        "only the first page was answered; the client went away from the others: {:?}",
        fake.requests()
    );
}
