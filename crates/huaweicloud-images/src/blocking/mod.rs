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

mod download;
mod paginate;

pub use download::Download;
pub use paginate::{CursorPaginator, Iter, Paginator};

use crate::error::Result;
use crate::flavour::Blocking;

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
