//! The facade's public per-operation surface, as one snapshot: every resource, request builder
//! and method a user calls, with its parameters, their Rust types and the first line of its
//! documentation. It is read from the generated code (`src/generated/`), the whole of it (combined
//! setters such as `ListImages::sort` included), so a spec change shows here as the diff users
//! will see.

use std::fmt::Write;
use std::path::Path;

use quote::ToTokens;

fn tokens(t: &impl ToTokens) -> String {
    let compact: String = t
        .to_token_stream()
        .to_string()
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ");
    let mut s = compact
        .replace(" :: ", "::")
        .replace(":: ", "::")
        .replace(" < ", "<")
        .replace(" <", "<")
        .replace("< ", "<")
        .replace(" >", ">")
        .replace(" ,", ",")
        .replace("& ", "&")
        .replace(" (", "(")
        .replace("( ", "(")
        .replace(" )", ")")
        .replace("' ", "'")
        .replace(" : ", ": ")
        .replace("crate::blocking::", "blocking::")
        .replace("api::types::", "")
        .replace("huaweicloud_images_api::", "")
        .replace("::types::", "::");
    for noise in [
        "crate::error::",
        "crate::flavour::",
        "crate::client::",
        "crate::paginate::",
        "crate::",
        "::std::",
    ] {
        s = s.replace(noise, "");
    }
    s
}

/// The first sentence-line of an item's documentation.
fn first_doc_line(attrs: &[syn::Attribute]) -> String {
    attrs
        .iter()
        .find_map(|a| match &a.meta {
            syn::Meta::NameValue(nv) if nv.path.is_ident("doc") => match &nv.value {
                syn::Expr::Lit(syn::ExprLit {
                    lit: syn::Lit::Str(s),
                    ..
                }) => Some(s.value().trim().to_string()),
                _ => None,
            },
            _ => None,
        })
        .unwrap_or_default()
}

fn signature(sig: &syn::Signature) -> String {
    let args: Vec<String> = sig.inputs.iter().map(tokens).collect();
    let asyncness = if sig.asyncness.is_some() {
        "async "
    } else {
        ""
    };
    let output = match &sig.output {
        syn::ReturnType::Default => String::new(),
        syn::ReturnType::Type(_, ty) => format!(" -> {}", tokens(ty)),
    };
    format!("{asyncness}fn {}({}){output}", sig.ident, args.join(", "))
}

fn surface_of(file: &Path, out: &mut String) {
    let text = std::fs::read_to_string(file).unwrap();
    let parsed = syn::parse_file(&text).unwrap();
    let name = file.file_name().unwrap().to_string_lossy();
    writeln!(out, "## {name}").unwrap();
    for item in &parsed.items {
        match item {
            syn::Item::Struct(s) if matches!(s.vis, syn::Visibility::Public(_)) => {
                writeln!(
                    out,
                    "struct {}{}  # {}",
                    s.ident,
                    tokens(&s.generics),
                    first_doc_line(&s.attrs)
                )
                .unwrap();
            }
            syn::Item::Impl(i) if i.trait_.is_none() => {
                let self_ty = tokens(&i.self_ty);
                for item in &i.items {
                    let syn::ImplItem::Fn(f) = item else { continue };
                    if !matches!(f.vis, syn::Visibility::Public(_)) {
                        continue;
                    }
                    writeln!(
                        out,
                        "  {self_ty}::{}  # {}",
                        signature(&f.sig),
                        first_doc_line(&f.attrs)
                    )
                    .unwrap();
                }
            }
            _ => {}
        }
    }
}

#[test]
fn facade_surface() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut files: Vec<_> = std::fs::read_dir(src.join("generated"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "rs"))
        .collect();
    files.sort();
    let mut out = String::new();
    for file in &files {
        surface_of(file, &mut out);
    }
    insta::assert_snapshot!("facade", out);
}

#[test]
fn the_operation_table_lists_every_operation_once() {
    let names: Vec<&str> = huaweicloud_images::OPERATIONS
        .iter()
        .map(|op| op.name)
        .collect();
    let mut unique = names.clone();
    unique.sort();
    unique.dedup();
    assert_eq!(unique.len(), names.len(), "{names:?}");
    insta::assert_snapshot!(
        "operations",
        huaweicloud_images::OPERATIONS
            .iter()
            .map(|op| format!(
                "{} {} {} {} {} paginated={} json_answer={} parameters=[{}]",
                op.name,
                op.service,
                op.operation_id,
                op.method,
                op.path,
                op.paginated,
                op.json_answer,
                op.parameters
                    .iter()
                    .map(|p| format!("{} ({}, {})", p.name, p.location, p.rust_name))
                    .collect::<Vec<_>>()
                    .join(", ")
            ))
            .collect::<Vec<_>>()
            .join("\n")
    );
}
