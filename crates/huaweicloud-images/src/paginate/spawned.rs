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

/// Runs `request` (of `operation`) as a task of the current tokio runtime (in the current span),
/// or, outside any runtime, as it is (it then progresses only while polled).
pub(super) fn spawn<T: Send + 'static>(
    operation: &'static str,
    request: BoxFuture<'static, Result<T>>,
) -> BoxFuture<'static, Result<T>> {
    match tokio::runtime::Handle::try_current() {
        Ok(runtime) => {
            let task = runtime.spawn(request.instrument(tracing::Span::current()));
            Spawned { task, operation }.boxed()
        }
        Err(_) => request,
    }
}

/// A spawned request: its outcome when awaited, its cancellation when dropped.
struct Spawned<T> {
    task: JoinHandle<Result<T>>,
    operation: &'static str,
}

impl<T> Future for Spawned<T> {
    type Output = Result<T>;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let operation = self.operation;
        self.task.poll_unpin(cx).map(|joined| match joined {
            Ok(outcome) => outcome,
            // A panic in the request is a bug: it reaches the consumer as a direct call's would.
            Err(error) if error.is_panic() => std::panic::resume_unwind(error.into_panic()),
            Err(_) => Err(Error::interrupted(format!(
                "a {operation} page request was cancelled: the runtime running it shut down"
            ))),
        })
    }
}

impl<T> Drop for Spawned<T> {
    fn drop(&mut self) {
        self.task.abort();
    }
}
