//! The bridge from a list operation's request to the paginator: what the generated code tells
//! the engine about an operation with `x-pagination` (which parameters are offset and limit, which
//! fields hold the items, the total and an item's id, and the page sizes its limit allows).

use std::ops::RangeInclusive;
use std::sync::Arc;

use futures::FutureExt;
use futures::future::BoxFuture;

use super::{PageFetcher, Paginator, RawPage};
use crate::client::Client;
use crate::error::Result;
use crate::request::Input;

/// The request of an offset/limit list operation (implemented by generated code, from the
/// operation's `x-pagination` block and its limit parameter's schema).
pub(crate) trait Paged: Input {
    /// One listed item (serializable, for the fingerprint of an item without an id).
    type Item: serde::Serialize + Send + 'static;
    /// Page sizes the paginator accepts: the limit's `max(minimum, 1)..=maximum`.
    const PAGE_SIZES: RangeInclusive<u32>;
    /// The limit's default (else its maximum).
    const DEFAULT_PAGE_SIZE: u32;

    /// The offset the caller set, where pagination starts.
    fn start_offset(&self) -> u64;
    /// The limit the caller set, the paginator's first page size.
    fn page_size(&self) -> Option<u32>;
    /// The same parameters at another page.
    fn at(&self, offset: u64, limit: u32) -> Self;
    /// The items and the reported total of an answer.
    fn into_page(response: Self::Output) -> RawPage<Self::Item>;
    /// The item's identity (`item-id` of `x-pagination`), for the repeat and no-progress checks.
    fn key(item: &Self::Item) -> Option<String>;
}

/// A paginator over `request`, starting at its offset, with its limit as the page size.
pub(crate) fn paginator<P: Paged>(client: Client, request: P) -> Paginator<P::Item> {
    let start = request.start_offset();
    let page_size = request.page_size();
    let paginator = Paginator::new(
        Arc::new(Pages { client, request }),
        P::OPERATION.name,
        P::PAGE_SIZES,
        P::DEFAULT_PAGE_SIZE,
    )
    .start_offset(start);
    match page_size {
        Some(n) => paginator.page_size(n),
        None => paginator,
    }
}

/// A total as reported: a negative one (or one that does not fit) is no total.
pub(crate) fn reported_total<T: TryInto<u64>>(reported: Option<T>) -> Option<u64> {
    reported.and_then(|t| t.try_into().ok())
}

struct Pages<P> {
    client: Client,
    request: P,
}

impl<P: Paged> PageFetcher<P::Item> for Pages<P> {
    fn fetch(&self, offset: u64, limit: u32) -> BoxFuture<'static, Result<RawPage<P::Item>>> {
        let request = self.request.at(offset, limit).send(self.client.clone());
        async move { Ok(P::into_page(request.await?)) }.boxed()
    }

    fn key(&self, item: &P::Item) -> Option<String> {
        P::key(item)
    }

    fn flow(&self) -> Option<Arc<crate::flow::AdaptiveConcurrency>> {
        Some(Arc::clone(
            &self.client.flow(P::OPERATION.service).concurrency,
        ))
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
