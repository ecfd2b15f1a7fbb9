//! Values made from a schema, for an operation whose success body the spec gives no example of:
//! the fake answers them, so every operation can be called offline. Deterministic: every
//! property present (the first documented value of an enum, `1` for a number, `"example"` for a
//! string, one element per array and map), nesting bounded.

use std::collections::BTreeMap;

use serde_json::{Map, Value, json};

use crate::model::{Answer, Operation, Schema};

/// How deep nested schemas are followed before a value is left empty.
const MAX_DEPTH: usize = 6;

/// The body the fake answers for `op` when the spec documents no example: for a listing, three
/// items with distinct ids (so every paging style has pages to walk).
pub fn synthesize(op: &Operation, schemas: &BTreeMap<String, Schema>) -> Option<Value> {
    let Answer::Json { summary } = &op.answer else {
        return None;
    };
    if let Some(response) = &op.response {
        let mut value = of_schema(&schemas[response].json, schemas, 0);
        if let (Some(paging), Some(object)) = (&op.pagination, value.as_object_mut()) {
            let item = &schemas[&paging.item_schema];
            let items: Vec<Value> = (1..=3)
                .map(|n| {
                    let mut item_value = of_schema(&item.json, schemas, 1);
                    // Items told apart even without an id: their plain text fields (no format,
                    // no enum) are numbered.
                    let properties = item.json.get("properties").and_then(Value::as_object);
                    for (name, value) in item_value.as_object_mut().into_iter().flatten() {
                        let plain = properties.and_then(|p| p.get(name)).is_some_and(|p| {
                            p.get("type").and_then(Value::as_str) == Some("string")
                                && p.get("format").is_none()
                                && p.get("enum").is_none()
                        });
                        if let (true, Value::String(text)) = (plain, value) {
                            text.push_str(&format!("-{n}"));
                        }
                    }
                    if let (Some(id), Some(fields)) = (&paging.item_id, item_value.as_object_mut())
                    {
                        let id_schema = properties.and_then(|p| p.get(id)).unwrap_or(&Value::Null);
                        let id_value = match (
                            id_schema.get("type").and_then(Value::as_str),
                            id_schema.get("format").and_then(Value::as_str),
                        ) {
                            (Some("integer"), _) => json!(n),
                            (_, Some("uuid")) => json!(format!("00000000-0000-4000-8000-{n:012}")),
                            _ => json!(format!("{}-{n}", item.name.to_lowercase())),
                        };
                        fields.insert(id.clone(), id_value);
                    }
                    item_value
                })
                .collect();
            object.insert(paging.items.clone(), Value::Array(items));
            if let Some(total) = &paging.total {
                object.insert(total.clone(), json!(3));
            }
            // The fake sets the next marker or token itself.
            for field in [&paging.style].iter().filter_map(|style| match style {
                crate::model::PagingStyle::Marker {
                    next: Some(next), ..
                }
                | crate::model::PagingStyle::Token { next, .. } => Some(next),
                _ => None,
            }) {
                object.remove(field);
            }
        }
        return Some(value);
    }
    // A top-level array, map or free-form object (its summary: `[Thing]`, `{string}`, `object`).
    Some(match summary.as_str() {
        s if s.starts_with('[') => {
            let inner = s.trim_start_matches('[').trim_end_matches(']');
            json!([of_summary(inner, schemas)])
        }
        s if s.starts_with('{') => {
            let inner = s.trim_start_matches('{').trim_end_matches('}');
            json!({ "key": of_summary(inner, schemas) })
        }
        _ => json!({ "example": true }),
    })
}

fn of_summary(summary: &str, schemas: &BTreeMap<String, Schema>) -> Value {
    match schemas.get(summary) {
        Some(schema) => of_schema(&schema.json, schemas, 1),
        None => scalar(summary.split(' ').next().unwrap_or_default(), &Value::Null),
    }
}

fn of_schema(schema: &Value, schemas: &BTreeMap<String, Schema>, depth: usize) -> Value {
    if depth > MAX_DEPTH {
        return Value::Null;
    }
    if let Some(name) = schema
        .get("$ref")
        .or_else(|| schema.pointer("/allOf/0/$ref"))
        .and_then(Value::as_str)
        .and_then(|r| r.strip_prefix("#/components/schemas/"))
    {
        return schemas
            .get(name)
            .map_or(Value::Null, |s| of_schema(&s.json, schemas, depth + 1));
    }
    if let Some(first) = schema
        .get("enum")
        .and_then(Value::as_array)
        .and_then(|v| v.first())
    {
        return first.clone();
    }
    match schema.get("type").and_then(Value::as_str) {
        Some("object") | None if schema.get("properties").is_some() => {
            let mut object = Map::new();
            for (name, property) in schema
                .get("properties")
                .and_then(Value::as_object)
                .into_iter()
                .flatten()
            {
                object.insert(name.clone(), of_schema(property, schemas, depth + 1));
            }
            Value::Object(object)
        }
        Some("object") => match schema.get("additionalProperties") {
            Some(values @ Value::Object(_)) => {
                json!({ "key": of_schema(values, schemas, depth + 1) })
            }
            _ => json!({}),
        },
        Some("array") => match schema.get("items") {
            Some(items) => json!([of_schema(items, schemas, depth + 1)]),
            None => json!([]),
        },
        Some(other) => scalar(other, schema),
        None => Value::Null,
    }
}

fn scalar(kind: &str, schema: &Value) -> Value {
    match kind {
        "integer" => {
            let low = schema.get("minimum").and_then(Value::as_i64).unwrap_or(1);
            let high = schema
                .get("maximum")
                .and_then(Value::as_i64)
                .unwrap_or(i64::MAX);
            json!(low.max(1).min(high))
        }
        "number" => json!(1.5),
        "boolean" => json!(true),
        // A value of each format typify reads into a type of its own.
        "string" => match schema.get("format").and_then(Value::as_str) {
            Some("date-time") => json!("2026-01-01T00:00:00Z"),
            Some("date") => json!("2026-01-01"),
            Some("uuid") => json!("00000000-0000-4000-8000-000000000000"),
            Some("ipv4" | "ip") => json!("192.0.2.1"),
            Some("ipv6") => json!("2001:db8::1"),
            Some("email") => json!("user@example.com"),
            Some("uri" | "url") => json!("https://example.com/"),
            Some("byte") => json!("ZXhhbXBsZQ=="),
            _ => json!("example"),
        },
        _ => Value::Null,
    }
}

/// A whole item of a schema: what the fake starts an item it creates from.
pub fn item(schema: &Schema, schemas: &BTreeMap<String, Schema>) -> Value {
    of_schema(&schema.json, schemas, 0)
}
