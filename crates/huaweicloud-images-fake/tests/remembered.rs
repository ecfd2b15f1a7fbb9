//! What the fake remembers of writes (`x-collection` in the spec), as any HTTP client sees it:
//! bodies that break their schema are refused naming the field, an update changes only what its
//! body may change, a deleting item cannot be changed, seeds need ids of their own. (Idempotency
//! tokens: the corpus test, whose spec has an operation with one.)

mod common;

use std::time::Duration;

use huaweicloud_images_fake::{FAKE_TOKEN, FakeConfig, FakeServer};
use serde_json::{Value, json};

use common::{PROJECT, start};

async fn call(server: &FakeServer, method: &str, path: &str, body: Value) -> (u16, Value) {
    let method = reqwest::Method::from_bytes(method.as_bytes()).unwrap();
    let response = common::client()
        .request(method, format!("{}/v1/{PROJECT}{path}", server.base_url()))
        .header("X-Auth-Token", FAKE_TOKEN)
        .header("content-type", "application/json")
        .body(body.to_string())
        .send()
        .await
        .unwrap();
    let status = response.status().as_u16();
    (status, response.json().await.unwrap_or(Value::Null))
}

async fn fake() -> FakeServer {
    start(FakeConfig {
        image_servers: 0,
        lifecycle_step: Duration::from_secs(3600),
        ..FakeConfig::default()
    })
    .await
}

/// The newest image server.
fn newest(server: &FakeServer) -> Value {
    server.collection("image_servers")[0].clone()
}

#[tokio::test]
async fn bodies_that_break_their_schema_are_refused_naming_the_field_and_nothing_is_kept() {
    let server = fake().await;
    let before = server.collection("image_servers").len();
    for (method, path, body, field) in [
        ("POST", "/image-servers", json!({"name": 123}), "name"),
        (
            "POST",
            "/image-servers",
            json!({"name": "has spaces"}),
            "name",
        ),
        ("POST", "/image-servers", json!([1, 2]), "the request body"),
        (
            "POST",
            "/image-servers",
            json!({"root_volume": {"size": "big"}}),
            "root_volume.size",
        ),
        (
            "PATCH",
            "/image-servers/actions/batch-delete",
            json!({"items": "abc"}),
            "items",
        ),
        (
            "PATCH",
            "/image-servers/actions/batch-delete",
            json!({"items": (0..21).map(|n| n.to_string()).collect::<Vec<_>>()}),
            "items",
        ),
        (
            "PATCH",
            "/image-servers/actions/batch-delete",
            json!({"items": []}),
            "items",
        ),
    ] {
        let (status, error) = call(&server, method, path, body.clone()).await;
        assert_eq!(status, 400, "{body}: {error}");
        let message = error["error_msg"].as_str().unwrap();
        assert!(
            message.starts_with(&format!("{field}: ")),
            "{body}: {message}"
        );
    }
    assert_eq!(server.collection("image_servers").len(), before);
}

#[tokio::test]
async fn an_update_changes_what_its_body_may_change_and_not_a_server_being_deleted() {
    let server = fake().await;
    let (status, _) = call(&server, "POST", "/image-servers", json!({"name": "kept"})).await;
    assert_eq!(status, 200);
    let created = newest(&server);
    let id = created["id"].as_str().unwrap().to_owned();
    let path = format!("/image-servers/{id}");

    // `status`, `id` and fields the request schema does not name are not the caller's to set.
    let (status, _) = call(
        &server,
        "PATCH",
        &path,
        json!({"name": "renamed", "description": "new", "status": "DELETED", "id": "other", "bogus": {"x": 1}}),
    )
    .await;
    assert_eq!(status, 200);
    let (_, now) = call(&server, "GET", &path, Value::Null).await;
    assert_eq!(now["name"], "renamed");
    assert_eq!(now["description"], "new");
    assert_eq!(now["id"], id.as_str());
    assert_eq!(now["status"], created["status"]);
    assert!(now.get("bogus").is_none(), "{now}");

    // Deleting: DELETING for an hour here; an update is refused meanwhile.
    let (status, _) = call(
        &server,
        "PATCH",
        "/image-servers/actions/batch-delete",
        json!({"items": [id]}),
    )
    .await;
    assert_eq!(status, 200);
    let (status, error) = call(&server, "PATCH", &path, json!({"name": "late"})).await;
    assert_eq!(status, 409, "{error}");
}

#[tokio::test]
async fn seeds_need_a_string_id_of_their_own() {
    let server = fake().await;
    let id = newest(&server)["id"].clone();
    let seed = |item: Value| {
        let url = format!("{}/__fake/collections/image_servers", server.base_url());
        async move {
            common::client()
                .post(url)
                .body(item.to_string())
                .send()
                .await
                .unwrap()
                .status()
                .as_u16()
        }
    };
    assert_eq!(seed(json!({"id": id, "name": "duplicate"})).await, 400);
    assert_eq!(seed(json!({"id": 5, "name": "number"})).await, 400);
    assert_eq!(seed(json!({"id": "", "name": "empty"})).await, 400);
    assert_eq!(seed(json!({"id": "fresh", "name": "new"})).await, 201);
    let refused = FakeServer::start(FakeConfig {
        seed_items: vec![
            ("image_servers".into(), json!({"id": "s-1"})),
            ("image_servers".into(), json!({"id": "s-1"})),
        ],
        ..FakeConfig::default()
    })
    .await;
    assert!(refused.is_err(), "two seeds with one id");
}
