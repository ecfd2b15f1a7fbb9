//! One parameter in the facade: its Rust type, its documentation, and the one-line check that
//! turns what a caller set into what the generated client takes.

use proc_macro2::{Literal, TokenStream};
use quote::{format_ident, quote};

use super::docs::ident;
use crate::model::{Kind, Location, Operation, Parameter, Service};

/// The type a caller passes for a parameter, as stored in the request.
pub(super) fn facade_type(service: &Service, op: &Operation, p: &Parameter) -> TokenStream {
    let paging = op.pagination.as_ref();
    match &p.kind {
        Kind::Integer { .. } if paging.is_some_and(|g| g.offset == p.name) => quote!(u64),
        Kind::Integer { .. } if paging.is_some_and(|g| g.limit == p.name) => quote!(u32),
        Kind::Integer { .. } => quote!(i64),
        Kind::Number { .. } => quote!(f64),
        Kind::Boolean => quote!(bool),
        Kind::String { .. } => quote!(String),
        Kind::Enum { name, .. } => {
            let module = ident(&service.stem);
            let name = ident(name);
            quote!(huaweicloud_images_api::#module::types::#name)
        }
    }
}

/// The facade type of a parameter as the change manifest records it, e.g. `u32`, `String`,
/// `enum OsType`.
pub(crate) fn facade_type_name(op: &Operation, p: &Parameter) -> String {
    let paging = op.pagination.as_ref();
    match &p.kind {
        Kind::Integer { .. } if paging.is_some_and(|g| g.offset == p.name) => "u64".into(),
        Kind::Integer { .. } if paging.is_some_and(|g| g.limit == p.name) => "u32".into(),
        Kind::Integer { .. } => "i64".into(),
        Kind::Number { .. } => "f64".into(),
        Kind::Boolean => "bool".into(),
        Kind::String { .. } => "String".into(),
        Kind::Enum { name, .. } => format!("enum {name}"),
    }
}

/// One line on what the facade checks, for the setter's documentation.
pub(super) fn constraint_doc(p: &Parameter) -> Option<String> {
    match &p.kind {
        Kind::Integer {
            minimum,
            maximum,
            default,
            ..
        } => {
            let range = match (minimum, maximum) {
                (Some(a), Some(b)) => Some(format!("{a} to {b}")),
                (Some(a), None) => Some(format!("at least {a}")),
                (None, Some(b)) => Some(format!("at most {b}")),
                (None, None) => None,
            };
            let default = default.map(|d| format!("default {d}"));
            let parts: Vec<String> = [range, default].into_iter().flatten().collect();
            (!parts.is_empty()).then(|| parts.join(", "))
        }
        Kind::String {
            min_length,
            max_length,
            pattern,
        } => {
            let mut parts = Vec::new();
            if min_length.is_some() || max_length.is_some() {
                parts.push(format!(
                    "{} to {} characters",
                    min_length.unwrap_or(0),
                    max_length
                        .map(|m| m.to_string())
                        .unwrap_or("any number of".into())
                ));
            }
            if let Some(p) = pattern {
                parts.push(format!("matching `{p}`"));
            }
            (!parts.is_empty()).then(|| parts.join(", "))
        }
        Kind::Enum { values, .. } => Some(format!(
            "documented values `{}`; any other value is sent as given",
            values.join("`, `")
        )),
        _ => None,
    }
}

pub(super) fn parameter_doc(p: &Parameter) -> String {
    let mut doc = if p.description.is_empty() {
        format!("`{}`.", p.name)
    } else {
        p.description.clone()
    };
    if let Some(c) = constraint_doc(p) {
        doc.push_str(&format!(
            "\n\n`{}` ({}): {c}; checked before anything is sent.",
            p.name,
            p.location.as_str()
        ));
    }
    doc
}

pub(super) fn option_literal(v: Option<i64>) -> TokenStream {
    match v {
        Some(v) => {
            let v = Literal::i128_unsuffixed(i128::from(v));
            quote!(Some(#v))
        }
        None => quote!(None),
    }
}

pub(super) fn option_f64(v: Option<f64>) -> TokenStream {
    match v {
        Some(v) => {
            let v = Literal::f64_suffixed(v);
            quote!(Some(#v))
        }
        None => quote!(None),
    }
}

/// The expression that checks `value` (an expression of the facade type, or of `Option` of it
/// when `optional`) through the shared checks of `crate::validate` and produces what the generated
/// client's setter takes (or `Option` of it).
pub(super) fn check_and_convert(
    service: &Service,
    op: &Operation,
    p: &Parameter,
    value: TokenStream,
    optional: bool,
    target: &str,
    patterns: &mut Vec<TokenStream>,
) -> Result<TokenStream, String> {
    let field = &p.name;
    let at = || format!("{}: paths.{}: parameter {}", service.file, op.path, p.name);
    let (place, plain) = match p.location {
        Location::Path => (quote!(check::Place::Path), quote!(check::PATH)),
        Location::Query => (quote!(check::Place::Query), quote!(check::QUERY)),
        Location::Header => (quote!(check::Place::Header), quote!(check::HEADER)),
    };
    let suffix = |name: &str| {
        if optional {
            format_ident!("{name}_opt")
        } else {
            format_ident!("{name}")
        }
    };
    Ok(match &p.kind {
        Kind::Integer {
            minimum, maximum, ..
        } => {
            let primitive = target
                .strip_prefix(":: std :: num :: NonZero")
                .map(|rest| rest.to_lowercase())
                .unwrap_or_else(|| target.to_string());
            if !matches!(
                primitive.as_str(),
                "i8" | "i16" | "i32" | "i64" | "u8" | "u16" | "u32" | "u64"
            ) {
                return Err(format!(
                    "{}: the generated client takes `{target}`, which the facade cannot produce from an integer",
                    at()
                ));
            }
            let primitive = ident(&primitive);
            let (min, max) = (option_literal(*minimum), option_literal(*maximum));
            let check = suffix("integer");
            if optional {
                quote!(check::#check::<#primitive, _>(#field, #value, #min, #max)?)
            } else {
                quote!(check::#check::<#primitive>(#field, #value, #min, #max)?)
            }
        }
        Kind::Number { minimum, maximum } => {
            let (min, max) = (option_f64(*minimum), option_f64(*maximum));
            let check = suffix("number");
            quote!(check::#check(#field, #value, #min, #max)?)
        }
        Kind::Boolean => value,
        Kind::String {
            min_length,
            max_length,
            pattern,
        } => {
            let plain_rule = min_length.is_none() && max_length.is_none() && pattern.is_none();
            let mut rule = if plain_rule {
                plain
            } else {
                quote!(check::TextRule::at(#place))
            };
            if min_length.is_some() || max_length.is_some() {
                let min = min_length.map(|m| m as usize).unwrap_or(0);
                let max = match max_length {
                    Some(m) => {
                        let m = *m as usize;
                        quote!(Some(#m))
                    }
                    None => quote!(None),
                };
                rule = quote!(#rule.length(#min, #max));
            }
            if let Some(pattern) = pattern {
                let name =
                    format_ident!("{}_{}_PATTERN", op.const_name(), p.rust_name.to_uppercase());
                patterns.push(quote! {
                    static #name: check::Pattern = check::Pattern::new(#pattern);
                });
                rule = quote!(#rule.pattern(&#name));
            }
            let check = suffix("text");
            quote!(check::#check(#field, #value, &#rule)?)
        }
        Kind::Enum { .. } => {
            let check = suffix("text");
            quote!(check::#check(#field, #value, &#plain)?)
        }
    })
}
