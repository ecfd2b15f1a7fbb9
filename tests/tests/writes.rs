//! Writes: never applied twice because of the client, and every failure says whether the request
//! may have been applied. The image-server lifecycle end to end against the fake, which remembers
//! what the writes did (from the spec's `x-collection`s alone).

mod common;

use std::collections::HashMap;
use std::time::Duration;

use futures::StreamExt;
use huaweicloud_images::models::{
    AttachServerAppReq, BatchDeleteImageServerReq, CreateImageServerReq, ImageJobStatus,
    ImageServerStatus, UpdateImageServerReq,
};
use huaweicloud_images::{Error, RetryPolicy};
use huaweicloud_images_fake::{FakeConfig, FakeServer, Fault, FaultScope, Operation};

/// Fast retries, so that 200 creates under faults take seconds.
fn fast_retries() -> RetryPolicy {
    RetryPolicy::default()
        .with_initial_backoff(Duration::from_millis(1))
        .with_max_backoff(Duration::from_millis(5))
        .without_retry_budget()
}

fn create_body(
    name: &str,
) -> huaweicloud_images::models::workspaceapp::builder::CreateImageServerReq {
    CreateImageServerReq::builder()
        .name(Some(name.parse().unwrap()))
        .flavor_id(Some("workspace.appstream.general.xlarge.2".to_owned()))
        .vpc_id(Some("vpc-1".to_owned()))
        .subnet_id(Some("subnet-1".to_owned()))
}

/// 200 creates under 12 % of mixed faults, before and after the fake applies them: no server is
/// created twice; every call that returned `Ok` has its server; every server without an `Ok`
/// belongs to a call whose error says it may have been applied; every error that says it was not
/// applied has no server.
#[tokio::test]
async fn creates_under_mixed_faults_are_never_doubled_and_say_when_they_may_have_been_applied() {
    let fake = FakeServer::start(FakeConfig {
        image_servers: 0,
        lifecycle_step: Duration::from_secs(3600),
        ..FakeConfig::default()
    })
    .await
    .unwrap();
    let create = Some(Operation::CreateImageServer);
    for fault in [
        Fault::TooManyRequests {
            retry_after_secs: 0,
        },
        Fault::ServiceUnavailable,
        Fault::ConnectionReset,
        Fault::InternalServerErrorAfterApply,
        Fault::ConnectionResetAfterApply,
        // A refusal before anything is applied: the error must say "not applied".
        Fault::Respond {
            status: 400,
            body: br#"{"error_code":"WKS.00010400","error_msg":"refused"}"#.to_vec(),
        },
    ] {
        fake.inject(fault, FaultScope::Rate(0.02), create);
    }
    let client = common::builder(&fake)
        .retry(fast_retries())
        .build()
        .unwrap();
    let outcomes: Vec<(String, Result<String, Error>)> = futures::stream::iter(0..200)
        .map(|n| {
            let client = client.clone();
            async move {
                let name = format!("chaos-{n}");
                let outcome = client
                    .image_servers()
                    .create(create_body(&name))
                    .send()
                    .await
                    .map(|job| job.job_id.unwrap_or_default());
                (name, outcome)
            }
        })
        .buffer_unordered(8)
        .collect()
        .await;

    let mut servers: HashMap<String, usize> = HashMap::new();
    for server in fake.collection("image_servers") {
        *servers
            .entry(server["name"].as_str().unwrap_or_default().to_owned())
            .or_default() += 1;
    }
    let (mut ok, mut unconfirmed, mut refused) = (0, 0, 0);
    for (name, outcome) in &outcomes {
        let count = servers.get(name).copied().unwrap_or(0);
        assert!(count <= 1, "{name} was created {count} times");
        match outcome {
            Ok(job) => {
                ok += 1;
                assert_eq!(count, 1, "{name} returned Ok (job {job}) and has no server");
            }
            Err(error) if error.may_have_been_applied() => unconfirmed += 1,
            Err(error) => {
                refused += 1;
                assert_eq!(count, 0, "{name}: {error} says not applied, and it was");
            }
        }
    }
    let requests = fake.requests().len();
    println!(
        "200 creates: {ok} ok, {unconfirmed} may have been applied, {refused} not applied; {requests} requests; {} servers",
        servers.values().sum::<usize>()
    );
    assert_eq!(ok + unconfirmed + refused, 200);
    assert!(ok >= 150, "{ok}");
    assert!(unconfirmed > 0, "the faults after applying must show");
    assert!(refused > 0, "the refusals must show");
}

/// Create → wait for the job and for BUILT → rename → delete → wait until gone, on the async and
/// the blocking flavour, against the fake alone.
#[tokio::test]
async fn the_image_server_lifecycle_end_to_end() {
    let fake = FakeServer::start(FakeConfig {
        lifecycle_step: Duration::from_millis(50),
        ..FakeConfig::default()
    })
    .await
    .unwrap();
    let client = common::client(&fake);
    let job = client
        .image_servers()
        .create(create_body("lifecycle-1"))
        .send()
        .await
        .unwrap();
    let job_id = job.job_id.unwrap();
    let done = client
        .image_server_jobs()
        .wait_until(&job_id)
        .interval(Duration::from_millis(20))
        .wait()
        .await
        .unwrap();
    assert_eq!(done.status, Some(ImageJobStatus::Success));
    let created = client
        .image_servers()
        .list()
        .server_name("lifecycle-1")
        .send()
        .await
        .unwrap()
        .items
        .unwrap();
    assert_eq!(created.len(), 1, "{created:?}");
    let id = created[0].id.clone().unwrap();
    let built = client
        .image_servers()
        .wait_until(&id)
        .interval(Duration::from_millis(20))
        .wait()
        .await
        .unwrap();
    assert_eq!(built.status, Some(ImageServerStatus::Built));

    client
        .image_servers()
        .update(
            &id,
            UpdateImageServerReq::builder()
                .name(Some("lifecycle-renamed".parse().unwrap()))
                .description(Some("renamed".to_owned())),
        )
        .await
        .unwrap();
    let renamed = client.image_servers().get(&id).await.unwrap();
    assert_eq!(renamed.name.as_deref(), Some("lifecycle-renamed"));
    // An action on the server (`x-collection` role `action`): answered while it exists.
    let attached = client
        .image_servers()
        .attach_app(
            &id,
            AttachServerAppReq::builder().items(vec!["app-1".to_owned()]),
        )
        .await
        .unwrap();
    assert!(attached.uri.is_some_and(|uri| !uri.is_empty()));

    let deleting = client
        .image_servers()
        .batch_delete(BatchDeleteImageServerReq::builder().items(vec![id.clone()]))
        .await
        .unwrap();
    assert!(deleting.job_id.is_some());
    client
        .image_servers()
        .wait_until_deleted(&id)
        .interval(Duration::from_millis(20))
        .wait()
        .await
        .unwrap();
    let gone = client.image_servers().get(&id).await.unwrap_err();
    assert_eq!(gone.status(), Some(404));
    let missing = client
        .image_servers()
        .update(&id, UpdateImageServerReq::default())
        .await
        .unwrap_err();
    assert_eq!(missing.status(), Some(404));
    assert!(!missing.may_have_been_applied(), "a 404 applies nothing");
    let no_server = client
        .image_servers()
        .attach_app(&id, AttachServerAppReq::builder().items(vec![]))
        .await
        .unwrap_err();
    assert_eq!(no_server.status(), Some(404), "{no_server:?}");

    // A body missing a required field is refused before anything is sent, naming the field; a
    // name that breaks the documented pattern cannot even be made.
    let before = fake.requests().len();
    let bad = client
        .image_servers()
        .batch_delete(BatchDeleteImageServerReq::builder().recursive(Some(true)))
        .await
        .unwrap_err();
    match &bad {
        Error::InvalidInput {
            field: "body",
            reason,
        } => assert!(reason.contains("items"), "{reason}"),
        other => panic!("{other:?}"),
    }
    assert_eq!(fake.requests().len(), before);
    assert!(
        "has spaces"
            .parse::<huaweicloud_images::models::workspaceapp::CreateImageServerReqName>()
            .is_err()
    );

    // The blocking flavour.
    let blocking_id = tokio::task::spawn_blocking(move || {
        let blocking = huaweicloud_images::blocking::Client::new(client).unwrap();
        let job = blocking
            .image_servers()
            .create(create_body("lifecycle-2"))
            .send()
            .unwrap();
        let job = blocking
            .image_server_jobs()
            .get(&job.job_id.unwrap())
            .unwrap();
        assert!(job.status.is_some());
        blocking
            .image_servers()
            .list()
            .server_name("lifecycle-2")
            .send()
            .unwrap()
            .items
            .unwrap()[0]
            .id
            .clone()
            .unwrap()
    })
    .await
    .unwrap();
    assert!(
        fake.collection("image_servers")
            .iter()
            .any(|s| s["id"] == blocking_id.as_str())
    );
}

/// A write the service refused (4xx) was not applied: the plain error, no retry. A write whose
/// answer was lost after it was applied says so, with no second attempt.
#[tokio::test]
async fn what_a_failed_write_says() {
    let fake = FakeServer::start(FakeConfig::default()).await.unwrap();
    let client = common::builder(&fake)
        .retry(fast_retries())
        .build()
        .unwrap();
    let update = Some(Operation::UpdateImageServer);
    let id = fake.data().image_servers[0].id.clone();
    fake.inject(
        Fault::InternalServerErrorAfterApply,
        FaultScope::Next(1),
        update,
    );
    let lost = client
        .image_servers()
        .update(
            &id,
            UpdateImageServerReq::builder().description(Some("after".to_owned())),
        )
        .await
        .unwrap_err();
    assert!(lost.may_have_been_applied(), "{lost:?}");
    assert!(matches!(
        lost,
        Error::Unconfirmed {
            idempotency_token: None,
            ..
        }
    ));
    assert_eq!(lost.status(), Some(500));
    assert_eq!(fake.requests().len(), 1, "a PATCH is not sent again");
    let applied = client.image_servers().get(&id).await.unwrap();
    assert_eq!(applied.description.as_deref(), Some("after"));

    fake.clear_requests();
    fake.inject(Fault::ConnectionReset, FaultScope::Next(1), update);
    let reset = client
        .image_servers()
        .update(&id, UpdateImageServerReq::default())
        .await
        .unwrap_err();
    assert!(
        reset.may_have_been_applied(),
        "a reset after sending: {reset:?}"
    );
    assert_eq!(fake.requests().len(), 1);

    // Refused by the gateway's throttling: it never reached the service, so it is sent again.
    fake.clear_requests();
    fake.inject(
        Fault::TooManyRequests {
            retry_after_secs: 0,
        },
        FaultScope::Next(1),
        update,
    );
    client
        .image_servers()
        .update(&id, UpdateImageServerReq::default())
        .await
        .unwrap();
    assert_eq!(fake.requests().len(), 2);

    // Nothing listening: the request never left, so even a POST is sent again (and fails the
    // same way), and the error says it was not applied.
    let nowhere = huaweicloud_images::Client::builder()
        .credentials(huaweicloud_images::Credentials::ak_sk("AK", "SK").unwrap())
        .project_id(common::PROJECT)
        .endpoint_for_all("http://127.0.0.1:9")
        .retry(fast_retries())
        .build()
        .unwrap();
    let refused = nowhere
        .image_servers()
        .create(create_body("nowhere"))
        .send()
        .await
        .unwrap_err();
    assert!(!refused.may_have_been_applied(), "{refused:?}");
    assert!(matches!(refused, Error::Transport { .. }), "{refused:?}");
}
