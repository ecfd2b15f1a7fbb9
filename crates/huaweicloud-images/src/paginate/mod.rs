//! Pagination for the list operations: by offset (or page index) and limit, with [`Paginator`];
//! by a marker or a continuation token, with [`CursorPaginator`] (its own rules are in
//! [its documentation](CursorPaginator)).
//!
//! A list call returns a [`Paginator`]. From it, [`Paginator::items`] streams every item,
//! [`Paginator::pages`] streams the pages as the service returned them, and
//! [`Paginator::collect_all`] gathers everything into a `Vec`. Requests start only when a stream is
//! first polled.
//!
//! # When a listing ends
//!
//! A listing ends at the first page that is empty or holds fewer items than were asked for, or
//! when the next offset reaches the total the service reported. A reported total is only
//! believed while it agrees with the pages: the same value on every page, and never fewer than the
//! items already seen. Once it disagrees (the documents' own `ListImages` example reports
//! `total_count: 1` beside two images) the listing falls back to stopping at a short or empty
//! page, so a wrong or changing total neither loses nor repeats items.
//!
//! # Items added or removed during a listing
//!
//! Offset pagination addresses positions, not items, so a listing that changes between two
//! requests shifts under the paginator:
//!
//! - Items inserted ahead of the current offset push items already delivered onto the next page.
//!   Each page's item ids are compared with those of the previous page, and items already seen
//!   there (or earlier in the same page) are dropped, so they come once; a [`Page`] can therefore hold fewer items than the
//!   service returned. When exactly one page of items was inserted, the next page repeats the
//!   previous one entirely: it is skipped, and the listing goes on. Only the previous page is
//!   remembered, so more than a page of insertions between two requests can still repeat items
//!   of earlier pages, or even end the listing with [`Error::Pagination`] when a page then equals
//!   an earlier one the no-progress check remembers.
//! - Items removed ahead of the current offset pull not-yet-delivered items back onto a page
//!   already delivered: they are never seen, and no client of offset pagination can notice. List
//!   again (or filter, e.g. by creation time) when a listing must be complete while it changes.
//! - Pages requested ahead are checked against the page accepted before them: one that reports
//!   another total than that page was served from another state of the listing (items were
//!   inserted or removed between the two), so it is requested again (first in line for the next
//!   place in the window) rather than delivered with the items the change shifted onto it
//!   missing. A change that leaves the total as it was (as
//!   many items removed as inserted) cannot be seen this way.
//! - Items without an id (or with an empty one) cannot be told apart: they are all delivered,
//!   rows of equal content and items an insertion pushed onto the next page included. Their
//!   pages are still compared, by a fingerprint of each row's content and place: a page that
//!   repeats the previous one (or a checkpoint page) row for row ends the listing with
//!   [`Error::Pagination`], with or without a total, since a service that ignores the offset
//!   would otherwise be followed forever (it may report a total its pages agree with). A genuine
//!   listing whose id-less pages repeat each other row for row is, unavoidably, taken for one.
//!
//! # Never looping forever
//!
//! A service that ignores the offset, or serves a page again and again, would make a naive loop
//! run forever, with or without ids and totals. A page all of whose items were in the previous page is skipped once (see above); a
//! second such page in a row ends the listing with [`Error::Pagination`]. Each page's ids are also
//! compared with those of one earlier checkpoint page (moved at doubling intervals, which catches a
//! cycle of any length); a page whose ids were all in it ends the listing with the same error.
//! Only two pages' ids are kept, so memory stays bounded by the page size, never by the length of
//! the listing.

mod cursor;
mod progress;
mod source;
mod spawned;
#[cfg(test)]
mod tests;

#[allow(
    unused_imports,
    reason = "the generated code of a spec with a marker or token listing uses them"
)]
pub(crate) use cursor::{Cursor, CursorFetched, cursor_paginator};
pub use cursor::{CursorPage, CursorPaginator, MAX_PAGES_WITHOUT_ITEMS};
pub(crate) use source::{Fetched, OffsetLimit, PageSource, paginator, reported_total};

use std::fmt;
use std::ops::RangeInclusive;
use std::sync::Arc;

use futures::FutureExt;
use futures::future::BoxFuture;
use futures::stream::{self, BoxStream, FuturesOrdered, StreamExt, TryStreamExt};
use tokio::sync::{OwnedSemaphorePermit, Semaphore};

use crate::error::{Error, Result};
use progress::ProgressGuard;

/// The most page requests one listing may keep in flight ([`Paginator::concurrency`]).
pub use crate::flow::MAX_CONCURRENCY;

/// The requests in flight of a listing whose source follows no adaptive concurrency and that
/// pinned none (not the case of the client's listings, which follow the client's flow).
const WINDOW_WITHOUT_FLOW: usize = 4;

/// One page of a listing, as delivered by [`Paginator::pages`].
///
/// Every delivered page holds at least one item; a listing that turns out empty yields no page.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct Page<T> {
    /// The items of the page, without those already delivered with the previous page (see
    /// [the module documentation](crate::paginate#items-added-or-removed-during-a-listing)), so possibly
    /// fewer than the service returned; the last page is cut short when
    /// [`Paginator::max_items`] is reached.
    pub items: Vec<T>,
    /// The offset this page was requested at.
    pub offset: u64,
    /// The total the service reported with this page, as reported (it may be wrong).
    pub total: Option<u64>,
    /// The offset to resume from with [`Paginator::start_offset`], or `None` when the listing is
    /// complete. It is this page's offset plus the number of items the service returned in it
    /// (which can be more than [`items`](Self::items) holds, when repeated items were dropped), or,
    /// when [`Paginator::max_items`] cut the page short, the position of the first item left out.
    pub next_offset: Option<u64>,
}

/// A listing that has not started yet: configure it, then consume it as items, pages or a `Vec`.
///
/// Pages are requested with `offset`/`limit`, where `limit` is the page size on every request.
/// Once the first page has reported a total that can be believed, the following pages up to that
/// total are requested ahead and still delivered strictly in offset order: as many at a time as
/// the client's adaptive concurrency for the operation allows (shared with its other calls of the
/// operation; [`crate::FlowPolicy`]: from 4 up to 16 by default, halving when the service throttles),
/// or exactly [`concurrency`](Self::concurrency) when the listing pins it. Past the total, or when
/// there is none, pages are requested one at a time for as long as they come back full.
///
/// While the listing is being consumed (its stream polled), a new request goes as soon as one of
/// the window's requests is answered, even when the answer must wait for an earlier page
/// (delivered strictly in order); between polls, the requests already sent go on, and new ones
/// wait for the next poll. Waiting for the page at the head
/// of the window instead kept every round of requests in phase behind its slowest answer (32 ms
/// rounds for 20 ms of latency, measured). So however long the listing, at most
/// `2 × window + 1` pages are held in memory, where the window is the pinned concurrency or the
/// flow's maximum: up to `window` requests on their way, up to `2 × window` requested pages in
/// all (answered ones wait, in order, until their turn), plus the page being handed out — the one
/// [`items`](Self::items) is draining or [`pages`](Self::pages) has just yielded.
///
/// # Example
///
/// ```
/// use futures::TryStreamExt;
/// # use huaweicloud_images_fake::{FAKE_AK, FAKE_PROJECT_ID, FAKE_SK, FakeConfig, FakeServer};
/// # #[tokio::main]
/// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
/// # let fake = FakeServer::start(FakeConfig { image_servers: 250, images: 40, ..FakeConfig::default() }).await?;
/// # let client = huaweicloud_images::Client::builder()
/// #     .credentials(huaweicloud_images::Credentials::ak_sk(FAKE_AK, FAKE_SK)?)
/// #     .project_id(FAKE_PROJECT_ID)
/// #     .endpoint_for_all(fake.base_url())
/// #     .build()?;
/// // Against the offline fake here; any `Client` works the same.
/// let mut servers = client.image_servers().list().paginate().page_size(100).max_items(120).items();
/// let mut listed = 0;
/// while let Some(server) = servers.try_next().await? {
///     assert!(server.id.is_some());
///     listed += 1;
/// }
/// assert_eq!(listed, 120); // two requests: offsets 0 and 100
/// # Ok(())
/// # }
/// ```
#[must_use = "a paginator does nothing until one of its streams is polled"]
pub struct Paginator<T> {
    source: Arc<dyn PageSource<T>>,
    operation: &'static str,
    page_size_range: RangeInclusive<u32>,
    page_size: u32,
    max_items: Option<u64>,
    start_offset: u64,
    /// Pinned by [`Paginator::concurrency`]; `None` follows the flow.
    concurrency: Option<usize>,
    /// The service addresses pages by index: a start inside a page requests that page and skips
    /// its items before the start.
    aligned: bool,
}

impl<T> fmt::Debug for Paginator<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Paginator")
            .field("operation", &self.operation)
            .field("page_size", &self.page_size)
            .field("max_items", &self.max_items)
            .field("start_offset", &self.start_offset)
            .field("concurrency", &self.concurrency)
            .finish_non_exhaustive()
    }
}

impl<T: Send + 'static> Paginator<T> {
    /// A listing of `operation` (its official name, for errors and logs) from `source`.
    pub(crate) fn new(
        source: Arc<dyn PageSource<T>>,
        operation: &'static str,
        page_size_range: RangeInclusive<u32>,
        default_page_size: u32,
    ) -> Self {
        Paginator {
            source,
            operation,
            page_size_range,
            page_size: default_page_size,
            max_items: None,
            start_offset: 0,
            concurrency: None,
            aligned: false,
        }
    }

    /// Marks a listing whose service addresses pages by index (`x-pagination` style `page`).
    pub(crate) fn page_aligned(mut self, aligned: bool) -> Self {
        self.aligned = aligned;
        self
    }

    /// Items per request (the `limit` sent on every request).
    ///
    /// A value outside the operation's range makes the first poll yield
    /// [`Error::InvalidInput`] (field `page_size`) before any request is sent.
    pub fn page_size(mut self, n: u32) -> Self {
        self.page_size = n;
        self
    }

    /// Stops after `n` items (counted as delivered, so repeated items dropped at a page boundary
    /// do not count). No page is requested that cannot contribute one of them, so `max_items(0)`
    /// sends no request at all.
    pub fn max_items(mut self, n: u64) -> Self {
        self.max_items = Some(n);
        self
    }

    /// Starts at offset `n` instead of 0, e.g. a [`Page::next_offset`] from an earlier listing.
    pub fn start_offset(mut self, n: u64) -> Self {
        self.start_offset = n;
        self
    }

    /// Pins how many page requests are in flight at once to exactly `n`, instead of following the
    /// client's adaptive concurrency (by default the listing grows from 4 to 16 requests in flight
    /// while the service answers fine and halves on a throttling answer, sharing that limit with
    /// the client's other calls of the operation; [`crate::FlowPolicy`]). The request rate and
    /// the retry budget still apply.
    ///
    /// 1 requests strictly one page at a time; outside 1 to [`MAX_CONCURRENCY`] the first poll
    /// yields [`Error::InvalidInput`] (field `concurrency`) before any request is sent. Requests
    /// ahead are only sent when the service reported a total that agrees with the pages, so short
    /// listings send exactly the requests a hand-written loop would.
    pub fn concurrency(mut self, n: usize) -> Self {
        self.concurrency = Some(n);
        self
    }

    /// The pages of the listing, in offset order, ending after the last page or at the first error.
    pub fn pages(self) -> BoxStream<'static, Result<Page<T>>> {
        let listing = Listing::new(self);
        stream::unfold(listing, |mut listing| async move {
            let next = listing.next_page().await?;
            Some((next, listing))
        })
        .fuse()
        .boxed()
    }

    /// Every item of the listing, in order, ending after the last item or at the first error.
    pub fn items(self) -> BoxStream<'static, Result<T>> {
        self.pages()
            .map_ok(|page| stream::iter(page.items.into_iter().map(Ok)))
            .try_flatten()
            .fuse()
            .boxed()
    }

    /// Every item of the listing in one `Vec` (memory grows with the listing; prefer
    /// [`items`](Self::items) for long ones).
    pub async fn collect_all(self) -> Result<Vec<T>> {
        self.items().try_collect().await
    }

    /// Checks the configuration; the error is delivered on the first poll.
    fn validate(&self) -> Result<()> {
        let range = &self.page_size_range;
        if self.page_size == 0 || !range.contains(&self.page_size) {
            return Err(Error::invalid(
                "page_size",
                format!(
                    "{} pages hold {} to {} items, got {}",
                    self.operation,
                    (*range.start()).max(1),
                    range.end(),
                    self.page_size
                ),
            ));
        }
        if let Some(n) = self.concurrency
            && !(1..=MAX_CONCURRENCY).contains(&n)
        {
            return Err(Error::invalid(
                "concurrency",
                format!("must be 1 to {MAX_CONCURRENCY} (1 requests one page at a time), got {n}"),
            ));
        }
        Ok(())
    }
}

/// What is known about the total the service reports.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Total {
    /// No page has arrived yet.
    NotSeen,
    /// Every page so far reported this total, and it agrees with their items.
    Trusted(u64),
    /// Missing, changing or contradicted by the items: the listing ends at a short or empty page.
    Distrusted,
}

impl Total {
    /// Updates the belief with a page whose items end at offset `end`.
    fn observe(&mut self, operation: &'static str, end: u64, reported: Option<u64>) {
        let agrees = |total: u64| end <= total;
        let next = match (*self, reported) {
            (Total::NotSeen, Some(total)) if agrees(total) => Total::Trusted(total),
            (Total::Trusted(trusted), Some(total)) if total == trusted && agrees(total) => {
                Total::Trusted(total)
            }
            (Total::Distrusted, _) | (_, None) => Total::Distrusted,
            (_, Some(total)) => {
                tracing::warn!(
                    operation,
                    reported = total,
                    items_up_to = end,
                    "reported total disagrees with the pages; ending the listing at a short page instead"
                );
                Total::Distrusted
            }
        };
        *self = next;
    }

    fn trusted(self) -> Option<u64> {
        match self {
            Total::Trusted(total) => Some(total),
            Total::NotSeen | Total::Distrusted => None,
        }
    }
}

/// What to do with a page the service returned.
enum Step<T> {
    /// Hand it out.
    Deliver(Page<T>),
    /// It held only items already delivered; go on with the next one.
    Skip,
    /// The listing is over.
    End,
}

/// A page request on its way: the offset it was sent for, how many pages had been accepted when
/// it was sent, and what it will return.
type Pending<T> = BoxFuture<'static, (u64, u64, Result<Fetched<T>>)>;

/// The running state of one listing.
struct Listing<T> {
    source: Arc<dyn PageSource<T>>,
    operation: &'static str,
    page_size: u32,
    /// Requests in flight at most: the pinned concurrency, or the flow's maximum.
    window: usize,
    /// Whether the page requests follow the service's adaptive concurrency (unless the listing
    /// pinned its own).
    permit: bool,
    /// How many more items to deliver (`max_items` minus those delivered).
    remaining: Option<u64>,
    /// No request at or past this offset can contribute a wanted item: the end of the last
    /// accepted page (or the start offset) plus `remaining`.
    item_end: Option<u64>,
    /// The offset of the next request to send.
    next_request: u64,
    /// Requests sent and not yet delivered, in offset order (answered or not).
    in_flight: FuturesOrdered<Pending<T>>,
    /// A place in the window for each request of `in_flight` not answered yet (`window` in
    /// all): a request takes one before it goes and gives it back once answered.
    slots: Arc<Semaphore>,
    total: Total,
    /// Pages accepted so far (delivered or skipped as repeats).
    accepted: u64,
    /// The total the last accepted page reported (`None` before the first page).
    last_total: Option<Option<u64>>,
    progress: ProgressGuard,
    /// Items at the start of the first page that come before the listing's start (a listing by
    /// page index that starts inside a page).
    skip: u64,
    /// The offset of the first page requested.
    first_offset: u64,
    /// A configuration error, delivered on the first poll.
    rejected: Option<Error>,
    finished: bool,
}

impl<T: Send + 'static> Listing<T> {
    fn new(config: Paginator<T>) -> Self {
        let rejected = config.validate().err();
        let skip = if config.aligned && config.page_size > 0 {
            config.start_offset % u64::from(config.page_size)
        } else {
            0
        };
        let flow_window = config.source.flow_window();
        let window = config
            .concurrency
            .or(flow_window)
            .unwrap_or(WINDOW_WITHOUT_FLOW)
            .min(Semaphore::MAX_PERMITS);
        Listing {
            remaining: config.max_items,
            item_end: config
                .max_items
                .map(|max| config.start_offset.saturating_add(max)),
            operation: config.operation,
            page_size: config.page_size,
            window,
            permit: config.concurrency.is_none() && flow_window.is_some(),
            source: config.source,
            // A service addressed by page index starts at the page holding the start; the items
            // before the start on it are not delivered.
            next_request: config.start_offset - skip,
            skip,
            first_offset: config.start_offset - skip,
            in_flight: FuturesOrdered::new(),
            slots: Arc::new(Semaphore::new(window)),
            total: Total::NotSeen,
            accepted: 0,
            last_total: None,
            progress: ProgressGuard::new(),
            rejected,
            finished: false,
        }
    }

    /// The next page to deliver, `None` once the listing is over.
    async fn next_page(&mut self) -> Option<Result<Page<T>>> {
        if self.finished {
            return None;
        }
        if let Some(error) = self.rejected.take() {
            self.finish();
            return Some(Err(error));
        }
        loop {
            // Whenever a request is answered (whether or not its page is next), the next one
            // goes.
            let next = std::future::poll_fn(|cx| {
                self.send_requests();
                self.in_flight.poll_next_unpin(cx)
            })
            .await;
            let Some((offset, sent_after, fetched)) = next else {
                // Nothing left that could contribute (e.g. `max_items(0)`).
                self.finish();
                return None;
            };
            if let Ok(raw) = &fetched
                && self.is_stale(offset, sent_after, raw.total)
            {
                // Every later page waits for this one: it is first in line for the next place
                // in the window.
                let again = self.request(offset, None);
                self.in_flight.push_front(again);
                continue;
            }
            match fetched.and_then(|raw| self.accept(offset, raw)) {
                Ok(Step::Deliver(page)) => return Some(Ok(page)),
                Ok(Step::Skip) => {}
                Ok(Step::End) => {
                    self.finish();
                    return None;
                }
                Err(error) => {
                    self.finish();
                    return Some(Err(error));
                }
            }
        }
    }

    /// Sends requests until the window is full: `concurrency` on their way and twice that
    /// requested in all, while a trusted total says how far the listing goes; otherwise one at a
    /// time.
    fn send_requests(&mut self) {
        let trusted = self.total.trusted();
        let requested = if trusted.is_some() {
            self.window.saturating_mul(2)
        } else {
            1
        };
        while self.in_flight.len() < requested
            && self.item_end.is_none_or(|end| self.next_request < end)
            && trusted.is_none_or(|total| self.next_request < total)
        {
            // A place in the window; none while a request asked again waits for one.
            let Ok(slot) = Arc::clone(&self.slots).try_acquire_owned() else {
                break;
            };
            let offset = self.next_request;
            let request = self.request(offset, Some(slot));
            self.in_flight.push_back(request);
            self.next_request = offset.saturating_add(u64::from(self.page_size));
        }
    }

    /// A request of the page at `offset`, running on its own (see [`spawned`]), in `slot` of the
    /// window, or once it gets one.
    fn request(&self, offset: u64, slot: Option<OwnedSemaphorePermit>) -> Pending<T> {
        tracing::debug!(
            operation = self.operation,
            offset,
            limit = self.page_size,
            "requesting page"
        );
        let fetch = self.source.fetch(offset, self.page_size, self.permit);
        let slots = Arc::clone(&self.slots);
        let fetch = async move {
            let slot = match slot {
                Some(slot) => Some(slot),
                // The semaphore is never closed.
                None => slots.acquire_owned().await.ok(),
            };
            let fetched = fetch.await;
            drop(slot);
            fetched
        }
        .boxed();
        let request = spawned::spawn(self.operation, fetch);
        let sent_after = self.accepted;
        Box::pin(async move { (offset, sent_after, request.await) })
    }

    /// Whether the page at `offset`, sent after `sent_after` pages had been accepted and
    /// reporting `total`, was served from another state of the listing than the page accepted
    /// before it, which it was requested together with: their totals differ. Items inserted or
    /// removed in between would shift the page against the one before it, losing or repeating
    /// items, so it is asked for again. (A page sent after the one before it was accepted is never
    /// stale: the comparison of ids with the previous page handles what moved.)
    fn is_stale(&self, offset: u64, sent_after: u64, total: Option<u64>) -> bool {
        let requested_together = sent_after < self.accepted;
        let stale = requested_together && self.last_total.is_some_and(|last| last != total);
        if stale {
            tracing::debug!(
                operation = self.operation,
                offset,
                reported = ?total,
                before = ?self.last_total.flatten(),
                "the listing changed while this page was requested ahead; requesting it again"
            );
        }
        stale
    }

    /// Turns what the service returned at `offset` into the page to deliver.
    fn accept(&mut self, offset: u64, fetched: Fetched<T>) -> Result<Step<T>> {
        let Fetched { mut items, total } = fetched;
        let limit = usize::try_from(self.page_size).unwrap_or(usize::MAX);
        if items.len() > limit {
            // Keeping only what was asked for keeps the following offsets aligned; the surplus
            // comes again with the next page.
            tracing::warn!(
                operation = self.operation,
                offset,
                limit,
                returned = items.len(),
                "page holds more items than asked for; using the first {limit}"
            );
            items.truncate(limit);
        }
        if items.is_empty() {
            tracing::debug!(
                operation = self.operation,
                offset,
                "empty page: listing complete"
            );
            return Ok(Step::End);
        }
        let full = items.len() == limit;
        // Offsets advance by what the service returned, repeated items included, so that they
        // stay aligned with its positions.
        let count = items.len() as u64;
        let end = offset
            .checked_add(count)
            .ok_or_else(|| self.no_progress(offset, "the offset would overflow".into()))?;

        // An item is known by its id; one without an id by its content and its place in the page.
        let keys: Vec<(String, bool)> = items
            .iter()
            .enumerate()
            .map(|(position, i)| match self.source.key(i) {
                // An empty (or blank) id is no id.
                Some(id) if !id.trim().is_empty() => (id, true),
                _ => (format!("{}@{position}", self.source.fingerprint(i)), false),
            })
            .collect();
        let fresh = self
            .progress
            .admit(offset, &keys)
            .map_err(|reason| self.no_progress(offset, reason))?;

        self.total.observe(self.operation, end, total);
        self.accepted += 1;
        self.last_total = Some(total);
        let complete = !full || self.total.trusted() == Some(end);

        // The new items, up to `remaining`; `resume` is where the first one left out stands.
        let skip = if offset == self.first_offset {
            std::mem::take(&mut self.skip)
        } else {
            0
        };
        let mut delivered = Vec::with_capacity(items.len());
        let mut resume = None;
        for (position, (item, fresh)) in (0u64..).zip(items.into_iter().zip(fresh)) {
            if !fresh || position < skip {
                continue;
            }
            if self.remaining == Some(delivered.len() as u64) {
                resume = Some(offset + position);
                break;
            }
            delivered.push(item);
        }
        if let Some(remaining) = &mut self.remaining {
            *remaining = remaining.saturating_sub(delivered.len() as u64);
            self.item_end = Some(end.saturating_add(*remaining));
        }
        let limit_reached = self.remaining == Some(0);

        if complete || limit_reached {
            self.finish();
        } else {
            // Send what is now known to be needed before the consumer takes this page.
            self.send_requests();
        }
        if delivered.is_empty() {
            // Every item was in the previous page: nothing to deliver here.
            return Ok(if complete { Step::End } else { Step::Skip });
        }
        Ok(Step::Deliver(Page {
            items: delivered,
            offset,
            total,
            next_offset: resume.or((!complete).then_some(end)),
        }))
    }

    fn no_progress(&self, offset: u64, reason: String) -> Error {
        tracing::warn!(operation = self.operation, offset, %reason, "pagination stopped");
        Error::Pagination {
            operation: self.operation,
            offset,
            reason,
        }
    }

    /// Ends the listing, dropping (and so cancelling) every request still in flight.
    fn finish(&mut self) {
        self.finished = true;
        self.in_flight = FuturesOrdered::new();
    }
}
