//! Helpers shared by the integration tests: a client, signed and token requests.
#![allow(dead_code)]

use huaweicloud_images_fake::signing::authorize;
use huaweicloud_images_fake::{FAKE_AK, FAKE_SK, FAKE_TOKEN, FakeConfig, FakeServer};
use serde_json::Value;
use time::OffsetDateTime;
use time::macros::format_description;

pub const PROJECT: &str = huaweicloud_images_fake::FAKE_PROJECT_ID;

pub async fn start(config: FakeConfig) -> FakeServer {
    FakeServer::start(config).await.unwrap()
}

pub fn client() -> reqwest::Client {
    reqwest::Client::builder().build().unwrap()
}

/// `X-Sdk-Date` for now plus `offset`.
pub fn sdk_date(offset: time::Duration) -> String {
    let format = format_description!("[year][month][day]T[hour][minute][second]Z");
    (OffsetDateTime::now_utc() + offset)
        .format(&format)
        .unwrap()
}

fn split(path_and_query: &str) -> (&str, &str) {
    path_and_query
        .split_once('?')
        .unwrap_or((path_and_query, ""))
}

/// Headers (with `Authorization`) of a request signed with `ak`/`sk`, signing `host`, `x-sdk-date`
/// and `extra`.
pub fn signed_headers(
    server: &FakeServer,
    method: &str,
    path_and_query: &str,
    (ak, sk): (&str, &str),
    date: &str,
    extra: &[(&str, &str)],
) -> Vec<(String, String)> {
    let host = server.addr().to_string();
    let mut headers: Vec<(&str, &str)> = vec![("host", &host), ("x-sdk-date", date)];
    headers.extend_from_slice(extra);
    let (path, query) = split(path_and_query);
    let authorization = authorize(ak, sk, (method, path, query), &headers, b"");
    let mut out: Vec<(String, String)> = headers
        .iter()
        .map(|(n, v)| (n.to_string(), v.to_string()))
        .collect();
    out.push(("authorization".into(), authorization));
    out
}

pub async fn send(
    server: &FakeServer,
    method: reqwest::Method,
    path_and_query: &str,
    headers: &[(String, String)],
) -> reqwest::Response {
    let mut request = client().request(method, format!("{}{}", server.base_url(), path_and_query));
    for (name, value) in headers {
        request = request.header(name, value);
    }
    request.send().await.unwrap()
}

/// A GET signed with the default AK/SK and the current time.
pub async fn signed_get(server: &FakeServer, path_and_query: &str) -> reqwest::Response {
    let date = sdk_date(time::Duration::ZERO);
    let headers = signed_headers(
        server,
        "GET",
        path_and_query,
        (FAKE_AK, FAKE_SK),
        &date,
        &[],
    );
    send(server, reqwest::Method::GET, path_and_query, &headers).await
}

/// A GET with the default token.
pub async fn token_get(server: &FakeServer, path_and_query: &str) -> reqwest::Response {
    let headers = [("x-auth-token".to_owned(), FAKE_TOKEN.to_owned())];
    send(server, reqwest::Method::GET, path_and_query, &headers).await
}

/// Status and JSON body of a token GET.
pub async fn get_json(server: &FakeServer, path_and_query: &str) -> (u16, Value) {
    let response = token_get(server, path_and_query).await;
    let status = response.status().as_u16();
    (status, response.json().await.unwrap())
}

pub fn servers_path() -> String {
    format!("/v1/{PROJECT}/image-servers")
}

pub fn images_path() -> String {
    format!("/v2/{PROJECT}/images")
}

pub fn dev_image_path(id: &str) -> String {
    format!("/v1/{PROJECT}/dev-servers/images/{id}")
}

/// The `field` of every object of `list`.
pub fn field(list: &Value, field: &str) -> Vec<String> {
    list.as_array()
        .unwrap()
        .iter()
        .map(|item| item[field].as_str().unwrap_or_default().to_owned())
        .collect()
}
