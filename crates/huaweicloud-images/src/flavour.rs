//! Async or blocking: request builders are written once and take the flavour as a type parameter,
//! so both flavours have the same setters; only the terminal calls (`send`, `get`, `paginate`)
//! differ.

use std::future::Future;
use std::sync::Arc;

use crate::error::{Error, Result};

/// Which flavour a request builder finishes in: [`Async`] or [`Blocking`]. Sealed.
pub trait Flavour: Clone + Send + Sync + 'static + private::Sealed {}

/// Calls return futures (the default).
#[derive(Clone, Copy, Debug, Default)]
pub struct Async;

/// Calls block the current thread until done (see [`crate::blocking`]).
#[derive(Clone, Debug)]
pub struct Blocking {
    runtime: Arc<OwnedRuntime>,
}

/// The blocking flavour's runtime: one worker thread that keeps driving connections between calls
/// (so a connection pool shared with async code never stalls), shut down without blocking when
/// the last blocking client is dropped, wherever that happens.
#[derive(Debug)]
struct OwnedRuntime(Option<tokio::runtime::Runtime>);

impl Drop for OwnedRuntime {
    fn drop(&mut self) {
        if let Some(runtime) = self.0.take() {
            runtime.shutdown_background();
        }
    }
}

impl Flavour for Async {}
impl Flavour for Blocking {}

mod private {
    pub trait Sealed {}
    impl Sealed for super::Async {}
    impl Sealed for super::Blocking {}
}

impl Blocking {
    /// A flavour with its own single-threaded runtime.
    pub(crate) fn new() -> Result<Self> {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .thread_name("huaweicloud-images-blocking")
            .enable_all()
            .build()
            .map_err(|e| Error::config(format!("cannot start the blocking runtime: {e}")))?;
        Ok(Self {
            runtime: Arc::new(OwnedRuntime(Some(runtime))),
        })
    }

    /// Runs `future` to completion on this flavour's runtime.
    ///
    /// # Errors
    /// [`Error::Config`] when called from inside an async runtime, where blocking would stall it
    /// (use the async client there).
    pub(crate) fn block_on<F: Future>(&self, future: F) -> Result<F::Output> {
        if tokio::runtime::Handle::try_current().is_ok() {
            return Err(Error::config(
                "the blocking client was called from inside an async runtime; use the async \
                 huaweicloud_images::Client there",
            ));
        }
        match &self.runtime.0 {
            Some(runtime) => Ok(runtime.block_on(future)),
            None => Err(Error::config("the blocking runtime has shut down")),
        }
    }
}
