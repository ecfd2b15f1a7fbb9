//! Bodies a client must survive: larger than any page, endless, error bodies longer than what is
//! kept for the message, and totals that do not fit the spec's `int32`.

mod common;

use common::*;
use huaweicloud_images::Error;
use huaweicloud_images_fake::{FakeConfig, Fault, FaultScope, Operation};

const MIB: u64 = 1024 * 1024;

#[tokio::test]
async fn a_body_past_the_cap_ends_the_call_without_retrying() {
    let fake = start_default().await;
    let client = builder(&fake).max_body_size(MIB).build().unwrap();
    fake.inject(
        Fault::OversizedBody {
            bytes: 2 * MIB as usize,
        },
        FaultScope::Always,
        None,
    );
    let error = client.images().list().send().await.unwrap_err();
    match &error {
        Error::BodyTooLarge { operation, limit } => {
            assert_eq!((*operation, *limit), ("ListImages", MIB));
        }
        other => panic!("{other:?}"),
    }
    assert!(!error.is_retryable());
    assert!(error.to_string().contains("max_body_size"), "{error}");
    assert_eq!(fake.requests().len(), 1, "not retried");

    // The default cap (8 MiB) takes it.
    fake.clear_requests();
    let page = self::client(&fake).images().list().send().await.unwrap();
    assert_eq!(page.images.unwrap().len(), fake.data().images.len());
}

#[tokio::test]
async fn an_endless_body_is_cut_at_the_cap() {
    let fake = start_default().await;
    let client = builder(&fake).max_body_size(MIB).build().unwrap();
    fake.inject(
        Fault::EndlessBody,
        FaultScope::Next(1),
        Some(Operation::ListImageServers),
    );
    let error = client.image_servers().list().send().await.unwrap_err();
    assert!(
        matches!(error, Error::BodyTooLarge { limit, .. } if limit == MIB),
        "{error:?}"
    );
    assert_eq!(fake.requests().len(), 1);
}

#[tokio::test]
async fn a_long_error_body_still_yields_its_code_and_message() {
    let fake = start_default().await;
    let body = serde_json::json!({
        "error_msg": "quota exceeded",
        "details": "x".repeat(100_000),
        "error_code": "WKS.0042",
    });
    fake.inject(
        Fault::Respond {
            status: 400,
            body: serde_json::to_vec(&body).unwrap(),
        },
        FaultScope::Next(1),
        None,
    );
    let error = client(&fake).images().list().send().await.unwrap_err();
    let api = error.as_api().unwrap_or_else(|| panic!("{error:?}"));
    assert_eq!(api.error_code.as_deref(), Some("WKS.0042"));
    assert_eq!(api.error_msg.as_deref(), Some("quota exceeded"));
    assert_eq!(api.raw_body, None);
}

#[tokio::test]
async fn a_total_past_int32_or_written_as_a_float_is_distrusted_not_fatal() {
    // As read into the model: `None` unless it is an int32 (a negative one is one, and the
    // paginator distrusts it).
    for (total, read) in [
        ("2147483648", None),
        ("25.0", None),
        ("\"many\"", None),
        ("null", None),
        ("-1", Some(-1)),
    ] {
        let fake = start(FakeConfig {
            image_servers: 47,
            ..FakeConfig::default()
        })
        .await;
        fake.inject(Fault::RawTotal(total.into()), FaultScope::Always, None);
        let client = client_without_retries(&fake);
        let page = client
            .image_servers()
            .list()
            .send()
            .await
            .unwrap_or_else(|e| panic!("total {total}: {e}"));
        assert_eq!(page.count, read, "total {total}");
        assert_eq!(page.items.unwrap().len(), 10, "total {total}");
        let servers = client
            .image_servers()
            .list()
            .paginate()
            .page_size(20)
            .collect_all()
            .await
            .unwrap_or_else(|e| panic!("total {total}: {e}"));
        assert_eq!(
            server_ids(&servers),
            server_ids(&expected_servers(&fake)),
            "total {total}: every item, once, in order"
        );
    }
}
