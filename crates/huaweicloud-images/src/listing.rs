//! What the two list operations share: a query that can be sent for one page, and the page
//! fetcher that turns it into a [`Paginator`] with the query's filters on every page.

use std::future::Future;
use std::ops::RangeInclusive;
use std::sync::Arc;

use futures::FutureExt;
use futures::future::BoxFuture;

use crate::client::{Client, Operation};
use crate::error::Result;
use crate::paginate::{PageFetcher, Paginator, RawPage};

/// The filters of one list operation.
pub(crate) trait ListQuery: Clone + Send + Sync + 'static {
    /// One listed item.
    type Item: Send + 'static;
    /// The response of one request.
    type Response: Send + 'static;
    /// The operation sent.
    const OPERATION: Operation;
    /// Valid page sizes for the paginator.
    const PAGE_SIZES: RangeInclusive<u32>;
    /// The operation's default `limit`.
    const DEFAULT_PAGE_SIZE: u32;

    /// The `offset` set by the user, where pagination starts.
    fn start_offset(&self) -> u64;
    /// The `limit` set by the user, the paginator's first page size.
    fn page_size(&self) -> Option<u32>;
    /// The same filters at another page.
    fn at(&self, offset: u64, limit: u32) -> Self;
    /// Sends one request.
    fn send(self, client: Client) -> impl Future<Output = Result<Self::Response>> + Send;
    /// The items and the reported total of a response.
    fn into_page(response: Self::Response) -> RawPage<Self::Item>;
    /// The id of an item, for the paginator's no-progress check.
    fn key(item: &Self::Item) -> Option<String>;
}

/// A paginator over `query`, starting at its `offset`, with its `limit` as the page size.
pub(crate) fn paginator<Q: ListQuery>(client: Client, query: Q) -> Paginator<Q::Item> {
    let start = query.start_offset();
    let page_size = query.page_size();
    let paginator = Paginator::new(
        Arc::new(Pages { client, query }),
        Q::OPERATION.name,
        Q::PAGE_SIZES,
        Q::DEFAULT_PAGE_SIZE,
    )
    .start_offset(start);
    match page_size {
        Some(n) => paginator.page_size(n),
        None => paginator,
    }
}

/// A total as reported (a negative one is no total).
pub(crate) fn total(reported: Option<i32>) -> Option<u64> {
    reported.and_then(|t| u64::try_from(t).ok())
}

struct Pages<Q> {
    client: Client,
    query: Q,
}

impl<Q: ListQuery> PageFetcher<Q::Item> for Pages<Q> {
    fn fetch(&self, offset: u64, limit: u32) -> BoxFuture<'static, Result<RawPage<Q::Item>>> {
        let request = self.query.at(offset, limit).send(self.client.clone());
        async move { Ok(Q::into_page(request.await?)) }.boxed()
    }

    fn key(&self, item: &Q::Item) -> Option<String> {
        Q::key(item)
    }
}
