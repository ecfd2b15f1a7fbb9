//! Async or blocking: request builders are written once and take the flavour as a type parameter,
//! so both flavours have the same setters; only the terminal calls (`send`, `get`, `paginate`)
//! differ.

use std::future::Future;
use std::sync::Arc;

use tracing::Instrument;

use crate::client::Client;
use crate::error::{Error, Result};
use crate::runtime::request::Input;

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

impl Flavour for Async {}
impl Flavour for Blocking {}

mod private {
    pub trait Sealed {}
    impl Sealed for super::Async {}
    impl Sealed for super::Blocking {}
}

thread_local! {
    /// Whether this thread belongs to a blocking flavour's runtime.
    static ON_A_BLOCKING_RUNTIME: std::cell::Cell<bool> = const { std::cell::Cell::new(false) };
}

/// The blocking flavour's runtime: one worker thread that runs every call and keeps driving the
/// connections it opened between calls. It is shut down without blocking when the last blocking
/// client is dropped, wherever that happens.
#[derive(Debug)]
struct OwnedRuntime(Option<tokio::runtime::Runtime>);

impl Drop for OwnedRuntime {
    fn drop(&mut self) {
        if let Some(runtime) = self.0.take() {
            runtime.shutdown_background();
        }
    }
}

impl Blocking {
    /// A flavour with its own runtime and worker thread.
    pub(crate) fn new() -> Result<Self> {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .thread_name("huaweicloud-images-blocking")
            .on_thread_start(|| ON_A_BLOCKING_RUNTIME.set(true))
            .enable_all()
            .build()
            .map_err(|e| Error::interrupted(format!("cannot start the blocking runtime: {e}")))?;
        Ok(Self {
            runtime: Arc::new(OwnedRuntime(Some(runtime))),
        })
    }

    /// Sends `input` through `client` on this flavour's runtime and blocks until the answer.
    ///
    /// # Errors
    /// The call's errors, or [`Error::Interrupted`] when the runtime is gone (nothing was sent) or
    /// the call's task failed — for a write, inside [`Error::Unconfirmed`], since its request may
    /// have left by then.
    pub(crate) fn send<I: Input>(&self, client: &Client, input: I) -> Result<I::Output> {
        if self.runtime.0.is_none() {
            return Err(Error::interrupted("the blocking runtime has shut down"));
        }
        let client = client.clone();
        let operation = I::OPERATION;
        match self.run(async move { client.send(input).await }) {
            Ok(outcome) => outcome,
            Err(interrupted) if operation.method != "GET" => Err(Error::Unconfirmed {
                operation: operation.name,
                idempotency_token: None,
                repeatable: operation.idempotent && operation.idempotency_token.is_none(),
                source: Box::new(interrupted),
            }),
            Err(interrupted) => Err(interrupted),
        }
    }

    /// Runs `future` on this flavour's worker thread and blocks the calling thread until it is
    /// done, waiting on a plain channel (no executor of the caller's is entered or borrowed from).
    /// Works from any thread: a plain one, `spawn_blocking`, even async code or another executor
    /// (where it blocks that thread, as any blocking call would). The caller's tracing span stays
    /// the parent of the call's span.
    ///
    /// # Errors
    /// [`Error::Interrupted`] when the runtime is gone or the call's task failed.
    pub(crate) fn run<T, F>(&self, future: F) -> Result<T>
    where
        T: Send + 'static,
        F: Future<Output = T> + Send + 'static,
    {
        let Some(runtime) = &self.runtime.0 else {
            return Err(Error::interrupted("the blocking runtime has shut down"));
        };
        let (done, outcome) = std::sync::mpsc::sync_channel(1);
        runtime.spawn(
            async move {
                // The receiver waits for this; it is gone only if the caller went away.
                let _ = done.send(future.await);
            }
            .instrument(tracing::Span::current()),
        );
        let wait = || {
            outcome.recv().map_err(|_| {
                Error::interrupted("the blocking call did not complete (its task failed)")
            })
        };
        if ON_A_BLOCKING_RUNTIME.get() {
            // Called from user code running on a blocking runtime's own thread (a credentials
            // provider, say): its worker hands its work to another thread while this one waits,
            // so the call it waits for can run.
            tokio::task::block_in_place(wait)
        } else {
            wait()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_blocking_call_from_the_blocking_runtime_itself_completes() {
        let flavour = Blocking::new().unwrap();
        let inner = flavour.clone();
        let (done, outcome) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            // User code on the runtime's only worker makes a blocking call of the same flavour.
            let nested = flavour.run(async move { inner.run(async { 42 }) });
            let _ = done.send(nested);
        });
        let nested = outcome
            .recv_timeout(std::time::Duration::from_secs(10))
            .expect("no deadlock");
        assert_eq!(nested.unwrap().unwrap(), 42);
    }
}
