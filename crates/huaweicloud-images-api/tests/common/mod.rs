//! Shared helpers: reading `spec/` and walking its documented examples.
#![allow(dead_code)]

use std::path::PathBuf;

use serde_json::Value;

/// The services, as spec file stems, in a fixed order.
pub const SERVICES: [&str; 3] = ["modelarts", "workspace", "workspaceapp"];

pub fn project_root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// A spec file as JSON.
pub fn spec(service: &str) -> Value {
    let path = project_root().join("spec").join(format!("{service}.yaml"));
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    serde_saphyr::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// One documented response example: where it is, which schema it claims, and its value.
pub struct Example {
    pub service: &'static str,
    pub operation_id: String,
    pub status: String,
    pub name: String,
    pub schema: String,
    pub value: Value,
}

/// Every `examples`/`example` of every response of every operation of every spec.
pub fn response_examples() -> Vec<Example> {
    let mut out = Vec::new();
    for service in SERVICES {
        let spec = spec(service);
        for (_, item) in spec["paths"].as_object().expect("paths") {
            for (_, op) in item.as_object().expect("path item") {
                let operation_id = op["operationId"].as_str().expect("operationId").to_string();
                for (status, response) in op["responses"].as_object().expect("responses") {
                    let Some(content) = response.pointer("/content/application~1json") else {
                        continue;
                    };
                    let schema = content
                        .pointer("/schema/$ref")
                        .and_then(Value::as_str)
                        .and_then(|r| r.strip_prefix("#/components/schemas/"))
                        .expect("response schemas are $refs")
                        .to_string();
                    let mut push = |name: &str, value: &Value| {
                        out.push(Example {
                            service,
                            operation_id: operation_id.clone(),
                            status: status.clone(),
                            name: name.to_string(),
                            schema: schema.clone(),
                            value: value.clone(),
                        })
                    };
                    if let Some(v) = content.get("example") {
                        push("example", v);
                    }
                    for (name, ex) in content
                        .get("examples")
                        .and_then(Value::as_object)
                        .into_iter()
                        .flatten()
                    {
                        push(name, &ex["value"]);
                    }
                }
            }
        }
    }
    out
}
