//! Tests of the paginator against a scripted fake list operation. (The fake takes the permit of
//! the adaptive concurrency it is given, as the runtime does for a permit page request.)

use std::sync::{Arc, Mutex};
use std::time::Duration;

use futures::{FutureExt, StreamExt};

use super::{Fetched, Page, PageSource, Paginator, WINDOW_WITHOUT_FLOW};
use crate::flow::AdaptiveConcurrency;
use crate::{Error, Result};

/// What the fake observed.
#[derive(Debug, Default)]
struct Log {
    /// Every `(offset, limit)` requested, in the order requested.
    requests: Vec<(u64, u32)>,
    /// Requests sent and neither answered nor dropped.
    in_flight: usize,
    /// The most requests ever in flight at once.
    max_in_flight: usize,
    /// Offsets of the requests that were answered, in the order answered.
    answered: Vec<u64>,
}

/// Counts a request as in flight until it is answered or dropped.
struct InFlight(Arc<Mutex<Log>>);

impl Drop for InFlight {
    fn drop(&mut self) {
        let mut log = self
            .0
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        log.in_flight -= 1;
    }
}

/// Lets the runtime drop the tasks of cancelled requests: page requests run as tasks of their own
/// (`spawned.rs`), and a task aborted by a listing that ended is dropped at the runtime's next turn.
async fn settle() {
    for _ in 0..4 {
        tokio::task::yield_now().await;
    }
}

/// The totals the fake reports.
#[derive(Debug, Clone)]
enum Totals {
    /// The real number of items.
    Exact,
    /// No total.
    Missing,
    /// Always this value.
    Fixed(u64),
    /// By request number (0-based); the last value repeats.
    PerRequest(Vec<u64>),
}

/// A list operation holding items `0..n` (item `i` has id `item-i`).
struct Fake {
    items: Mutex<Vec<u64>>,
    /// Changes the listing just before the request with this number (0-based) is served.
    change: fn(usize, &mut Vec<u64>),
    totals: Totals,
    /// Maps the requested offset to the offset actually served (a misbehaving service).
    serve_from: fn(u64) -> u64,
    /// Items returned beyond the limit asked for.
    surplus: usize,
    fail_at: Option<u64>,
    delay: fn(u64) -> Duration,
    keyed: bool,
    log: Arc<Mutex<Log>>,
    /// The adaptive concurrency the fake hands the paginator, fed with its answers.
    flow: Option<Arc<AdaptiveConcurrency>>,
    /// Answers to these request numbers (0-based) report throttling to the flow.
    throttle: fn(usize) -> bool,
}

impl Fake {
    fn new(n: u64) -> Self {
        Fake {
            items: Mutex::new((0..n).collect()),
            change: |_, _| {},
            totals: Totals::Exact,
            serve_from: |offset| offset,
            surplus: 0,
            fail_at: None,
            delay: |_| Duration::ZERO,
            keyed: true,
            log: Arc::default(),
            flow: None,
            throttle: |_| false,
        }
    }

    fn flow(mut self, flow: &Arc<AdaptiveConcurrency>) -> Self {
        self.flow = Some(Arc::clone(flow));
        self
    }

    fn throttle(mut self, throttle: fn(usize) -> bool) -> Self {
        self.throttle = throttle;
        self
    }

    fn totals(mut self, totals: Totals) -> Self {
        self.totals = totals;
        self
    }

    fn serve_from(mut self, map: fn(u64) -> u64) -> Self {
        self.serve_from = map;
        self
    }

    fn change(mut self, change: fn(usize, &mut Vec<u64>)) -> Self {
        self.change = change;
        self
    }

    fn surplus(mut self, n: usize) -> Self {
        self.surplus = n;
        self
    }

    fn fail_at(mut self, offset: u64) -> Self {
        self.fail_at = Some(offset);
        self
    }

    fn delay(mut self, delay: fn(u64) -> Duration) -> Self {
        self.delay = delay;
        self
    }

    /// A paginator over this fake (page sizes 1–100, default 10) and a handle on its log.
    fn paginator(self) -> (Paginator<u64>, Arc<Mutex<Log>>) {
        let log = Arc::clone(&self.log);
        (Paginator::new(Arc::new(self), "ListFake", 1..=100, 10), log)
    }
}

impl PageSource<u64> for Fake {
    fn fetch(
        &self,
        offset: u64,
        limit: u32,
        permit: bool,
    ) -> futures::future::BoxFuture<'static, Result<Fetched<u64>>> {
        let request = {
            let mut log = self.log.lock().unwrap();
            log.requests.push((offset, limit));
            log.requests.len() - 1
        };
        let mut listing = self.items.lock().unwrap();
        (self.change)(request, &mut listing);
        let len = listing.len();
        let start = usize::try_from((self.serve_from)(offset)).unwrap().min(len);
        let end = (start + limit as usize + self.surplus).min(len);
        let items = listing[start..end].to_vec();
        drop(listing);
        let total = match &self.totals {
            Totals::Exact => Some(len as u64),
            Totals::Missing => None,
            Totals::Fixed(total) => Some(*total),
            Totals::PerRequest(totals) => totals.get(request).or(totals.last()).copied(),
        };
        let fail = self.fail_at == Some(offset);
        let delay = (self.delay)(offset);
        let log = Arc::clone(&self.log);
        let log_handle = Arc::clone(&self.log);
        let flow = self.flow.clone();
        let throttled = (self.throttle)(request);
        async move {
            let _permit = match (&flow, permit) {
                (Some(flow), true) => Some(flow.acquire().await),
                _ => None,
            };
            // In flight from when the request really goes (after any permit) until answered.
            let guard = {
                let mut log = log.lock().unwrap();
                log.in_flight += 1;
                log.max_in_flight = log.max_in_flight.max(log.in_flight);
                InFlight(Arc::clone(&log_handle))
            };
            let generation = flow.as_ref().map(|f| f.generation());
            tokio::time::sleep(delay).await;
            log.lock().unwrap().answered.push(offset);
            drop(guard);
            if let (Some(flow), Some(generation)) = (&flow, generation) {
                if throttled {
                    flow.throttled(generation);
                    log.lock().unwrap().max_in_flight = 0;
                } else {
                    flow.succeeded();
                }
            }
            if fail {
                return Err(Error::Transport {
                    operation: "ListFake",
                    message: "connection reset".into(),
                    source: None,
                });
            }
            Ok(Fetched { items, total })
        }
        .boxed()
    }

    fn key(&self, item: &u64) -> Option<String> {
        self.keyed.then(|| format!("item-{item}"))
    }

    fn fingerprint(&self, item: &u64) -> String {
        format!("content-{item}")
    }

    fn flow_window(&self) -> Option<usize> {
        self.flow.as_ref().map(|flow| flow.max())
    }
}

fn requests(log: &Mutex<Log>) -> Vec<(u64, u32)> {
    log.lock().unwrap().requests.clone()
}

/// `(offset, 10)` for each offset.
fn tens(offsets: impl IntoIterator<Item = u64>) -> Vec<(u64, u32)> {
    offsets.into_iter().map(|offset| (offset, 10)).collect()
}

/// Everything the item stream yields, errors included, until it ends (at most 5,000 results, so
/// a paginator that loops forever fails the test instead of hanging it).
async fn drain(paginator: Paginator<u64>) -> Vec<Result<u64>> {
    paginator.items().take(5_000).collect().await
}

/// The items of a stream that must end without error.
async fn all_items(paginator: Paginator<u64>) -> Vec<u64> {
    paginator.collect_all().await.unwrap()
}

fn pagination_offset(result: &Result<u64>) -> Option<u64> {
    match result {
        Err(Error::Pagination { offset, .. }) => Some(*offset),
        _ => None,
    }
}

#[tokio::test]
async fn streams_send_nothing_until_polled() {
    let (paginator, log) = Fake::new(30).paginator();
    let pages = paginator.pages();
    tokio::task::yield_now().await;
    assert!(requests(&log).is_empty());
    drop(pages);

    let (paginator, log) = Fake::new(30).paginator();
    let mut items = paginator.items();
    assert!(requests(&log).is_empty());
    assert_eq!(items.next().await.unwrap().unwrap(), 0);
    assert_eq!(requests(&log)[0], (0, 10));
}

#[tokio::test]
async fn no_items_makes_one_request_and_yields_no_page() {
    let (paginator, log) = Fake::new(0).paginator();
    let pages: Vec<_> = paginator.pages().collect().await;
    assert!(pages.is_empty());
    assert_eq!(requests(&log), tens([0]));
}

#[tokio::test]
async fn one_item_makes_one_request() {
    let (paginator, log) = Fake::new(1).paginator();
    let pages: Vec<_> = paginator.pages().collect().await;
    let expected = Page {
        items: vec![0],
        offset: 0,
        total: Some(1),
        next_offset: None,
    };
    assert_eq!(
        pages.into_iter().map(Result::unwrap).collect::<Vec<_>>(),
        [expected]
    );
    assert_eq!(requests(&log), tens([0]));
}

#[tokio::test]
async fn exactly_one_full_page_stops_at_the_total() {
    let (paginator, log) = Fake::new(10).paginator();
    assert_eq!(all_items(paginator).await, (0..10).collect::<Vec<_>>());
    assert_eq!(requests(&log), tens([0]));
}

#[tokio::test]
async fn exactly_one_full_page_without_total_needs_an_empty_page() {
    let (paginator, log) = Fake::new(10).totals(Totals::Missing).paginator();
    assert_eq!(all_items(paginator).await, (0..10).collect::<Vec<_>>());
    assert_eq!(requests(&log), tens([0, 10]));
}

#[tokio::test]
async fn partial_last_page_ends_the_listing() {
    for totals in [Totals::Exact, Totals::Missing] {
        let (paginator, log) = Fake::new(25).totals(totals).paginator();
        assert_eq!(
            all_items(paginator.concurrency(1)).await,
            (0..25).collect::<Vec<_>>()
        );
        assert_eq!(requests(&log), tens([0, 10, 20]));
    }
}

#[tokio::test]
async fn max_items_in_the_middle_of_a_page_sends_no_further_request() {
    // Default concurrency with a trusted total: prefetch must not go past the item limit.
    let (paginator, log) = Fake::new(100).paginator();
    let pages: Vec<_> = paginator.max_items(15).pages().collect().await;
    let pages: Vec<_> = pages.into_iter().map(Result::unwrap).collect();
    assert_eq!(pages.len(), 2);
    assert_eq!(pages[1].items, (10..15).collect::<Vec<_>>());
    assert_eq!(pages[1].next_offset, Some(15));
    assert_eq!(requests(&log), tens([0, 10]));
}

#[tokio::test]
async fn max_items_on_a_page_boundary_sends_no_further_request() {
    let (paginator, log) = Fake::new(100).totals(Totals::Missing).paginator();
    assert_eq!(
        all_items(paginator.max_items(20)).await,
        (0..20).collect::<Vec<_>>()
    );
    assert_eq!(requests(&log), tens([0, 10]));
}

#[tokio::test]
async fn max_items_zero_sends_nothing() {
    let (paginator, log) = Fake::new(100).paginator();
    let pages: Vec<_> = paginator.max_items(0).pages().collect().await;
    assert!(pages.is_empty());
    assert!(requests(&log).is_empty());
}

#[tokio::test]
async fn start_offset_resumes_where_a_page_left_off() {
    let (paginator, _) = Fake::new(25).paginator();
    let pages: Vec<_> = paginator.max_items(15).pages().collect().await;
    let last = pages.last().unwrap().as_ref().unwrap();
    let resume = last.next_offset.unwrap();
    assert_eq!(resume, 15);

    let (paginator, log) = Fake::new(25).paginator();
    let rest = all_items(paginator.start_offset(resume)).await;
    assert_eq!(rest, (15..25).collect::<Vec<_>>());
    // 15 + 10 reaches the total of 25: nothing more to ask.
    assert_eq!(requests(&log), tens([15]));
}

#[tokio::test]
async fn out_of_range_page_size_fails_before_any_request() {
    for size in [0, 101] {
        let (paginator, log) = Fake::new(30).paginator();
        let mut items = paginator.page_size(size).items();
        match items.next().await {
            Some(Err(Error::InvalidInput { field, .. })) => assert_eq!(field, "page_size"),
            other => panic!("page size {size}: expected InvalidInput, got {other:?}"),
        }
        assert!(items.next().await.is_none());
        assert!(
            items.next().await.is_none(),
            "polling after the end must stay at None"
        );
        assert!(requests(&log).is_empty());
    }
}

#[tokio::test]
async fn concurrency_outside_1_to_64_fails_before_any_request() {
    for concurrency in [0, 65, usize::MAX] {
        let (paginator, log) = Fake::new(30).paginator();
        let mut pages = paginator.concurrency(concurrency).pages();
        match pages.next().await {
            Some(Err(error @ Error::InvalidInput { field, .. })) => {
                assert_eq!(field, "concurrency");
                assert!(error.to_string().contains("1 to 64"), "{error}");
            }
            other => panic!("{concurrency}: expected InvalidInput, got {other:?}"),
        }
        assert!(pages.next().await.is_none());
        assert!(requests(&log).is_empty());
    }
    let (paginator, _) = Fake::new(30).paginator();
    assert_eq!(all_items(paginator.concurrency(64)).await.len(), 30);
}

#[tokio::test]
async fn total_smaller_than_the_items_on_the_first_page_is_ignored() {
    // The documents' example: `total_count: 1` beside two images.
    let (paginator, log) = Fake::new(2).totals(Totals::Fixed(1)).paginator();
    assert_eq!(all_items(paginator).await, [0, 1]);
    assert_eq!(requests(&log), tens([0]));

    // Same lie with full pages: the listing goes on until a short page.
    let (paginator, log) = Fake::new(5).totals(Totals::Fixed(1)).paginator();
    assert_eq!(all_items(paginator.page_size(2)).await, [0, 1, 2, 3, 4]);
    assert_eq!(requests(&log), [(0, 2), (2, 2), (4, 2)]);
}

#[tokio::test]
async fn total_exceeded_on_a_later_page_is_ignored() {
    let (paginator, _) = Fake::new(30).totals(Totals::Fixed(15)).paginator();
    assert_eq!(all_items(paginator).await, (0..30).collect::<Vec<_>>());
}

#[tokio::test]
async fn total_larger_than_the_items_loses_and_repeats_nothing() {
    let (paginator, log) = Fake::new(25).totals(Totals::Fixed(100)).paginator();
    assert_eq!(all_items(paginator).await, (0..25).collect::<Vec<_>>());
    settle().await;
    let log = log.lock().unwrap();
    assert!(log.requests.starts_with(&tens([0, 10, 20])));
    assert!(log.max_in_flight <= WINDOW_WITHOUT_FLOW);
    assert_eq!(log.in_flight, 0, "requests past the end were dropped");
}

#[tokio::test]
async fn shrinking_total_loses_and_repeats_nothing() {
    let (paginator, log) = Fake::new(30)
        .totals(Totals::PerRequest(vec![30, 20]))
        .paginator();
    assert_eq!(all_items(paginator).await, (0..30).collect::<Vec<_>>());
    // Page 10 said 20, so the total was dropped and the end is found by an empty page.
    assert_eq!(requests(&log), tens([0, 10, 20, 30]));
}

#[tokio::test]
async fn growing_total_loses_and_repeats_nothing() {
    let (paginator, log) = Fake::new(40)
        .totals(Totals::PerRequest(vec![20, 40]))
        .paginator();
    assert_eq!(all_items(paginator).await, (0..40).collect::<Vec<_>>());
    assert_eq!(requests(&log), tens([0, 10, 20, 30, 40]));
}

#[tokio::test]
async fn service_ignoring_the_offset_ends_with_a_pagination_error() {
    for totals in [Totals::Exact, Totals::Missing] {
        let (paginator, log) = Fake::new(35).totals(totals).serve_from(|_| 0).paginator();
        let results = drain(paginator).await;
        assert_eq!(results.len(), 11, "10 items, then the error");
        let items: Vec<u64> = results[..10].iter().map(|r| *r.as_ref().unwrap()).collect();
        assert_eq!(items, (0..10).collect::<Vec<_>>());
        // The page at 10 could follow an insertion of exactly one page: skipped, not an error.
        // The page at 20 repeats the same items again.
        assert_eq!(pagination_offset(&results[10]), Some(20));
        assert!(log.lock().unwrap().requests.starts_with(&tens([0, 10, 20])));
    }
}

#[tokio::test]
async fn page_served_again_and_again_ends_with_a_pagination_error() {
    // From offset 20 on, the service keeps serving the page at 10.
    let (paginator, log) = Fake::new(50)
        .totals(Totals::Missing)
        .serve_from(|offset| if offset >= 20 { 10 } else { offset })
        .paginator();
    let results = drain(paginator).await;
    assert_eq!(results.len(), 21);
    let items: Vec<u64> = results[..20].iter().map(|r| *r.as_ref().unwrap()).collect();
    assert_eq!(items, (0..20).collect::<Vec<_>>());
    assert_eq!(pagination_offset(&results[20]), Some(30));
    assert_eq!(requests(&log), tens([0, 10, 20, 30]));
}

#[tokio::test]
async fn cycle_of_several_pages_is_caught() {
    // Offsets 30, 40, 50… serve 0, 10, 20 again: no page repeats its predecessor.
    let (paginator, _) = Fake::new(1_000)
        .totals(Totals::Missing)
        .serve_from(|offset| offset % 30)
        .paginator();
    let results = drain(paginator).await;
    let error_at = results.iter().position(Result::is_err).unwrap();
    assert_eq!(results.len(), error_at + 1, "the error ends the stream");
    assert_eq!(pagination_offset(&results[error_at]), Some(50));
    assert_eq!(error_at, 50);
}

#[tokio::test]
async fn overlapping_pages_are_not_a_repeat() {
    // From offset 10 on, the service is 5 items behind: pages overlap but do progress.
    let (paginator, _) = Fake::new(30)
        .totals(Totals::Missing)
        .serve_from(|offset| if offset >= 10 { offset - 5 } else { offset })
        .paginator();
    // Items 5 to 9 come again at offset 10 and are dropped there.
    assert_eq!(all_items(paginator).await, (0..30).collect::<Vec<_>>());
}

/// Inserts `N` new items (ids from 1000) at the head of the listing just before request `AT`.
fn insert_at_head<const AT: usize, const N: u64>(request: usize, items: &mut Vec<u64>) {
    if request == AT {
        items.splice(0..0, 1000..1000 + N);
    }
}

/// `(offset, number of items, next_offset)` of every page, which must all come without error.
async fn page_summary(paginator: Paginator<u64>) -> Vec<(u64, usize, Option<u64>)> {
    let pages: Vec<_> = paginator.pages().take(100).collect().await;
    pages
        .into_iter()
        .map(|page| {
            let page = page.unwrap();
            (page.offset, page.items.len(), page.next_offset)
        })
        .collect()
}

#[tokio::test]
async fn insertion_at_the_head_between_pages_delivers_every_item_once() {
    for totals in [Totals::Exact, Totals::Missing] {
        for concurrency in [1, WINDOW_WITHOUT_FLOW] {
            let context = format!("{totals:?}, concurrency {concurrency}");
            // 3 items inserted before the second request push items 7 to 9 onto it.
            let fake = || {
                Fake::new(25)
                    .totals(totals.clone())
                    .change(insert_at_head::<1, 3>)
            };
            let (paginator, _) = fake().paginator();
            let items = all_items(paginator.concurrency(concurrency)).await;
            assert_eq!(items, (0..25).collect::<Vec<_>>(), "{context}");

            let (paginator, log) = fake().paginator();
            assert_eq!(
                page_summary(paginator.concurrency(concurrency)).await,
                [(0, 10, Some(10)), (10, 7, Some(20)), (20, 8, None)],
                "{context}: offsets advance by what the service returned"
            );
            assert_eq!(requests(&log), tens([0, 10, 20]), "{context}");
        }
    }
}

#[tokio::test]
async fn insertion_of_exactly_one_page_skips_the_repeated_page() {
    for totals in [Totals::Exact, Totals::Missing] {
        for concurrency in [1, WINDOW_WITHOUT_FLOW] {
            let context = format!("{totals:?}, concurrency {concurrency}");
            // The page at 10 then holds items 0 to 9 again.
            let fake = || {
                Fake::new(25)
                    .totals(totals.clone())
                    .change(insert_at_head::<1, 10>)
            };
            let (paginator, _) = fake().paginator();
            let results = drain(paginator.concurrency(concurrency)).await;
            let items: Vec<u64> = results.into_iter().map(Result::unwrap).collect();
            assert_eq!(items, (0..25).collect::<Vec<_>>(), "{context}");

            let (paginator, log) = fake().paginator();
            assert_eq!(
                page_summary(paginator.concurrency(concurrency)).await,
                [(0, 10, Some(10)), (20, 10, Some(30)), (30, 5, None)],
                "{context}"
            );
            assert_eq!(requests(&log), tens([0, 10, 20, 30]), "{context}");
        }
    }
}

#[tokio::test]
async fn deletion_at_the_head_between_pages_loses_items_but_repeats_none() {
    for totals in [Totals::Exact, Totals::Missing] {
        let context = format!("{totals:?}");
        // Removing items 0 to 2 before the second request pulls items 10 to 12 back onto the
        // first page, already delivered: offset pagination cannot see them.
        let (paginator, _) = Fake::new(25)
            .totals(totals)
            .change(|request, items| {
                if request == 1 {
                    items.drain(0..3);
                }
            })
            .paginator();
        let results = drain(paginator).await;
        let items: Vec<u64> = results.into_iter().map(Result::unwrap).collect();
        let expected: Vec<u64> = (0..10).chain(13..25).collect();
        assert_eq!(items, expected, "{context}");
    }
}

#[tokio::test]
async fn items_without_ids_are_delivered_even_when_an_insertion_repeats_them() {
    let mut fake = Fake::new(25).change(insert_at_head::<1, 3>);
    fake.keyed = false;
    let (paginator, _) = fake.paginator();
    let expected: Vec<u64> = (0..10).chain(7..25).collect();
    assert_eq!(all_items(paginator).await, expected);
}

#[tokio::test]
async fn rows_without_ids_and_of_equal_content_are_all_delivered() {
    // Rows that look alike within each page, none with an id: pages of 7s, 8s and 9s.
    let mut fake = Fake::new(30).change(|request, listing| {
        if request == 0 {
            listing.iter_mut().for_each(|item| *item = 7 + *item / 10);
        }
    });
    fake.keyed = false;
    let (paginator, _) = fake.paginator();
    let expected: Vec<u64> = [7, 8, 9].iter().flat_map(|v| [*v; 10]).collect();
    assert_eq!(all_items(paginator).await, expected);
}

#[tokio::test]
async fn pages_of_equal_rows_without_ids_are_taken_for_a_service_ignoring_the_offset() {
    // Unavoidable: a page that repeats the one before it row for row, with no id to tell them
    // apart, is what a service ignoring the offset serves, total or not.
    for totals in [Totals::Exact, Totals::Missing] {
        let mut fake = Fake::new(30)
            .totals(totals.clone())
            .change(|request, listing| {
                if request == 0 {
                    listing.iter_mut().for_each(|item| *item = 7);
                }
            });
        fake.keyed = false;
        let (paginator, _) = fake.paginator();
        let results = drain(paginator).await;
        assert_eq!(results.len(), 11, "{totals:?}: {results:?}");
        assert_eq!(pagination_offset(&results[10]), Some(10), "{totals:?}");
    }
}

#[tokio::test]
async fn a_service_ignoring_the_offset_without_ids_or_total_is_stopped() {
    let mut fake = Fake::new(25).totals(Totals::Missing).serve_from(|_| 0);
    fake.keyed = false;
    let (paginator, log) = fake.paginator();
    let results = drain(paginator).await;
    assert_eq!(
        results.len(),
        11,
        "the first page, then the error: {results:?}"
    );
    assert!(pagination_offset(results.last().unwrap()).is_some());
    assert!(requests(&log).len() <= 3, "{:?}", requests(&log));
}

#[tokio::test]
async fn an_item_repeated_inside_one_page_is_delivered_once() {
    let fake = Fake::new(25).change(|request, listing| {
        if request == 0 {
            listing.insert(1, 0);
        }
    });
    let (paginator, _) = fake.paginator();
    assert_eq!(all_items(paginator).await, (0..25).collect::<Vec<_>>());
}

#[tokio::test]
async fn max_items_counts_delivered_items_and_resumes_after_them() {
    let (paginator, log) = Fake::new(25).change(insert_at_head::<1, 3>).paginator();
    let pages: Vec<_> = paginator.max_items(15).pages().collect().await;
    let pages: Vec<_> = pages.into_iter().map(Result::unwrap).collect();
    assert_eq!(pages.len(), 2);
    assert_eq!(pages[0].items, (0..10).collect::<Vec<_>>());
    // Items 7 to 9 were dropped; 15 stands at position 18 of the changed listing.
    assert_eq!(pages[1].items, (10..15).collect::<Vec<_>>());
    assert_eq!(pages[1].next_offset, Some(18));
    assert_eq!(requests(&log), tens([0, 10]));

    // Resuming there, in the listing as it now is, goes on with item 15.
    let (paginator, _) = Fake::new(25).change(insert_at_head::<0, 3>).paginator();
    assert_eq!(
        all_items(paginator.start_offset(18)).await,
        (15..25).collect::<Vec<_>>()
    );
}

#[tokio::test]
async fn max_items_asks_for_more_when_repeated_items_were_dropped() {
    // Without a total, 20 items need a third request once 3 repeated items were dropped.
    let (paginator, log) = Fake::new(25)
        .totals(Totals::Missing)
        .change(insert_at_head::<1, 3>)
        .paginator();
    assert_eq!(
        all_items(paginator.max_items(20)).await,
        (0..20).collect::<Vec<_>>()
    );
    assert_eq!(requests(&log), tens([0, 10, 20]));
}

#[tokio::test]
async fn items_without_ids_are_listed_normally() {
    let mut fake = Fake::new(25).totals(Totals::Missing);
    fake.keyed = false;
    let (paginator, log) = fake.paginator();
    assert_eq!(all_items(paginator).await, (0..25).collect::<Vec<_>>());
    assert_eq!(requests(&log), tens([0, 10, 20]));
}

#[tokio::test]
async fn surplus_items_are_neither_lost_nor_repeated() {
    let (paginator, _) = Fake::new(25).totals(Totals::Missing).surplus(5).paginator();
    assert_eq!(all_items(paginator).await, (0..25).collect::<Vec<_>>());
}

#[tokio::test(start_paused = true)]
async fn error_in_the_middle_comes_last_after_every_earlier_item_once() {
    // Later pages answer first, so pages after the failure are ready before it.
    let (paginator, log) = Fake::new(60)
        .fail_at(20)
        .delay(|offset| Duration::from_millis(1_000 - offset * 10))
        .paginator();
    let results = drain(paginator).await;
    assert_eq!(results.len(), 21);
    let items: Vec<u64> = results[..20].iter().map(|r| *r.as_ref().unwrap()).collect();
    assert_eq!(items, (0..20).collect::<Vec<_>>());
    assert!(matches!(results[20], Err(Error::Transport { .. })));
    settle().await;
    let log = log.lock().unwrap();
    assert!(
        log.answered.contains(&30),
        "page 30 was ready, and still not yielded"
    );
    assert_eq!(log.in_flight, 0);
}

#[tokio::test(start_paused = true)]
async fn collect_all_returns_the_error_of_a_failed_page() {
    let (paginator, _) = Fake::new(60).fail_at(40).paginator();
    assert!(matches!(
        paginator.collect_all().await,
        Err(Error::Transport { .. })
    ));
}

#[tokio::test(start_paused = true)]
async fn prefetch_keeps_offset_order_and_the_in_flight_bound() {
    let (paginator, log) = Fake::new(95)
        .delay(|offset| Duration::from_millis(1_000 - offset * 10))
        .paginator();
    assert_eq!(all_items(paginator).await, (0..95).collect::<Vec<_>>());
    let log = log.lock().unwrap();
    assert_eq!(log.requests, tens((0..10).map(|page| page * 10)));
    assert_eq!(log.max_in_flight, WINDOW_WITHOUT_FLOW);
    let answered_at = |offset| log.answered.iter().position(|o| *o == offset).unwrap();
    assert!(
        answered_at(40) < answered_at(10),
        "later pages answered first"
    );
}

#[tokio::test(start_paused = true)]
async fn prefetch_width_follows_concurrency() {
    let (paginator, log) = Fake::new(200)
        .delay(|_| Duration::from_millis(50))
        .paginator();
    assert_eq!(all_items(paginator.concurrency(7)).await.len(), 200);
    assert_eq!(log.lock().unwrap().max_in_flight, 7);
}

#[tokio::test(start_paused = true)]
async fn concurrency_one_is_sequential() {
    let (paginator, log) = Fake::new(95)
        .delay(|offset| Duration::from_millis(1_000 - offset * 10))
        .paginator();
    assert_eq!(
        all_items(paginator.concurrency(1)).await,
        (0..95).collect::<Vec<_>>()
    );
    let log = log.lock().unwrap();
    assert_eq!(log.max_in_flight, 1);
    assert_eq!(
        log.answered,
        (0..10).map(|page| page * 10).collect::<Vec<_>>()
    );
}

#[tokio::test(start_paused = true)]
async fn no_prefetch_without_a_total() {
    let (paginator, log) = Fake::new(95)
        .totals(Totals::Missing)
        .delay(|_| Duration::from_millis(50))
        .paginator();
    assert_eq!(all_items(paginator).await.len(), 95);
    assert_eq!(log.lock().unwrap().max_in_flight, 1);
}

#[tokio::test(start_paused = true)]
async fn dropping_the_stream_cancels_requests_in_flight() {
    let (paginator, log) = Fake::new(100)
        .delay(|_| Duration::from_millis(50))
        .paginator();
    let mut items = paginator.items();
    assert_eq!(items.next().await.unwrap().unwrap(), 0);
    settle().await;
    assert_eq!(log.lock().unwrap().in_flight, WINDOW_WITHOUT_FLOW);
    drop(items);
    settle().await;
    assert_eq!(log.lock().unwrap().in_flight, 0);
}

#[tokio::test]
async fn collect_all_gathers_every_item() {
    let (paginator, _) = Fake::new(35).paginator();
    assert_eq!(
        paginator.collect_all().await.unwrap(),
        (0..35).collect::<Vec<_>>()
    );
}

#[tokio::test]
async fn pages_report_offsets_totals_and_where_to_resume() {
    let (paginator, _) = Fake::new(25).paginator();
    let pages: Vec<_> = paginator.pages().map(Result::unwrap).collect().await;
    let summary: Vec<_> = pages
        .iter()
        .map(|p| (p.offset, p.items.len(), p.total, p.next_offset))
        .collect();
    assert_eq!(
        summary,
        [
            (0, 10, Some(25), Some(10)),
            (10, 10, Some(25), Some(20)),
            (20, 5, Some(25), None)
        ]
    );

    // Without a total the last full page cannot know it is the last; the empty page after it is
    // not delivered.
    let (paginator, _) = Fake::new(20).totals(Totals::Missing).paginator();
    let pages: Vec<_> = paginator.pages().map(Result::unwrap).collect().await;
    let summary: Vec<_> = pages.iter().map(|p| (p.offset, p.next_offset)).collect();
    assert_eq!(summary, [(0, Some(10)), (10, Some(20))]);
}

#[tokio::test(start_paused = true)]
async fn adaptive_concurrency_grows_while_answers_come_back_fine() {
    let flow = AdaptiveConcurrency::new(4, 16);
    let (paginator, log) = Fake::new(1_000)
        .delay(|_| Duration::from_millis(20))
        .flow(&flow)
        .paginator();
    assert_eq!(all_items(paginator).await, (0..1_000).collect::<Vec<_>>());
    assert_eq!(
        log.lock().unwrap().max_in_flight,
        16,
        "grew from 4 to the maximum"
    );
    assert_eq!(flow.limit(), 16);
}

#[tokio::test(start_paused = true)]
async fn a_throttled_answer_halves_the_requests_in_flight() {
    let flow = AdaptiveConcurrency::new(16, 16);
    // The answer to request 20 says the service throttles (its retry succeeded).
    let (paginator, log) = Fake::new(1_000)
        .delay(|_| Duration::from_millis(20))
        .flow(&flow)
        .throttle(|request| request == 20)
        .paginator();
    assert_eq!(all_items(paginator).await, (0..1_000).collect::<Vec<_>>());
    // `max_in_flight` was reset at the throttled answer: after it, at most 8 at a time, then
    // growing again by one per round trip.
    let after = log.lock().unwrap().max_in_flight;
    assert!((8..16).contains(&after), "{after}");
    assert!(flow.limit() > 8, "grew back, additively: {}", flow.limit());
}

#[tokio::test(start_paused = true)]
async fn listings_on_one_flow_share_its_limit() {
    let flow = AdaptiveConcurrency::new(6, 6);
    let log = Arc::new(Mutex::new(Log::default()));
    let fake = |log: &Arc<Mutex<Log>>| {
        let mut fake = Fake::new(300)
            .delay(|_| Duration::from_millis(20))
            .flow(&flow);
        fake.log = Arc::clone(log);
        fake.paginator().0
    };
    let (a, b) = futures::join!(all_items(fake(&log)), all_items(fake(&log)));
    assert_eq!((a.len(), b.len()), (300, 300));
    assert_eq!(
        log.lock().unwrap().max_in_flight,
        6,
        "6 between the two, not 6 each"
    );
}

#[tokio::test(start_paused = true)]
async fn a_pinned_concurrency_is_exactly_that_whatever_the_flow() {
    for pinned in [1, 3, 32] {
        let flow = AdaptiveConcurrency::new(4, 16);
        let (paginator, log) = Fake::new(1_000)
            .delay(|_| Duration::from_millis(20))
            .flow(&flow)
            .throttle(|request| request == 10)
            .paginator();
        let items = all_items(paginator.concurrency(pinned)).await;
        assert_eq!(items, (0..1_000).collect::<Vec<_>>());
        let log = log.lock().unwrap();
        let expected_requests = 100;
        assert_eq!(log.requests.len(), expected_requests);
        // max_in_flight was reset at the throttled answer: the pinned listing did not slow down.
        assert_eq!(log.max_in_flight, pinned, "pinned {pinned}");
    }
}

/// A list operation whose pages are read when they are answered (after their delay), so that a
/// change between two answers shows in the later one only.
struct ReadAtAnswer {
    items: Arc<Mutex<Vec<u64>>>,
    delay: fn(u64) -> Duration,
    requests: Arc<Mutex<Vec<u64>>>,
}

impl PageSource<u64> for ReadAtAnswer {
    fn fetch(
        &self,
        offset: u64,
        limit: u32,
        _paced: bool,
    ) -> futures::future::BoxFuture<'static, Result<Fetched<u64>>> {
        self.requests.lock().unwrap().push(offset);
        let items = Arc::clone(&self.items);
        let delay = (self.delay)(offset);
        async move {
            tokio::time::sleep(delay).await;
            let listing = items.lock().unwrap();
            let start = usize::try_from(offset).unwrap().min(listing.len());
            let end = (start + limit as usize).min(listing.len());
            Ok(Fetched {
                items: listing[start..end].to_vec(),
                total: Some(listing.len() as u64),
            })
        }
        .boxed()
    }

    fn key(&self, item: &u64) -> Option<String> {
        Some(format!("item-{item}"))
    }

    fn fingerprint(&self, item: &u64) -> String {
        format!("content-{item}")
    }
}

/// Issue 16, item 4: the page at offset 20 is answered first; then 3 items are inserted at the
/// head, and the page at offset 10 answers with the new total. The page fetched before the
/// insertion is stale: delivering it would lose the items the insertion pushed onto it.
#[tokio::test(start_paused = true)]
async fn a_page_answered_before_an_insertion_seen_later_is_fetched_again() {
    let items = Arc::new(Mutex::new((0..30).collect::<Vec<u64>>()));
    let requests = Arc::new(Mutex::new(Vec::new()));
    let fetcher = ReadAtAnswer {
        items: Arc::clone(&items),
        delay: |offset| match offset {
            10 => Duration::from_millis(50),
            20 => Duration::from_millis(10),
            _ => Duration::ZERO,
        },
        requests: Arc::clone(&requests),
    };
    let inserter = {
        let items = Arc::clone(&items);
        tokio::spawn(async move {
            tokio::time::sleep(Duration::from_millis(30)).await;
            items.lock().unwrap().splice(0..0, 1000..1003);
        })
    };
    let paginator =
        Paginator::new(Arc::new(fetcher), "ListFake", 1..=100, 10).concurrency(WINDOW_WITHOUT_FLOW);
    let delivered = all_items(paginator).await;
    inserter.await.unwrap();
    assert_eq!(
        delivered,
        (0..30).collect::<Vec<_>>(),
        "every item once, in order (requests {:?})",
        requests.lock().unwrap()
    );
}

/// Issue 16, item 5: a service that ignores the offset is stopped even when its rows have no id
/// and it reports a total the pages agree with.
#[tokio::test]
async fn a_service_ignoring_the_offset_without_ids_but_with_a_total_is_stopped() {
    let mut fake = Fake::new(20).totals(Totals::Fixed(20)).serve_from(|_| 0);
    fake.keyed = false;
    let (paginator, log) = fake.paginator();
    let results = drain(paginator.page_size(2)).await;
    assert!(
        pagination_offset(results.last().unwrap()).is_some(),
        "ends with Error::Pagination: {results:?}"
    );
    assert!(
        results.len() <= 3,
        "the first page, then the error: {results:?}"
    );
    assert!(
        requests(&log).len() <= 1 + 2 * WINDOW_WITHOUT_FLOW,
        "the first page and two windows of prefetch at most: {:?}",
        requests(&log)
    );
}

/// Issue 16, item 6: an empty id is no id, so items whose id is `""` are known by their content.
#[tokio::test]
async fn items_whose_id_is_empty_are_known_by_their_content() {
    struct EmptyIds(Fake);
    impl PageSource<u64> for EmptyIds {
        fn fetch(
            &self,
            offset: u64,
            limit: u32,
            permit: bool,
        ) -> futures::future::BoxFuture<'static, Result<Fetched<u64>>> {
            self.0.fetch(offset, limit, permit)
        }
        fn key(&self, _: &u64) -> Option<String> {
            Some(String::new())
        }
        fn fingerprint(&self, item: &u64) -> String {
            self.0.fingerprint(item)
        }
    }
    let paginator = Paginator::new(Arc::new(EmptyIds(Fake::new(30))), "ListFake", 1..=100, 10);
    let results = drain(paginator).await;
    let items: Vec<u64> = results.into_iter().map(Result::unwrap).collect();
    assert_eq!(items, (0..30).collect::<Vec<_>>());
}

/// Review of issue 16: a short last page of id-less rows that begins like the checkpoint page is
/// no repeat (rows a, b, c, d, a with a total of 5, pages of 2).
#[tokio::test]
async fn a_short_last_page_of_id_less_rows_like_an_earlier_page_is_delivered() {
    let mut fake = Fake::new(5).change(|request, listing| {
        if request == 0 {
            *listing = vec![1, 2, 3, 4, 1];
        }
    });
    fake.keyed = false;
    let (paginator, _) = fake.paginator();
    assert_eq!(all_items(paginator.page_size(2)).await, [1, 2, 3, 4, 1]);
}

/// Collects the messages of the warnings logged while it is the default subscriber.
#[derive(Clone, Default)]
struct Warnings(Arc<Mutex<Vec<String>>>);

impl std::io::Write for Warnings {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        self.0
            .lock()
            .unwrap()
            .push(String::from_utf8_lossy(bytes).into_owned());
        Ok(bytes.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// A page of exactly the size asked for is normal; only one holding more is warned about.
#[tokio::test(flavor = "current_thread")]
async fn only_a_page_larger_than_asked_for_is_warned_about() {
    for (surplus, warned) in [(0, false), (1, true)] {
        let warnings = Warnings::default();
        let writer = warnings.clone();
        let subscriber = tracing_subscriber::fmt()
            .with_max_level(tracing::Level::WARN)
            .with_ansi(false)
            .with_writer(move || writer.clone())
            .finish();
        let _default = tracing::subscriber::set_default(subscriber);
        let (paginator, _) = Fake::new(25)
            .totals(Totals::Missing)
            .surplus(surplus)
            .paginator();
        assert_eq!(all_items(paginator).await, (0..25).collect::<Vec<_>>());
        let logged = warnings.0.lock().unwrap().concat();
        assert_eq!(
            logged.contains("more items than asked for"),
            warned,
            "surplus {surplus}: {logged}"
        );
    }
}

#[test]
fn a_paginator_shows_its_settings() {
    let (paginator, _) = Fake::new(1).paginator();
    let shown = format!("{:?}", paginator.page_size(25).max_items(7));
    for part in [
        "Paginator",
        "ListFake",
        "page_size: 25",
        "max_items: Some(7)",
    ] {
        assert!(shown.contains(part), "{part} in {shown}");
    }
}

/// A listing by page index that starts inside a page requests that page and delivers from the
/// start on (a `next_offset` after `max_items` resumes exactly).
#[tokio::test]
async fn an_aligned_listing_starting_inside_a_page_skips_what_comes_before() {
    let (paginator, log) = Fake::new(25).totals(Totals::Missing).paginator();
    let items = all_items(paginator.page_aligned(true).start_offset(13)).await;
    assert_eq!(items, (13..25).collect::<Vec<_>>());
    assert_eq!(requests(&log), tens([10, 20]));
    let (paginator, log) = Fake::new(25).totals(Totals::Missing).paginator();
    let items = all_items(paginator.start_offset(13)).await;
    assert_eq!(items, (13..25).collect::<Vec<_>>());
    assert_eq!(
        requests(&log)[0],
        (13, 10),
        "an offset listing starts where it is told"
    );
}

/// Issue 20: a request goes as soon as one of the window's requests is answered, even when its
/// page must wait for an earlier, slower one; the window still bounds the requests on their way,
/// and twice the window bounds the pages requested (so the memory held).
#[tokio::test(start_paused = true)]
async fn an_answer_behind_a_slow_page_sends_the_next_request_at_once() {
    let fake = Fake::new(70)
        .totals(Totals::Exact)
        .delay(|offset| Duration::from_millis(if offset == 10 { 100 } else { 10 }));
    let (paginator, log) = fake.paginator();
    let items = all_items(paginator.page_size(10).concurrency(2)).await;
    assert_eq!(items, (0..70).collect::<Vec<_>>());
    let log = log.lock().unwrap();
    assert_eq!(
        log.answered,
        [0, 20, 30, 40, 10, 50, 60],
        "30 and 40 went while 10 was on its way"
    );
    assert_eq!(
        log.max_in_flight, 2,
        "never more than the window on its way"
    );
}

/// The page at 20, requested together with the page at 10, answers after an insertion the page
/// at 10 did not see: it is stale and asked for again. Its new request waits for a place in the
/// window like any other (it went at once before, a third request with a window of 2).
#[tokio::test(start_paused = true)]
async fn a_stale_page_asked_again_stays_within_the_window() {
    let mut fake = Fake::new(60).change(insert_at_head::<2, 3>);
    fake.delay = |offset| match offset {
        30 | 40 => Duration::from_millis(50),
        _ => Duration::ZERO,
    };
    let (paginator, log) = fake.paginator();
    let items = all_items(paginator.concurrency(2)).await;
    let offsets: Vec<u64> = requests(&log).iter().map(|(offset, _)| *offset).collect();
    assert_eq!(
        offsets.iter().filter(|offset| **offset == 20).count(),
        2,
        "the page at 20 was asked for again: {offsets:?}"
    );
    assert_eq!(log.lock().unwrap().max_in_flight, 2, "{offsets:?}");
    let mut seen = std::collections::HashSet::new();
    assert!(items.iter().all(|item| seen.insert(*item)), "{items:?}");
}
