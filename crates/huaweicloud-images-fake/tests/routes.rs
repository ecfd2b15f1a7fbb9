//! Every route, filter, range, default and sort order, and the error bodies.

mod common;

use common::*;
use huaweicloud_images_fake::FakeConfig;
use huaweicloud_images_fake::shapes::{ImageInfo, ImageServer};
use serde_json::{Value, json};

fn json_of<T: serde::Serialize>(items: &[&T]) -> Value {
    serde_json::to_value(items).unwrap()
}

fn keys(body: &Value) -> Vec<&str> {
    let mut keys: Vec<&str> = body
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    keys.sort();
    keys
}

#[tokio::test]
async fn list_image_servers_defaults_and_paging() {
    let server = start(FakeConfig::default()).await;
    let all: Vec<&ImageServer> = server.data().image_servers.iter().collect();
    assert_eq!(all.len(), 28);

    let (status, body) = get_json(&server, &servers_path()).await;
    assert_eq!(status, 200);
    assert_eq!(body["count"], 28);
    assert_eq!(body["items"], json_of(&all[..10]));

    let mut walked = Vec::new();
    for offset in (0..all.len()).step_by(7) {
        let (_, page) = get_json(
            &server,
            &format!("{}?offset={offset}&limit=7", servers_path()),
        )
        .await;
        assert_eq!(page["count"], 28);
        walked.extend(page["items"].as_array().unwrap().iter().cloned());
    }
    assert_eq!(Value::Array(walked), json_of(&all));

    let (_, everything) = get_json(&server, &format!("{}?limit=100", servers_path())).await;
    assert_eq!(everything["items"], json_of(&all));
    let (_, past_end) = get_json(&server, &format!("{}?offset=500", servers_path())).await;
    assert_eq!(
        (past_end["count"].clone(), past_end["items"].clone()),
        (json!(28), json!([]))
    );
    let create_times = field(&everything["items"], "create_time");
    assert!(
        create_times.windows(2).all(|w| w[0] >= w[1]),
        "{create_times:?}"
    );
}

#[tokio::test]
async fn list_image_servers_out_of_range_is_400_with_the_body() {
    let server = start(FakeConfig::default()).await;
    for query in [
        "limit=0",
        "limit=101",
        "limit=-1",
        "offset=-1",
        "limit=ten",
        "limit=",
        "limit=1&limit=2",
    ] {
        let (status, body) = get_json(&server, &format!("{}?{query}", servers_path())).await;
        assert_eq!(status, 400, "{query}");
        assert_eq!(keys(&body), ["error_code", "error_msg"], "{query}");
        assert_eq!(body["error_code"], "WKS.00010400", "{query}");
        assert!(!body["error_msg"].as_str().unwrap().is_empty());
    }
    for query in ["limit=1", "limit=100", "offset=0"] {
        assert_eq!(
            get_json(&server, &format!("{}?{query}", servers_path()))
                .await
                .0,
            200,
            "{query}"
        );
    }
}

#[tokio::test]
async fn list_image_servers_filters() {
    let server = start(FakeConfig::default()).await;
    let data = &server.data().image_servers;
    let list = |query: String| {
        let server = &server;
        async move {
            get_json(server, &format!("{}?limit=100&{query}", servers_path()))
                .await
                .1
        }
    };

    let body = list("server_name=test_instance".into()).await;
    assert_eq!(
        field(&body["items"], "name"),
        ["test_instance_1", "test_instance_2"]
    );
    assert_eq!(body["count"], 2);
    assert_eq!(list("server_name=instance_2".into()).await["count"], 1);
    assert_eq!(list("server_name=TEST_INSTANCE".into()).await["count"], 0);

    let body = list("server_id=627989489700044800".into()).await;
    assert_eq!(field(&body["items"], "name"), ["test_instance_2"]);
    assert_eq!(list("server_id=62798948970004480".into()).await["count"], 0);

    let default_project: Vec<&ImageServer> = data
        .iter()
        .filter(|s| s.enterprise_project_id == "0" || s.enterprise_project_id.is_empty())
        .collect();
    assert!(default_project.len() > 2 && default_project.len() < data.len());
    for value in ["0", ""] {
        let body = list(format!("enterprise_project_id={value}")).await;
        assert_eq!(body["items"], json_of(&default_project), "{value:?}");
    }
    let body = list("enterprise_project_id=xxx-xxx-xx-x-x-xx".into()).await;
    assert_eq!(field(&body["items"], "id"), ["222xx-xxxsdfsadf-xxx"]);
    let other = data
        .iter()
        .map(|s| s.enterprise_project_id.as_str())
        .find(|ep| ep.len() == 36)
        .expect("a generated enterprise project");
    let expected: Vec<&ImageServer> = data
        .iter()
        .filter(|s| s.enterprise_project_id == other)
        .collect();
    assert_eq!(
        list(format!("enterprise_project_id={other}")).await["items"],
        json_of(&expected)
    );
}

#[tokio::test]
async fn show_image_server_and_404() {
    let server = start(FakeConfig::default()).await;
    for stored in &server.data().image_servers {
        let (status, body) = get_json(&server, &format!("{}/{}", servers_path(), stored.id)).await;
        assert_eq!(status, 200);
        assert_eq!(body, serde_json::to_value(stored).unwrap());
    }
    let (_, example) = get_json(&server, &format!("{}/222xx-xxxsdfsadf-xxx", servers_path())).await;
    assert_eq!(
        example["authorize_accounts"][0]["domain"],
        "siv.***.huawei.com"
    );
    assert_eq!(
        example["image_ref"]["spce_code"],
        "78b3e72878a81a9b3bfd2b3c912c0f58"
    );

    let (status, body) = get_json(&server, &format!("{}/no-such-server", servers_path())).await;
    assert_eq!(status, 404);
    assert_eq!(keys(&body), ["error_code", "error_msg"]);
    assert_eq!(body["error_code"], "WKS.00010404");
}

fn images_where(
    server: &huaweicloud_images_fake::FakeServer,
    keep: impl Fn(&ImageInfo) -> bool,
) -> Vec<&ImageInfo> {
    server
        .data()
        .images
        .iter()
        .filter(|image| keep(image))
        .collect()
}

#[tokio::test]
async fn list_images_defaults_and_filters() {
    let server = start(FakeConfig::default()).await;
    let all = images_where(&server, |_| true);
    assert_eq!(all.len(), 32);
    let (status, body) = get_json(&server, &images_path()).await;
    assert_eq!(status, 200);
    assert_eq!(
        (body["total_count"].clone(), body["images"].clone()),
        (json!(32), json_of(&all))
    );
    let names = field(&body["images"], "name");
    assert!(names.windows(2).all(|w| w[0] <= w[1]));

    let cases: Vec<(&str, Vec<&ImageInfo>)> = vec![
        (
            "os_type=Linux",
            images_where(&server, |i| i.os_type == "Linux"),
        ),
        (
            "image_type=private",
            images_where(&server, |i| i.image_type == "private"),
        ),
        (
            "platform=windows",
            images_where(&server, |i| i.os_version.starts_with("Windows ")),
        ),
        (
            "platform=EulerOS",
            images_where(&server, |i| i.os_version.starts_with("EulerOS ")),
        ),
        (
            "architecture=x86",
            images_where(&server, |i| i.architecture.as_deref() == Some("x86")),
        ),
        (
            "package_type=gpu",
            images_where(&server, |i| i.package_type.as_deref() == Some("gpu")),
        ),
        (
            "image_id=d6b368bc-a24d-4fb5-a8fb-727356a53f33",
            images_where(&server, |i| i.name == "Euler_Online_Tenant_vAG"),
        ),
        (
            "image_type=gold&os_type=Linux",
            images_where(&server, |i| i.image_type == "gold" && i.os_type == "Linux"),
        ),
        ("os_type=", all.clone()),
        ("platform=Solaris", Vec::new()),
    ];
    for (query, expected) in cases {
        assert!(
            query.ends_with('=') || expected.len() < all.len(),
            "{query} filters nothing"
        );
        let (status, body) = get_json(&server, &format!("{}?{query}", images_path())).await;
        assert_eq!(status, 200, "{query}");
        assert_eq!(body["total_count"], expected.len(), "{query}");
        assert_eq!(body["images"], json_of(&expected), "{query}");
    }
    let (_, example) = get_json(
        &server,
        &format!(
            "{}?image_id=bef99a44-2b6a-4ef9-b1a2-204a4910e374",
            images_path()
        ),
    )
    .await;
    assert_eq!(
        example["images"][0],
        json!({"id": "bef99a44-2b6a-4ef9-b1a2-204a4910e374", "image_type": "gold", "os_type": "Linux",
               "os_version": "EulerOS 2.5 64bit", "disk_format": "qcow2", "name": "FA-LZ-x86vAG-801temp",
               "min_ram": 0, "min_disk": 60})
    );
}

#[tokio::test]
async fn list_images_sorting_paging_and_limit_zero() {
    let server = start(FakeConfig::default()).await;
    let mut by_name = images_where(&server, |_| true);
    by_name.sort_by(|a, b| (&a.name, &a.id).cmp(&(&b.name, &b.id)));
    let mut by_created = by_name.clone();
    by_created.sort_by(|a, b| (&a.created_at, &a.id).cmp(&(&b.created_at, &b.id)));
    assert_ne!(json_of(&by_name), json_of(&by_created));
    fn reversed<'a>(list: &[&'a ImageInfo]) -> Vec<&'a ImageInfo> {
        list.iter().rev().copied().collect()
    }

    let cases = [
        ("sort_field=name", json_of(&by_name)),
        ("sort_type=asc", json_of(&by_name)),
        (
            "sort_field=name&sort_type=desc",
            json_of(&reversed(&by_name)),
        ),
        ("sort_field=created_at", json_of(&by_created)),
        (
            "sort_field=created_at&sort_type=desc",
            json_of(&reversed(&by_created)),
        ),
    ];
    for (query, expected) in cases {
        let (_, body) = get_json(&server, &format!("{}?{query}", images_path())).await;
        assert_eq!(body["images"], expected, "{query}");
    }
    let created = field(&json_of(&by_created), "created_at");
    assert_eq!(
        created[..2],
        ["", ""],
        "images without created_at sort first"
    );

    let (_, page) = get_json(&server, &format!("{}?offset=30&limit=5", images_path())).await;
    assert_eq!(
        (page["total_count"].clone(), page["images"].clone()),
        (json!(32), json_of(&by_name[30..]))
    );
    let (status, zero) = get_json(&server, &format!("{}?limit=0", images_path())).await;
    assert_eq!(status, 200);
    assert_eq!(
        (zero["total_count"].clone(), zero["images"].clone()),
        (json!(32), json!([]))
    );
}

#[tokio::test]
async fn list_images_bad_values_are_400_with_the_v2_body() {
    let server = start(FakeConfig::default()).await;
    for query in [
        "limit=101",
        "limit=-1",
        "offset=x",
        "sort_field=size",
        "sort_type=DESC",
        "image_id=a&image_id=b",
        // Filters take only their documented values too, like sorting (spec/README.md).
        "os_type=Solaris",
        "image_type=market",
        "architecture=riscv64",
    ] {
        let (status, body) = get_json(&server, &format!("{}?{query}", images_path())).await;
        assert_eq!(status, 400, "{query}");
        assert_eq!(
            keys(&body),
            [
                "encoded_authorization_message",
                "error_code",
                "error_detail",
                "error_msg"
            ]
        );
        assert_eq!(body["error_code"], "WKS.00010400");
    }
}

#[tokio::test]
async fn offsets_beyond_int32_are_400_with_the_documented_bodies() {
    let server = start(FakeConfig::default()).await;
    // The last int32 is a valid (if empty) page.
    let (status, servers) =
        get_json(&server, &format!("{}?offset=2147483647", servers_path())).await;
    assert_eq!(status, 200);
    assert_eq!(
        (servers["count"].clone(), servers["items"].clone()),
        (json!(28), json!([]))
    );
    let (status, images) = get_json(&server, &format!("{}?offset=2147483647", images_path())).await;
    assert_eq!(status, 200);
    assert_eq!(
        (images["total_count"].clone(), images["images"].clone()),
        (json!(32), json!([]))
    );
    for offset in ["2147483648", "4294967296", "18446744073709551615"] {
        let (status, body) =
            get_json(&server, &format!("{}?offset={offset}", servers_path())).await;
        assert_eq!(status, 400, "{offset}");
        assert_eq!(keys(&body), ["error_code", "error_msg"], "{offset}");
        assert_eq!(body["error_code"], "WKS.00010400", "{offset}");
        assert!(
            body["error_msg"].as_str().unwrap().contains("offset"),
            "{body}"
        );

        let (status, body) = get_json(&server, &format!("{}?offset={offset}", images_path())).await;
        assert_eq!(status, 400, "{offset}");
        assert_eq!(
            keys(&body),
            [
                "encoded_authorization_message",
                "error_code",
                "error_detail",
                "error_msg"
            ],
            "{offset}"
        );
        assert_eq!(body["error_code"], "WKS.00010400", "{offset}");
    }
}

#[tokio::test]
async fn get_dev_server_image_patterns_and_404() {
    let server = start(FakeConfig::default()).await;
    assert_eq!(server.data().dev_server_images.len(), 10);
    for stored in &server.data().dev_server_images {
        let (status, body) = get_json(&server, &dev_image_path(&stored.image_id)).await;
        assert_eq!(status, 200);
        assert_eq!(body, serde_json::to_value(stored).unwrap());
        assert_eq!(
            keys(&body),
            ["arch", "image_id", "name", "server_type", "status"]
        );
    }
    let (status, body) = get_json(
        &server,
        &dev_image_path("3b9c8e0e-4c1a-4f55-8d3e-6f0a7d2b9c44"),
    )
    .await;
    assert_eq!(
        (status, body["error_code"].clone()),
        (404, json!("ModelArts.0404"))
    );
    assert_eq!(keys(&body), ["error_code", "error_msg"]);

    for bad in [
        "not-a-uuid",
        "3B9C8E0E-4C1A-4F55-8D3E-6F0A7D2B9C44",
        "3b9c8e0e-4c1a-6f55-8d3e-6f0a7d2b9c44",
        "3b9c8e0e-4c1a-4f55-cd3e-6f0a7d2b9c44",
    ] {
        let (status, body) = get_json(&server, &dev_image_path(bad)).await;
        assert_eq!(
            (status, body["error_code"].clone()),
            (400, json!("ModelArts.0400")),
            "{bad}"
        );
    }
    let id = &server.data().dev_server_images[0].image_id;
    let long = "a".repeat(65);
    for project in ["a_b", long.as_str(), "a.b"] {
        let (status, body) =
            get_json(&server, &format!("/v1/{project}/dev-servers/images/{id}")).await;
        assert_eq!(
            (status, body["error_code"].clone()),
            (400, json!("ModelArts.0400")),
            "{project}"
        );
    }
    let max = "A-9".repeat(21) + "z";
    assert_eq!(
        get_json(&server, &format!("/v1/{max}/dev-servers/images/{id}"))
            .await
            .0,
        200
    );
}

#[tokio::test]
async fn other_methods_are_405_and_unknown_paths_404() {
    let server = start(FakeConfig::default()).await;
    let id = server.data().dev_server_images[0].image_id.clone();
    // The methods a path takes come from the spec (image servers are created and changed too);
    // any other is a 405 naming them.
    let routes = [
        (servers_path(), "WKS.00010405", "GET, POST"),
        (
            format!("{}/627989489700044800", servers_path()),
            "WKS.00010405",
            "GET, PATCH",
        ),
        (images_path(), "WKS.00010405", "GET"),
        (dev_image_path(&id), "ModelArts.0405", "GET"),
    ];
    for (path, code, allowed) in &routes {
        for method in ["POST", "PUT", "DELETE", "PATCH", "HEAD", "OPTIONS"] {
            if allowed.split(", ").any(|m| m == method) {
                continue;
            }
            let method = reqwest::Method::from_bytes(method.as_bytes()).unwrap();
            let response = send(&server, method.clone(), path, &[]).await;
            assert_eq!(response.status(), 405, "{method} {path}");
            assert_eq!(response.headers()["allow"], *allowed);
            if method != reqwest::Method::HEAD {
                let body: Value = response.json().await.unwrap();
                assert_eq!(&body["error_code"], code, "{method} {path}");
            }
        }
    }
    for path in [
        "/",
        "/v3/p/images",
        "/v1/p/image-servers/a/b",
        "/v2/p/images/",
        "/v1/p/dev-servers/images",
    ] {
        let response = token_get(&server, path).await;
        assert_eq!(response.status(), 404, "{path}");
        let request_id = response.headers()["x-request-id"]
            .to_str()
            .unwrap()
            .to_owned();
        let body: Value = response.json().await.unwrap();
        assert_eq!(body["error_code"], "APIGW.0101");
        assert_eq!(body["request_id"], request_id);
    }
}

#[tokio::test]
async fn every_response_has_a_unique_request_id() {
    let server = start(FakeConfig::default()).await;
    let mut ids = std::collections::HashSet::new();
    for path in [
        servers_path(),
        images_path(),
        "/nowhere".to_owned(),
        servers_path(),
    ] {
        let response = token_get(&server, &path).await;
        let id = response.headers()["x-request-id"]
            .to_str()
            .unwrap()
            .to_owned();
        assert_eq!(id.len(), 32);
        assert!(ids.insert(id));
    }
    let logged: Vec<String> = server
        .requests()
        .into_iter()
        .map(|r| r.request_id)
        .collect();
    assert_eq!(logged.len(), 4);
    assert!(logged.iter().all(|id| ids.contains(id)));
}

#[tokio::test]
async fn configured_project_and_x_project_id_are_enforced() {
    let config = FakeConfig {
        project_id: Some(PROJECT.to_owned()),
        ..FakeConfig::default()
    };
    let server = start(config).await;
    assert_eq!(get_json(&server, &servers_path()).await.0, 200);
    let (status, body) = get_json(&server, "/v1/other-project/image-servers").await;
    assert_eq!(
        (status, body["error_code"].clone()),
        (403, json!("WKS.00010403"))
    );
    let (status, body) = get_json(&server, "/v2/other-project/images").await;
    assert_eq!(status, 403);
    assert!(body.get("error_detail").is_some());

    let open = start(FakeConfig::default()).await;
    assert_eq!(
        get_json(&open, "/v1/any-project/image-servers").await.0,
        200
    );
    let date = sdk_date(time::Duration::ZERO);
    let creds = (
        huaweicloud_images_fake::FAKE_AK,
        huaweicloud_images_fake::FAKE_SK,
    );
    let path = servers_path();
    let matching = signed_headers(
        &open,
        "GET",
        &path,
        creds,
        &date,
        &[("x-project-id", PROJECT)],
    );
    assert_eq!(
        send(&open, reqwest::Method::GET, &path, &matching)
            .await
            .status(),
        200
    );
    let wrong = signed_headers(
        &open,
        "GET",
        &path,
        creds,
        &date,
        &[("x-project-id", "someone-else")],
    );
    assert_eq!(
        send(&open, reqwest::Method::GET, &path, &wrong)
            .await
            .status(),
        403
    );
}

#[tokio::test]
async fn unknown_enum_values_and_fields_on_request() {
    let config = FakeConfig {
        include_unknown_enum_values: true,
        include_unknown_fields: true,
        ..Default::default()
    };
    let server = start(config).await;
    let (_, body) = get_json(&server, &format!("{}?limit=100", servers_path())).await;
    let statuses = field(&body["items"], "status");
    assert!(statuses.contains(&"MIGRATING".to_owned()) && statuses.contains(&"null".to_owned()));
    assert!(
        body["items"]
            .as_array()
            .unwrap()
            .iter()
            .all(|item| item["x_fake_future_field"].is_string())
    );
    // Served, though a filter by the unlisted value is refused (only documented values are).
    let (_, images) = get_json(&server, &format!("{}?limit=100", images_path())).await;
    let odd: Vec<&serde_json::Value> = images["images"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|i| i["os_type"] == "FreeBSD")
        .collect();
    assert_eq!(odd.len(), 1);
    assert_eq!(odd[0]["x_fake_future_object"]["nested"], json!([1, 2, 3]));
    let (status, refused) = get_json(&server, &format!("{}?os_type=FreeBSD", images_path())).await;
    assert_eq!(status, 400);
    assert_eq!(refused["error_code"], "WKS.00010400");
    let unknown = server
        .data()
        .dev_server_images
        .iter()
        .find(|d| d.status == "FROZEN")
        .unwrap();
    let (status, dev) = get_json(&server, &dev_image_path(&unknown.image_id)).await;
    assert_eq!(
        (status, dev["server_type"].clone()),
        (200, json!("SUPERPOD"))
    );

    let plain = start(FakeConfig::default()).await;
    let (_, body) = get_json(&plain, &format!("{}?limit=100", servers_path())).await;
    assert!(!field(&body["items"], "status").contains(&"MIGRATING".to_owned()));
    assert!(body["items"][0].get("x_fake_future_field").is_none());
}

#[tokio::test]
async fn same_seed_same_bytes_over_http() {
    let body = |seed| async move {
        let server = start(FakeConfig {
            seed,
            ..FakeConfig::default()
        })
        .await;
        let mut bytes = Vec::new();
        for path in [format!("{}?limit=100", servers_path()), images_path()] {
            bytes.extend(token_get(&server, &path).await.bytes().await.unwrap());
        }
        bytes
    };
    let first = body(42).await;
    assert_eq!(first, body(42).await);
    assert_ne!(first, body(43).await);
}
