//! Page requests that make progress whether or not the listing is being polled.
//!
//! A listing requests pages ahead while its consumer works on the current one. Polled only when
//! the consumer asks for the next page, those requests would stall between polls while their
//! per-attempt time-outs ran on, so a consumer that spends longer on a page than the time-out
//! made them fail (and, with retries, sent them again). Each request is therefore spawned as a
//! task of the runtime it was made on, so time-outs measure the service; the task is aborted when
//! its listing is dropped, which cancels the request.

use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};

use futures::FutureExt;
use futures::future::BoxFuture;
use tokio::task::JoinHandle;
use tracing::Instrument;

use crate::error::{Error, Result};

/// Runs `request` as a task of the current tokio runtime (in the current span), or, outside any
/// runtime, as it is (it then progresses only while polled).
pub(super) fn on_its_own<T: Send + 'static>(
    request: BoxFuture<'static, Result<T>>,
) -> BoxFuture<'static, Result<T>> {
    match tokio::runtime::Handle::try_current() {
        Ok(runtime) => {
            let task = runtime.spawn(request.instrument(tracing::Span::current()));
            AbortOnDrop(task).boxed()
        }
        Err(_) => request,
    }
}

/// A spawned request: its outcome when awaited, its cancellation when dropped.
struct AbortOnDrop<T>(JoinHandle<Result<T>>);

impl<T> Future for AbortOnDrop<T> {
    type Output = Result<T>;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        self.0.poll_unpin(cx).map(|joined| {
            joined.unwrap_or_else(|error| {
                Err(Error::Transport {
                    operation: "a page request",
                    message: format!("the task sending it ended without an answer ({error})"),
                    source: None,
                })
            })
        })
    }
}

impl<T> Drop for AbortOnDrop<T> {
    fn drop(&mut self) {
        self.0.abort();
    }
}
