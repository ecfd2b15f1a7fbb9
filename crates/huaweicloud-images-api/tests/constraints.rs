//! Constraints the spec states are enforced when a request is built, before anything is sent; and
//! the models' JSON schemas are usable to generate values that the models read back.

use huaweicloud_images_api::progenitor_client::Error;
use huaweicloud_images_api::{modelarts, workspace, workspaceapp};
use serde_json::{Map, Value, json};

const BASE: &str = "http://never-contacted.invalid";

/// `build()` checks what the spec constrains and sends nothing: a refused request never exists.
#[test]
fn the_modelarts_uuid_and_project_patterns_are_checked_before_sending() {
    let client = modelarts::Client::new_with_client(BASE, reqwest::Client::new());
    for (project, id) in [
        ("a4da8115c9d8464ead3a38309130523f", "not-a-uuid"),
        (
            "a4da8115c9d8464ead3a38309130523f",
            "6F1B2A34-5C6D-4E7F-8A9B-0C1D2E3F4A5B",
        ),
        (
            "a4da8115c9d8464ead3a38309130523f",
            "6f1b2a34-5c6d-6e7f-8a9b-0c1d2e3f4a5b",
        ),
        ("bad/project", "6f1b2a34-5c6d-4e7f-8a9b-0c1d2e3f4a5b"),
        ("", "6f1b2a34-5c6d-4e7f-8a9b-0c1d2e3f4a5b"),
    ] {
        let result = client
            .get_dev_server_image()
            .project_id(project)
            .id(id)
            .build();
        assert!(
            matches!(result, Err(Error::InvalidRequest(_))),
            "{project:?} {id:?} was not refused"
        );
    }
    // A valid one is built, for the URL the spec says.
    let request = client
        .get_dev_server_image()
        .project_id("a4da8115c9d8464ead3a38309130523f")
        .id("6f1b2a34-5c6d-4e7f-8a9b-0c1d2e3f4a5b")
        .build()
        .unwrap();
    assert_eq!(request.method(), reqwest::Method::GET);
    assert_eq!(
        request.url().as_str(),
        "http://never-contacted.invalid/v1/a4da8115c9d8464ead3a38309130523f/dev-servers/images/6f1b2a34-5c6d-4e7f-8a9b-0c1d2e3f4a5b"
    );
}

#[test]
fn a_zero_limit_is_refused_for_image_servers() {
    let client = workspaceapp::Client::new_with_client(BASE, reqwest::Client::new());
    let result = client
        .list_image_servers()
        .project_id("p")
        .limit(0u32)
        .build();
    assert!(matches!(result, Err(Error::InvalidRequest(_))));
    let request = client
        .list_image_servers()
        .project_id("p")
        .limit(5u32)
        .build()
        .unwrap();
    assert_eq!(request.url().query(), Some("limit=5"));
}

/// A value for `schema`: every property present, strings from `examples` when given.
fn sample(schema: &Value, root: &Value, depth: usize) -> Value {
    if let Some(reference) = schema.get("$ref").and_then(Value::as_str) {
        let name = reference.rsplit('/').next().unwrap();
        return sample(&root["definitions"][name], root, depth + 1);
    }
    if let Some(any) = schema
        .get("anyOf")
        .or(schema.get("allOf"))
        .and_then(Value::as_array)
    {
        let first = any
            .iter()
            .find(|s| s.get("type") != Some(&json!("null")))
            .unwrap();
        return sample(first, root, depth + 1);
    }
    let types: Vec<&str> = match &schema["type"] {
        Value::String(t) => vec![t.as_str()],
        Value::Array(ts) => ts.iter().filter_map(Value::as_str).collect(),
        _ => vec![],
    };
    let ty = types
        .iter()
        .copied()
        .find(|t| *t != "null")
        .unwrap_or("null");
    match ty {
        "object" => {
            let mut map = Map::new();
            for (name, prop) in schema["properties"].as_object().into_iter().flatten() {
                map.insert(name.clone(), sample(prop, root, depth + 1));
            }
            Value::Object(map)
        }
        "array" if depth < 8 => json!([sample(&schema["items"], root, depth + 1)]),
        "array" => json!([]),
        "integer" => json!(7),
        "string" => schema["examples"]
            .as_array()
            .and_then(|e| e.last().cloned())
            .unwrap_or_else(|| json!("text")),
        _ => Value::Null,
    }
}

fn generated_value_round_trips<T>() -> Value
where
    T: schemars::JsonSchema + serde::de::DeserializeOwned + serde::Serialize,
{
    let root = serde_json::to_value(schemars::schema_for!(T)).unwrap();
    let value = sample(&root, &root, 0);
    let typed: T = serde_json::from_value(value.clone()).unwrap();
    assert_eq!(serde_json::to_value(&typed).unwrap(), value);
    value
}

#[test]
fn values_generated_from_the_model_schemas_read_back_losslessly() {
    let servers = generated_value_round_trips::<workspaceapp::types::ListImageServersResponse>();
    // Every field of an image server was generated, the enums from their documented values.
    let server = &servers["items"][0];
    assert_eq!(server.as_object().unwrap().len(), 14);
    assert_eq!(server["status"], "NULL");
    let images = generated_value_round_trips::<workspace::types::ListImagesResponse>();
    assert_eq!(images["images"][0].as_object().unwrap().len(), 12);
    assert_eq!(images["images"][0]["disk_format"], "zvhd2");
    let dev = generated_value_round_trips::<modelarts::types::DevServerImage>();
    assert_eq!(dev.as_object().unwrap().len(), 5);
}

#[test]
fn every_path_parameter_stays_one_segment_even_with_backslashes() {
    let client = workspaceapp::Client::new_with_client(BASE, reqwest::Client::new());
    let request = client
        .show_image_server()
        .project_id("p")
        .server_id(r"..\..\..\v2\p\images")
        .build()
        .unwrap();
    assert_eq!(
        request.url().as_str(),
        "http://never-contacted.invalid/v1/p/image-servers/..%5C..%5C..%5Cv2%5Cp%5Cimages"
    );
}
