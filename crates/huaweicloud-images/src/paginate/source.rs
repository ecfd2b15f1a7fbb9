//! Where a listing's pages come from. The engine asks a [`PageSource`] for a page at an offset;
//! for the operations with `x-pagination`, the source is a generated request that implements
//! [`OffsetLimit`] (which parameters are offset and limit, which fields hold the items, the total
//! and an item's id, and the page sizes its limit allows), sent through the client.

use std::ops::RangeInclusive;
use std::sync::Arc;

use futures::FutureExt;
use futures::future::BoxFuture;

use super::Paginator;
use crate::client::Client;
use crate::error::Result;
use crate::runtime::request::Input;

/// What one request of a listing returned, as the service reported it.
pub(crate) struct Fetched<T> {
    /// The items of the page, in the order the service sent them.
    pub items: Vec<T>,
    /// The total the service reported (`count`, `total_count`), if any.
    pub total: Option<u64>,
}

/// The pages of one listing, as the engine asks for them. Filters and sorting are captured
/// inside and sent unchanged with every page.
pub(crate) trait PageSource<T>: Send + Sync + 'static {
    /// Requests `limit` items starting at `offset`. `permit`: the request follows the service's
    /// adaptive concurrency (it holds a permit while it is on its way, retries included).
    fn fetch(
        &self,
        offset: u64,
        limit: u32,
        permit: bool,
    ) -> BoxFuture<'static, Result<Fetched<T>>>;

    /// The item's id (`x-pagination.id`), used to drop repeats and to detect a service that makes
    /// no progress; `None` when it has none.
    fn key(&self, item: &T) -> Option<String>;

    /// A fingerprint of the item's content: its identity when it has no id.
    fn fingerprint(&self, item: &T) -> String;

    /// The most page requests the service's adaptive concurrency allows in flight, when the
    /// source follows one (a listing that does not pin its concurrency then follows it).
    fn flow_window(&self) -> Option<usize> {
        None
    }
}

/// The request of an offset/limit list operation (implemented by generated code, from the
/// operation's `x-pagination` block and its limit parameter's schema).
pub(crate) trait OffsetLimit: Input {
    /// One listed item (serializable, for the fingerprint of an item without an id).
    type Item: serde::Serialize + Send + 'static;
    /// Page sizes the paginator accepts: the limit's `max(minimum, 1)..=maximum`.
    const PAGE_SIZES: RangeInclusive<u32>;
    /// The limit's default (else its maximum).
    const DEFAULT_PAGE_SIZE: u32;
    /// Whether the service addresses pages by index (the offset is turned into one, so it must
    /// be a whole number of pages).
    const PAGE_ALIGNED: bool = false;

    /// The offset the caller set, where pagination starts.
    fn start_offset(&self) -> u64;
    /// The limit the caller set, the paginator's first page size.
    fn page_size(&self) -> Option<u32>;
    /// The same parameters at another page.
    fn at(&self, offset: u64, limit: u32) -> Self;
    /// The items and the reported total of an answer.
    fn into_page(response: Self::Output) -> Fetched<Self::Item>;
    /// The item's identity (`id` of `x-pagination`), for the repeat and no-progress checks.
    fn key(item: &Self::Item) -> Option<String>;
}

/// A paginator over `request`, starting at its offset, with its limit as the page size.
pub(crate) fn paginator<P: OffsetLimit>(client: Client, request: P) -> Paginator<P::Item> {
    let start = request.start_offset();
    let page_size = request.page_size();
    let paginator = Paginator::new(
        Arc::new(Sent { client, request }),
        P::OPERATION.name,
        P::PAGE_SIZES,
        P::DEFAULT_PAGE_SIZE,
    )
    .start_offset(start)
    .page_aligned(P::PAGE_ALIGNED);
    match page_size {
        Some(n) => paginator.page_size(n),
        None => paginator,
    }
}

/// A total as reported: a negative one (or one that does not fit) is no total.
pub(crate) fn reported_total<T: TryInto<u64>>(reported: Option<T>) -> Option<u64> {
    reported.and_then(|t| t.try_into().ok())
}

/// A generated request sent through its client, page by page.
struct Sent<P> {
    client: Client,
    request: P,
}

impl<P: OffsetLimit> PageSource<P::Item> for Sent<P> {
    fn fetch(
        &self,
        offset: u64,
        limit: u32,
        permit: bool,
    ) -> BoxFuture<'static, Result<Fetched<P::Item>>> {
        let (client, request) = (self.client.clone(), self.request.at(offset, limit));
        async move {
            let answer = if permit {
                client.send(request).await?
            } else {
                client.send_pinned(request).await?
            };
            Ok(P::into_page(answer))
        }
        .boxed()
    }

    fn key(&self, item: &P::Item) -> Option<String> {
        P::key(item)
    }

    fn flow_window(&self) -> Option<usize> {
        Some(
            self.client
                .pace(P::OPERATION.service)
                .flow
                .max_concurrency(),
        )
    }

    fn fingerprint(&self, item: &P::Item) -> String {
        use std::hash::{Hash, Hasher};
        // Deterministic within the process, which is all two pages of one listing need.
        let mut hasher = std::hash::DefaultHasher::new();
        serde_json::to_vec(item)
            .unwrap_or_default()
            .hash(&mut hasher);
        format!("content:{:016x}", hasher.finish())
    }
}
