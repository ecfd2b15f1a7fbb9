//! The API surface, derived from the spec (operations) and from the generated Rust (models and
//! builder setters), as one snapshot per service: a one-line spec change shows up as a small diff.

mod common;

use std::fmt::Write;

use quote::ToTokens;
use serde_json::Value;

/// Token text without spacing noise and without the paths every type repeats.
fn tokens(t: &impl ToTokens) -> String {
    let compact: String = t
        .to_token_stream()
        .to_string()
        .split_whitespace()
        .collect::<Vec<_>>()
        .join("");
    let mut s = compact.replace(',', ", ").replace("->", "-> ");
    for noise in [
        "::std::option::",
        "::std::string::",
        "::std::vec::",
        "::std::num::",
        "std::convert::",
    ] {
        s = s.replace(noise, "");
    }
    for service in common::SERVICES {
        s = s.replace(&format!("crate::{service}::types::"), "");
    }
    s
}

fn one_line(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// The doc comment of an item, on one line.
fn doc(attrs: &[syn::Attribute]) -> String {
    let lines: Vec<String> = attrs
        .iter()
        .filter_map(|a| match &a.meta {
            syn::Meta::NameValue(nv) if nv.path.is_ident("doc") => match &nv.value {
                syn::Expr::Lit(syn::ExprLit {
                    lit: syn::Lit::Str(s),
                    ..
                }) => Some(s.value()),
                _ => None,
            },
            _ => None,
        })
        .collect();
    one_line(&lines.join(" "))
}

fn schema_summary(schema: &Value) -> String {
    if let Some(r) = schema.get("$ref").and_then(Value::as_str) {
        return r.rsplit('/').next().unwrap_or(r).to_string();
    }
    let mut s = schema
        .get("type")
        .and_then(Value::as_str)
        .unwrap_or("any")
        .to_string();
    for key in [
        "format",
        "minimum",
        "maximum",
        "minLength",
        "maxLength",
        "pattern",
        "default",
    ] {
        if let Some(v) = schema.get(key) {
            write!(s, " {key}={v}").unwrap();
        }
    }
    s
}

fn resolve<'a>(spec: &'a Value, v: &'a Value) -> &'a Value {
    match v.get("$ref").and_then(Value::as_str) {
        Some(r) => spec.pointer(&r.replacen('#', "", 1)).expect("ref resolves"),
        None => v,
    }
}

/// A JSON object's entries in key order, whatever map serde_json was built with (a workspace
/// build unifies the xtask's `preserve_order`, a build of this crate alone does not).
fn sorted(value: &Value) -> Vec<(&String, &Value)> {
    let mut entries: Vec<_> = value.as_object().unwrap().iter().collect();
    entries.sort_by(|a, b| a.0.cmp(b.0));
    entries
}

fn operations(spec: &Value) -> String {
    let mut out = String::new();
    for (path, item) in sorted(&spec["paths"]) {
        for (method, op) in sorted(item) {
            writeln!(
                out,
                "{} {} {path}  ({})",
                op["operationId"].as_str().unwrap(),
                method.to_uppercase(),
                op["x-official-name"].as_str().unwrap_or("?")
            )
            .unwrap();
            for p in op["parameters"].as_array().into_iter().flatten() {
                let p = resolve(spec, p);
                writeln!(
                    out,
                    "  {} {}{}: {}  # {}",
                    p["in"].as_str().unwrap(),
                    p["name"].as_str().unwrap(),
                    if p["required"] == true { "" } else { "?" },
                    schema_summary(&p["schema"]),
                    one_line(p["description"].as_str().unwrap_or(""))
                )
                .unwrap();
            }
            for (status, r) in sorted(&op["responses"]) {
                let r = resolve(spec, r);
                let schema = r
                    .pointer("/content/application~1json/schema")
                    .map(schema_summary)
                    .unwrap_or_else(|| "-".into());
                let description = one_line(r["description"].as_str().unwrap_or(""));
                writeln!(out, "  -> {status}: {schema}  # {description}").unwrap();
            }
        }
    }
    out
}

fn generated_items(service: &str) -> String {
    let path = common::project_root()
        .join("crates/huaweicloud-images-api/src/generated")
        .join(format!("{service}.rs"));
    let file = syn::parse_file(&std::fs::read_to_string(path).unwrap()).unwrap();
    let mut out = String::new();
    for item in &file.items {
        let syn::Item::Mod(m) = item else { continue };
        if m.ident != "types" && m.ident != "builder" {
            continue;
        }
        for item in &m.content.as_ref().unwrap().1 {
            match item {
                syn::Item::Struct(s) if m.ident == "types" => {
                    // The model's own description, so that a change to it shows in a review.
                    writeln!(out, "struct types::{}  # {}", s.ident, doc(&s.attrs)).unwrap();
                    for f in &s.fields {
                        let name = f
                            .ident
                            .as_ref()
                            .map(|i| i.to_string())
                            .unwrap_or_else(|| "0".into());
                        writeln!(out, "  {name}: {}  # {}", tokens(&f.ty), doc(&f.attrs)).unwrap();
                    }
                }
                syn::Item::Enum(e) if m.ident == "types" => {
                    let variants: Vec<String> = e
                        .variants
                        .iter()
                        .map(|v| format!("{}{}", v.ident, tokens(&v.fields)))
                        .collect();
                    writeln!(
                        out,
                        "enum types::{} {{ {} }}  # {}",
                        e.ident,
                        variants.join(", "),
                        doc(&e.attrs)
                            .split(" Open enum:")
                            .next()
                            .unwrap_or_default()
                    )
                    .unwrap();
                }
                syn::Item::Impl(i) if m.ident == "builder" => {
                    let self_ty = tokens(&i.self_ty);
                    if !self_ty.contains('\'') {
                        continue; // model builders; operation builders borrow the client
                    }
                    for it in &i.items {
                        let syn::ImplItem::Fn(f) = it else { continue };
                        let name = f.sig.ident.to_string();
                        if name == "new" {
                            continue;
                        }
                        let bound = f
                            .sig
                            .generics
                            .where_clause
                            .as_ref()
                            .map(|w| tokens(w).replace("whereV:", ""))
                            .unwrap_or_default();
                        let ret = tokens(&f.sig.output);
                        let shown = if name == "send" || name == "build" {
                            ret
                        } else {
                            bound
                        };
                        writeln!(out, "builder {self_ty}::{name} {shown}").unwrap();
                    }
                }
                _ => {}
            }
        }
    }
    out
}

#[test]
fn api_surface() {
    for service in common::SERVICES {
        let spec = common::spec(service);
        let surface = format!(
            "# operations (from spec/{service}.yaml)\n{}\n# Rust items (from src/generated/{service}.rs)\n{}",
            operations(&spec),
            generated_items(service)
        );
        insta::assert_snapshot!(service, surface);
    }
}
