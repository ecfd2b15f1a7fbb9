//! Waiting for a resource to reach a state, or to be gone: polling with backoff and jitter, an
//! overall deadline, and an observer of every poll. The waiters of each operation are generated
//! from its spec's `x-waiters` (e.g. `client.image_servers().wait_until(id)`); this is the engine.
//!
//! A wait polls its operation until the status field holds a target state (the answer is
//! returned), a failure state ([`Error::Wait`] with [`WaitReason::FailureState`]), or, for a
//! deletion waiter, until the operation answers 404. Only the service's own 404 counts, one whose
//! body is the service's error with its code (beginning as the spec's
//! `x-service.error-code-prefix` says, e.g. `WKS.`): the gateway's (`APIGW.*`, `APIG.*`, a wrong
//! endpoint or path) ends the wait with that error, as does a 404 without such a code (a proxy's
//! HTML page or `{"code": 404}`, a body that cannot be read). A 404 while waiting for a state ends the wait
//! ([`WaitReason::NotFound`]); so does the deadline ([`WaitReason::Deadline`]), which also bounds
//! a poll in flight. Statuses that are neither (`Unknown(..)` ones included) keep it waiting, and
//! reach the observer. A poll that fails is retried by the runtime as every call is; one that
//! still fails with a retryable error (a time-out, a 503) is reported to the observer and the wait
//! goes on, no sooner than its `Retry-After`; any other error ends it.
//!
//! Polls start at once, then wait 5 s, growing by half each time up to 60 s (jittered by up to a
//! quarter either way), for at most 30 minutes in all; every figure can be changed. Dropping the
//! future stops the polling at once.

use std::fmt;
use std::ops::ControlFlow;
use std::sync::Arc;
use std::time::Duration;

use futures::future::BoxFuture;
use serde::Serialize;
use tokio::time::Instant;

use crate::client::Client;
use crate::error::{Error, Result, WaitFailed, WaitReason};
use crate::flavour::{Async, Blocking, Flavour};
use crate::operation::Operation;
use crate::runtime::request::Input;

/// One poll: the operation's call with the waiter's parameters.
type PollFn<T> = Arc<dyn Fn(Client) -> BoxFuture<'static, Result<T>> + Send + Sync>;

/// A poll of `input`'s operation (for the generated waiters).
pub(crate) fn poll_with<I: Input>(input: I) -> PollFn<I::Output> {
    Arc::new(move |client| {
        let input = input.clone();
        Box::pin(async move { client.send(input).await })
    })
}

/// What a waiter looks at, as the generated code declares it from `x-waiters`.
pub(crate) struct WaitSpec<T, S> {
    pub(crate) operation: &'static Operation,
    /// The state in an answer.
    pub(crate) status: fn(&T) -> Option<S>,
    pub(crate) targets: Vec<S>,
    pub(crate) failures: Vec<S>,
    /// How the service's own error codes begin (the spec's `x-service.error-code-prefix`): only
    /// a 404 with such a code says the resource is gone.
    pub(crate) gone_codes: Option<&'static str>,
}

/// What one poll saw, as an observer ([`Waiter::on_poll`]) is shown it.
#[derive(Debug)]
#[non_exhaustive]
pub struct Observation<'a, T, S> {
    /// The poll's number, from 1.
    pub poll: u32,
    /// Time since the wait started.
    pub elapsed: Duration,
    /// The answer, when there was one.
    pub answer: Option<&'a T>,
    /// The state in the answer, if any (an `Unknown(..)` one included).
    pub status: Option<&'a S>,
    /// Whether the operation answered 404.
    pub gone: bool,
    /// The error of a poll that failed after its retries and did not end the wait.
    pub error: Option<&'a Error>,
}

/// How a waiter polls.
#[derive(Clone, Copy, Debug)]
struct Schedule {
    first: Duration,
    max: Duration,
    deadline: Duration,
    jitter: bool,
}

impl Default for Schedule {
    fn default() -> Self {
        Schedule {
            first: Duration::from_secs(5),
            max: Duration::from_secs(60),
            deadline: Duration::from_secs(30 * 60),
            jitter: true,
        }
    }
}

/// The least wait between two polls, whatever the settings.
const MIN_INTERVAL: Duration = Duration::from_millis(100);

type Observer<T, S> = Box<dyn FnMut(&Observation<'_, T, S>) + Send>;

/// A wait for a resource to reach a state; from a generated `wait_until…` method. Configure it,
/// then `wait()`: a future in the async flavour, a blocking call in the blocking one.
///
/// ```
/// use std::time::Duration;
/// use huaweicloud_images::models::ImageServerStatus;
/// # use huaweicloud_images_fake::{FAKE_AK, FAKE_PROJECT_ID, FAKE_SK, FakeConfig, FakeServer, StatusStep};
/// # #[tokio::main]
/// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
/// # let fake = FakeServer::start(FakeConfig::default()).await?;
/// # let client = huaweicloud_images::Client::builder()
/// #     .credentials(huaweicloud_images::Credentials::ak_sk(FAKE_AK, FAKE_SK)?)
/// #     .project_id(FAKE_PROJECT_ID)
/// #     .endpoint_for_all(fake.base_url())
/// #     .build()?;
/// # let id = "697612196993040384";
/// # fake.script_status(id, [
/// #     StatusStep::status(Duration::ZERO, "BUILDING"),
/// #     StatusStep::status(Duration::from_millis(300), "BUILT"),
/// # ]);
/// let built = client
///     .image_servers()
///     .wait_until(id)
///     .interval(Duration::from_millis(100))
///     .deadline(Duration::from_secs(60))
///     .on_poll(|poll| println!("poll {}: {:?}", poll.poll, poll.status))
///     .wait()
///     .await?;
/// assert_eq!(built.status, Some(ImageServerStatus::Built));
/// # Ok(())
/// # }
/// ```
#[must_use = "a waiter does nothing until it waits"]
pub struct Waiter<T, S, F = Async> {
    client: Client,
    flavour: F,
    poll: PollFn<T>,
    spec: WaitSpec<T, S>,
    pace: Schedule,
    observer: Option<Observer<T, S>>,
    until_gone: bool,
}

impl<T, S, F> fmt::Debug for Waiter<T, S, F>
where
    S: fmt::Debug,
{
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Waiter")
            .field("operation", &self.spec.operation.name)
            .field("targets", &self.spec.targets)
            .field("failures", &self.spec.failures)
            .field("until_gone", &self.until_gone)
            .field("pace", &self.pace)
            .finish_non_exhaustive()
    }
}

/// How a wait ended well.
enum Reached<T> {
    State(T),
    Gone,
}

impl<T, S, F> Waiter<T, S, F>
where
    T: Serialize + Send + 'static,
    S: Clone + PartialEq + fmt::Display + Send + Sync + 'static,
    F: Flavour,
{
    pub(crate) fn new(client: Client, flavour: F, poll: PollFn<T>, spec: WaitSpec<T, S>) -> Self {
        Waiter {
            client,
            flavour,
            poll,
            spec,
            pace: Schedule::default(),
            observer: None,
            until_gone: false,
        }
    }

    /// A waiter for the resource to be gone (the operation answering 404).
    pub(crate) fn until_gone(mut self) -> Self {
        self.until_gone = true;
        self.spec.targets.clear();
        self
    }

    /// The states that end the wait successfully (instead of the spec's defaults).
    pub fn until<I: IntoIterator<Item = V>, V: Into<S>>(mut self, states: I) -> Self {
        self.spec.targets = states.into_iter().map(Into::into).collect();
        self
    }

    /// The states that end the wait with [`WaitReason::FailureState`] (instead of the spec's
    /// defaults).
    pub fn failing_on<I: IntoIterator<Item = V>, V: Into<S>>(mut self, states: I) -> Self {
        self.spec.failures = states.into_iter().map(Into::into).collect();
        self
    }

    /// The longest wait in all (default 30 minutes).
    pub fn deadline(mut self, deadline: Duration) -> Self {
        self.pace.deadline = deadline;
        self
    }

    /// The wait before the second poll (default 5 s; at least 100 ms); it grows by half each
    /// time.
    pub fn interval(mut self, interval: Duration) -> Self {
        self.pace.first = interval.max(MIN_INTERVAL);
        self
    }

    /// The longest wait between two polls (default 60 s; at least the first interval).
    pub fn max_interval(mut self, interval: Duration) -> Self {
        self.pace.max = interval.max(MIN_INTERVAL);
        self
    }

    /// Exact intervals, without jitter (for reproducible tests).
    pub fn without_jitter(mut self) -> Self {
        self.pace.jitter = false;
        self
    }

    /// Calls `observer` after every poll, with what it saw. In the blocking flavour it runs on the
    /// thread that waits, so it may itself make blocking calls (of this client too).
    pub fn on_poll(
        mut self,
        observer: impl FnMut(&Observation<'_, T, S>) + Send + 'static,
    ) -> Self {
        self.observer = Some(Box::new(observer));
        self
    }

    /// The loop itself, in the async flavour: each poll bounded by what is left of the deadline,
    /// then [`Waiter::after_poll`] decides.
    async fn run(mut self) -> Result<Reached<T>> {
        let mut progress = Progress::start(self.pace.first);
        loop {
            let left = progress.left(&self.pace);
            if left.is_zero() {
                // No poll is sent once the deadline has passed, not even one that might answer at once.
                return Err(progress.failed(self.spec.operation, WaitReason::Deadline));
            }
            let outcome = tokio::time::timeout(left, (self.poll)(self.client.clone()))
                .await
                .ok();
            match self.after_poll(&mut progress, outcome) {
                ControlFlow::Break(done) => return done,
                ControlFlow::Continue(pause) => tokio::time::sleep(pause).await,
            }
        }
    }

    /// What one poll's outcome (`None`: the deadline passed while it ran) means: the end of the
    /// wait, or how long to pause before the next poll. The observer, user code, is called here,
    /// on the thread that waits (never on the blocking flavour's runtime, where a blocking call it
    /// made could not be served).
    fn after_poll(
        &mut self,
        progress: &mut Progress<T, S>,
        outcome: Option<Result<T>>,
    ) -> ControlFlow<Result<Reached<T>>, Duration> {
        progress.polls = progress.polls.saturating_add(1);
        let Some(outcome) = outcome else {
            return ControlFlow::Break(Err(
                progress.failed(self.spec.operation, WaitReason::Deadline)
            ));
        };
        let elapsed = progress.started.elapsed();
        let polls = progress.polls;
        let operation = self.spec.operation.name;
        let mut not_before = Duration::ZERO;
        match outcome {
            Ok(answer) => {
                let status = (self.spec.status)(&answer);
                if let Some(observer) = &mut self.observer {
                    observer(&Observation {
                        poll: polls,
                        elapsed,
                        answer: Some(&answer),
                        status: status.as_ref(),
                        gone: false,
                        error: None,
                    });
                }
                let reached = status
                    .as_ref()
                    .is_some_and(|s| self.spec.targets.contains(s));
                let failing = status
                    .as_ref()
                    .is_some_and(|s| self.spec.failures.contains(s));
                if reached && !self.until_gone {
                    return ControlFlow::Break(Ok(Reached::State(answer)));
                }
                progress.last_status = status;
                progress.last = Some(answer);
                if failing {
                    return ControlFlow::Break(Err(
                        progress.failed(self.spec.operation, WaitReason::FailureState)
                    ));
                }
            }
            Err(error) if is_gone(&error, self.spec.gone_codes) => {
                if let Some(observer) = &mut self.observer {
                    observer(&Observation {
                        poll: polls,
                        elapsed,
                        answer: None,
                        status: None,
                        gone: true,
                        error: None,
                    });
                }
                return ControlFlow::Break(if self.until_gone {
                    Ok(Reached::Gone)
                } else {
                    Err(progress.failed(self.spec.operation, WaitReason::NotFound))
                });
            }
            Err(error) if error.is_retryable() => {
                tracing::debug!(operation, polls, error = %error, "poll failed; waiting on");
                if let Error::Api(api) = &error {
                    not_before = api.retry_after.unwrap_or_default();
                }
                if let Some(observer) = &mut self.observer {
                    observer(&Observation {
                        poll: polls,
                        elapsed,
                        answer: None,
                        status: None,
                        gone: false,
                        error: Some(&error),
                    });
                }
            }
            Err(error) => return ControlFlow::Break(Err(error)),
        }
        let left = progress.left(&self.pace);
        if left.is_zero() {
            return ControlFlow::Break(Err(
                progress.failed(self.spec.operation, WaitReason::Deadline)
            ));
        }
        let pause = jittered(progress.interval, self.pace.jitter).max(not_before);
        progress.interval = scaled(progress.interval, 1.5).min(self.pace.max.max(self.pace.first));
        ControlFlow::Continue(pause.min(left))
    }

    /// The loop in the blocking flavour: each poll runs on the flavour's runtime; the observer
    /// runs and the pauses pass on the calling thread.
    fn run_blocking(mut self, flavour: &Blocking) -> Result<Reached<T>> {
        let mut progress = Progress::start(self.pace.first);
        loop {
            let left = progress.left(&self.pace);
            if left.is_zero() {
                return Err(progress.failed(self.spec.operation, WaitReason::Deadline));
            }
            let poll = (self.poll)(self.client.clone());
            let outcome =
                flavour.run(async move { tokio::time::timeout(left, poll).await.ok() })?;
            match self.after_poll(&mut progress, outcome) {
                ControlFlow::Break(done) => return done,
                ControlFlow::Continue(pause) => std::thread::sleep(pause),
            }
        }
    }
}

/// Where a wait stands.
struct Progress<T, S> {
    started: Instant,
    /// The pause before the next poll, before jitter.
    interval: Duration,
    polls: u32,
    last: Option<T>,
    last_status: Option<S>,
}

impl<T: Serialize, S: fmt::Display> Progress<T, S> {
    fn start(first: Duration) -> Self {
        Progress {
            started: Instant::now(),
            interval: first,
            polls: 0,
            last: None,
            last_status: None,
        }
    }

    /// What is left of the deadline.
    fn left(&self, pace: &Schedule) -> Duration {
        pace.deadline.saturating_sub(self.started.elapsed())
    }

    fn failed(&self, operation: &'static Operation, reason: WaitReason) -> Error {
        Error::Wait(Box::new(WaitFailed::new(
            operation.name,
            reason,
            self.last_status.as_ref().map(ToString::to_string),
            self.polls,
            self.started.elapsed(),
            self.last
                .as_ref()
                .and_then(|t| serde_json::to_value(t).ok()),
        )))
    }
}

/// `interval`, up to a quarter more or less at random.
fn jittered(interval: Duration, jitter: bool) -> Duration {
    if !jitter {
        return interval;
    }
    let factor = 0.75 + rand::random::<f64>() * 0.5;
    scaled(interval, factor).max(MIN_INTERVAL)
}

/// `interval × factor`, saturating instead of overflowing.
fn scaled(interval: Duration, factor: f64) -> Duration {
    Duration::try_from_secs_f64(interval.as_secs_f64() * factor).unwrap_or(Duration::MAX)
}

/// Whether `error` says the resource is gone: a 404 with the service's own error code — one that
/// begins as `service_codes` says, when the spec says — not the gateway's (`APIGW.*`, `APIG.*`,
/// `APIC.*`: the request did not reach a service, a wrong endpoint or path), and not one without
/// a code or with a bare number for one (an HTML page or a generic answer of a proxy, a body
/// that could not be read).
fn is_gone(error: &Error, service_codes: Option<&str>) -> bool {
    let Error::Api(api) = error else {
        return false;
    };
    let Some(code) = api.error_code.as_deref().map(str::trim) else {
        return false;
    };
    let gateway = ["APIGW.", "APIG.", "APIC."]
        .iter()
        .any(|prefix| code.to_ascii_uppercase().starts_with(prefix));
    let bare_number = code.chars().all(|c| c.is_ascii_digit());
    api.status == 404
        && !code.is_empty()
        && !gateway
        && !bare_number
        && service_codes.is_none_or(|prefix| code.starts_with(prefix))
}

impl<T, S> Waiter<T, S, Async>
where
    T: Serialize + Send + 'static,
    S: Clone + PartialEq + fmt::Display + Send + Sync + 'static,
{
    /// Polls until the resource reaches a target state, and returns that answer.
    ///
    /// # Errors
    /// [`Error::Wait`] for a failure state, a 404 or the deadline (with the last answer seen);
    /// otherwise a poll's error that retrying cannot cure (e.g. 403).
    pub async fn wait(self) -> Result<T> {
        match self.run().await? {
            Reached::State(answer) => Ok(answer),
            Reached::Gone => unreachable!("only a deletion waiter ends as gone"),
        }
    }
}

impl<T, S> Waiter<T, S, Blocking>
where
    T: Serialize + Send + 'static,
    S: Clone + PartialEq + fmt::Display + Send + Sync + 'static,
{
    /// Polls until the resource reaches a target state, blocking; see the async `wait`.
    ///
    /// # Errors
    /// As for the async `wait`.
    pub fn wait(self) -> Result<T> {
        let flavour = self.flavour.clone();
        match self.run_blocking(&flavour)? {
            Reached::State(answer) => Ok(answer),
            Reached::Gone => unreachable!("only a deletion waiter ends as gone"),
        }
    }
}

/// A wait for a resource to be gone (its operation answering 404); from a generated
/// `wait_until_deleted`-style method. The same settings as [`Waiter`].
#[must_use = "a waiter does nothing until it waits"]
pub struct DeletionWaiter<T, S, F = Async>(Waiter<T, S, F>);

impl<T, S: fmt::Debug, F> fmt::Debug for DeletionWaiter<T, S, F> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

impl<T, S, F> DeletionWaiter<T, S, F>
where
    T: Serialize + Send + 'static,
    S: Clone + PartialEq + fmt::Display + Send + Sync + 'static,
    F: Flavour,
{
    pub(crate) fn new(waiter: Waiter<T, S, F>) -> Self {
        DeletionWaiter(waiter.until_gone())
    }

    /// The states that end the wait with [`WaitReason::FailureState`] (instead of the spec's).
    pub fn failing_on<I: IntoIterator<Item = V>, V: Into<S>>(self, states: I) -> Self {
        DeletionWaiter(self.0.failing_on(states))
    }

    /// See [`Waiter::deadline`].
    pub fn deadline(self, deadline: Duration) -> Self {
        DeletionWaiter(self.0.deadline(deadline))
    }

    /// See [`Waiter::interval`].
    pub fn interval(self, interval: Duration) -> Self {
        DeletionWaiter(self.0.interval(interval))
    }

    /// See [`Waiter::max_interval`].
    pub fn max_interval(self, interval: Duration) -> Self {
        DeletionWaiter(self.0.max_interval(interval))
    }

    /// See [`Waiter::without_jitter`].
    pub fn without_jitter(self) -> Self {
        DeletionWaiter(self.0.without_jitter())
    }

    /// See [`Waiter::on_poll`].
    pub fn on_poll(self, observer: impl FnMut(&Observation<'_, T, S>) + Send + 'static) -> Self {
        DeletionWaiter(self.0.on_poll(observer))
    }
}

impl<T, S> DeletionWaiter<T, S, Async>
where
    T: Serialize + Send + 'static,
    S: Clone + PartialEq + fmt::Display + Send + Sync + 'static,
{
    /// Polls until the operation answers 404.
    ///
    /// # Errors
    /// [`Error::Wait`] for a failure state or the deadline; otherwise a poll's error that
    /// retrying cannot cure.
    pub async fn wait(self) -> Result<()> {
        self.0.run().await.map(drop)
    }
}

impl<T, S> DeletionWaiter<T, S, Blocking>
where
    T: Serialize + Send + 'static,
    S: Clone + PartialEq + fmt::Display + Send + Sync + 'static,
{
    /// Polls until the operation answers 404, blocking; see the async `wait`.
    ///
    /// # Errors
    /// As for the async `wait`.
    pub fn wait(self) -> Result<()> {
        let flavour = self.0.flavour.clone();
        self.0.run_blocking(&flavour).map(drop)
    }
}
