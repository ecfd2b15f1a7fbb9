//! Every response example of the documents (as transcribed into `spec/`) deserializes into the
//! generated models without losing a field, validates against the model's JSON schema, and is
//! snapshotted as the typed value, so a spec or generator change shows up as a readable diff.

mod common;

use huaweicloud_images_api::{modelarts, workspace, workspaceapp};
use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::Value;

/// Deserializes `value` as `T`, checks that serializing it back gives the same JSON (no field
/// dropped or renamed), validates it against `T`'s JSON schema, and returns the typed Debug text.
fn typed<T: DeserializeOwned + Serialize + schemars::JsonSchema + std::fmt::Debug>(
    value: &Value,
) -> String {
    let typed: T = serde_json::from_value(value.clone()).expect("example deserializes");
    let back = serde_json::to_value(&typed).expect("serializes");
    assert_eq!(
        &back, value,
        "round trip of the example lost or changed something"
    );
    let schema = serde_json::to_value(schemars::schema_for!(T)).expect("schema as JSON");
    let validator = jsonschema::validator_for(&schema).expect("schema compiles");
    let errors: Vec<String> = validator
        .iter_errors(value)
        .map(|e| e.to_string())
        .collect();
    assert!(
        errors.is_empty(),
        "example does not validate against its schema: {errors:?}"
    );
    format!("{typed:#?}")
}

fn typed_by_schema(service: &str, schema: &str, value: &Value) -> String {
    match (service, schema) {
        ("workspaceapp", "ListImageServersResponse") => {
            typed::<workspaceapp::types::ListImageServersResponse>(value)
        }
        ("workspaceapp", "ImageServer") => typed::<workspaceapp::types::ImageServer>(value),
        ("workspace", "ListImagesResponse") => typed::<workspace::types::ListImagesResponse>(value),
        ("modelarts", "DevServerImage") => typed::<modelarts::types::DevServerImage>(value),
        ("workspaceapp", "CreateImageServerResponse") => {
            typed::<workspaceapp::types::CreateImageServerResponse>(value)
        }
        ("workspaceapp", "BatchDeleteImageServerResponse") => {
            typed::<workspaceapp::types::BatchDeleteImageServerResponse>(value)
        }
        ("workspaceapp", "ShowImageJobResponse") => {
            typed::<workspaceapp::types::ShowImageJobResponse>(value)
        }
        ("workspaceapp", "AttachImageServerAppResponse") => {
            typed::<workspaceapp::types::AttachImageServerAppResponse>(value)
        }
        other => panic!("no Rust type mapped for response schema {other:?}: add it to this test"),
    }
}

#[test]
fn every_documented_example_deserializes_losslessly_and_validates() {
    let examples = common::response_examples();
    // 000 (list), 001 (show), 002/003 (one shared example); 004 documents no example; and the
    // shapes of the official SDK's answers of CreateImageServer, BatchDeleteImageServer,
    // ShowImageJob and AttachImageServerApp.
    assert_eq!(
        examples.len(),
        7,
        "number of documented response examples changed"
    );
    for ex in examples {
        let typed = typed_by_schema(ex.service, &ex.schema, &ex.value);
        let name = format!(
            "{}__{}__{}__{}",
            ex.service, ex.operation_id, ex.status, ex.name
        );
        insta::assert_snapshot!(name, typed);
    }
}

#[test]
fn examples_that_do_not_match_the_schema_are_caught() {
    // The checker above must be able to fail: a renamed field is lost on the round trip...
    let renamed = serde_json::json!({"count": 1, "itemz": []});
    let lost = std::panic::catch_unwind(|| {
        typed::<workspaceapp::types::ListImageServersResponse>(&renamed)
    });
    assert!(lost.is_err());
    // ...and a wrongly typed one fails to deserialize.
    let wrong_type = serde_json::json!({"count": "two"});
    let failed = std::panic::catch_unwind(|| {
        typed::<workspaceapp::types::ListImageServersResponse>(&wrong_type)
    });
    assert!(failed.is_err());
}

/// Every parameter `example` of the spec, with its (resolved) schema.
fn parameter_examples() -> Vec<(String, Value, Value)> {
    let mut out = Vec::new();
    for service in common::SERVICES {
        let spec = common::spec(service);
        let resolve = |v: &Value| -> Value {
            match v.get("$ref").and_then(Value::as_str) {
                Some(r) => spec
                    .pointer(&r.replacen('#', "", 1))
                    .cloned()
                    .unwrap_or_else(|| panic!("{r} does not resolve")),
                None => v.clone(),
            }
        };
        let mut params: Vec<Value> = Vec::new();
        for (_, item) in spec["paths"].as_object().unwrap() {
            for (_, op) in item.as_object().unwrap() {
                params.extend(
                    op["parameters"]
                        .as_array()
                        .into_iter()
                        .flatten()
                        .map(&resolve),
                );
            }
        }
        for p in params {
            if let Some(example) = p.get("example") {
                let name = format!("{service}: {} {}", p["in"], p["name"]);
                out.push((name, resolve(&p["schema"]), example.clone()));
            }
        }
    }
    out
}

#[test]
fn every_parameter_example_validates_against_its_schema() {
    let examples = parameter_examples();
    assert!(
        examples.len() >= 7,
        "parameter examples went missing: {}",
        examples.len()
    );
    for (name, schema, example) in examples {
        let validator = jsonschema::validator_for(&schema).expect("schema compiles");
        let errors: Vec<String> = validator
            .iter_errors(&example)
            .map(|e| e.to_string())
            .collect();
        assert!(
            errors.is_empty(),
            "{name}: example {example} is invalid: {errors:?}"
        );
        // ...and the check can fail: a value of the wrong type is refused.
        assert!(
            !validator.is_valid(&serde_json::json!({"not": "a parameter"})),
            "{name}"
        );
    }
}
