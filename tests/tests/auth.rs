//! Authentication against the fake's own signature check: AK/SK, temporary AK/SK, IAM tokens,
//! refusals, and secrets kept out of every `Debug`, error and trace.

mod common;

use common::*;
use huaweicloud_images::{Client, Credentials, Error, RetryPolicy};
use huaweicloud_images_fake::signing::{Authorization, authorize};
use huaweicloud_images_fake::{
    FAKE_AK, FAKE_SK, FAKE_TOKEN, FakeConfig, FakeServer, Fault, FaultScope,
};

const OTHER_AK: &str = "OTHERAK0E2E0TESTS";
const OTHER_SK: &str = "otherSecretKeyValue0E2E0never0shown";
const SECURITY_TOKEN: &str = "stsSecurityToken0E2E0never0shown";
const OTHER_TOKEN: &str = "iamTokenValue0E2E0never0shown";
const WRONG_SK: &str = "wrongSecretKeyValue0E2E0never0shown";

/// A fake accepting the default pair, [`OTHER_AK`]/[`OTHER_SK`], and both tokens.
async fn start_with_other_credentials() -> FakeServer {
    let mut config = FakeConfig::default();
    config.credentials.push((OTHER_AK.into(), OTHER_SK.into()));
    config.tokens.push(OTHER_TOKEN.into());
    start(config).await
}

fn client_with(fake: &FakeServer, credentials: Credentials) -> Client {
    builder(fake).credentials(credentials).build().unwrap()
}

/// Calls the four operations once each; all must succeed.
async fn call_all(fake: &FakeServer, client: &Client) {
    let server_id = fake.data().image_servers[0].id.clone();
    let dev_id = fake.data().dev_server_images[0].image_id.clone();
    client.image_servers().list().send().await.unwrap();
    client.image_servers().get(&server_id).await.unwrap();
    client.images().list().send().await.unwrap();
    client.dev_server_images().get(&dev_id).await.unwrap();
}

#[tokio::test]
async fn every_operation_accepts_the_signature_of_any_configured_key_pair() {
    let fake = start_with_other_credentials().await;
    let client = client_with(&fake, Credentials::ak_sk(OTHER_AK, OTHER_SK).unwrap());
    call_all(&fake, &client).await;
    let requests = fake.requests();
    assert_eq!(requests.len(), 4);
    for request in &requests {
        assert!(request.auth_passed, "{request:?}");
        assert_eq!(request.status, Some(200));
        let auth = Authorization::parse(request.header("authorization").unwrap()).unwrap();
        assert_eq!(auth.access, OTHER_AK);
    }
}

#[tokio::test]
async fn temporary_credentials_send_a_signed_security_token() {
    let fake = start_default().await;
    let credentials = Credentials::ak_sk(FAKE_AK, FAKE_SK)
        .unwrap()
        .with_security_token(SECURITY_TOKEN)
        .unwrap();
    assert!(credentials.is_temporary());
    call_all(&fake, &client_with(&fake, credentials)).await;
    let requests = fake.requests();
    assert_eq!(requests.len(), 4);
    for request in &requests {
        assert_signed(request);
        assert_eq!(
            request.header("x-security-token"),
            Some("***"),
            "sent (masked by the fake)"
        );
        let auth = Authorization::parse(request.header("authorization").unwrap()).unwrap();
        assert!(
            auth.signed_headers.iter().any(|h| h == "x-security-token"),
            "{auth:?}"
        );
    }
}

#[tokio::test]
async fn an_iam_token_is_sent_as_x_auth_token_without_a_signature() {
    let fake = start_default().await;
    let client = client_with(&fake, Credentials::token(FAKE_TOKEN).unwrap());
    call_all(&fake, &client).await;
    for request in fake.requests() {
        assert!(request.auth_passed, "{request:?}");
        assert_eq!(request.status, Some(200));
        assert_eq!(
            request.header("x-auth-token"),
            Some("***"),
            "sent (masked by the fake)"
        );
        assert_eq!(request.header("authorization"), None);
        assert_eq!(request.header("x-project-id"), Some(PROJECT));
        assert_eq!(request.header("api-version"), None);
    }
}

#[tokio::test]
async fn an_iam_token_request_encodes_spaces_as_percent_20() {
    let fake = start_default().await;
    let client = client_with(&fake, Credentials::token(FAKE_TOKEN).unwrap());
    let page = client
        .image_servers()
        .list()
        .server_name("image instance")
        .send()
        .await
        .unwrap();
    let requests = fake.requests();
    assert_eq!(
        requests[0].query.as_deref(),
        Some("server_name=image%20instance"),
        "a `+` is a literal plus to the gateway"
    );
    assert_eq!(
        page.count,
        Some(1),
        "the filter reached the service as sent"
    );
}

#[tokio::test]
async fn a_wrong_secret_key_is_refused_with_the_gateway_error_and_not_retried() {
    let fake = start_default().await;
    let client = client_with(&fake, Credentials::ak_sk(FAKE_AK, WRONG_SK).unwrap());
    let error = client.images().list().send().await.unwrap_err();
    let api = error.as_api().unwrap_or_else(|| panic!("{error:?}"));
    let requests = fake.requests();
    assert_eq!(requests.len(), 1, "401 is not retried");
    assert!(!requests[0].auth_passed);
    assert_eq!(requests[0].status, Some(401));
    assert_eq!(api.status, 401);
    assert_eq!(api.operation, "ListImages");
    assert_eq!(api.error_code.as_deref(), Some("APIGW.0301"));
    assert!(
        api.error_msg.as_deref().unwrap().contains("signature"),
        "{api:?}"
    );
    assert_eq!(
        api.request_id.as_deref(),
        Some(requests[0].request_id.as_str())
    );
    assert!(!error.is_retryable());
    assert_eq!(error.status(), Some(401));
    let shown = error.to_string();
    assert!(
        shown.contains("APIGW.0301") && shown.contains(&requests[0].request_id),
        "{shown}"
    );
}

#[tokio::test]
async fn an_unknown_access_key_or_token_is_refused() {
    let fake = start_default().await;
    let unknown_ak = client_with(&fake, Credentials::ak_sk(OTHER_AK, OTHER_SK).unwrap());
    let error = unknown_ak.image_servers().list().send().await.unwrap_err();
    assert_eq!(error.status(), Some(401));
    assert_eq!(
        error.as_api().unwrap().error_code.as_deref(),
        Some("APIGW.0301")
    );

    let unknown_token = client_with(&fake, Credentials::token(OTHER_TOKEN).unwrap());
    let error = unknown_token
        .image_servers()
        .list()
        .send()
        .await
        .unwrap_err();
    assert_eq!(error.status(), Some(401));
    assert_eq!(
        error.as_api().unwrap().error_code.as_deref(),
        Some("APIGW.0301")
    );
    assert!(fake.requests().iter().all(|r| !r.auth_passed));
}

#[tokio::test]
async fn the_user_agent_is_sent_and_signed() {
    let fake = start_default().await;
    client(&fake).images().list().send().await.unwrap();
    let custom = builder(&fake)
        .user_agent("my-app/1.2 (e2e)")
        .build()
        .unwrap();
    custom.images().list().send().await.unwrap();
    let requests = fake.requests();
    let agent = |i: usize| requests[i].header("user-agent").unwrap().to_owned();
    assert!(
        agent(0).starts_with("huaweicloud-images-rust/"),
        "{}",
        agent(0)
    );
    assert_eq!(agent(1), "my-app/1.2 (e2e)");
    for request in &requests {
        assert_signed(request);
        let auth = Authorization::parse(request.header("authorization").unwrap()).unwrap();
        assert!(
            auth.signed_headers.iter().any(|h| h == "user-agent"),
            "{auth:?}"
        );
    }
}

#[test]
fn unusable_credentials_are_refused_without_showing_them() {
    let cases: [(Result<Credentials, Error>, &str); 4] = [
        (Credentials::ak_sk("", OTHER_SK), "ak"),
        (Credentials::ak_sk(OTHER_AK, "secret with space"), "sk"),
        (Credentials::token("token\nwith newline"), "auth_token"),
        (
            Credentials::ak_sk(OTHER_AK, OTHER_SK)
                .unwrap()
                .with_security_token("tök"),
            "security_token",
        ),
    ];
    for (result, field) in cases {
        let error = result.unwrap_err();
        assert!(
            matches!(&error, Error::InvalidInput { field: f, .. } if *f == field),
            "{error:?}"
        );
        let shown = format!("{error} {error:?}");
        for secret in ["secret with space", "token\nwith newline", "tök", OTHER_SK] {
            assert!(!shown.contains(secret), "{shown}");
        }
    }
}

#[tokio::test]
async fn the_project_id_variable_applies_to_credentials_from_the_profile_file() {
    use std::io::Write;

    const ENV_PROJECT: &str = "0123456789abcdef0123456789abcdef";
    let fake = start_default().await;
    let mut file = tempfile::NamedTempFile::new().unwrap();
    write!(file, "[basic]\nak = {FAKE_AK}\nsk = {FAKE_SK}\n").unwrap();
    file.flush().unwrap();
    let env: std::collections::HashMap<String, String> = [
        (
            "HUAWEICLOUD_SDK_CREDENTIALS_FILE",
            file.path().to_str().unwrap(),
        ),
        ("HUAWEICLOUD_SDK_PROJECT_ID", ENV_PROJECT),
    ]
    .into_iter()
    .map(|(name, value)| (name.to_owned(), value.to_owned()))
    .collect();
    let client = Client::builder()
        .with_env(move |name| env.get(name).cloned())
        .load_env()
        .unwrap()
        .endpoint_for_all(fake.base_url())
        .retry(fast_retry())
        .build()
        .unwrap();
    assert_eq!(client.project_id(), Some(ENV_PROJECT));

    client.images().list().send().await.unwrap();
    let requests = fake.requests();
    assert_eq!(requests.len(), 1);
    let request = &requests[0];
    assert!(
        request.auth_passed,
        "signed with the file's AK/SK: {request:?}"
    );
    assert_eq!(request.path, format!("/v2/{ENV_PROJECT}/images"));
    assert_eq!(request.header("x-project-id"), Some(ENV_PROJECT));
    let auth = Authorization::parse(request.header("authorization").unwrap()).unwrap();
    assert_eq!(auth.access, FAKE_AK);
}

/// The signature hex of every request signed with [`OTHER_AK`]/[`OTHER_SK`], recomputed by the
/// fake's own signer from what it received (none of those requests signs a masked header).
fn signatures(fake: &FakeServer) -> Vec<String> {
    fake.requests()
        .iter()
        .filter_map(|request| {
            let auth = Authorization::parse(request.header("authorization")?)?;
            if auth.access != OTHER_AK || !request.auth_passed {
                return None;
            }
            let headers: Vec<(&str, &str)> = auth
                .signed_headers
                .iter()
                .map(|name| (name.as_str(), request.header(name).unwrap()))
                .collect();
            let query = request.query.as_deref().unwrap_or("");
            let value = authorize(
                OTHER_AK,
                OTHER_SK,
                ("GET", &request.path, query),
                &headers,
                b"",
            );
            Some(Authorization::parse(&value)?.signature)
        })
        .collect()
}

/// Whether `text` holds a run of at least 64 hex digits (a signature or a key-sized secret).
fn has_long_hex_run(text: &str) -> bool {
    text.split(|c: char| !c.is_ascii_hexdigit())
        .any(|run| run.len() >= 64)
}

#[tokio::test]
async fn secrets_never_appear_in_debug_errors_or_traces() {
    let capture = Capture::start();

    let fake = start_with_other_credentials().await;
    let signed = client_with(&fake, Credentials::ak_sk(OTHER_AK, OTHER_SK).unwrap());
    let temporary = client_with(
        &fake,
        Credentials::ak_sk(OTHER_AK, OTHER_SK)
            .unwrap()
            .with_security_token(SECURITY_TOKEN)
            .unwrap(),
    );
    let token = client_with(&fake, Credentials::token(OTHER_TOKEN).unwrap());
    let wrong = client_with(&fake, Credentials::ak_sk(OTHER_AK, WRONG_SK).unwrap());
    let no_retries = builder(&fake)
        .credentials(Credentials::ak_sk(OTHER_AK, OTHER_SK).unwrap())
        .retry(RetryPolicy::disabled())
        .build()
        .unwrap();

    let mut shown = vec![
        format!("{signed:?}"),
        format!("{temporary:?}"),
        format!("{token:?}"),
        format!("{wrong:?}"),
        format!(
            "{:?}",
            builder(&fake).credentials(Credentials::token(OTHER_TOKEN).unwrap())
        ),
    ];
    let mut errors: Vec<Error> = Vec::new();
    for client in [&signed, &temporary, &token] {
        call_all(&fake, client).await;
        errors.push(
            client
                .image_servers()
                .get("no-such-server")
                .await
                .unwrap_err(),
        );
    }
    errors.push(wrong.images().list().send().await.unwrap_err());
    fake.inject(Fault::ServiceUnavailable, FaultScope::Next(1), None);
    signed.images().list().send().await.unwrap();
    fake.inject(Fault::BadGatewayHtml, FaultScope::Next(1), None);
    errors.push(no_retries.images().list().send().await.unwrap_err());
    fake.inject(Fault::ConnectionReset, FaultScope::Next(1), None);
    errors.push(no_retries.images().list().send().await.unwrap_err());
    fake.inject(Fault::MalformedJson, FaultScope::Next(1), None);
    errors.push(no_retries.images().list().send().await.unwrap_err());
    for error in &errors {
        shown.push(format!("{error} | {error:?}"));
    }

    let traces = capture.text();
    assert!(
        traces.contains("huaweicloud_images.call"),
        "the facade's spans were captured"
    );
    assert!(
        traces.contains("fake answered"),
        "the fake's events were captured"
    );
    let signatures = signatures(&fake);
    assert!(
        signatures.len() >= 8,
        "{} signatures recomputed",
        signatures.len()
    );
    let secrets = [
        OTHER_SK,
        WRONG_SK,
        SECURITY_TOKEN,
        OTHER_TOKEN,
        FAKE_SK,
        FAKE_TOKEN,
    ];
    shown.push(traces);
    for text in &shown {
        for secret in secrets
            .iter()
            .copied()
            .chain(signatures.iter().map(String::as_str))
        {
            assert!(!text.contains(secret), "{secret} shown in: {text}");
        }
        assert!(!text.contains("Signature="), "{text}");
        assert!(!has_long_hex_run(text), "{text}");
    }
}
