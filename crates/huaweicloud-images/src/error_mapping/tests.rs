use super::*;

/// The operation table's entry named `name`.
fn op(name: &str) -> &'static Operation {
    crate::OPERATIONS
        .into_iter()
        .find(|op| op.name == name)
        .unwrap_or_else(|| panic!("{name} is not in the operation table"))
}

fn record(status: u16, body: &str) -> CallRecord {
    CallRecord {
        status: Some(status),
        request_id: Some("req-1".into()),
        error_body: Some(bytes::Bytes::copy_from_slice(body.as_bytes())),
        ..CallRecord::default()
    }
}

fn api(body: &str) -> ApiError {
    match api_error("ListImages", 400, &record(400, body)) {
        Error::Api(e) => *e,
        other => panic!("{other:?}"),
    }
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
}

#[test]
fn body_request_id_is_used_when_the_header_is_missing() {
    let mut r = record(
        401,
        r#"{"error_code":"APIGW.0301","error_msg":"sig","request_id":"body-id"}"#,
    );
    r.request_id = None;
    let Error::Api(e) = api_error("ListImages", 401, &r) else {
        panic!()
    };
    assert_eq!(e.request_id.as_deref(), Some("body-id"));
    assert!(Error::Api(e).to_string().contains("APIGW.0301"));
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
fn every_documented_error_status_maps_to_an_api_error() {
    use huaweicloud_images_api::progenitor_client::ResponseValue;
    use huaweicloud_images_api::workspace::types::ErrorResponse;

    for (status, retryable) in [
        (400, false),
        (401, false),
        (403, false),
        (404, false),
        (405, false),
        (500, true),
        (503, true),
    ] {
        let body = format!(r#"{{"error_code":"WKS.{status}","error_msg":"m","error_detail":"d"}}"#);
        let mut rec = record(status, &body);
        let documented = GenError::ErrorResponse(ResponseValue::new(
            ErrorResponse::default(),
            reqwest::StatusCode::from_u16(status).unwrap(),
            reqwest::header::HeaderMap::new(),
        ));
        let error = map_error(op("ListImages"), documented, &mut rec, Duration::ZERO);
        let api = error
            .as_api()
            .unwrap_or_else(|| panic!("{status}: {error:?}"));
        assert_eq!(api.status, status);
        assert_eq!(
            api.error_code.as_deref(),
            Some(format!("WKS.{status}").as_str())
        );
        assert_eq!(api.error_detail.as_deref(), Some("d"));
        assert_eq!(error.is_retryable(), retryable, "{status}");
    }
}

#[test]
fn an_undecodable_error_body_keeps_its_status_and_a_2xx_one_is_a_decode_error() {
    let serde_error = serde_json::from_str::<serde_json::Value>("<html>").unwrap_err();
    let mut rec = record(503, "<html>busy</html>");
    let body = bytes::Bytes::from_static(b"<html>busy</html>");
    let error = map_error::<()>(
        op("ListImages"),
        GenError::InvalidResponsePayload(body.clone(), serde_error),
        &mut rec,
        Duration::ZERO,
    );
    assert_eq!(error.status(), Some(503));
    assert_eq!(
        error.as_api().unwrap().raw_body.as_deref(),
        Some("<html>busy</html>")
    );
    let serde_error = serde_json::from_str::<serde_json::Value>("<html>").unwrap_err();
    let mut ok = CallRecord {
        status: Some(200),
        ..CallRecord::default()
    };
    let error = map_error::<()>(
        op("ListImages"),
        GenError::InvalidResponsePayload(body, serde_error),
        &mut ok,
        Duration::ZERO,
    );
    match error {
        Error::Decode {
            status, excerpt, ..
        } => {
            assert_eq!(status, 200);
            assert_eq!(excerpt, "<html>busy</html>");
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn a_refusal_by_the_generated_code_names_its_parameter() {
    let mut rec = CallRecord::default();
    let refused = GenError::<()>::InvalidRequest(
        "conversion to `GetDevServerImageId` for id failed: doesn't match pattern".into(),
    );
    match map_error(op("GetDevServerImage"), refused, &mut rec, Duration::ZERO) {
        Error::InvalidInput { field, reason } => {
            assert_eq!(field, "id");
            assert!(reason.contains("pattern"));
        }
        other => panic!("{other:?}"),
    }
    let header = GenError::<()>::InvalidRequest(
        "conversion to `:: std :: string :: String` for x_auth_token failed".into(),
    );
    match map_error(op("ListImageServers"), header, &mut rec, Duration::ZERO) {
        Error::InvalidInput { field, .. } => assert_eq!(field, "X-Auth-Token"),
        other => panic!("{other:?}"),
    }
    let unknown = GenError::<()>::InvalidRequest("something else".into());
    match map_error(op("ListImages"), unknown, &mut rec, Duration::ZERO) {
        Error::InvalidInput { field, .. } => assert_eq!(field, "request"),
        other => panic!("{other:?}"),
    }
}
