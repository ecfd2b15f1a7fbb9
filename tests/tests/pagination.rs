//! Listing thousands of items page by page: order, request counts, prefetch, early stops, and a
//! service that ignores the offset, misreports its total or fails mid-listing.

mod common;

use std::collections::HashSet;

use common::*;
use futures::{StreamExt, TryStreamExt};
use huaweicloud_images::DEFAULT_MAX_CONCURRENCY;
use huaweicloud_images::models::{OsType, SortField, SortType};
use huaweicloud_images::{Error, Page};
use huaweicloud_images_fake::shapes::ImageInfo as FakeImage;
use huaweicloud_images_fake::{FakeConfig, FakeServer, Fault, FaultScope, Operation};

const SERVERS: usize = 2_500;
const IMAGES: usize = 3_000;

/// A fake holding 2,500 image servers and 3,000 images (the documents' examples included).
async fn start_large() -> FakeServer {
    let config = FakeConfig {
        image_servers: SERVERS - 3,
        images: IMAGES - 2,
        ..FakeConfig::default()
    };
    let fake = start(config).await;
    assert_eq!(fake.data().image_servers.len(), SERVERS);
    assert_eq!(fake.data().images.len(), IMAGES);
    fake
}

/// The offsets requested for `operation`, sorted, after checking every request asked for `limit`.
fn offsets(fake: &FakeServer, operation: Operation, limit: u32) -> Vec<u64> {
    let requests: Vec<_> = fake
        .requests()
        .into_iter()
        .filter(|r| r.operation == Some(operation))
        .collect();
    for request in &requests {
        assert_eq!(
            query_param(request, "limit"),
            Some(limit.to_string()),
            "{request:?}"
        );
        assert_eq!(request.status, Some(200), "{request:?}");
    }
    let mut offsets: Vec<u64> = requests.iter().map(offset_of).collect();
    offsets.sort_unstable();
    offsets
}

/// `0, page, 2·page, …` for the requests a listing of `n` items needs: one per page, plus one for
/// the empty page that ends it when the last page is full and no total says it was the last.
fn expected_offsets(n: usize, page: u32, ends_on_total: bool) -> Vec<u64> {
    let page = page as usize;
    let extra = usize::from(n.is_multiple_of(page) && !ends_on_total);
    (0..n.div_ceil(page) + extra)
        .map(|i| (i * page) as u64)
        .collect()
}

#[tokio::test]
async fn every_image_server_in_order_with_one_request_per_page() {
    let fake = start_large().await;
    let client = client(&fake);
    let expected = expected_servers(&fake);
    for page_size in [100, 7] {
        fake.clear_requests();
        let all = client
            .image_servers()
            .list()
            .paginate()
            .page_size(page_size)
            .collect_all()
            .await
            .unwrap();
        assert_eq!(
            server_ids(&all),
            server_ids(&expected),
            "page size {page_size}"
        );
        assert_eq!(all, expected);
        assert_eq!(
            offsets(&fake, Operation::ListImageServers, page_size),
            expected_offsets(SERVERS, page_size, true),
            "page size {page_size}: ⌈n/page⌉ requests, each offset once"
        );
    }
}

fn by_created_at_desc(fake: &FakeServer) -> Vec<String> {
    let mut images: Vec<&FakeImage> = fake.data().images.iter().collect();
    images.sort_by(|a, b| a.created_at.cmp(&b.created_at).then(a.id.cmp(&b.id)));
    images.reverse();
    images.iter().map(|i| i.id.clone()).collect()
}

#[tokio::test]
async fn every_image_in_the_requested_sort_order() {
    let fake = start_large().await;
    let client = client(&fake);

    let by_name = client
        .images()
        .list()
        .paginate()
        .collect_all()
        .await
        .unwrap();
    assert_eq!(by_name, expected_images(&fake), "default order: name");
    assert_eq!(
        offsets(&fake, Operation::ListImages, 100),
        expected_offsets(IMAGES, 100, true),
        "the default page size is 100"
    );

    fake.clear_requests();
    let newest_first = client
        .images()
        .list()
        .sort(SortField::CreatedAt, SortType::Desc)
        .paginate()
        .page_size(64)
        .collect_all()
        .await
        .unwrap();
    assert_eq!(image_ids(&newest_first), by_created_at_desc(&fake));
    assert_eq!(
        offsets(&fake, Operation::ListImages, 64),
        expected_offsets(IMAGES, 64, true)
    );
    for request in fake.requests() {
        let query = request.query.unwrap();
        assert!(
            query.contains("sort_field=created_at&sort_type=desc"),
            "{query}"
        );
    }
}

#[tokio::test]
async fn filters_are_sent_with_every_page() {
    let fake = start_large().await;
    let client = client(&fake);

    let linux = client
        .images()
        .list()
        .os_type(OsType::Linux)
        .paginate()
        .collect_all()
        .await
        .unwrap();
    let expected: Vec<String> = fake
        .data()
        .images
        .iter()
        .filter(|i| i.os_type == "Linux")
        .map(|i| i.id.clone())
        .collect();
    assert_eq!(
        expected.len(),
        1_002,
        "every third generated image, and both examples"
    );
    assert_eq!(image_ids(&linux), expected);

    let servers = client
        .image_servers()
        .list()
        .server_name("image-server-1")
        .paginate()
        .page_size(100)
        .collect_all()
        .await
        .unwrap();
    let expected: Vec<String> = fake
        .data()
        .image_servers
        .iter()
        .filter(|s| s.name.contains("image-server-1"))
        .map(|s| s.id.clone())
        .collect();
    assert_eq!(
        expected.len(),
        1_100,
        "names image-server-100 to -199 and -1000 to -1999"
    );
    assert_eq!(server_ids(&servers), expected);

    let requests = fake.requests();
    assert_eq!(requests.len(), 11 + 11, "⌈1002/100⌉ + ⌈1100/100⌉");
    for request in &requests[..11] {
        assert!(request.query.as_deref().unwrap().contains("os_type=Linux"));
    }
    for request in &requests[11..] {
        assert!(
            request
                .query
                .as_deref()
                .unwrap()
                .contains("server_name=image-server-1")
        );
    }
    requests.iter().for_each(assert_signed);
}

#[tokio::test]
async fn prefetching_yields_the_same_items_as_one_page_at_a_time() {
    let fake = start_large().await;
    let client = client(&fake);
    let listing = |concurrency| {
        client
            .images()
            .list()
            .sort(SortField::CreatedAt, SortType::Asc)
            .paginate()
            .page_size(50)
            .concurrency(concurrency)
            .collect_all()
    };
    let sequential = listing(1).await.unwrap();
    let sequential_offsets = offsets(&fake, Operation::ListImages, 50);
    fake.clear_requests();
    let prefetched = listing(4).await.unwrap();
    assert_eq!(prefetched, sequential);
    assert_eq!(sequential.len(), IMAGES);
    assert_eq!(
        offsets(&fake, Operation::ListImages, 50),
        sequential_offsets
    );
    assert_eq!(sequential_offsets, expected_offsets(IMAGES, 50, true));
}

#[tokio::test]
async fn pages_report_offsets_totals_and_where_to_resume() {
    let fake = start_large().await;
    let pages: Vec<Page<_>> = client(&fake)
        .image_servers()
        .list()
        .paginate()
        .page_size(100)
        .pages()
        .try_collect()
        .await
        .unwrap();
    assert_eq!(pages.len(), 25);
    let expected = expected_servers(&fake);
    for (i, page) in pages.iter().enumerate() {
        let offset = i as u64 * 100;
        assert_eq!(page.offset, offset);
        assert_eq!(page.total, Some(SERVERS as u64));
        assert_eq!(page.items, expected[i * 100..(i + 1) * 100]);
        let next = (i < 24).then_some(offset + 100);
        assert_eq!(page.next_offset, next, "page {i}");
    }
}

#[tokio::test]
async fn max_items_and_start_offset_send_no_request_they_do_not_need() {
    let fake = start_large().await;
    let client = client(&fake);
    let expected = expected_servers(&fake);

    let first = client
        .image_servers()
        .list()
        .paginate()
        .page_size(100)
        .max_items(250)
        .collect_all()
        .await
        .unwrap();
    assert_eq!(first, expected[..250]);
    assert_eq!(
        offsets(&fake, Operation::ListImageServers, 100),
        [0, 100, 200]
    );

    fake.clear_requests();
    let none = client
        .images()
        .list()
        .paginate()
        .max_items(0)
        .collect_all()
        .await
        .unwrap();
    assert!(none.is_empty());
    assert!(fake.requests().is_empty());

    fake.clear_requests();
    let tail = client
        .image_servers()
        .list()
        .paginate()
        .page_size(100)
        .start_offset(2_400)
        .collect_all()
        .await
        .unwrap();
    assert_eq!(tail, expected[2_400..]);
    assert_eq!(offsets(&fake, Operation::ListImageServers, 100), [2_400]);

    // Resuming where an earlier, stopped listing said to.
    fake.clear_requests();
    let mut pages = client
        .image_servers()
        .list()
        .paginate()
        .page_size(30)
        .max_items(45)
        .pages();
    let mut resume = None;
    while let Some(page) = pages.try_next().await.unwrap() {
        resume = page.next_offset;
    }
    assert_eq!(resume, Some(45));
    let rest = client
        .image_servers()
        .list()
        .paginate()
        .page_size(30)
        .start_offset(45)
        .max_items(30)
        .collect_all()
        .await
        .unwrap();
    assert_eq!(rest, expected[45..75]);
}

#[tokio::test]
async fn a_service_that_ignores_the_offset_is_stopped() {
    let fake = start_large().await;
    fake.inject(Fault::IgnoreOffset, FaultScope::Always, None);
    let expected = expected_servers(&fake);
    for concurrency in [1, 4] {
        fake.clear_requests();
        let mut items = client(&fake)
            .image_servers()
            .list()
            .paginate()
            .page_size(100)
            .concurrency(concurrency)
            .items();
        let mut seen = Vec::new();
        let error = loop {
            match items.next().await {
                Some(Ok(item)) => seen.push(item),
                Some(Err(error)) => break error,
                None => panic!(
                    "concurrency {concurrency}: ended after {} items",
                    seen.len()
                ),
            }
        };
        // The page at 100 repeats page 0 entirely: that could be a page-sized insertion, so it is
        // skipped once; the page at 200 repeating it again is the proof of no progress.
        assert!(
            matches!(
                error,
                Error::Pagination {
                    operation: "ListImageServers",
                    offset: 200,
                    ..
                }
            ),
            "{error:?}"
        );
        assert_eq!(seen, expected[..100], "the first page, once");
        assert!(
            items.next().await.is_none(),
            "the stream ends after the error"
        );
    }
}

#[tokio::test]
async fn a_wrong_total_loses_and_repeats_nothing() {
    let fake = start_large().await;
    let client = client(&fake);
    let expected_images = image_ids(&expected_images(&fake));
    let cases = [-250, -5, -1, 1, 5, 250]
        .map(|delta| (delta, 100))
        .into_iter();
    for (delta, page_size) in cases.chain([(-5, 7), (5, 7)]) {
        fake.clear_faults();
        fake.clear_requests();
        fake.inject(Fault::TotalOffBy(delta), FaultScope::Always, None);
        let all = client
            .images()
            .list()
            .paginate()
            .page_size(page_size)
            .collect_all()
            .await
            .unwrap();
        assert_eq!(
            image_ids(&all),
            expected_images,
            "off by {delta}, page {page_size}"
        );
        let offsets = offsets(&fake, Operation::ListImages, page_size);
        let distinct: HashSet<_> = offsets.iter().collect();
        assert_eq!(
            distinct.len(),
            offsets.len(),
            "off by {delta}: no page twice"
        );
        // One request per page and one empty page; a total reported too high may also have
        // had requests past the end in flight (at most the prefetch window, the flow's maximum).
        let spare = if delta > 0 {
            DEFAULT_MAX_CONCURRENCY
        } else {
            1
        };
        assert!(
            offsets.len() <= IMAGES.div_ceil(page_size as usize) + spare,
            "off by {delta}, page {page_size}: {} requests",
            offsets.len()
        );
    }

    // Only the first page lies.
    fake.clear_faults();
    fake.clear_requests();
    fake.inject(Fault::TotalOffBy(40), FaultScope::Next(1), None);
    let servers = client
        .image_servers()
        .list()
        .paginate()
        .page_size(100)
        .collect_all()
        .await;
    assert_eq!(servers.unwrap(), expected_servers(&fake));
}

#[tokio::test]
async fn a_failure_mid_listing_ends_it_after_exactly_the_items_before() {
    let fake = start_large().await;
    let client = client_without_retries(&fake);
    let expected = expected_images(&fake);
    let mut items = client
        .images()
        .list()
        .paginate()
        .page_size(100)
        .concurrency(1)
        .items();
    let mut seen = Vec::new();
    while seen.len() < 300 {
        seen.push(items.try_next().await.unwrap().unwrap());
    }
    assert_eq!(fake.requests().len(), 3, "one page at a time");
    fake.inject(Fault::ServiceUnavailable, FaultScope::Always, None);
    let error = loop {
        match items.next().await {
            Some(Ok(item)) => seen.push(item),
            Some(Err(error)) => break error,
            None => panic!("ended without the error"),
        }
    };
    assert_eq!(error.status(), Some(503), "{error:?}");
    assert_eq!(seen, expected[..300]);
    assert!(items.next().await.is_none());
    let requests = fake.requests();
    assert_eq!(requests.len(), 4, "retries are off");
    assert_eq!(offset_of(&requests[3]), 300);
    assert_eq!(requests[3].status, Some(503));
}

#[tokio::test]
async fn a_failure_while_prefetching_still_delivers_a_gapless_prefix() {
    let fake = start_large().await;
    let client = client_without_retries(&fake);
    let expected = expected_servers(&fake);
    let mut items = client
        .image_servers()
        .list()
        .paginate()
        .page_size(100)
        .items();
    let mut seen = vec![items.try_next().await.unwrap().unwrap()];
    fake.inject(Fault::ServiceUnavailable, FaultScope::Always, None);
    let error = loop {
        match items.next().await {
            Some(Ok(item)) => seen.push(item),
            Some(Err(error)) => break error,
            None => panic!("ended without the error"),
        }
    };
    assert_eq!(error.status(), Some(503));
    assert!(
        seen.len() >= 100 && seen.len() % 100 == 0,
        "{} items",
        seen.len()
    );
    assert_eq!(seen, expected[..seen.len()]);
    assert!(items.next().await.is_none());
}

#[tokio::test]
async fn default_page_sizes_are_the_documented_defaults() {
    let fake = start_default().await;
    let client = client(&fake);
    let servers = client
        .image_servers()
        .list()
        .paginate()
        .collect_all()
        .await
        .unwrap();
    assert_eq!(servers, expected_servers(&fake));
    assert_eq!(offsets(&fake, Operation::ListImageServers, 10), [0, 10, 20]);
}

/// Issue 16, item 5: every answer is the same two id-less images with a total of 20. The listing
/// ends with `Error::Pagination` instead of delivering "a", "b" ten times.
#[tokio::test]
async fn an_offset_ignoring_service_with_id_less_rows_and_a_total_is_stopped() {
    let fake = start_default().await;
    fake.inject(
        Fault::Respond {
            status: 200,
            body: br#"{"images":[{"name":"a"},{"name":"b"}],"total_count":20}"#.to_vec(),
        },
        FaultScope::Always,
        Some(Operation::ListImages),
    );
    let outcome = client(&fake)
        .images()
        .list()
        .paginate()
        .page_size(2)
        .collect_all()
        .await;
    let error = outcome.expect_err("stopped");
    assert!(matches!(error, Error::Pagination { .. }), "{error:?}");
}

/// Issue 16, item 6: images whose id is `""` are known by their content, not collapsed into one.
#[tokio::test]
async fn items_whose_id_is_empty_are_all_delivered() {
    let fake = start_default().await;
    for page in [
        r#"{"images":[{"id":"","name":"a"},{"id":"","name":"b"}]}"#,
        r#"{"images":[{"id":"","name":"c"},{"id":"","name":"d"}]}"#,
        r#"{"images":[{"id":"","name":"e"}]}"#,
    ] {
        fake.inject(
            Fault::Respond {
                status: 200,
                body: page.as_bytes().to_vec(),
            },
            FaultScope::Next(1),
            Some(Operation::ListImages),
        );
    }
    let images = client(&fake)
        .images()
        .list()
        .paginate()
        .page_size(2)
        .concurrency(1)
        .collect_all()
        .await
        .unwrap();
    let names: Vec<_> = images.iter().map(|i| i.name.clone().unwrap()).collect();
    assert_eq!(names, ["a", "b", "c", "d", "e"]);
}
