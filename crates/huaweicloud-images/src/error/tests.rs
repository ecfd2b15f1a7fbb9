use super::api::excerpt;
use super::*;

fn headers(request_id: Option<&str>) -> http::HeaderMap {
    let mut headers = http::HeaderMap::new();
    if let Some(id) = request_id {
        headers.insert("x-request-id", id.parse().unwrap());
    }
    headers
}

fn api(body: &str) -> ApiError {
    ApiError::from_answer("ListImages", 400, &headers(Some("req-1")), body.as_bytes())
}

#[test]
fn reads_every_documented_and_official_sdk_shape() {
    let e = api(
        r#"{"error_code":"WKS.0001","error_msg":"bad","error_detail":"d","encoded_authorization_message":"enc"}"#,
    );
    assert_eq!(e.error_code.as_deref(), Some("WKS.0001"));
    assert_eq!(e.error_msg.as_deref(), Some("bad"));
    assert_eq!(e.error_detail.as_deref(), Some("d"));
    assert_eq!(e.encoded_authorization_message.as_deref(), Some("enc"));
    assert_eq!(e.request_id.as_deref(), Some("req-1"), "header wins");
    let e = api(r#"{"errorCode":"X.1","errorMsg":"camel"}"#);
    assert_eq!(
        (e.error_code.as_deref(), e.error_msg.as_deref()),
        (Some("X.1"), Some("camel"))
    );
    let e = api(r#"{"code":401,"message":"plain"}"#);
    assert_eq!(
        (e.error_code.as_deref(), e.error_msg.as_deref()),
        (Some("401"), Some("plain"))
    );
    let e = api(r#"{"error":{"code":"APIGW.0301","message":"nested"}}"#);
    assert_eq!(e.error_code.as_deref(), Some("APIGW.0301"));
    assert_eq!(e.raw_body, None);
}

#[test]
fn keeps_a_non_json_body_and_the_status() {
    let e = api("<html>502 Bad Gateway</html>");
    assert_eq!(e.status, 400);
    assert_eq!(e.raw_body.as_deref(), Some("<html>502 Bad Gateway</html>"));
    assert!(
        Error::Api(Box::new(e))
            .to_string()
            .contains("502 Bad Gateway")
    );
    let e = api(r#"{"unrelated": true}"#);
    assert_eq!(e.raw_body.as_deref(), Some(r#"{"unrelated": true}"#));
    let e = ApiError::from_answer("ListImages", 503, &headers(None), b"");
    assert_eq!((e.raw_body, e.error_code), (None, None));
}

#[test]
fn body_request_id_is_used_when_the_header_is_missing() {
    let e = ApiError::from_answer(
        "ListImages",
        401,
        &headers(None),
        br#"{"error_code":"APIGW.0301","error_msg":"sig","request_id":"body-id"}"#,
    );
    assert_eq!(e.request_id.as_deref(), Some("body-id"));
    assert!(Error::Api(Box::new(e)).to_string().contains("APIGW.0301"));
}

#[test]
fn retry_after_is_read_from_the_headers() {
    let mut h = headers(None);
    h.insert(http::header::RETRY_AFTER, "3".parse().unwrap());
    let e = ApiError::from_answer("ListImages", 429, &h, b"{}");
    assert_eq!(e.retry_after, Some(Duration::from_secs(3)));
}

#[test]
fn excerpts_are_bounded_and_marked() {
    let long = "x".repeat(500);
    let cut = excerpt(long.as_bytes(), 200);
    assert_eq!(cut.chars().count(), 201);
    assert!(cut.ends_with('…'));
    assert_eq!(excerpt("é".as_bytes(), 200), "é");
    assert_eq!(excerpt(&[0xff, b'a'], 200), "\u{fffd}a");
}

#[test]
fn every_documented_error_status_maps_to_an_api_error_retryable_as_classified() {
    for (status, retryable) in [
        (400, false),
        (401, false),
        (403, false),
        (404, false),
        (405, false),
        (408, true),
        (429, true),
        (500, true),
        (502, true),
        (503, true),
        (504, true),
    ] {
        let body = format!(r#"{{"error_code":"WKS.{status}","error_msg":"m","error_detail":"d"}}"#);
        let api = ApiError::from_answer("ListImages", status, &headers(None), body.as_bytes());
        assert_eq!(api.status, status);
        assert_eq!(
            api.error_code.as_deref(),
            Some(format!("WKS.{status}").as_str())
        );
        assert_eq!(api.error_detail.as_deref(), Some("d"));
        let error = Error::Api(Box::new(api));
        assert_eq!(error.status(), Some(status));
        assert_eq!(error.is_retryable(), retryable, "{status}");
    }
}
