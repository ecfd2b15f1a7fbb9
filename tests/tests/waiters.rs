//! Waiting for an image server: through its states to BUILT, to ERROR, to a 404, to deletion,
//! past unknown states and transient errors, to a deadline; in both flavours; and no poll after
//! the future is dropped. The fake's status scripts move on when the observer advances their
//! clock, so no test waits through the real minutes; polls are 100 ms apart.

mod common;

use std::sync::{Arc, Mutex};
use std::time::Duration;

use common::*;
use huaweicloud_images::models::{ImageServer, ImageServerStatus};
use huaweicloud_images::waiter::Observation;
use huaweicloud_images::{Error, WaitReason, blocking};
use huaweicloud_images_fake::{FakeServer, Fault, FaultScope, Operation, StatusStep};

const ID: &str = "697612196993040384";
const STEP: Duration = Duration::from_secs(600);
const FAST: Duration = Duration::from_millis(100);

/// CREATING, then every ten minutes the next of `states`.
fn script(fake: &FakeServer, states: &[&str]) {
    let steps = std::iter::once(StatusStep::status(Duration::ZERO, "CREATING")).chain(
        states
            .iter()
            .zip(1u32..)
            .map(|(s, i)| StatusStep::status(STEP * i, *s)),
    );
    fake.script_status(ID, steps);
}

/// The states an observer saw.
type Seen = Arc<Mutex<Vec<Option<String>>>>;

/// An observer that records the states seen and moves the fake's clock on by a step per poll.
fn advancing(
    fake: &Arc<FakeServer>,
) -> (
    Seen,
    impl FnMut(&Observation<'_, ImageServer, ImageServerStatus>) + Send + 'static,
) {
    let seen = Arc::new(Mutex::new(Vec::new()));
    let (record, fake) = (Arc::clone(&seen), Arc::clone(fake));
    (seen, move |poll| {
        let shown = if poll.gone {
            Some("gone".to_string())
        } else if poll.error.is_some() {
            Some("error".to_string())
        } else {
            poll.status.map(ToString::to_string)
        };
        record.lock().unwrap().push(shown);
        fake.advance_status_clock(STEP);
    })
}

fn seen(states: &Mutex<Vec<Option<String>>>) -> Vec<String> {
    states
        .lock()
        .unwrap()
        .iter()
        .map(|s| s.clone().unwrap_or_default())
        .collect()
}

#[tokio::test]
async fn an_image_server_is_waited_for_through_its_states_to_built() {
    let fake = Arc::new(start_default().await);
    script(&fake, &["ACTIVE", "BUILDING", "BUILT"]);
    let (states, observer) = advancing(&fake);
    let built = client(&fake)
        .image_servers()
        .wait_until(ID)
        .interval(FAST)
        .on_poll(observer)
        .wait()
        .await
        .unwrap();
    assert_eq!(built.status, Some(ImageServerStatus::Built));
    assert_eq!(built.id.as_deref(), Some(ID));
    assert_eq!(seen(&states), ["CREATING", "ACTIVE", "BUILDING", "BUILT"]);
    assert_eq!(fake.requests().len(), 4, "one request per poll");
}

#[tokio::test]
async fn error_ends_the_wait_with_the_last_server_seen() {
    let fake = Arc::new(start_default().await);
    script(&fake, &["ACTIVE", "ERROR"]);
    let (states, observer) = advancing(&fake);
    let error = client(&fake)
        .image_servers()
        .wait_until(ID)
        .interval(FAST)
        .on_poll(observer)
        .wait()
        .await
        .unwrap_err();
    let Error::Wait(failed) = &error else {
        panic!("{error:?}");
    };
    assert_eq!(failed.reason, WaitReason::FailureState);
    assert_eq!(failed.last_status.as_deref(), Some("ERROR"));
    assert_eq!(failed.polls, 3);
    let last: ImageServer = failed.last().unwrap();
    assert_eq!(last.status, Some(ImageServerStatus::Error));
    assert_eq!(seen(&states), ["CREATING", "ACTIVE", "ERROR"]);
    assert!(error.to_string().contains("ERROR"), "{error}");
}

#[tokio::test]
async fn a_404_ends_a_wait_for_a_state_and_ends_a_wait_for_deletion_well() {
    let fake = Arc::new(start_default().await);
    fake.script_status(
        ID,
        [
            StatusStep::status(Duration::ZERO, "DELETING"),
            StatusStep::deleted(STEP * 2),
        ],
    );
    let (states, observer) = advancing(&fake);
    let error = client(&fake)
        .image_servers()
        .wait_until(ID)
        .interval(FAST)
        .on_poll(observer)
        .wait()
        .await
        .unwrap_err();
    assert!(
        matches!(&error, Error::Wait(f) if f.reason == WaitReason::NotFound && f.last_status.as_deref() == Some("DELETING")),
        "{error:?}"
    );
    assert_eq!(seen(&states), ["DELETING", "DELETING", "gone"]);

    fake.script_status(
        ID,
        [
            StatusStep::status(Duration::ZERO, "DELETING"),
            StatusStep::deleted(STEP * 2),
        ],
    );
    let (states, observer) = advancing(&fake);
    client(&fake)
        .image_servers()
        .wait_until_deleted(ID)
        .interval(FAST)
        .on_poll(observer)
        .wait()
        .await
        .unwrap();
    assert_eq!(seen(&states), ["DELETING", "DELETING", "gone"]);
}

#[tokio::test]
async fn unknown_states_and_transient_errors_keep_the_wait_going() {
    let fake = Arc::new(start_default().await);
    script(&fake, &["MIGRATING", "BUILDING", "BUILT"]);
    // Two polls answered 503 (retries off: each reaches the waiter as an error).
    fake.inject(
        Fault::ServiceUnavailable,
        FaultScope::Next(2),
        Some(Operation::ShowImageServer),
    );
    let (states, observer) = advancing(&fake);
    let built = client_without_retries(&fake)
        .image_servers()
        .wait_until(ID)
        .interval(FAST)
        .on_poll(observer)
        .wait()
        .await
        .unwrap();
    assert_eq!(built.status, Some(ImageServerStatus::Built));
    // The two 503s advanced the clock past CREATING and MIGRATING.
    assert_eq!(seen(&states), ["error", "error", "BUILDING", "BUILT"]);

    script(&fake, &["MIGRATING", "BUILT"]);
    let (states, observer) = advancing(&fake);
    client(&fake)
        .image_servers()
        .wait_until(ID)
        .interval(FAST)
        .on_poll(observer)
        .wait()
        .await
        .unwrap();
    assert_eq!(seen(&states), ["CREATING", "MIGRATING", "BUILT"]);
}

#[tokio::test]
async fn an_error_retrying_cannot_cure_ends_the_wait() {
    let fake = start_default().await;
    fake.inject(
        Fault::Respond {
            status: 403,
            body: br#"{"error_code":"WKS.0403","error_msg":"denied"}"#.to_vec(),
        },
        FaultScope::Next(1),
        None,
    );
    let error = client(&fake)
        .image_servers()
        .wait_until(ID)
        .interval(FAST)
        .wait()
        .await
        .unwrap_err();
    assert_eq!(error.status(), Some(403), "{error:?}");
    assert_eq!(fake.requests().len(), 1);
}

#[tokio::test]
async fn the_deadline_ends_the_wait_and_other_targets_can_be_chosen() {
    let fake = Arc::new(start_default().await);
    script(&fake, &["ACTIVE"]);
    let error = client(&fake)
        .image_servers()
        .wait_until(ID)
        .interval(FAST)
        .deadline(Duration::from_millis(350))
        .wait()
        .await
        .unwrap_err();
    let Error::Wait(failed) = &error else {
        panic!("{error:?}");
    };
    assert_eq!(failed.reason, WaitReason::Deadline);
    assert!(failed.polls >= 2, "{failed:?}");
    // Waiting for ACTIVE instead: reached at the second poll.
    let (_, observer) = advancing(&fake);
    script(&fake, &["ACTIVE"]);
    let active = client(&fake)
        .image_servers()
        .wait_until(ID)
        .until([ImageServerStatus::Active])
        .interval(FAST)
        .on_poll(observer)
        .wait()
        .await
        .unwrap();
    assert_eq!(active.status, Some(ImageServerStatus::Active));
}

#[test]
fn the_blocking_flavour_waits_too() {
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let fake = Arc::new(runtime.block_on(start_default()));
    script(&fake, &["ACTIVE", "BUILDING", "BUILT"]);
    let (states, observer) = advancing(&fake);
    let client = blocking::Client::new(client(&fake)).unwrap();
    let built = client
        .image_servers()
        .wait_until(ID)
        .interval(FAST)
        .on_poll(observer)
        .wait()
        .unwrap();
    assert_eq!(built.status, Some(ImageServerStatus::Built));
    assert_eq!(seen(&states), ["CREATING", "ACTIVE", "BUILDING", "BUILT"]);
}

#[tokio::test]
async fn dropping_the_wait_stops_polling_at_once() {
    let fake = start_default().await;
    script(&fake, &["ACTIVE"]);
    let client = client(&fake);
    let wait = client.image_servers().wait_until(ID).interval(FAST).wait();
    let waited = tokio::time::timeout(Duration::from_millis(350), wait).await;
    assert!(waited.is_err(), "it was still waiting");
    let polls = fake.requests().len();
    assert!(polls >= 2, "{polls}");
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert_eq!(fake.requests().len(), polls, "no poll after the drop");
}

#[tokio::test]
async fn the_deadline_bounds_a_poll_that_hangs() {
    let fake = start_default().await;
    fake.set_latency(Duration::from_secs(20));
    let client = builder(&fake)
        .request_timeout(Some(Duration::from_secs(30)))
        .build()
        .unwrap();
    let started = std::time::Instant::now();
    let error = client
        .image_servers()
        .wait_until(ID)
        .interval(FAST)
        .deadline(Duration::from_millis(300))
        .wait()
        .await
        .unwrap_err();
    assert!(
        matches!(&error, Error::Wait(f) if f.reason == WaitReason::Deadline),
        "{error:?}"
    );
    // The bound tells "stopped at the deadline" from "waited for the 20 s answer".
    assert!(
        started.elapsed() < Duration::from_secs(5),
        "{:?}",
        started.elapsed()
    );
}

#[tokio::test]
async fn a_gateway_404_is_not_taken_for_a_deletion() {
    let fake = start_default().await;
    fake.inject(
        Fault::Respond {
            status: 404,
            body: br#"{"error_code":"APIGW.0101","error_msg":"The API does not exist"}"#.to_vec(),
        },
        FaultScope::Always,
        Some(Operation::ShowImageServer),
    );
    let outcome = client(&fake)
        .image_servers()
        .wait_until_deleted(ID)
        .interval(FAST)
        .deadline(Duration::from_secs(1))
        .wait()
        .await;
    let error = outcome.expect_err("a wrong path is not a deleted server");
    assert_eq!(error.status(), Some(404), "{error:?}");
}

#[tokio::test]
async fn a_poll_answered_with_retry_after_waits_that_long() {
    let fake = start_default().await;
    fake.inject(
        Fault::TooManyRequests {
            retry_after_secs: 3,
        },
        FaultScope::Always,
        Some(Operation::ShowImageServer),
    );
    let error = client_without_retries(&fake)
        .image_servers()
        .wait_until(ID)
        .interval(FAST)
        .deadline(Duration::from_millis(1500))
        .wait()
        .await
        .unwrap_err();
    assert!(
        matches!(&error, Error::Wait(f) if f.reason == WaitReason::Deadline),
        "{error:?}"
    );
    assert_eq!(
        fake.requests().len(),
        1,
        "the next poll was not before Retry-After"
    );
}

#[tokio::test]
async fn huge_intervals_reach_the_deadline_without_panicking() {
    let fake = start_default().await;
    script(&fake, &["ACTIVE"]);
    for jitter in [false, true] {
        let waiter = client(&fake)
            .image_servers()
            .wait_until(ID)
            .interval(Duration::MAX)
            .max_interval(Duration::MAX)
            .deadline(Duration::from_millis(200));
        let waiter = if jitter {
            waiter
        } else {
            waiter.without_jitter()
        };
        let error = waiter.wait().await.unwrap_err();
        assert!(
            matches!(&error, Error::Wait(f) if f.reason == WaitReason::Deadline),
            "{error:?}"
        );
    }
}

/// Issue 16, item 2: an observer that makes a blocking call of the same blocking client (user
/// code) neither deadlocks the wait nor keeps its deadline from ending it.
#[test]
fn a_blocking_call_inside_a_blocking_observer_neither_deadlocks_nor_outlives_the_deadline() {
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let fake = Arc::new(runtime.block_on(start_default()));
    script(&fake, &["ACTIVE"]);
    let client = blocking::Client::new(client(&fake)).unwrap();
    let inner = client.clone();
    let nested = Arc::new(Mutex::new(Vec::new()));
    let record = Arc::clone(&nested);
    let (done, outcome) = std::sync::mpsc::channel();
    let started = std::time::Instant::now();
    std::thread::spawn(move || {
        let waited = client
            .image_servers()
            .wait_until(ID)
            .interval(FAST)
            .deadline(Duration::from_secs(2))
            .on_poll(move |_| {
                let listed = inner.images().list().limit(1).send();
                record.lock().unwrap().push(listed.is_ok());
            })
            .wait();
        let _ = done.send(waited);
    });
    let waited = outcome
        .recv_timeout(Duration::from_secs(15))
        .expect("the wait returned (no deadlock)");
    let error = waited.unwrap_err();
    assert!(
        matches!(&error, Error::Wait(f) if f.reason == WaitReason::Deadline),
        "{error:?}"
    );
    assert!(
        started.elapsed() < Duration::from_secs(5),
        "ended at its deadline: {:?}",
        started.elapsed()
    );
    let nested = nested.lock().unwrap();
    assert!(nested.len() >= 2, "{nested:?}");
    assert!(
        nested.iter().all(|ok| *ok),
        "every nested call answered: {nested:?}"
    );
}

/// Issue 16, item 3: a 404 that is not the service's own error body (a proxy's HTML page, a
/// wrong path prefix) is neither a deletion nor a "not found" of the resource.
#[tokio::test]
async fn a_404_with_an_html_body_is_neither_a_deletion_nor_a_resource_gone() {
    let fake = start_default().await;
    fake.inject(
        Fault::Respond {
            status: 404,
            body: b"<html><head><title>404 Not Found</title></head><body><center><h1>404 Not Found</h1></center><hr><center>nginx</center></body></html>".to_vec(),
        },
        FaultScope::Always,
        Some(Operation::ShowImageServer),
    );
    let client = client(&fake);
    let deleted = client
        .image_servers()
        .wait_until_deleted(ID)
        .interval(FAST)
        .deadline(Duration::from_secs(1))
        .wait()
        .await;
    let error = deleted.expect_err("the server may well exist");
    assert_eq!(error.status(), Some(404), "{error:?}");
    assert!(!matches!(error, Error::Wait(_)), "{error:?}");

    let state = client
        .image_servers()
        .wait_until(ID)
        .interval(FAST)
        .deadline(Duration::from_secs(1))
        .wait()
        .await;
    let error = state.expect_err("not a state");
    assert!(
        !matches!(&error, Error::Wait(f) if f.reason == WaitReason::NotFound),
        "an HTML 404 does not say the server is gone: {error:?}"
    );
    assert_eq!(error.status(), Some(404), "{error:?}");
}

/// Review of issue 16: the blocking flavour's observer runs on the thread that waits (user code
/// never runs on the blocking runtime's worker).
#[test]
fn the_blocking_observer_runs_on_the_waiting_thread() {
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let fake = Arc::new(runtime.block_on(start_default()));
    script(&fake, &["ACTIVE", "BUILDING", "BUILT"]);
    let client = blocking::Client::new(client(&fake)).unwrap();
    let threads = Arc::new(Mutex::new(Vec::new()));
    let (seen_on, advance) = (Arc::clone(&threads), Arc::clone(&fake));
    client
        .image_servers()
        .wait_until(ID)
        .interval(FAST)
        .on_poll(move |_| {
            seen_on.lock().unwrap().push(std::thread::current().id());
            advance.advance_status_clock(STEP);
        })
        .wait()
        .unwrap();
    let waiting = std::thread::current().id();
    let threads = threads.lock().unwrap();
    assert_eq!(threads.len(), 4);
    assert!(
        threads.iter().all(|t| *t == waiting),
        "{threads:?} vs {waiting:?}"
    );
}

/// Review of issue 16: a dedicated gateway's 404 (`APIG.0101`) and a proxy's `{"code": 404}` are
/// not the service saying the server is gone.
#[tokio::test]
async fn other_gateways_and_generic_404s_are_not_a_deletion() {
    for body in [
        br#"{"error_code":"APIG.0101","error_msg":"The API does not exist or has not been published"}"#.to_vec(),
        br#"{"code":404,"message":"Not Found"}"#.to_vec(),
        br#"{"error_code":"SOME.0404","error_msg":"another service's code"}"#.to_vec(),
    ] {
        let fake = start_default().await;
        fake.inject(
            Fault::Respond {
                status: 404,
                body: body.clone(),
            },
            FaultScope::Always,
            Some(Operation::ShowImageServer),
        );
        let outcome = client(&fake)
            .image_servers()
            .wait_until_deleted(ID)
            .interval(FAST)
            .deadline(Duration::from_secs(1))
            .wait()
            .await;
        let error = outcome.expect_err("not a deletion");
        assert_eq!(error.status(), Some(404), "{}: {error:?}", String::from_utf8_lossy(&body));
    }
}
