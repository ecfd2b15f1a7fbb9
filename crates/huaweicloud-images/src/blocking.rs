//! The blocking flavour: the same calls as the async client, for programs without an async
//! runtime (its resource accessors, `image_servers()` and the others, are generated with the
//! async client's). Each blocking client owns a small runtime with one worker thread, which drives its
//! connections; calls block the calling thread until they are done.
//!
//! ```
//! use huaweicloud_images::blocking;
//! # use huaweicloud_images_fake::{FAKE_AK, FAKE_PROJECT_ID, FAKE_SK, FakeConfig, FakeServer};
//!
//! # fn main() -> Result<(), Box<dyn std::error::Error>> {
//! # // The fake needs a runtime of its own; a blocking program would call the real services.
//! # let runtime = tokio::runtime::Runtime::new()?;
//! # let fake = runtime.block_on(FakeServer::start(FakeConfig::default()))?;
//! # let async_client = huaweicloud_images::Client::builder()
//! #     .credentials(huaweicloud_images::Credentials::ak_sk(FAKE_AK, FAKE_SK)?)
//! #     .project_id(FAKE_PROJECT_ID)
//! #     .endpoint_for_all(fake.base_url())
//! #     .build()?;
//! // With credentials in the environment: blocking::Client::from_env()?
//! let client = blocking::Client::new(async_client)?;
//! let mut listed = 0;
//! for image in client.images().list().paginate().page_size(10).items() {
//!     let image = image?;
//!     println!("{:?} {:?}", image.id, image.name);
//!     listed += 1;
//! }
//! assert_eq!(listed, fake.data().images.len());
//! # Ok(())
//! # }
//! ```

use futures::StreamExt;
use futures::stream::BoxStream;

use crate::error::Result;
use crate::flavour::Blocking;
use crate::paginate::{self, Page};

/// A blocking client: wraps a [`crate::Client`] and blocks the calling thread on each call. It
/// works from any thread, `spawn_blocking` included; in async code prefer the async client, since
/// a blocking call holds up the thread it is made on.
///
/// The wrapped client's connection pool is shared. A connection opened by async calls on a
/// *current-thread* runtime is driven by that runtime; a blocking call made on that runtime's own
/// thread would wait for it in vain (until the attempt times out). In that set-up give the
/// blocking client its own [`crate::Client`] (build a second one) instead of a clone.
#[derive(Clone, Debug)]
pub struct Client {
    client: crate::Client,
    flavour: Blocking,
}

impl Client {
    /// Wraps an async client.
    ///
    /// # Errors
    /// [`crate::Error::Interrupted`] when the runtime cannot be started.
    pub fn new(client: crate::Client) -> Result<Self> {
        Ok(Self {
            client,
            flavour: Blocking::new()?,
        })
    }

    /// A blocking client configured from the environment (see [`crate::Client::from_env`]).
    ///
    /// # Errors
    /// As for [`crate::Client::from_env`].
    pub fn from_env() -> Result<Self> {
        Self::new(crate::Client::from_env()?)
    }

    /// The async client inside.
    pub fn as_async(&self) -> &crate::Client {
        &self.client
    }

    /// The flavour every call of this client runs on.
    pub(crate) fn flavour(&self) -> &Blocking {
        &self.flavour
    }
}

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
