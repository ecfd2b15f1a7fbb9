//! Listings where each page names the next: a `marker` (given by the answer, or the id of the
//! page's last item) or a continuation `token` (`x-pagination` styles `marker` and `token`); the
//! rules are [`CursorPaginator`]'s.

#![allow(
    dead_code,
    reason = "used by the generated code of the operation shapes the seed spec does not have (the corpus test builds and calls them all)"
)]

use std::collections::HashSet;
use std::fmt;
use std::ops::RangeInclusive;
use std::sync::Arc;

use futures::FutureExt;
use futures::future::BoxFuture;
use futures::stream::{self, BoxStream, StreamExt, TryStreamExt};

use super::spawned;
use crate::client::Client;
use crate::error::{Error, Result};
use crate::runtime::request::Input;

/// Pages in a row that may bring no new item (empty, or holding only items of the page before)
/// before the listing ends with [`Error::Pagination`]: a service that names page after page
/// without items in them makes no progress.
pub const MAX_PAGES_WITHOUT_ITEMS: u32 = 8;

/// What one request of a cursor listing returned.
pub(crate) struct CursorFetched<T> {
    /// The items of the page, in the order the service sent them.
    pub items: Vec<T>,
    /// The cursor of the next page, if the service named one.
    pub next: Option<String>,
}

/// The request of a list operation paged by a marker or a token (implemented by generated
/// code, from the operation's `x-pagination` block).
pub(crate) trait Cursor: Input {
    /// One listed item.
    type Item: Send + 'static;
    /// Page sizes the paginator accepts: the limit's `max(minimum, 1)..=maximum`.
    const PAGE_SIZES: RangeInclusive<u32>;
    /// The limit's default (else its maximum).
    const DEFAULT_PAGE_SIZE: u32;
    /// The next marker is the id of the page's last item (not a field of the answer).
    const NEXT_FROM_LAST_ITEM: bool = false;

    /// The cursor the caller set, where the listing starts.
    fn start(&self) -> Option<String>;
    /// The limit the caller set, the paginator's page size.
    fn page_size(&self) -> Option<u32>;
    /// The same parameters at another page.
    fn at(&self, cursor: Option<String>, limit: u32) -> Self;
    /// The items and the next cursor of an answer.
    fn into_page(response: Self::Output) -> CursorFetched<Self::Item>;
    /// The item's identity (`item-id`), to drop an item the previous page held.
    fn key(item: &Self::Item) -> Option<String>;
}

/// Where a cursor listing's pages come from.
pub(crate) trait CursorSource<T>: Send + Sync + 'static {
    /// Requests `limit` items from `cursor` (the first page without one).
    fn fetch(
        &self,
        cursor: Option<String>,
        limit: u32,
    ) -> BoxFuture<'static, Result<CursorFetched<T>>>;

    /// The item's id, if it has one.
    fn key(&self, item: &T) -> Option<String>;
}

/// A paginator over `request`, starting at its cursor, with its limit as the page size.
pub(crate) fn cursor_paginator<C: Cursor>(client: Client, request: C) -> CursorPaginator<C::Item> {
    let start = request.start();
    let page_size = request.page_size().unwrap_or(C::DEFAULT_PAGE_SIZE);
    CursorPaginator {
        source: Arc::new(Sent { client, request }),
        operation: C::OPERATION.name,
        page_size_range: C::PAGE_SIZES,
        page_size,
        max_items: None,
        start,
        next_from_last_item: C::NEXT_FROM_LAST_ITEM,
    }
}

struct Sent<C> {
    client: Client,
    request: C,
}

impl<C: Cursor> CursorSource<C::Item> for Sent<C> {
    fn fetch(
        &self,
        cursor: Option<String>,
        limit: u32,
    ) -> BoxFuture<'static, Result<CursorFetched<C::Item>>> {
        let (client, request) = (self.client.clone(), self.request.at(cursor, limit));
        async move { Ok(C::into_page(client.send(request).await?)) }.boxed()
    }

    fn key(&self, item: &C::Item) -> Option<String> {
        C::key(item)
    }
}

/// One page of a cursor listing, as delivered by [`CursorPaginator::pages`].
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct CursorPage<T> {
    /// The items of the page (without those the previous page held; the last page is cut short
    /// when [`CursorPaginator::max_items`] is reached).
    pub items: Vec<T>,
    /// The cursor this page was requested with (`None` for a first page without one).
    pub cursor: Option<String>,
    /// The cursor of the next page, to resume from with [`CursorPaginator::start_at`]; `None`
    /// when the listing is complete (or was cut short by `max_items`).
    pub next_cursor: Option<String>,
}

/// A listing paged by a marker or a token (`x-pagination` styles `marker` and `token`) that has
/// not started yet: configure it, then consume it as items, pages or a `Vec`.
///
/// Pages come strictly one after the other (the next cursor is only known once a page arrived);
/// while the consumer works on a page, the next one is already requested (one page ahead, never
/// more), so memory holds at most two pages.
///
/// # When a listing ends
///
/// At the first page that names no next page (no marker or token, or an empty one); when the
/// marker is the last item's id, at the first empty page (a short page is not taken for the last:
/// a service may cap the page size below what was asked).
///
/// # Never looping forever
///
/// A service that names, as the next page, the page just requested, or any page it named before,
/// would make a naive loop run forever. Each cursor is compared with the one requested and with a
/// checkpoint cursor (moved at doubling intervals, which catches a cycle of any length); a repeat
/// ends the listing with [`Error::Pagination`] (its `offset` is the number of items delivered), and
/// so do [`MAX_PAGES_WITHOUT_ITEMS`] pages in a row that bring no new item (empty, or holding only
/// items of the page before, whatever new cursors they name). Items of a page whose ids were in
/// the previous page are dropped, so a service that repeats a page's tail delivers each item
/// once. When the marker is the last item's id, a non-empty page whose last item has none ends the
/// listing with the same error rather than as if it were complete.
#[must_use = "a paginator does nothing until one of its streams is polled"]
pub struct CursorPaginator<T> {
    source: Arc<dyn CursorSource<T>>,
    operation: &'static str,
    page_size_range: RangeInclusive<u32>,
    page_size: u32,
    max_items: Option<u64>,
    start: Option<String>,
    next_from_last_item: bool,
}

impl<T> fmt::Debug for CursorPaginator<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("CursorPaginator")
            .field("operation", &self.operation)
            .field("page_size", &self.page_size)
            .field("max_items", &self.max_items)
            .field("start", &self.start)
            .finish_non_exhaustive()
    }
}

impl<T: Send + 'static> CursorPaginator<T> {
    /// Items per request (the limit sent on every request). A value outside the operation's range
    /// makes the first poll yield [`Error::InvalidInput`] (field `page_size`) before any request.
    pub fn page_size(mut self, n: u32) -> Self {
        self.page_size = n;
        self
    }

    /// Stops after `n` items; `max_items(0)` sends no request at all.
    pub fn max_items(mut self, n: u64) -> Self {
        self.max_items = Some(n);
        self
    }

    /// Starts at `cursor` (e.g. a [`CursorPage::next_cursor`] of an earlier listing) instead of
    /// the first page.
    pub fn start_at(mut self, cursor: impl Into<String>) -> Self {
        self.start = Some(cursor.into());
        self
    }

    /// The pages, in order, ending after the last page or at the first error.
    pub fn pages(self) -> BoxStream<'static, Result<CursorPage<T>>> {
        let listing = Listing::new(self);
        stream::unfold(listing, |mut listing| async move {
            let next = listing.next_page().await?;
            Some((next, listing))
        })
        .fuse()
        .boxed()
    }

    /// Every item, in order, ending after the last item or at the first error.
    pub fn items(self) -> BoxStream<'static, Result<T>> {
        self.pages()
            .map_ok(|page| stream::iter(page.items.into_iter().map(Ok)))
            .try_flatten()
            .fuse()
            .boxed()
    }

    /// Every item in one `Vec` (memory grows with the listing; prefer [`items`](Self::items)).
    pub async fn collect_all(self) -> Result<Vec<T>> {
        self.items().try_collect().await
    }
}

/// The running state of one cursor listing.
struct Listing<T> {
    source: Arc<dyn CursorSource<T>>,
    operation: &'static str,
    page_size: u32,
    remaining: Option<u64>,
    /// The cursor of the page to request next; `None` once the listing is over.
    next: Option<Option<String>>,
    /// The next page, requested ahead while the consumer works on the current one.
    ahead: Option<BoxFuture<'static, Result<CursorFetched<T>>>>,
    /// Cycle detection: a cursor named earlier, and when to move it.
    checkpoint: Option<String>,
    steps: u64,
    power: u64,
    /// The ids of the previous page.
    previous: HashSet<String>,
    /// Pages in a row that brought no new item.
    stalled: u32,
    /// The next marker is the last item's id: a non-empty page without one cannot go on.
    next_from_last_item: bool,
    delivered: u64,
    rejected: Option<Error>,
}

impl<T: Send + 'static> Listing<T> {
    fn new(config: CursorPaginator<T>) -> Self {
        let range = &config.page_size_range;
        let rejected = (config.page_size == 0 || !range.contains(&config.page_size)).then(|| {
            Error::invalid(
                "page_size",
                format!(
                    "{} pages hold {} to {} items, got {}",
                    config.operation,
                    (*range.start()).max(1),
                    range.end(),
                    config.page_size
                ),
            )
        });
        Listing {
            remaining: config.max_items,
            next: (config.max_items != Some(0)).then_some(config.start.clone()),
            checkpoint: config.start,
            source: config.source,
            operation: config.operation,
            page_size: config.page_size,
            ahead: None,
            steps: 0,
            power: 1,
            previous: HashSet::new(),
            stalled: 0,
            next_from_last_item: config.next_from_last_item,
            delivered: 0,
            rejected,
        }
    }

    fn request(&self, cursor: Option<String>) -> BoxFuture<'static, Result<CursorFetched<T>>> {
        tracing::debug!(operation = self.operation, cursor = ?cursor, limit = self.page_size, "requesting page");
        spawned::spawn(self.operation, self.source.fetch(cursor, self.page_size))
    }

    fn no_progress(&mut self, reason: String) -> Error {
        tracing::warn!(operation = self.operation, %reason, "pagination stopped");
        self.finish();
        Error::Pagination {
            operation: self.operation,
            offset: self.delivered,
            reason,
        }
    }

    fn finish(&mut self) {
        self.next = None;
        self.ahead = None;
    }

    async fn next_page(&mut self) -> Option<Result<CursorPage<T>>> {
        if let Some(error) = self.rejected.take() {
            self.finish();
            return Some(Err(error));
        }
        loop {
            let cursor = self.next.take()?;
            let fetched = match self.ahead.take() {
                Some(ahead) => ahead.await,
                None => self.request(cursor.clone()).await,
            };
            let fetched = match fetched {
                Ok(fetched) => fetched,
                Err(error) => {
                    self.finish();
                    return Some(Err(error));
                }
            };
            let next = fetched.next.filter(|n| !n.trim().is_empty());
            if let Some(next) = &next {
                if Some(next) == cursor.as_ref() {
                    let reason = format!("the page at {next:?} names itself as the next page");
                    return Some(Err(self.no_progress(reason)));
                }
                if Some(next) == self.checkpoint.as_ref() {
                    let reason = format!("the service named {next:?} as the next page again");
                    return Some(Err(self.no_progress(reason)));
                }
                self.steps += 1;
                if self.steps == self.power {
                    self.checkpoint = Some(next.clone());
                    self.power = self.power.saturating_mul(2);
                    self.steps = 0;
                }
            }
            let empty = fetched.items.is_empty();
            if self.next_from_last_item && !empty && next.is_none() {
                // The last item has no id to go on from: ending here would lose what follows.
                let reason =
                    "the last item of a page has no id to continue the listing from".into();
                return Some(Err(self.no_progress(reason)));
            }
            let keys: Vec<Option<String>> = fetched
                .items
                .iter()
                .map(|item| self.source.key(item).filter(|k| !k.trim().is_empty()))
                .collect();
            let mut items = Vec::with_capacity(fetched.items.len());
            let mut page_keys = HashSet::with_capacity(keys.len());
            for (item, key) in fetched.items.into_iter().zip(keys) {
                if let Some(key) = key {
                    // Dropped when the previous page (or this one, earlier) held it; every id of
                    // this page is kept for the next page's comparison, repeats included.
                    let repeated = self.previous.contains(&key);
                    if !page_keys.insert(key) || repeated {
                        continue;
                    }
                }
                items.push(item);
            }
            if !empty {
                self.previous = page_keys;
            }
            let truncated = self
                .remaining
                .is_some_and(|remaining| items.len() as u64 > remaining);
            if let Some(remaining) = &mut self.remaining {
                items.truncate(usize::try_from(*remaining).unwrap_or(usize::MAX));
                *remaining -= items.len() as u64;
            }
            self.delivered += items.len() as u64;
            let done = self.remaining == Some(0);
            if items.is_empty() {
                self.stalled += 1;
                if next.is_some() && self.stalled >= MAX_PAGES_WITHOUT_ITEMS {
                    let reason = format!("{} pages in a row brought no new item", self.stalled);
                    return Some(Err(self.no_progress(reason)));
                }
            } else {
                self.stalled = 0;
            }
            if !done && let Some(next) = &next {
                self.next = Some(Some(next.clone()));
                self.ahead = Some(self.request(Some(next.clone())));
            }
            if items.is_empty() {
                // Nothing new here: go on with the next page, if any.
                continue;
            }
            return Some(Ok(CursorPage {
                items,
                cursor,
                // Cut inside the page by `max_items`: the service's cursor would skip the rest.
                next_cursor: if truncated { None } else { next },
            }));
        }
    }
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;
    use std::sync::Mutex;

    use super::*;

    /// The cursors requested, in order.
    type Requests = Arc<Mutex<Vec<Option<String>>>>;

    /// A scripted listing: cursor (`""` for none) → (items, next cursor).
    struct Script {
        pages: HashMap<&'static str, (Vec<u32>, Option<&'static str>)>,
        requests: Requests,
    }

    impl CursorSource<u32> for Script {
        fn fetch(
            &self,
            cursor: Option<String>,
            _limit: u32,
        ) -> BoxFuture<'static, Result<CursorFetched<u32>>> {
            self.requests.lock().unwrap().push(cursor.clone());
            let (items, next) = self
                .pages
                .get(cursor.as_deref().unwrap_or(""))
                .cloned()
                .unwrap_or_default();
            async move {
                Ok(CursorFetched {
                    items,
                    next: next.map(str::to_owned),
                })
            }
            .boxed()
        }

        fn key(&self, item: &u32) -> Option<String> {
            Some(item.to_string())
        }
    }

    fn paginator(
        pages: &[(&'static str, &[u32], Option<&'static str>)],
    ) -> (CursorPaginator<u32>, Requests) {
        let requests = Arc::new(Mutex::new(Vec::new()));
        let script = Script {
            pages: pages
                .iter()
                .map(|(cursor, items, next)| (*cursor, (items.to_vec(), *next)))
                .collect(),
            requests: Arc::clone(&requests),
        };
        let paginator = CursorPaginator {
            source: Arc::new(script),
            operation: "ListThings",
            page_size_range: 1..=50,
            page_size: 2,
            max_items: None,
            start: None,
            next_from_last_item: false,
        };
        (paginator, requests)
    }

    fn sent(requests: &Mutex<Vec<Option<String>>>) -> Vec<Option<String>> {
        requests.lock().unwrap().clone()
    }

    fn cursors(expected: &[Option<&str>]) -> Vec<Option<String>> {
        expected.iter().map(|c| c.map(str::to_owned)).collect()
    }

    #[tokio::test]
    async fn pages_follow_their_cursors_to_the_end_each_item_once() {
        let (listing, requests) = paginator(&[
            ("", &[1, 2], Some("a")),
            ("a", &[2, 3], Some("b")),
            ("b", &[], Some("c")),
            ("c", &[4], Some("")),
        ]);
        let pages: Vec<CursorPage<u32>> = listing.pages().try_collect().await.unwrap();
        let items: Vec<u32> = pages.iter().flat_map(|p| p.items.clone()).collect();
        assert_eq!(
            items,
            [1, 2, 3, 4],
            "the repeated 2 is dropped, the empty page skipped"
        );
        assert_eq!(pages[0].next_cursor.as_deref(), Some("a"));
        assert_eq!(pages[2].cursor.as_deref(), Some("c"));
        assert_eq!(
            pages[2].next_cursor, None,
            "a blank cursor ends the listing"
        );
        assert_eq!(
            sent(&requests),
            cursors(&[None, Some("a"), Some("b"), Some("c")])
        );
    }

    #[tokio::test]
    async fn a_page_naming_itself_or_an_earlier_page_ends_the_listing() {
        let (itself, _) = paginator(&[("", &[1], Some("a")), ("a", &[2], Some("a"))]);
        let error = itself.collect_all().await.unwrap_err();
        assert!(
            matches!(&error, Error::Pagination { offset: 1, reason, .. } if reason.contains("names itself")),
            "{error:?}"
        );
        let (cycle, requests) = paginator(&[
            ("", &[1], Some("a")),
            ("a", &[2], Some("b")),
            ("b", &[3], Some("c")),
            ("c", &[4], Some("a")),
        ]);
        let error = cycle.collect_all().await.unwrap_err();
        assert!(matches!(error, Error::Pagination { .. }), "{error:?}");
        assert!(
            requests.lock().unwrap().len() <= 8,
            "{:?}",
            requests.lock().unwrap()
        );
    }

    #[tokio::test]
    async fn max_items_cuts_the_listing_and_sends_nothing_more() {
        let (listing, requests) = paginator(&[("", &[1, 2], Some("a")), ("a", &[3, 4], Some("b"))]);
        let pages: Vec<CursorPage<u32>> = listing.max_items(3).pages().try_collect().await.unwrap();
        assert_eq!(pages[1].items, [3]);
        assert_eq!(pages[1].next_cursor, None);
        assert_eq!(sent(&requests), cursors(&[None, Some("a")]));
        let (none, requests) = paginator(&[("", &[1], None)]);
        assert!(none.max_items(0).collect_all().await.unwrap().is_empty());
        assert!(requests.lock().unwrap().is_empty());
    }

    #[tokio::test]
    async fn the_next_page_is_requested_ahead_and_no_further() {
        let (listing, requests) = paginator(&[
            ("", &[1], Some("a")),
            ("a", &[2], Some("b")),
            ("b", &[3], None),
        ]);
        let mut pages = listing.pages();
        let first = pages.next().await.unwrap().unwrap();
        assert_eq!(first.items, [1]);
        for _ in 0..10 {
            tokio::task::yield_now().await;
        }
        assert_eq!(
            sent(&requests),
            cursors(&[None, Some("a")]),
            "one page ahead"
        );
    }

    #[tokio::test]
    async fn a_bad_page_size_or_a_start_is_honoured_before_any_request() {
        let (listing, requests) = paginator(&[("", &[1], None)]);
        let error = listing.page_size(0).collect_all().await.unwrap_err();
        assert!(
            matches!(
                error,
                Error::InvalidInput {
                    field: "page_size",
                    ..
                }
            ),
            "{error:?}"
        );
        assert!(requests.lock().unwrap().is_empty());
        let (listing, requests) = paginator(&[("", &[1], Some("a")), ("a", &[2], None)]);
        assert_eq!(listing.start_at("a").collect_all().await.unwrap(), [2]);
        assert_eq!(sent(&requests), cursors(&[Some("a")]));
        let (listing, _) = paginator(&[]);
        let shown = format!("{:?}", listing.page_size(7));
        assert!(
            shown.contains("ListThings") && shown.contains("page_size: 7"),
            "{shown}"
        );
    }

    /// A service that ignores the token and hands out a new one with the same page each time.
    #[tokio::test]
    async fn pages_that_bring_nothing_new_end_the_listing() {
        let mut pages: Vec<(&'static str, &'static [u32], Option<&'static str>)> = Vec::new();
        let cursors: Vec<&'static str> = (0..20).map(|n| &*format!("t{n}").leak()).collect();
        pages.push(("", &[1, 2], Some(cursors[0])));
        for n in 0..19 {
            pages.push((cursors[n], &[1, 2], Some(cursors[n + 1])));
        }
        let (repeating, requests) = paginator(&pages);
        let mut delivered = Vec::new();
        let mut stream = repeating.items();
        let error = loop {
            match stream.next().await {
                Some(Ok(item)) => delivered.push(item),
                Some(Err(error)) => break error,
                None => panic!("ended as if complete"),
            }
        };
        assert_eq!(delivered, [1, 2], "each item once");
        assert!(
            matches!(&error, Error::Pagination { reason, .. } if reason.contains("no new item")),
            "{error:?}"
        );
        assert!(requests.lock().unwrap().len() <= 1 + MAX_PAGES_WITHOUT_ITEMS as usize + 1);
        // Empty pages naming new cursors forever.
        let mut empty: Vec<(&'static str, &'static [u32], Option<&'static str>)> =
            vec![("", &[], Some(cursors[0]))];
        for n in 0..19 {
            empty.push((cursors[n], &[], Some(cursors[n + 1])));
        }
        let (empty, _) = paginator(&empty);
        assert!(matches!(
            empty.collect_all().await,
            Err(Error::Pagination { .. })
        ));
    }

    #[tokio::test]
    async fn a_last_item_without_id_does_not_end_a_listing_by_last_id_as_complete() {
        let (listing, _) = paginator(&[("", &[1, 2], None)]);
        let mut listing = listing;
        listing.next_from_last_item = true;
        let error = listing.collect_all().await.unwrap_err();
        assert!(
            matches!(&error, Error::Pagination { reason, .. } if reason.contains("no id")),
            "{error:?}"
        );
        let (listing, _) = paginator(&[("", &[], None)]);
        let mut listing = listing;
        listing.next_from_last_item = true;
        assert!(
            listing.collect_all().await.unwrap().is_empty(),
            "an empty page ends it"
        );
    }

    #[tokio::test]
    async fn max_items_at_a_page_boundary_keeps_the_cursor_to_resume_from() {
        let (listing, requests) = paginator(&[("", &[1, 2], Some("a")), ("a", &[3, 4], None)]);
        let pages: Vec<CursorPage<u32>> = listing.max_items(2).pages().try_collect().await.unwrap();
        assert_eq!(pages.len(), 1);
        assert_eq!(pages[0].next_cursor.as_deref(), Some("a"));
        assert_eq!(
            sent(&requests),
            cursors(&[None]),
            "nothing requested past max_items"
        );
    }
}
