//! AK/SK signatures (including the official Python signer's vectors), clock skew and tokens.

mod common;

use std::time::Duration;

use common::*;
use http::{HeaderMap, HeaderName, HeaderValue};
use huaweicloud_images_fake::auth::{
    AuthError, AuthRequest, Authenticated, Verifier, parse_sdk_date,
};
use huaweicloud_images_fake::signing::{self, SignedRequest};
use huaweicloud_images_fake::{FAKE_AK, FAKE_SK, FakeConfig};
use serde_json::Value;

const VECTORS: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../huaweicloud-images/tests/fixtures/signing_vectors.json"
);

struct Vector {
    name: String,
    ak: String,
    sk: String,
    method: String,
    authority: String,
    path: String,
    /// `(name, value)` to send: the vector's headers, then `host` and any other header the signer
    /// added (taken from the expected canonical request), then `authorization`.
    headers: Vec<(String, String)>,
    body: String,
    expected: Value,
}

fn vectors() -> Vec<Vector> {
    let text = std::fs::read_to_string(VECTORS).expect("the signing vectors fixture");
    let file: Value = serde_json::from_str(&text).unwrap();
    let mut all: Vec<Value> = file["vectors"].as_array().unwrap().clone();
    all.push(file["go_sdk_vector"].clone());
    all.into_iter().map(vector).collect()
}

fn vector(v: Value) -> Vector {
    let text = |key: &str| v[key].as_str().unwrap().to_owned();
    let url = text("url");
    let (_, rest) = url.split_once("://").unwrap();
    let (authority, path_query) = rest.split_at(rest.find('/').unwrap());
    let path = path_query
        .split_once('?')
        .map_or(path_query, |(path, _)| path)
        .to_owned();
    let expected = v["expected"].clone();
    let mut headers: Vec<(String, String)> = v["headers"]
        .as_object()
        .unwrap()
        .iter()
        .map(|(name, value)| (name.clone(), value.as_str().unwrap().to_owned()))
        .collect();
    let canonical = expected["canonical_request"].as_str().unwrap();
    let signed = expected["signed_headers"].as_str().unwrap();
    for name in signed.split(';') {
        if !headers
            .iter()
            .any(|(present, _)| present.eq_ignore_ascii_case(name))
        {
            let prefix = format!("\n{name}:");
            let start = canonical.find(&prefix).unwrap() + prefix.len();
            let value = canonical[start..].split('\n').next().unwrap();
            headers.push((name.to_owned(), value.to_owned()));
        }
    }
    headers.push((
        "authorization".into(),
        expected["authorization"].as_str().unwrap().to_owned(),
    ));
    Vector {
        name: text("name"),
        ak: text("ak"),
        sk: text("sk"),
        method: text("method"),
        authority: authority.to_owned(),
        path,
        headers,
        body: text("body"),
        expected,
    }
}

impl Vector {
    fn expected(&self, key: &str) -> &str {
        self.expected[key].as_str().unwrap()
    }

    fn header_map(&self, authorization: &str) -> HeaderMap {
        let mut map = HeaderMap::new();
        for (name, value) in &self.headers {
            let value = if name == "authorization" {
                authorization
            } else {
                value
            };
            let name = HeaderName::from_bytes(name.as_bytes()).unwrap();
            map.append(name, HeaderValue::from_bytes(value.as_bytes()).unwrap());
        }
        map
    }

    fn check(&self, authorization: &str) -> Result<Authenticated, AuthError> {
        let verifier = Verifier::new(
            &[(self.ak.clone(), self.sk.clone())],
            &[],
            Duration::from_secs(900),
        );
        let headers = self.header_map(authorization);
        let date = headers["x-sdk-date"].to_str().unwrap();
        let request = AuthRequest {
            method: &self.method,
            raw_path: &self.path,
            raw_query: self.expected("canonical_query"),
            headers: &headers,
            body: self.body.as_bytes(),
        };
        verifier.verify(&request, parse_sdk_date(date).unwrap())
    }
}

/// Flips one hex digit of the `Signature=` value.
fn tampered(authorization: &str) -> String {
    let last = authorization.chars().last().unwrap();
    let flipped = if last == '0' { '1' } else { '0' };
    format!("{}{flipped}", &authorization[..authorization.len() - 1])
}

#[test]
fn the_official_python_signers_vectors_are_accepted_and_tampering_rejected() {
    let vectors = vectors();
    assert!(vectors.len() >= 30, "only {} vectors", vectors.len());
    for v in &vectors {
        let authorization = v.expected("authorization");
        assert_eq!(
            v.check(authorization),
            Ok(Authenticated::AccessKey(v.ak.clone())),
            "{}",
            v.name
        );
        assert_eq!(
            v.check(&tampered(authorization)),
            Err(AuthError::BadSignature),
            "{}",
            v.name
        );

        assert_eq!(
            signing::canonical_uri(&v.path),
            v.expected("canonical_uri"),
            "{}",
            v.name
        );
        let signed: Vec<(String, String)> = v
            .expected("signed_headers")
            .split(';')
            .map(|name| {
                let (_, value) = v
                    .headers
                    .iter()
                    .find(|(n, _)| n.eq_ignore_ascii_case(name))
                    .unwrap();
                (name.to_owned(), value.clone())
            })
            .collect();
        let content_sha256 = signed
            .iter()
            .find(|(n, _)| n == "x-sdk-content-sha256")
            .map(|(_, v)| v.as_str());
        let hash = signing::payload_hash(v.body.as_bytes(), content_sha256);
        let canonical = signing::canonical_request(&SignedRequest {
            method: &v.method,
            raw_path: &v.path,
            raw_query: v.expected("canonical_query"),
            signed_headers: &signed,
            payload_hash: &hash,
        });
        assert_eq!(canonical, v.expected("canonical_request"), "{}", v.name);
    }
}

/// The official signer's requests of the spec's operations (`op_…`), sent with their method and
/// body: the fake accepts each signature and refuses it tampered.
#[tokio::test]
async fn the_python_vectors_of_the_operations_pass_over_http() {
    let operation_vectors: Vec<Vector> = vectors()
        .into_iter()
        .filter(|v| v.name.starts_with("op_"))
        .collect();
    // The four documented operations and the five of the image-server lifecycle.
    assert_eq!(operation_vectors.len(), 9);
    for v in operation_vectors {
        let config = FakeConfig {
            credentials: vec![(v.ak.clone(), v.sk.clone())],
            max_clock_skew: Duration::from_secs(100 * 365 * 24 * 3600),
            ..FakeConfig::default()
        };
        let server = start(config).await;
        let query = v.expected("canonical_query");
        let target = if query.is_empty() {
            v.path.clone()
        } else {
            format!("{}?{query}", v.path)
        };
        let method = reqwest::Method::from_bytes(v.method.as_bytes()).unwrap();
        let send_it = |headers: Vec<(String, String)>| {
            let mut request = common::client()
                .request(method.clone(), format!("{}{target}", server.base_url()))
                .body(v.body.clone());
            for (name, value) in headers {
                request = request.header(name, value);
            }
            request.send()
        };
        let response = send_it(v.headers.clone()).await.unwrap();
        let status = response.status().as_u16();
        // 404: an id the fake does not hold; the signature was accepted first.
        assert!(status == 200 || status == 404, "{}: {status}", v.name);
        let logged = server.requests().pop().unwrap();
        assert!(logged.auth_passed, "{}", v.name);
        assert_eq!(logged.header("host"), Some(v.authority.as_str()));

        let mut bad = v.headers.clone();
        bad.last_mut().unwrap().1 = tampered(v.expected("authorization"));
        let response = send_it(bad).await.unwrap();
        assert_eq!(response.status(), 401, "{}", v.name);
    }
}

async fn signed_status(
    server: &huaweicloud_images_fake::FakeServer,
    sign: &str,
    sent: &str,
    creds: (&str, &str),
    offset: time::Duration,
) -> (u16, Value) {
    let date = sdk_date(offset);
    let headers = signed_headers(server, "GET", sign, creds, &date, &[]);
    let response = send(server, reqwest::Method::GET, sent, &headers).await;
    let status = response.status().as_u16();
    let request_id = response.headers()["x-request-id"]
        .to_str()
        .unwrap()
        .to_owned();
    let body: Value = response.json().await.unwrap();
    if status == 401 {
        assert_eq!(body["request_id"], request_id);
    }
    (status, body)
}

#[tokio::test]
async fn signatures_accepted_and_rejected_over_http() {
    let server = start(FakeConfig::default()).await;
    let ok = (FAKE_AK, FAKE_SK);
    let now = time::Duration::ZERO;
    let path = format!("{}?limit=5&server_name=test%20instance", servers_path());
    assert_eq!(signed_status(&server, &path, &path, ok, now).await.0, 200);
    assert_eq!(signed_get(&server, &images_path()).await.status(), 200);

    let (status, body) = signed_status(&server, &path, &path, (FAKE_AK, "wrong-sk"), now).await;
    assert_eq!(
        (status, body["error_code"].as_str()),
        (401, Some("APIGW.0301"))
    );
    assert_eq!(
        body["error_msg"],
        "Incorrect IAM authentication information: verify aksk signature fail"
    );

    let (status, body) = signed_status(&server, &path, &path, ("NOPE", FAKE_SK), now).await;
    assert_eq!(status, 401);
    assert_eq!(
        body["error_msg"],
        "Incorrect IAM authentication information: ak NOPE not exist"
    );

    let tampered = format!("{}?limit=6&server_name=test%20instance", servers_path());
    assert_eq!(
        signed_status(&server, &path, &tampered, ok, now).await.0,
        401
    );

    // The classic mistake: a `+` on the wire for a space that was signed as `%20`.
    let plus = format!("{}?server_name=test+instance", servers_path());
    let pct20 = format!("{}?server_name=test%20instance", servers_path());
    assert_eq!(signed_status(&server, &pct20, &plus, ok, now).await.0, 401);
    assert_eq!(signed_status(&server, &plus, &plus, ok, now).await.0, 200);

    let unsigned = send(&server, reqwest::Method::GET, &servers_path(), &[]).await;
    assert_eq!(unsigned.status(), 401);
    let body: Value = unsigned.json().await.unwrap();
    assert_eq!(body["error_code"], "APIGW.0301");

    let log = server.requests();
    let passed: Vec<bool> = log.iter().map(|r| r.auth_passed).collect();
    assert_eq!(
        passed,
        [true, true, false, false, false, false, true, false]
    );
    assert!(log.iter().all(|r| r.operation.is_some()));
}

#[tokio::test]
async fn x_sdk_date_beyond_fifteen_minutes_is_refused() {
    let server = start(FakeConfig::default()).await;
    let ok = (FAKE_AK, FAKE_SK);
    let path = images_path();
    for minutes in [-20, 20, -60 * 24] {
        let (status, body) =
            signed_status(&server, &path, &path, ok, time::Duration::minutes(minutes)).await;
        assert_eq!(
            (status, body["error_code"].as_str()),
            (401, Some("APIGW.0303")),
            "{minutes} min"
        );
    }
    for minutes in [-10, 10] {
        assert_eq!(
            signed_status(&server, &path, &path, ok, time::Duration::minutes(minutes))
                .await
                .0,
            200
        );
    }
}

#[tokio::test]
async fn tokens_are_accepted_when_configured() {
    let config = FakeConfig {
        tokens: vec!["t-one".into(), "t-two".into()],
        ..FakeConfig::default()
    };
    let server = start(config).await;
    for (token, expected) in [
        ("t-one", 200),
        ("t-two", 200),
        ("t-three", 401),
        (huaweicloud_images_fake::FAKE_TOKEN, 401),
    ] {
        let headers = [("x-auth-token".to_owned(), token.to_owned())];
        let response = send(&server, reqwest::Method::GET, &images_path(), &headers).await;
        assert_eq!(response.status(), expected, "{token}");
        if expected == 401 {
            let body: Value = response.json().await.unwrap();
            assert_eq!(
                body["error_msg"],
                "Incorrect IAM authentication information: decrypt token fail"
            );
        }
    }
    assert_eq!(
        token_get(&start(FakeConfig::default()).await, &images_path())
            .await
            .status(),
        200
    );
}
