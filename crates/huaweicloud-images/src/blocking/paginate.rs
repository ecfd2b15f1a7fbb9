//! The blocking paginators: the same options as the async ones, iterators instead of streams.

use futures::StreamExt;
use futures::stream::BoxStream;

use crate::error::Result;
use crate::flavour::Blocking;
use crate::paginate::{self, CursorPage, Page};

/// The blocking counterpart of [`paginate::Paginator`]: the same options, iterators instead of
/// streams.
#[derive(Debug)]
#[must_use = "a paginator does nothing until iterated"]
pub struct Paginator<T> {
    inner: paginate::Paginator<T>,
    flavour: Blocking,
}

impl<T: Send + 'static> Paginator<T> {
    pub(crate) fn new(inner: paginate::Paginator<T>, flavour: Blocking) -> Self {
        Self { inner, flavour }
    }

    /// See [`paginate::Paginator::page_size`].
    pub fn page_size(mut self, n: u32) -> Self {
        self.inner = self.inner.page_size(n);
        self
    }

    /// See [`paginate::Paginator::max_items`].
    pub fn max_items(mut self, n: u64) -> Self {
        self.inner = self.inner.max_items(n);
        self
    }

    /// See [`paginate::Paginator::start_offset`].
    pub fn start_offset(mut self, n: u64) -> Self {
        self.inner = self.inner.start_offset(n);
        self
    }

    /// See [`paginate::Paginator::concurrency`].
    pub fn concurrency(mut self, n: usize) -> Self {
        self.inner = self.inner.concurrency(n);
        self
    }

    /// The pages, in order; an error ends the iteration.
    pub fn pages(self) -> Iter<Page<T>> {
        Iter {
            stream: Some(self.inner.pages()),
            flavour: self.flavour,
        }
    }

    /// The items, in order; an error ends the iteration.
    pub fn items(self) -> Iter<T> {
        Iter {
            stream: Some(self.inner.items()),
            flavour: self.flavour,
        }
    }

    /// Every item in a `Vec`.
    ///
    /// # Errors
    /// The first error met; items before it are dropped.
    pub fn collect_all(self) -> Result<Vec<T>> {
        self.items().collect()
    }
}

/// The blocking counterpart of [`paginate::CursorPaginator`]: the same options, iterators
/// instead of streams.
#[derive(Debug)]
#[must_use = "a paginator does nothing until iterated"]
pub struct CursorPaginator<T> {
    inner: paginate::CursorPaginator<T>,
    flavour: Blocking,
}

impl<T: Send + 'static> CursorPaginator<T> {
    #[allow(
        dead_code,
        reason = "used by the generated code of the operation shapes the seed spec does not have (the corpus test builds and calls them all)"
    )]
    pub(crate) fn new(inner: paginate::CursorPaginator<T>, flavour: Blocking) -> Self {
        Self { inner, flavour }
    }

    /// See [`paginate::CursorPaginator::page_size`].
    pub fn page_size(mut self, n: u32) -> Self {
        self.inner = self.inner.page_size(n);
        self
    }

    /// See [`paginate::CursorPaginator::max_items`].
    pub fn max_items(mut self, n: u64) -> Self {
        self.inner = self.inner.max_items(n);
        self
    }

    /// See [`paginate::CursorPaginator::start_at`].
    pub fn start_at(mut self, cursor: impl Into<String>) -> Self {
        self.inner = self.inner.start_at(cursor);
        self
    }

    /// The pages, in order; an error ends the iteration.
    pub fn pages(self) -> Iter<CursorPage<T>> {
        Iter {
            stream: Some(self.inner.pages()),
            flavour: self.flavour,
        }
    }

    /// The items, in order; an error ends the iteration.
    pub fn items(self) -> Iter<T> {
        Iter {
            stream: Some(self.inner.items()),
            flavour: self.flavour,
        }
    }

    /// Every item in a `Vec`.
    ///
    /// # Errors
    /// The first error met; items before it are dropped.
    pub fn collect_all(self) -> Result<Vec<T>> {
        self.items().collect()
    }
}

/// A blocking iterator over a paginated listing.
pub struct Iter<T> {
    stream: Option<BoxStream<'static, Result<T>>>,
    flavour: Blocking,
}

impl<T: Send + 'static> Iterator for Iter<T> {
    type Item = Result<T>;

    fn next(&mut self) -> Option<Self::Item> {
        let mut stream = self.stream.take()?;
        // The stream moves to the runtime's thread for one step and comes back with its item.
        let step = self.flavour.run(async move {
            let next = stream.next().await;
            (stream, next)
        });
        match step {
            Ok((stream, Some(Ok(item)))) => {
                self.stream = Some(stream);
                Some(Ok(item))
            }
            Ok((_, Some(Err(e)))) | Err(e) => Some(Err(e)),
            Ok((_, None)) => None,
        }
    }
}

impl<T> std::fmt::Debug for Iter<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Iter")
            .field("finished", &self.stream.is_none())
            .finish_non_exhaustive()
    }
}
