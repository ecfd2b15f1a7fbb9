//! One parameter in the facade: its Rust type, its documentation, and the one-line check that
//! turns what a caller set into what the generated client takes.

use proc_macro2::{Literal, TokenStream};
use quote::{format_ident, quote};

use super::docs::{docs, ident};
use crate::model::{Kind, Location, Operation, Parameter, Service};

/// Whether `p` is the position (offset or page index) or the limit of a positional listing,
/// which the paginator counts as `u64` and `u32`.
fn paging_role(op: &Operation, p: &Parameter) -> Option<&'static str> {
    let paging = op.pagination.as_ref()?;
    if paging.style.positional() && paging.style.position() == p.name {
        Some("u64")
    } else if paging.limit == p.name {
        Some("u32")
    } else {
        None
    }
}

/// The type a caller passes for a parameter, as stored in the request.
pub(super) fn facade_type(service: &Service, op: &Operation, p: &Parameter) -> TokenStream {
    if let (Kind::Integer { .. }, Some(role)) = (&p.kind, paging_role(op, p)) {
        let role = ident(role);
        return quote!(#role);
    }
    kind_type(service, &p.kind)
}

fn kind_type(service: &Service, kind: &Kind) -> TokenStream {
    match kind {
        Kind::Integer { .. } => quote!(i64),
        Kind::Number { .. } => quote!(f64),
        Kind::Boolean => quote!(bool),
        Kind::String { .. } => quote!(String),
        Kind::Enum { name, .. } => {
            let module = ident(&service.stem);
            let name = ident(&service.schemas[name].rust_name);
            quote!(huaweicloud_images_api::#module::types::#name)
        }
        Kind::Array { items, .. } => {
            let item = kind_type(service, items);
            quote!(Vec<#item>)
        }
    }
}

/// The facade type of a parameter as the change manifest records it, e.g. `u32`, `String`,
/// `enum OsType`, `[String]`.
pub(crate) fn facade_type_name(op: &Operation, p: &Parameter) -> String {
    if let (Kind::Integer { .. }, Some(role)) = (&p.kind, paging_role(op, p)) {
        return role.into();
    }
    kind_name(&p.kind)
}

fn kind_name(kind: &Kind) -> String {
    match kind {
        Kind::Integer { .. } => "i64".into(),
        Kind::Number { .. } => "f64".into(),
        Kind::Boolean => "bool".into(),
        Kind::String { .. } => "String".into(),
        Kind::Enum { name, .. } => format!("enum {name}"),
        Kind::Array { items, explode, .. } => format!(
            "[{}]{}",
            kind_name(items),
            if *explode { "" } else { " comma-separated" }
        ),
    }
}

/// The builder's setter of an optional parameter.
pub(super) fn setter(service: &Service, op: &Operation, p: &Parameter) -> TokenStream {
    let rust = ident(&p.rust_name);
    let ty = facade_type(service, op, p);
    let doc = docs(&parameter_doc(p));
    match &p.kind {
        Kind::String { .. } | Kind::Enum { .. } => quote! {
            #doc
            pub fn #rust(mut self, value: impl Into<#ty>) -> Self {
                self.input.#rust = Some(value.into());
                self
            }
        },
        Kind::Array { items, .. } => {
            let item = kind_type(service, items);
            let (bound, convert) = match **items {
                Kind::String { .. } | Kind::Enum { .. } => {
                    (quote!(impl Into<#item>), quote!(.map(Into::into)))
                }
                _ => (quote!(#item), quote!()),
            };
            quote! {
                #doc
                pub fn #rust(mut self, values: impl IntoIterator<Item = #bound>) -> Self {
                    self.input.#rust = Some(values.into_iter() #convert .collect());
                    self
                }
            }
        }
        _ => quote! {
            #doc
            pub fn #rust(mut self, value: #ty) -> Self {
                self.input.#rust = Some(value);
                self
            }
        },
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
        Kind::Array {
            items,
            explode,
            min_items,
            max_items,
        } => {
            let mut parts = vec![if *explode {
                "one `name=value` per value".to_string()
            } else {
                "the values comma-separated (a value holding a comma is refused)".to_string()
            }];
            if min_items.is_some() || max_items.is_some() {
                parts.push(format!(
                    "{} to {} values",
                    min_items.unwrap_or(0),
                    max_items.map_or("any number of".to_string(), |m| m.to_string())
                ));
            }
            let item = Parameter {
                kind: (**items).clone(),
                ..p.clone()
            };
            if let Some(each) = constraint_doc(&item) {
                parts.push(format!("each {each}"));
            }
            Some(parts.join("; "))
        }
        _ => None,
    }
}

pub(super) fn parameter_doc(p: &Parameter) -> String {
    let mut doc = if p.description.is_empty() {
        format!("`{}`.", p.name)
    } else {
        p.description.clone()
    };
    if p.rust_name.ends_with('_') && !p.name.ends_with('_') {
        doc.push_str(&format!(
            "\n\nSent as `{}`; named `{}` in Rust, as `{}` is a keyword.",
            p.name, p.rust_name, p.name
        ));
    }
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
        Kind::Array {
            items,
            explode,
            min_items,
            max_items,
        } => {
            let count = |n: &Option<u64>| match n {
                Some(n) => {
                    let n = *n as usize;
                    quote!(Some(#n))
                }
                None => quote!(None),
            };
            let counts = {
                let (low, high) = (count(min_items), count(max_items));
                quote!((#low, #high))
            };
            let checked = match &**items {
                Kind::Integer {
                    minimum, maximum, ..
                } => {
                    // The wire type of each value: what the generated setter takes, or, for a
                    // comma-separated list (a string), the `format`'s.
                    let primitive = if *explode {
                        target
                            .strip_prefix(":: std :: vec :: Vec <")
                            .and_then(|t| t.strip_suffix('>'))
                            .map(str::trim)
                            .unwrap_or("i64")
                            .to_string()
                    } else {
                        "i64".to_string()
                    };
                    if !matches!(
                        primitive.as_str(),
                        "i8" | "i16" | "i32" | "i64" | "u8" | "u16" | "u32" | "u64"
                    ) {
                        return Err(format!(
                            "{}: the generated client takes `{target}`, which the facade cannot produce from integers",
                            at()
                        ));
                    }
                    let primitive = ident(&primitive);
                    let (min, max) = (option_literal(*minimum), option_literal(*maximum));
                    let check = suffix("integers");
                    quote!(check::#check::<#primitive>(#field, #value, #min, #max, #counts)?)
                }
                Kind::String {
                    min_length,
                    max_length,
                    pattern,
                } => {
                    let mut rule = quote!(check::TextRule::at(check::Place::Query));
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
                        let name = format_ident!(
                            "{}_{}_PATTERN",
                            op.const_name(),
                            p.rust_name.to_uppercase()
                        );
                        patterns.push(quote! {
                            static #name: check::Pattern = check::Pattern::new(#pattern);
                        });
                        rule = quote!(#rule.pattern(&#name));
                    }
                    let check = suffix("texts");
                    quote!(check::#check(#field, #value, &#rule, #counts)?)
                }
                Kind::Enum { .. } => {
                    let check = suffix("texts");
                    quote!(check::#check(#field, #value, &check::QUERY, #counts)?)
                }
                other => {
                    return Err(format!(
                        "{}: arrays of {other:?} are not supported (strings, integers and named enums are)",
                        at()
                    ));
                }
            };
            if *explode {
                checked
            } else {
                let join = suffix("joined");
                quote!(check::#join(#field, #checked)?)
            }
        }
    })
}
