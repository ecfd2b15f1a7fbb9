//! The manifest of the surface the spec gives users of the facade (`surface.json`, beside the
//! generated facade code): services, operations and the facade call for each, parameters with
//! their constraints, models, fields, enum values. [`crate::changes`] compares two of them.

use std::collections::BTreeMap;

use crate::changes::Entries;
use crate::model::{Answer, BodyKind, Kind, PagingStyle, Service, Source};

/// The manifest's file name, in the facade's generated directory.
pub const MANIFEST: &str = "surface.json";

/// The manifest of `services`, as JSON (sorted keys, one entry per line, so a diff reads well).
pub fn manifest(services: &[Service]) -> String {
    let entries = entries(services);
    let mut out = String::from("{\n");
    let count = entries.len();
    for (i, (key, attrs)) in entries.iter().enumerate() {
        let value = serde_json::to_string(attrs).unwrap_or_default();
        let key = serde_json::to_string(key).unwrap_or_default();
        out.push_str(&format!(
            "  {key}: {value}{}\n",
            if i + 1 < count { "," } else { "" }
        ));
    }
    out.push_str("}\n");
    out
}

fn entries(services: &[Service]) -> Entries {
    let mut out = Entries::new();
    let mut put = |key: String, attrs: &[(&str, String)]| {
        out.insert(
            key,
            attrs
                .iter()
                .map(|(k, v)| ((*k).to_string(), v.clone()))
                .collect(),
        );
    };
    // The models re-exported at `huaweicloud_images::models::` (names no other service uses).
    let mut owners: BTreeMap<&str, usize> = BTreeMap::new();
    for service in services {
        for schema in service.schemas.values() {
            *owners.entry(&schema.rust_name).or_default() += 1;
        }
    }
    for (name, count) in &owners {
        if *count == 1 {
            put(
                format!("model export models::{name}"),
                &[("kind", "export".into())],
            );
        }
    }
    // The facade types re-exported at the crate root (names no other service uses): one of
    // them gone (another service now has a type of that name) breaks `use huaweicloud_images::X`.
    let mut exported: BTreeMap<String, usize> = BTreeMap::new();
    for service in services {
        let mut names: Vec<String> = service.resources.iter().map(|r| r.tag.clone()).collect();
        for op in &service.operations {
            if op.returns_builder() {
                names.push(op.type_name.clone());
            }
            if op.has_typed_headers() {
                names.push(format!("{}Headers", op.type_name));
            }
        }
        for name in names {
            *exported.entry(name).or_default() += 1;
        }
    }
    for (name, count) in &exported {
        if *count == 1 {
            put(format!("export {name}"), &[("kind", "export".into())]);
        }
    }
    for service in services {
        put(
            format!("service {}", service.name),
            &[
                ("kind", "service".into()),
                ("endpoint", service.endpoint.clone()),
            ],
        );
        for op in &service.operations {
            let resource = service
                .resources
                .iter()
                .find(|r| r.tag == op.tag)
                .map(|r| r.accessor.clone())
                .unwrap_or_default();
            let mut args: Vec<String> = op
                .positional()
                .iter()
                .map(|p| p.rust_name.clone())
                .collect();
            if op.body.as_ref().is_some_and(|b| b.required) {
                args.push("body".to_string());
            }
            let call = format!(
                "client.{resource}().{}({})",
                op.facade_method,
                args.join(", ")
            );
            let mut attrs = vec![
                ("kind", "operation".to_string()),
                ("service", service.name.clone()),
                ("http", format!("{} {}", op.method, op.path)),
                ("call", call),
                (
                    "returns",
                    if op.returns_builder() {
                        "builder".to_string()
                    } else {
                        "answer".to_string()
                    },
                ),
                ("response", op.response.clone().unwrap_or_default()),
                ("answer", answer(op)),
                ("body", body(op)),
                (
                    "response headers",
                    op.response_headers
                        .iter()
                        .map(|h| format!("{} {}", h.name, h.kind))
                        .collect::<Vec<_>>()
                        .join(", "),
                ),
                (
                    "retried",
                    match (&op.idempotency_token, op.idempotent()) {
                        (Some(header), _) => format!("after a failure worth it (token {header})"),
                        (None, true) => "after a failure worth it".to_string(),
                        (None, false) => "only when it cannot have arrived".to_string(),
                    },
                ),
                (
                    "description",
                    one_line(&format!("{} {}", op.summary, op.description)),
                ),
            ];
            if let Some(p) = &op.pagination {
                attrs.push((
                    "pagination",
                    format!(
                        "{} {}{}/{} items {} total {} id {} page sizes {}..={} default {}",
                        p.style.name(),
                        p.style.position(),
                        match &p.style {
                            PagingStyle::Marker {
                                next: Some(next), ..
                            }
                            | PagingStyle::Token { next, .. } => format!(" (next {next})"),
                            PagingStyle::Marker { next: None, .. } => " (next: last id)".into(),
                            PagingStyle::Page { first, .. } => format!(" (from {first})"),
                            PagingStyle::OffsetLimit { .. } => String::new(),
                        },
                        p.limit,
                        p.items,
                        p.total.as_deref().unwrap_or("-"),
                        p.item_id.as_deref().unwrap_or("-"),
                        p.page_sizes.0,
                        p.page_sizes.1,
                        p.default_page_size
                    ),
                ));
            }
            let operation = format!("{}.{}", service.name, op.official_name);
            put(format!("operation {operation}"), &attrs);
            for waiter in &op.waiters {
                let until = if waiter.deleted {
                    "deleted".to_string()
                } else {
                    waiter.success.join(" ")
                };
                put(
                    format!("waiter {operation}.{}", waiter.method),
                    &[
                        ("kind", "waiter".into()),
                        ("status", waiter.status.clone()),
                        ("until", until),
                        ("failure", waiter.failure.join(" ")),
                        ("description", one_line(&waiter.description)),
                    ],
                );
            }
            for setter in &op.combined_setters {
                put(
                    format!("setter {operation}.{}", setter.method),
                    &[
                        ("kind", "setter".into()),
                        ("sets", setter.parameters.join(", ")),
                        ("description", one_line(&setter.description)),
                    ],
                );
            }
            for p in &op.parameters {
                if p.source != Source::Caller {
                    continue;
                }
                let mut attrs = vec![
                    ("kind", "parameter".to_string()),
                    ("in", p.location.as_str().to_string()),
                    ("required", p.required.to_string()),
                    ("description", one_line(&p.description)),
                    (
                        "rust type",
                        crate::emit::facade::parameter::facade_type_name(op, p),
                    ),
                ];
                attrs.extend(kind_attrs(&p.kind));
                put(format!("parameter {operation}.{}", p.name), &attrs);
            }
        }
        for schema in service.schemas.values() {
            let model = format!("{}.{}", service.name, schema.name);
            put(
                format!("model {model}"),
                &[
                    ("kind", "model".into()),
                    ("description", one_line(&schema.description)),
                ],
            );
            for (field, ty) in &schema.fields {
                let mut attrs = vec![("kind", "field".to_string()), ("type", ty.clone())];
                // Required fields of a request body (a changed one changes how it is built).
                if schema.required.contains(field) {
                    attrs.push(("required", "true".into()));
                }
                put(format!("field {model}.{field}"), &attrs);
            }
            for value in schema.enum_values.iter().flatten() {
                put(
                    format!("enum value {model}.{value}"),
                    &[("kind", "enum value".into())],
                );
            }
        }
    }
    out
}

fn kind_attrs(kind: &Kind) -> Vec<(&'static str, String)> {
    let opt = |v: Option<i64>| v.map(|v| v.to_string()).unwrap_or_default();
    match kind {
        Kind::Integer {
            format,
            minimum,
            maximum,
            default,
        } => vec![
            (
                "type",
                format!("integer {}", format.as_deref().unwrap_or("")),
            ),
            ("minimum", opt(*minimum)),
            ("maximum", opt(*maximum)),
            ("default", opt(*default)),
        ],
        Kind::Number { minimum, maximum } => vec![
            ("type", "number".into()),
            (
                "minimum",
                minimum.map(|v| v.to_string()).unwrap_or_default(),
            ),
            (
                "maximum",
                maximum.map(|v| v.to_string()).unwrap_or_default(),
            ),
        ],
        Kind::Boolean => vec![("type", "boolean".into())],
        Kind::String {
            min_length,
            max_length,
            pattern,
        } => vec![
            ("type", "string".into()),
            (
                "minLength",
                min_length.map(|v| v.to_string()).unwrap_or_default(),
            ),
            (
                "maxLength",
                max_length.map(|v| v.to_string()).unwrap_or_default(),
            ),
            ("pattern", pattern.clone().unwrap_or_default()),
        ],
        Kind::Enum { name, .. } => vec![("type", format!("enum {name}"))],
        Kind::Array {
            items,
            explode,
            min_items,
            max_items,
        } => {
            let mut attrs = vec![(
                "array",
                if *explode {
                    "repeated".to_string()
                } else {
                    "comma-separated".to_string()
                },
            )];
            attrs.push((
                "minItems",
                min_items.map(|v| v.to_string()).unwrap_or_default(),
            ));
            attrs.push((
                "maxItems",
                max_items.map(|v| v.to_string()).unwrap_or_default(),
            ));
            for (name, value) in kind_attrs(items) {
                attrs.push((name, value));
            }
            attrs
        }
    }
}

/// What a call's answer is, for the manifest: `()`, `json Thing`, `text`, `download`, with the
/// success statuses.
fn answer(op: &crate::model::Operation) -> String {
    let statuses = op
        .success
        .iter()
        .map(u16::to_string)
        .collect::<Vec<_>>()
        .join("/");
    let what = match &op.answer {
        Answer::Empty => "()".to_string(),
        Answer::Json { summary } => format!("json {summary}"),
        Answer::Text => "text".to_string(),
        Answer::Download => "download".to_string(),
    };
    format!("{statuses} {what}")
}

/// The request body, for the manifest.
fn body(op: &crate::model::Operation) -> String {
    let Some(body) = &op.body else {
        return String::new();
    };
    let what = match &body.kind {
        BodyKind::Json { summary, .. } => format!("json {summary}"),
        BodyKind::Multipart { schema, .. } => format!("multipart {schema}"),
        BodyKind::Binary { media_type } => format!("bytes {media_type}"),
    };
    format!("{what}{}", if body.required { "" } else { " (optional)" })
}

fn one_line(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}
