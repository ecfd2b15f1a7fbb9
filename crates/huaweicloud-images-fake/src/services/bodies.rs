//! Request bodies checked against what the spec says of them (`spec_table::BodySpec`): a JSON
//! object must parse and hold its required properties (not `null`); a multipart form must parse
//! and hold its required parts; bytes are taken as they come. A body the spec does not require
//! may be absent. What is wrong is a 400 naming it.

use axum::extract::{FromRequest, Request};
use http::header;
use serde_json::Value;

use crate::services::spec_table::{BodyKind, OperationSpec};

/// The most bytes of a body read (the gateway reads no more either).
const MAX_BODY: usize = crate::gateway::admission::MAX_BODY;

/// Checks the body of `request` against `spec`; the error is the 400's message.
pub(super) async fn check_body(spec: &OperationSpec, request: Request) -> Result<(), String> {
    let Some(body) = &spec.body else {
        return Ok(());
    };
    let content_type = request
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_ascii_lowercase();
    let declared_empty = request
        .headers()
        .get(header::CONTENT_LENGTH)
        .is_some_and(|v| v.as_bytes() == b"0");
    match body.kind {
        BodyKind::Json => {
            let bytes = axum::body::to_bytes(request.into_body(), MAX_BODY)
                .await
                .map_err(|_| "the request body could not be read".to_owned())?;
            if bytes.is_empty() {
                return if body.required {
                    Err("the request body is required".to_owned())
                } else {
                    Ok(())
                };
            }
            if !content_type.starts_with("application/json") {
                return Err(format!(
                    "the body must be sent as application/json, not {content_type:?}"
                ));
            }
            let value: Value = serde_json::from_slice(&bytes)
                .map_err(|e| format!("the request body is not JSON: {e}"))?;
            for field in body.fields {
                if value.get(field).is_none_or(Value::is_null) {
                    return Err(format!("{field} is required in the request body"));
                }
            }
            Ok(())
        }
        BodyKind::Multipart => {
            if !content_type.starts_with("multipart/form-data") {
                return if !body.required && declared_empty {
                    Ok(())
                } else {
                    Err(format!(
                        "the body must be sent as multipart/form-data, not {content_type:?}"
                    ))
                };
            }
            let parts = multipart_parts(request).await?;
            for field in body.fields {
                if !parts.iter().any(|(name, _, _)| name == field) {
                    return Err(format!("the form has no part {field}, which is required"));
                }
            }
            Ok(())
        }
        BodyKind::Binary => Ok(()),
    }
}

/// Reads a multipart body (the spec's form) part by part.
async fn multipart_parts(request: Request) -> Result<Vec<(String, Option<String>, usize)>, String> {
    let mut form = axum::extract::Multipart::from_request(request, &())
        .await
        .map_err(|e| format!("the body is not a multipart form: {}", e.body_text()))?;
    let mut parts = Vec::new();
    while let Some(field) = form
        .next_field()
        .await
        .map_err(|e| format!("the multipart form is malformed: {}", e.body_text()))?
    {
        let name = field.name().unwrap_or_default().to_owned();
        let file_name = field.file_name().map(str::to_owned);
        let bytes = field
            .bytes()
            .await
            .map_err(|e| format!("part {name} is malformed: {}", e.body_text()))?;
        parts.push((name, file_name, bytes.len()));
    }
    Ok(parts)
}

#[cfg(test)]
mod tests {
    use axum::body::Body;

    use super::*;
    use crate::services::spec_table::{AnswerKind, BodySpec};

    fn spec(kind: BodyKind, required: bool, fields: &'static [&'static str]) -> OperationSpec {
        OperationSpec {
            method: "POST",
            path: "/v1/{project_id}/things",
            query: &[],
            pagination: None,
            example: None,
            success: 201,
            answer: AnswerKind::Json,
            body: Some(BodySpec {
                kind,
                required,
                fields,
            }),
            response_headers: &[],
            collection: None,
            idempotency_token: None,
        }
    }

    fn request(content_type: Option<&str>, body: &'static [u8]) -> Request {
        let mut builder = Request::builder().method("POST").uri("/v1/p/things");
        if let Some(content_type) = content_type {
            builder = builder.header(header::CONTENT_TYPE, content_type);
        }
        builder
            .header(header::CONTENT_LENGTH, body.len())
            .body(Body::from(body))
            .unwrap()
    }

    #[tokio::test]
    async fn json_bodies_hold_their_required_properties() {
        let json = spec(BodyKind::Json, true, &["name", "size"]);
        let ok = request(Some("application/json"), br#"{"name": "a", "size": 1}"#);
        assert_eq!(check_body(&json, ok).await, Ok(()));
        for (content_type, body, expected) in [
            (
                Some("application/json"),
                &br#"{"name": "a"}"#[..],
                "size is required",
            ),
            (
                Some("application/json"),
                br#"{"name": "a", "size": null}"#,
                "size is required",
            ),
            (Some("application/json"), b"{", "not JSON"),
            (
                Some("text/plain"),
                br#"{"name": "a", "size": 1}"#,
                "application/json",
            ),
            (None, b"", "the request body is required"),
        ] {
            let error = check_body(&json, request(content_type, body))
                .await
                .unwrap_err();
            assert!(error.contains(expected), "{error}");
        }
        let optional = spec(BodyKind::Json, false, &["name"]);
        assert_eq!(check_body(&optional, request(None, b"")).await, Ok(()));
    }

    #[tokio::test]
    async fn forms_hold_their_required_parts() {
        let form = spec(BodyKind::Multipart, true, &["file"]);
        let body = b"--XyZ\r\nContent-Disposition: form-data; name=\"file\"; filename=\"a.txt\"\r\n\r\nhello\r\n--XyZ--\r\n";
        let ok = request(Some("multipart/form-data; boundary=XyZ"), body);
        assert_eq!(check_body(&form, ok).await, Ok(()));
        let other =
            b"--XyZ\r\nContent-Disposition: form-data; name=\"note\"\r\n\r\nhi\r\n--XyZ--\r\n";
        let error = check_body(
            &form,
            request(Some("multipart/form-data; boundary=XyZ"), other),
        )
        .await
        .unwrap_err();
        assert!(error.contains("no part file"), "{error}");
        let error = check_body(&form, request(Some("application/json"), b"{}"))
            .await
            .unwrap_err();
        assert!(error.contains("multipart/form-data"), "{error}");
        let broken = check_body(
            &form,
            request(
                Some("multipart/form-data; boundary=XyZ"),
                b"--XyZ\r\nno end",
            ),
        )
        .await
        .unwrap_err();
        assert!(
            broken.contains("malformed") || broken.contains("multipart"),
            "{broken}"
        );
        let optional = spec(BodyKind::Multipart, false, &[]);
        assert_eq!(check_body(&optional, request(None, b"")).await, Ok(()));
    }
}
