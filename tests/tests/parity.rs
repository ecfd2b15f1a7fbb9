//! Parity with the official SDKs where users run (issue 11), end to end against the fake:
//! credentials from the instance metadata service that expire and rotate, the default chain off
//! ECS, the automatic project id, the regions file, proxies, TLS with a private CA, clock skew.

mod common;

use std::collections::{BTreeSet, HashMap};
use std::time::{Duration, Instant};

use common::{PROJECT, builder, fast_retry, start};
use huaweicloud_images::credentials::MetadataProvider;
use huaweicloud_images::{Client, Credentials, Error, FlowPolicy, ProxyConfig, Service};
use huaweicloud_images_fake::proxy::CountingProxy;
use huaweicloud_images_fake::signing::Authorization;
use huaweicloud_images_fake::{
    FAKE_AK, FAKE_PROJECT_ID, FAKE_SK, FakeConfig, FakeServer, Fault, FaultScope, TEST_CA_PEM,
    TlsIdentity,
};

const SERVER_ID: &str = "697612196993040384";

fn env_of(pairs: &[(&str, &str)]) -> impl Fn(&str) -> Option<String> + Send + Sync + 'static {
    let map: HashMap<String, String> = pairs
        .iter()
        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
        .collect();
    move |name| map.get(name).cloned()
}

/// A client whose credentials come from the fake's metadata service.
fn metadata_client(fake: &FakeServer) -> huaweicloud_images::ClientBuilder {
    Client::builder()
        .credentials_provider(MetadataProvider::with_base_url(&fake.base_url()).unwrap())
        .project_id(PROJECT)
        .endpoint_for_all(fake.base_url())
        .retry(fast_retry())
}

fn count_path(fake: &FakeServer, path: &str) -> usize {
    fake.requests().iter().filter(|r| r.path == path).count()
}

fn api_requests(fake: &FakeServer) -> Vec<huaweicloud_images_fake::RecordedRequest> {
    fake.requests()
        .into_iter()
        .filter(|r| r.operation.is_some())
        .collect()
}

#[tokio::test]
async fn a_long_listing_crosses_credential_rotations_without_one_rejected_request() {
    let fake = start(FakeConfig {
        image_servers: 150,
        temporary_credential_lifetime: Duration::from_millis(1200),
        latency: Duration::from_millis(60),
        ..FakeConfig::default()
    })
    .await;
    let client = metadata_client(&fake)
        .flow(FlowPolicy::default().with_max_concurrency(1))
        .build()
        .unwrap();
    let listed = client
        .image_servers()
        .list()
        .paginate()
        .page_size(10)
        .collect_all()
        .await
        .unwrap();
    assert_eq!(listed.len(), 153);
    let api = api_requests(&fake);
    let refused: Vec<_> = api.iter().filter(|r| r.status != Some(200)).collect();
    assert!(refused.is_empty(), "no request refused: {refused:?}");
    let keys: BTreeSet<String> = api
        .iter()
        .map(|r| {
            Authorization::parse(r.header("authorization").unwrap())
                .unwrap()
                .access
        })
        .collect();
    assert!(
        keys.len() >= 2,
        "the listing ({} requests) crossed at least one rotation: {keys:?}",
        api.len()
    );
    assert!(keys.iter().all(|k| k.starts_with("TMPAK")), "{keys:?}");
    assert!(api.iter().all(|r| r.header("x-security-token").is_some()));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_hundred_concurrent_calls_at_refresh_time_make_one_metadata_request() {
    let fake = start(FakeConfig {
        temporary_credential_lifetime: Duration::from_millis(1000),
        ..FakeConfig::default()
    })
    .await;
    let client = metadata_client(&fake).build().unwrap();
    client.image_servers().get(SERVER_ID).await.unwrap();
    assert_eq!(count_path(&fake, "/openstack/latest/securitykey"), 1);
    // Past half the lifetime: every call now needs a refresh.
    tokio::time::sleep(Duration::from_millis(600)).await;
    fake.clear_requests();
    let calls = (0..200).map(|_| {
        let client = client.clone();
        tokio::spawn(async move { client.image_servers().get(SERVER_ID).await })
    });
    for call in futures::future::join_all(calls).await {
        call.unwrap().unwrap();
    }
    assert_eq!(count_path(&fake, "/openstack/latest/securitykey"), 1);
    assert_eq!(count_path(&fake, "/meta-data/latest/api/token"), 1);
    let keys: BTreeSet<String> = api_requests(&fake)
        .iter()
        .map(|r| {
            Authorization::parse(r.header("authorization").unwrap())
                .unwrap()
                .access
        })
        .collect();
    // While one call refreshed, the others used the still-valid pair: the old or the new one.
    assert!(keys.len() <= 2, "{keys:?}");
    assert!(api_requests(&fake).iter().all(|r| r.status == Some(200)));
}

/// A TCP listener that accepts connections and never answers (like a firewall that swallows).
async fn silent_listener() -> (String, tokio::task::JoinHandle<()>) {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    let task = tokio::spawn(async move {
        let mut held = Vec::new();
        while let Ok((stream, _)) = listener.accept().await {
            held.push(stream);
        }
    });
    (url, task)
}

#[tokio::test]
async fn off_ecs_the_default_chain_fails_fast_naming_every_source() {
    let home = tempfile::tempdir().unwrap();
    let (silent, listener) = silent_listener().await;
    let home_path = home.path().to_str().unwrap().to_owned();
    let client = Client::builder()
        .with_env(env_of(&[
            ("HOME", &home_path),
            ("HUAWEICLOUD_SDK_METADATA_ENDPOINT", &silent),
        ]))
        .load_env()
        .unwrap()
        .project_id(PROJECT)
        .endpoint_for_all("http://127.0.0.1:9")
        .build()
        .unwrap();
    let started = Instant::now();
    let error = client.image_servers().get(SERVER_ID).await.unwrap_err();
    let elapsed = started.elapsed();
    listener.abort();
    let message = error.to_string();
    assert!(matches!(error, Error::Credentials(_)), "{error:?}");
    for source in [
        "HUAWEICLOUD_SDK_AK",
        "HUAWEICLOUD_SDK_SK",
        &format!("{home_path}/.huaweicloud/credentials"),
        &silent,
    ] {
        assert!(message.contains(source), "names {source}: {message}");
    }
    // Not a speed goal: the bound tells "gave up after the metadata time-out (800 ms)" from
    // "waited for the API time-outs (10 s connect, 30 s request)", with room for a loaded machine.
    eprintln!("off-ECS chain failed after {elapsed:?}");
    assert!(elapsed < Duration::from_millis(1500), "{elapsed:?}");
}

#[tokio::test]
async fn the_project_id_is_asked_of_iam_once_per_client() {
    let fake = start(FakeConfig::default()).await;
    let client = Client::builder()
        .credentials(Credentials::ak_sk(FAKE_AK, FAKE_SK).unwrap())
        .region("cn-north-4")
        .endpoint_for_all(fake.base_url())
        .with_env(env_of(&[(
            "HUAWEICLOUD_SDK_IAM_ENDPOINT",
            &fake.base_url(),
        )]))
        .retry(fast_retry())
        .build()
        .unwrap();
    assert_eq!(client.project_id(), None);
    let calls = (0..20).map(|_| {
        let client = client.clone();
        async move { client.image_servers().get(SERVER_ID).await }
    });
    for outcome in futures::future::join_all(calls).await {
        outcome.unwrap();
    }
    client.images().list().send().await.unwrap();
    assert_eq!(client.project_id(), Some(FAKE_PROJECT_ID));
    let iam: Vec<_> = fake
        .requests()
        .into_iter()
        .filter(|r| r.path == "/v3/projects")
        .collect();
    assert_eq!(iam.len(), 1, "{iam:?}");
    assert_eq!(iam[0].query.as_deref(), Some("name=cn-north-4"));
    assert_eq!(iam[0].status, Some(200));
    assert!(iam[0].header("authorization").is_some(), "signed");
    let api = api_requests(&fake);
    assert!(api.iter().all(|r| r.path.contains(FAKE_PROJECT_ID)));
}

#[tokio::test]
async fn a_region_without_exactly_one_project_is_a_clear_error() {
    let fake = start(FakeConfig {
        iam_projects: vec![
            ("cn-north-4".into(), "aaaa1111".into()),
            ("cn-north-4".into(), "bbbb2222".into()),
        ],
        ..FakeConfig::default()
    })
    .await;
    for (region, expected) in [
        ("cn-north-4", "names 2 projects"),
        ("ap-southeast-3", "names no project"),
    ] {
        let client = Client::builder()
            .credentials(Credentials::ak_sk(FAKE_AK, FAKE_SK).unwrap())
            .region(region)
            .endpoint_for_all(fake.base_url())
            .iam_endpoint(fake.base_url())
            .build()
            .unwrap();
        let error = client.image_servers().get(SERVER_ID).await.unwrap_err();
        assert!(matches!(error, Error::Credentials(_)), "{error:?}");
        assert!(error.to_string().contains(expected), "{error}");
        assert!(error.to_string().contains(region), "{error}");
        assert_eq!(client.project_id(), None);
    }
    assert!(
        api_requests(&fake).is_empty(),
        "no API call without a project"
    );
}

#[tokio::test]
async fn the_regions_file_beats_the_table_and_loses_to_the_environment() {
    let from_file = start(FakeConfig::default()).await;
    let from_env = start(FakeConfig::default()).await;
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("regions.yaml");
    std::fs::write(
        &path,
        format!(
            "WORKSPACEAPP:\n  - id: cn-north-4\n    endpoint: {}\nECS:\n  - id: cn-north-4\n    endpoints: [https://ecs.example]\n",
            from_file.base_url()
        ),
    )
    .unwrap();
    let file = path.to_str().unwrap().to_owned();
    let make = |extra: &[(&str, &str)]| {
        let mut pairs = vec![("HUAWEICLOUD_SDK_REGIONS_FILE", file.as_str())];
        pairs.extend_from_slice(extra);
        Client::builder()
            .credentials(Credentials::ak_sk(FAKE_AK, FAKE_SK).unwrap())
            .project_id(PROJECT)
            .region("cn-north-4")
            .with_env(env_of(&pairs))
            .retry(fast_retry())
            .build()
            .unwrap()
    };
    let client = make(&[]);
    let endpoint = client.endpoint(Service::WorkspaceApp);
    assert_eq!(endpoint.url(), from_file.base_url());
    assert!(
        endpoint.source().to_string().contains("regions.yaml"),
        "{endpoint}"
    );
    // Services the file does not list keep the table.
    assert!(
        client
            .endpoint(Service::ModelArts)
            .url()
            .starts_with("https://")
    );
    client.image_servers().get(SERVER_ID).await.unwrap();
    assert_eq!(api_requests(&from_file).len(), 1);

    let env_url = from_env.base_url();
    let client = make(&[("HUAWEICLOUD_SDK_REGION_WORKSPACEAPP_CN_NORTH_4", &env_url)]);
    assert_eq!(client.endpoint(Service::WorkspaceApp).url(), env_url);
    client.image_servers().get(SERVER_ID).await.unwrap();
    assert_eq!(api_requests(&from_env).len(), 1);
    assert_eq!(
        api_requests(&from_file).len(),
        1,
        "the file lost to the variable"
    );

    std::fs::write(
        &path,
        "WORKSPACEAPP:\n  - id: cn-north-4\n    endpoint: [oops\n",
    )
    .unwrap();
    let error = Client::builder()
        .credentials(Credentials::ak_sk(FAKE_AK, FAKE_SK).unwrap())
        .project_id(PROJECT)
        .with_env(env_of(&[("HUAWEICLOUD_SDK_REGIONS_FILE", &file)]))
        .build()
        .unwrap_err();
    assert!(error.to_string().contains(&file), "{error}");
}

#[tokio::test]
async fn every_request_of_a_call_goes_through_the_proxy() {
    let fake = start(FakeConfig {
        image_servers: 40,
        ..FakeConfig::default()
    })
    .await;
    let proxy = CountingProxy::start(Some(("alice", "s3cret")))
        .await
        .unwrap();
    fake.inject(Fault::ServiceUnavailable, FaultScope::Next(1), None);
    let client = builder(&fake)
        .proxy(ProxyConfig::new(proxy.url()).credentials("alice", "s3cret"))
        .build()
        .unwrap();
    let listed = client
        .image_servers()
        .list()
        .paginate()
        .page_size(10)
        .collect_all()
        .await
        .unwrap();
    assert_eq!(listed.len(), 43);
    let seen = fake.requests();
    assert!(seen.len() >= 6, "five pages and a retry: {}", seen.len());
    assert_eq!(proxy.relayed().len(), seen.len(), "{:?}", proxy.relayed());
    assert_eq!(proxy.refused(), 0);

    // The standard variables, read through the builder's environment; NO_PROXY exempts.
    let via_env = builder(&fake)
        .with_env(env_of(&[(
            "HTTP_PROXY",
            &format!("http://alice:s3cret@{}", &proxy.url()[7..]),
        )]))
        .build()
        .unwrap();
    let before = proxy.relayed().len();
    via_env.image_servers().get(SERVER_ID).await.unwrap();
    assert_eq!(proxy.relayed().len(), before + 1);
    let exempt = builder(&fake)
        .with_env(env_of(&[
            ("HTTP_PROXY", &proxy.url()),
            ("NO_PROXY", "127.0.0.1"),
        ]))
        .build()
        .unwrap();
    exempt.image_servers().get(SERVER_ID).await.unwrap();
    assert_eq!(proxy.relayed().len(), before + 1, "NO_PROXY went direct");

    // Wrong proxy credentials: refused by the proxy, reported, nothing reaches the fake.
    let denied = builder(&fake)
        .proxy(ProxyConfig::new(proxy.url()).credentials("alice", "wrong"))
        .build()
        .unwrap();
    let reached = fake.requests().len();
    let error = denied.image_servers().get(SERVER_ID).await.unwrap_err();
    assert_eq!(error.status(), Some(407), "{error:?}");
    assert!(!error.to_string().contains("wrong"), "{error}");
    assert_eq!(fake.requests().len(), reached);
}

#[tokio::test]
async fn a_fake_over_https_is_accepted_with_its_ca_and_refused_without() {
    let fake = FakeServer::start_tls(FakeConfig::default(), &TlsIdentity::test_localhost())
        .await
        .unwrap();
    assert!(fake.base_url().starts_with("https://"));
    let trusted = builder(&fake)
        .add_ca_certificates_pem(TEST_CA_PEM)
        .build()
        .unwrap();
    let server = trusted.image_servers().get(SERVER_ID).await.unwrap();
    assert_eq!(server.id.as_deref(), Some(SERVER_ID));

    let untrusted = builder(&fake)
        .retry(huaweicloud_images::RetryPolicy::disabled())
        .build()
        .unwrap();
    let error = untrusted.image_servers().get(SERVER_ID).await.unwrap_err();
    assert!(matches!(error, Error::Transport { .. }), "{error:?}");
    assert_eq!(
        api_requests(&fake).len(),
        1,
        "the refused handshake sent no request"
    );

    let reckless = builder(&fake)
        .danger_accept_invalid_certs(true)
        .build()
        .unwrap();
    reckless.image_servers().get(SERVER_ID).await.unwrap();

    let error = builder(&fake)
        .add_ca_certificates_pem("no certificate here")
        .build()
        .unwrap_err();
    assert!(error.to_string().contains("CA bundle"), "{error}");
}

#[tokio::test]
async fn a_gateway_clock_ten_minutes_off_costs_one_extra_request_once() {
    let fake = start(FakeConfig {
        max_clock_skew: Duration::from_secs(5 * 60),
        clock_offset_secs: 600,
        ..FakeConfig::default()
    })
    .await;
    let client = common::client(&fake);
    client.image_servers().get(SERVER_ID).await.unwrap();
    let statuses: Vec<_> = fake.requests().iter().map(|r| r.status).collect();
    assert_eq!(
        statuses,
        [Some(401), Some(200)],
        "refused once, then signed with its time"
    );
    let offset = client.clock_offset().whole_seconds();
    assert!((598..=602).contains(&offset), "{offset}");
    fake.clear_requests();
    client.images().list().send().await.unwrap();
    assert_eq!(
        fake.requests().len(),
        1,
        "later calls sign right the first time"
    );

    // A refusal that persists is final after one more request: never a loop.
    fake.set_clock_offset(-1200);
    fake.clear_requests();
    fake.inject(
        Fault::Respond {
            status: 401,
            body: br#"{"error_code":"APIGW.0303","error_msg":"request expired"}"#.to_vec(),
        },
        FaultScope::Always,
        None,
    );
    let error = client.image_servers().get(SERVER_ID).await.unwrap_err();
    assert_eq!(error.status(), Some(401), "{error:?}");
    assert_eq!(fake.requests().len(), 2);
}

/// Issue 16, item 1: a gateway whose clock is a day ahead for one call must not lock a client
/// with temporary credentials out once its clock is right again.
#[tokio::test]
async fn a_gateway_clock_a_day_off_for_one_call_does_not_lock_the_client_out() {
    let fake = start(FakeConfig {
        max_clock_skew: Duration::from_secs(5 * 60),
        temporary_credential_lifetime: Duration::from_secs(6 * 3600),
        ..FakeConfig::default()
    })
    .await;
    let client = metadata_client(&fake).build().unwrap();
    client.image_servers().get(SERVER_ID).await.unwrap();

    // A day ahead, six-hour credentials are expired there: that call fails, whatever the clock.
    fake.set_clock_offset(24 * 3600);
    fake.clear_requests();
    let error = client.image_servers().get(SERVER_ID).await.unwrap_err();
    assert_eq!(error.status(), Some(401), "{error}");
    let statuses: Vec<_> = api_requests(&fake).iter().map(|r| r.status).collect();
    assert_eq!(
        statuses,
        [Some(401), Some(401)],
        "refused, signed with its time once"
    );
    assert!(
        client.clock_offset().whole_seconds().abs() <= 2,
        "an offset the gateway never let through is not kept: {}",
        client.clock_offset()
    );

    fake.set_clock_offset(0);
    fake.clear_requests();
    client
        .image_servers()
        .get(SERVER_ID)
        .await
        .expect("the client is not locked out");
    assert_eq!(api_requests(&fake).len(), 1);
}

/// An offset the gateway did confirm, and that later turns wrong, is taught again.
#[tokio::test]
async fn an_offset_kept_from_a_gateway_a_day_off_is_corrected_when_its_clock_is_right() {
    let fake = start(FakeConfig {
        max_clock_skew: Duration::from_secs(5 * 60),
        clock_offset_secs: 24 * 3600,
        ..FakeConfig::default()
    })
    .await;
    let client = common::client(&fake);
    client.image_servers().get(SERVER_ID).await.unwrap();
    assert!(client.clock_offset().whole_seconds() > 23 * 3600);

    fake.set_clock_offset(0);
    fake.clear_requests();
    client.image_servers().get(SERVER_ID).await.unwrap();
    let statuses: Vec<_> = api_requests(&fake).iter().map(|r| r.status).collect();
    assert_eq!(
        statuses,
        [Some(401), Some(200)],
        "taught again by the refusal"
    );
    assert!(client.clock_offset().whole_seconds().abs() <= 2);
    fake.clear_requests();
    client.images().list().send().await.unwrap();
    assert_eq!(
        api_requests(&fake).len(),
        1,
        "signed right the first time again"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn calls_in_flight_together_all_recover_from_a_skewed_clock() {
    let fake = start(FakeConfig {
        max_clock_skew: Duration::from_secs(5 * 60),
        clock_offset_secs: 600,
        latency: Duration::from_millis(100),
        ..FakeConfig::default()
    })
    .await;
    let client = common::client(&fake);
    let calls = (0..10).map(|_| {
        let client = client.clone();
        tokio::spawn(async move { client.image_servers().get(SERVER_ID).await })
    });
    for call in futures::future::join_all(calls).await {
        call.unwrap().unwrap();
    }
    let refused = fake
        .requests()
        .iter()
        .filter(|r| r.status == Some(401))
        .count();
    assert!(refused <= 10, "at most one refusal per call: {refused}");
}

#[tokio::test]
async fn the_project_lookup_recovers_from_a_skewed_clock() {
    let fake = start(FakeConfig {
        max_clock_skew: Duration::from_secs(5 * 60),
        clock_offset_secs: 600,
        ..FakeConfig::default()
    })
    .await;
    let client = Client::builder()
        .credentials(Credentials::ak_sk(FAKE_AK, FAKE_SK).unwrap())
        .region("cn-north-4")
        .endpoint_for_all(fake.base_url())
        .retry(fast_retry())
        .build()
        .unwrap();
    client.image_servers().get(SERVER_ID).await.unwrap();
    assert_eq!(client.project_id(), Some(FAKE_PROJECT_ID));
    let iam: Vec<_> = fake
        .requests()
        .into_iter()
        .filter(|r| r.path == "/v3/projects")
        .map(|r| r.status)
        .collect();
    assert_eq!(
        iam,
        [Some(401), Some(200)],
        "refused once, signed again with its time"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_first_calls_share_a_failed_project_lookup() {
    let fake = start(FakeConfig {
        iam_projects: vec![("somewhere-else".into(), "aaaa1111".into())],
        latency: Duration::from_millis(50),
        ..FakeConfig::default()
    })
    .await;
    let client = Client::builder()
        .credentials(Credentials::ak_sk(FAKE_AK, FAKE_SK).unwrap())
        .region("cn-north-4")
        .endpoint_for_all(fake.base_url())
        .build()
        .unwrap();
    let calls = (0..50).map(|_| {
        let client = client.clone();
        tokio::spawn(async move { client.image_servers().get(SERVER_ID).await })
    });
    for call in futures::future::join_all(calls).await {
        let error = call.unwrap().unwrap_err();
        assert!(error.to_string().contains("names no project"), "{error}");
    }
    assert_eq!(
        count_path(&fake, "/v3/projects"),
        1,
        "one lookup, one error for all"
    );
}

#[tokio::test]
async fn the_project_lookup_is_bounded_by_the_total_timeout() {
    let (silent, listener) = silent_listener().await;
    let client = Client::builder()
        .credentials(Credentials::ak_sk(FAKE_AK, FAKE_SK).unwrap())
        .region("cn-north-4")
        .endpoint_for_all("http://127.0.0.1:9")
        .iam_endpoint(&silent)
        .total_timeout(Some(Duration::from_millis(300)))
        .build()
        .unwrap();
    let error = client.image_servers().get(SERVER_ID).await.unwrap_err();
    listener.abort();
    assert!(matches!(error, Error::Timeout { .. }), "{error:?}");
}

/// Issue 16: the total time-out bounds the whole call, the project lookup included (it started
/// only after the lookup, so a call could take twice its total).
#[tokio::test]
async fn the_total_timeout_covers_the_project_lookup_and_the_call_together() {
    let fake = start(FakeConfig {
        latency: Duration::from_millis(400),
        ..FakeConfig::default()
    })
    .await;
    let client = Client::builder()
        .credentials(Credentials::ak_sk(FAKE_AK, FAKE_SK).unwrap())
        .region("cn-north-4")
        .endpoint_for_all(fake.base_url())
        .total_timeout(Some(Duration::from_millis(500)))
        .retry(fast_retry())
        .build()
        .unwrap();
    let started = Instant::now();
    let error = client.image_servers().get(SERVER_ID).await.unwrap_err();
    assert!(matches!(error, Error::Timeout { .. }), "{error:?}");
    assert!(
        started.elapsed() < Duration::from_millis(750),
        "{:?}",
        started.elapsed()
    );
    assert_eq!(count_path(&fake, "/v3/projects"), 1, "the lookup was made");
}

/// Review of issue 17: a parameter the spec refuses is refused before anything is sent, the
/// project lookup included.
#[tokio::test]
async fn refused_input_sends_no_project_lookup() {
    let fake = start(FakeConfig::default()).await;
    let client = Client::builder()
        .credentials(Credentials::ak_sk(FAKE_AK, FAKE_SK).unwrap())
        .region("cn-north-4")
        .endpoint_for_all(fake.base_url())
        .build()
        .unwrap();
    let error = client
        .image_servers()
        .list()
        .limit(1000)
        .send()
        .await
        .unwrap_err();
    assert!(
        matches!(error, Error::InvalidInput { field: "limit", .. }),
        "{error:?}"
    );
    assert!(fake.requests().is_empty(), "{:?}", fake.requests());
}

/// Review of issue 17: the project lookup is one attempt (as before the runtime owned it); an
/// IAM that does not answer in time is a credentials error naming it.
#[tokio::test]
async fn a_silent_iam_is_one_attempt_and_a_credentials_error() {
    let (silent, listener) = silent_listener().await;
    let client = Client::builder()
        .credentials(Credentials::ak_sk(FAKE_AK, FAKE_SK).unwrap())
        .region("cn-north-4")
        .endpoint_for_all("http://127.0.0.1:9")
        .iam_endpoint(&silent)
        .request_timeout(Some(Duration::from_millis(300)))
        .build()
        .unwrap();
    let started = Instant::now();
    let error = client.image_servers().get(SERVER_ID).await.unwrap_err();
    listener.abort();
    assert!(
        matches!(&error, Error::Credentials(m) if m.contains("in time")),
        "{error:?}"
    );
    assert!(
        started.elapsed() < Duration::from_millis(1200),
        "one attempt, not four: {:?}",
        started.elapsed()
    );
}

/// Review of issue 17: the metadata service gets no `Content-Type` (its requests have no body).
#[tokio::test]
async fn metadata_requests_carry_no_content_type() {
    let fake = start(FakeConfig::default()).await;
    let client = metadata_client(&fake).build().unwrap();
    client.image_servers().get(SERVER_ID).await.unwrap();
    let metadata: Vec<_> = fake
        .requests()
        .into_iter()
        .filter(|r| r.operation.is_none())
        .collect();
    assert_eq!(metadata.len(), 2, "{metadata:?}");
    for request in metadata {
        assert_eq!(request.header("content-type"), None, "{}", request.path);
    }
}
