//! Properties over arbitrary input, through the facade and the fake:
//! - any JSON value or byte string as the body of any operation's 200 or error answer gives `Ok` or
//!   a typed `Error` (never a panic), and an error status never reads as `Ok`;
//! - any id is refused before I/O or sent as one path segment the fake reads back unchanged;
//! - any filter is refused before I/O or sent as one query value the fake reads back unchanged;
//! - any IAM token is refused before I/O or sent as one header value the fake accepts as itself.

mod common;

use std::sync::LazyLock;

use common::*;
use huaweicloud_images::models::{
    AttachServerAppReq, BatchDeleteImageServerReq, CreateImageServerReq, UpdateImageServerReq,
};
use huaweicloud_images::{Client, Credentials, Error, FlowPolicy, RetryPolicy};
use huaweicloud_images_fake::{
    FAKE_PROJECT_ID, FakeConfig, FakeServer, Fault, FaultScope, Operation,
};
use percent_encoding::percent_decode_str;
use proptest::prelude::*;
use serde_json::{Map, Value};

/// One runtime and one fake for every case (a fake per case would dominate the run time).
struct Shared {
    runtime: tokio::runtime::Runtime,
    fake: FakeServer,
    client: Client,
}

static SHARED: LazyLock<Shared> = LazyLock::new(|| {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    let fake = runtime
        .block_on(FakeServer::start(FakeConfig::default()))
        .unwrap();
    // Flow control is not the subject here: the answers' 429s and 503s teach it nothing.
    let client = builder(&fake)
        .retry(RetryPolicy::disabled())
        .flow(FlowPolicy::default().with_adaptive_rate(false))
        .build()
        .unwrap();
    Shared {
        runtime,
        fake,
        client,
    }
});

/// The cases touch one fake: one at a time.
static ONE_AT_A_TIME: std::sync::Mutex<()> = std::sync::Mutex::new(());

fn json_value() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(Value::from),
        any::<u64>().prop_map(Value::from),
        any::<f64>()
            .prop_map(|f| serde_json::Number::from_f64(f).map_or(Value::Null, Value::Number)),
        ".{0,20}".prop_map(Value::String),
    ];
    leaf.prop_recursive(4, 48, 6, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..6).prop_map(Value::Array),
            prop::collection::vec((field_name(), inner), 0..6)
                .prop_map(|fields| Value::Object(fields.into_iter().collect::<Map<_, _>>())),
        ]
    })
}

/// Field names of the models and error bodies, and others.
fn field_name() -> impl Strategy<Value = String> {
    prop_oneof![
        prop::sample::select(vec![
            "count",
            "items",
            "total_count",
            "images",
            "id",
            "name",
            "status",
            "image_ref",
            "image_type",
            "authorize_accounts",
            "os_type",
            "min_disk",
            "arch",
            "server_type",
            "error_code",
            "error_msg",
            "errorCode",
            "code",
            "message",
            "error",
            "request_id",
        ])
        .prop_map(str::to_string),
        "[a-z_]{1,8}",
    ]
}

/// A body: arbitrary JSON (mostly model-shaped objects), or arbitrary bytes.
fn body() -> impl Strategy<Value = Vec<u8>> {
    prop_oneof![
        3 => json_value().prop_map(|v| serde_json::to_vec(&v).unwrap()),
        1 => prop::collection::vec(any::<u8>(), 0..200),
    ]
}

fn status() -> impl Strategy<Value = u16> {
    prop::sample::select(vec![
        200_u16, 200, 400, 401, 403, 404, 405, 429, 500, 502, 503,
    ])
}

const DEV_IMAGE_ID: &str = "3b9c8e0e-4c1a-4f55-8d3e-6f0a7d2b9c44";

/// Calls `operation` once; `Ok(())` or the error.
async fn call(client: &Client, operation: Operation) -> Result<(), Error> {
    match operation.name() {
        "ListImageServers" => client.image_servers().list().send().await.map(drop),
        "ShowImageServer" => client.image_servers().get("1").await.map(drop),
        "ListImages" => client.images().list().send().await.map(drop),
        "GetDevServerImage" => client.dev_server_images().get(DEV_IMAGE_ID).await.map(drop),
        "CreateImageServer" => client
            .image_servers()
            .create(CreateImageServerReq::builder().name(Some("p".parse().unwrap())))
            .send()
            .await
            .map(drop),
        "UpdateImageServer" => client
            .image_servers()
            .update("1", UpdateImageServerReq::default())
            .await
            .map(drop),
        "BatchDeleteImageServer" => client
            .image_servers()
            .batch_delete(BatchDeleteImageServerReq::builder().items(vec!["1".into()]))
            .await
            .map(drop),
        "ShowImageJob" => client.image_server_jobs().get("1").await.map(drop),
        "AttachImageServerApp" => client
            .image_servers()
            .attach_app("1", AttachServerAppReq::builder().items(vec!["app".into()]))
            .await
            .map(drop),
        other => panic!("no call for {other}"),
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    #[test]
    fn any_answer_is_ok_or_a_typed_error(
        operation in prop::sample::select(Operation::ALL.to_vec()),
        status in status(),
        body in body(),
    ) {
        let _one = ONE_AT_A_TIME.lock().unwrap_or_else(|e| e.into_inner());
        let shared = &*SHARED;
        shared.fake.inject(
            Fault::Respond { status, body: body.clone() },
            FaultScope::Next(1),
            Some(operation),
        );
        let result = shared.runtime.block_on(call(&shared.client, operation));
        // A write whose answer was a 5xx, or a success it could not read, may have been applied:
        // it says so, around the error a read would have.
        let write = operation.spec().method != "GET";
        let result = result.map_err(|error| match error {
            Error::Unconfirmed { source, .. } => {
                assert!(write && (status >= 500 || status == 200), "{status}: {source:?}");
                *source
            }
            other => {
                assert!(!write || (status < 500 && status != 200), "{status}: {other:?}");
                other
            }
        });
        match (&result, status) {
            (Ok(()), 200) => {}
            (Ok(()), _) => prop_assert!(false, "HTTP {status} read as Ok"),
            (Err(Error::Api(api)), _) => prop_assert_eq!(api.status, status),
            (Err(Error::Decode { status: 200, .. }), 200) => {}
            (Err(other), _) => prop_assert!(false, "HTTP {status}: unexpected {other:?}"),
        }
        // Every error displays and debugs without panicking.
        if let Err(error) = &result {
            let _ = (error.to_string(), format!("{error:?}"), error.is_retryable());
        }
    }

    #[test]
    fn any_list_answer_ends_a_listing_with_ok_or_a_typed_error(body in json_value()) {
        let _one = ONE_AT_A_TIME.lock().unwrap_or_else(|e| e.into_inner());
        let shared = &*SHARED;
        shared.fake.inject(
            Fault::Respond { status: 200, body: serde_json::to_vec(&body).unwrap() },
            FaultScope::Next(1),
            Some(Operation::ListImages),
        );
        let listing = shared.client.images().list().paginate().page_size(10);
        let result = shared.runtime.block_on(listing.collect_all());
        if let Err(error) = &result {
            prop_assert!(
                matches!(error, Error::Decode { .. } | Error::Pagination { .. }),
                "{error:?}"
            );
        }
    }

    #[test]
    fn any_id_is_refused_before_io_or_sent_as_one_segment(
        id in prop_oneof![
            ".{0,40}",
            "[ -~]{1,30}",
            "[./\\\\?#%&=+ a-z]{0,12}",
            "(%[0-9a-fA-F]{2}|\\.|/){1,6}",
        ],
    ) {
        let _one = ONE_AT_A_TIME.lock().unwrap_or_else(|e| e.into_inner());
        let shared = &*SHARED;
        shared.fake.clear_requests();
        let result = shared.runtime.block_on(shared.client.image_servers().get(&id));
        let requests = shared.fake.requests();
        match result {
            Err(Error::InvalidInput { field, .. }) => {
                prop_assert_eq!(field, "server_id");
                prop_assert!(requests.is_empty(), "{requests:?}");
            }
            _ => {
                prop_assert_eq!(requests.len(), 1);
                let prefix = format!("/v1/{FAKE_PROJECT_ID}/image-servers/");
                let segment = requests[0].path.strip_prefix(&prefix);
                prop_assert!(segment.is_some(), "{:?} left its route: {}", id, requests[0].path);
                let segment = segment.unwrap();
                prop_assert!(!segment.contains(['/', '\\', '?', '#']), "{segment}");
                prop_assert_eq!(percent_decode_str(segment).decode_utf8_lossy(), id.as_str());
                prop_assert_eq!(requests[0].operation, Some(Operation::ShowImageServer));
            }
        }
    }

    #[test]
    fn any_filter_is_refused_before_io_or_read_back_unchanged(
        name in prop_oneof!["[ -~]{0,30}", "\\PC{0,20}", any::<String>()],
    ) {
        let _one = ONE_AT_A_TIME.lock().unwrap_or_else(|e| e.into_inner());
        let shared = &*SHARED;
        shared.fake.clear_requests();
        let request = shared.client.image_servers().list().server_name(name.clone());
        let result = shared.runtime.block_on(request.send());
        let requests = shared.fake.requests();
        match result {
            Err(Error::InvalidInput { field, .. }) => {
                prop_assert_eq!(field, "server_name");
                prop_assert!(requests.is_empty());
            }
            other => {
                prop_assert!(other.is_ok(), "{other:?}");
                prop_assert_eq!(requests.len(), 1);
                let sent = query_param(&requests[0], "server_name").unwrap_or_default();
                let decoded = percent_decode_str(&sent).decode_utf8_lossy().into_owned();
                prop_assert_eq!(decoded, name);
            }
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 48, ..ProptestConfig::default() })]

    #[test]
    fn any_token_is_refused_before_io_or_accepted_as_itself(
        token in prop_oneof![3 => "[ -~]{1,60}", 1 => any::<String>()],
    ) {
        let _one = ONE_AT_A_TIME.lock().unwrap_or_else(|e| e.into_inner());
        let shared = &*SHARED;
        let Ok(credentials) = Credentials::token(token.clone()) else {
            return Ok(());
        };
        // A fake that accepts exactly this token: it passes only if read back unchanged.
        let fake = shared.runtime.block_on(FakeServer::start(FakeConfig {
            tokens: vec![token.clone()],
            ..FakeConfig::default()
        })).unwrap();
        let client = Client::builder()
            .credentials(credentials)
            .project_id(FAKE_PROJECT_ID)
            .endpoint_for_all(fake.base_url())
            .retry(RetryPolicy::disabled())
            .build();
        let Ok(client) = client else {
            prop_assert!(fake.requests().is_empty());
            return Ok(());
        };
        let result = shared.runtime.block_on(client.images().list().send());
        let requests = fake.requests();
        match result {
            Err(Error::InvalidInput { .. } | Error::Config(_)) => prop_assert!(requests.is_empty()),
            other => {
                prop_assert!(other.is_ok(), "{other:?}");
                prop_assert_eq!(requests.len(), 1);
                prop_assert!(requests[0].auth_passed);
            }
        }
    }
}
