//! Request bodies checked against what the spec says of them (`spec_table::BodySpec`): a JSON
//! body must parse, hold its required properties (not `null`) and validate against its schema
//! (types, lengths, patterns, ranges, item counts, enum values, nested objects: the JSON Schema
//! the xtask generates from the spec, checked by the `jsonschema` crate); a multipart form must
//! parse and hold its required parts; bytes are taken as they come. A body the spec does not
//! require may be absent. What is wrong is a 400 naming it.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, OnceLock, PoisonError};

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
            match body.schema {
                Some(schema) => validate(schema, &value),
                None => Ok(()),
            }
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
/// The top-level properties a JSON body's schema names (of its named schema at the root), if the
/// operation has such a body: what a remembered write may take from it.
pub(super) fn body_properties(spec: &OperationSpec) -> Option<Arc<[String]>> {
    let schema = spec.body.as_ref()?.schema?;
    compiled(schema).ok()?.properties.clone()
}

/// `value` against the JSON Schema document `schema`: the first violation, naming the field
/// (`root_volume.size: 0 is less than the minimum of 1`).
fn validate(schema: &'static str, value: &Value) -> Result<(), String> {
    let compiled = compiled(schema)?;
    match compiled.validator.iter_errors(value).next() {
        None => Ok(()),
        Some(error) => {
            let path = error.instance_path.to_string();
            let field = path.trim_start_matches('/').replace('/', ".");
            let field = if field.is_empty() {
                "the request body".to_owned()
            } else {
                field
            };
            Err(format!("{field}: {error}"))
        }
    }
}

/// A body schema read once: its validator and its top-level properties.
struct Compiled {
    validator: jsonschema::Validator,
    /// `None` when the root schema lists no properties (a free-form object).
    properties: Option<Arc<[String]>>,
}

/// `schema` compiled, once (the schemas are the generated table's statics).
fn compiled(schema: &'static str) -> Result<Arc<Compiled>, String> {
    static COMPILED: OnceLock<Mutex<HashMap<usize, Arc<Compiled>>>> = OnceLock::new();
    let key = schema.as_ptr() as usize;
    let cache = COMPILED.get_or_init(Mutex::default);
    if let Some(compiled) = cache
        .lock()
        .unwrap_or_else(PoisonError::into_inner)
        .get(&key)
    {
        return Ok(compiled.clone());
    }
    let document: Value = serde_json::from_str(schema)
        .map_err(|e| format!("the fake's schema of this body is not JSON: {e}"))?;
    let validator = jsonschema::options()
        .should_validate_formats(false)
        .build(&document)
        .map_err(|e| format!("the fake's schema of this body does not compile: {e}"))?;
    let root = match document
        .get("$ref")
        .and_then(Value::as_str)
        .and_then(|r| r.strip_prefix('#'))
    {
        Some(pointer) => document.pointer(pointer).unwrap_or(&Value::Null),
        None => &document,
    };
    let properties = root
        .get("properties")
        .and_then(Value::as_object)
        .map(|properties| properties.keys().cloned().collect());
    let compiled = Arc::new(Compiled {
        validator,
        properties,
    });
    cache
        .lock()
        .unwrap_or_else(PoisonError::into_inner)
        .insert(key, compiled.clone());
    Ok(compiled)
}

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
                schema: None,
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
    async fn json_bodies_validate_against_their_schema_naming_the_field() {
        const SCHEMA: &str = r##"{"$ref": "#/components/schemas/Req", "components": {"schemas": {
            "Req": {"type": "object", "properties": {
                "name": {"type": "string", "pattern": "^[\\u4e00-\\u9fa5A-Za-z0-9_-]{1,64}$"},
                "items": {"type": "array", "minItems": 1, "maxItems": 2, "items": {"type": "string"}},
                "volume": {"allOf": [{"$ref": "#/components/schemas/Volume"}]}}},
            "Volume": {"type": "object", "properties": {
                "size": {"type": "integer", "minimum": 1},
                "type": {"type": ["string", "null"], "enum": ["SSD", "SAS", null]}}}}}}"##;
        let mut with_schema = spec(BodyKind::Json, true, &[]);
        if let Some(body) = &mut with_schema.body {
            body.schema = Some(SCHEMA);
        }
        let check = |body: &'static [u8]| {
            let spec = &with_schema;
            async move { check_body(spec, request(Some("application/json"), body)).await }
        };
        assert_eq!(check(br#"{"name": "ok_1", "items": ["a"]}"#).await, Ok(()));
        assert_eq!(check(br#"{"name": "\u597d"}"#).await, Ok(()));
        assert_eq!(
            check(br#"{"volume": {"size": 3, "type": null}}"#).await,
            Ok(())
        );
        for (body, field) in [
            (&br#"{"name": "has spaces"}"#[..], "name: "),
            (br#"{"name": 7}"#, "name: "),
            (br#"{"items": []}"#, "items: "),
            (br#"{"items": ["a", "b", "c"]}"#, "items: "),
            (br#"{"items": [1]}"#, "items.0: "),
            (br#"{"volume": {"size": 0}}"#, "volume.size: "),
            (br#"{"volume": {"type": "TAPE"}}"#, "volume.type: "),
            (br#"[1]"#, "the request body: "),
        ] {
            let refused = check(body).await.unwrap_err();
            assert!(
                refused.starts_with(field),
                "{}: {refused}",
                String::from_utf8_lossy(body)
            );
        }
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
