//! The API crate: spec → progenitor → open enums spliced in, lenient totals, stricter path
//! encoding and a `build()` beside each builder's `send()`.

use progenitor::{GenerationSettings, Generator, InterfaceStyle, TagStyle, TypeImpl};
use quote::{ToTokens, quote};

use crate::codegen::format::format_file;
use crate::spec::Spec;

/// Where the generated API crate files go, relative to the project root.
pub const OUTPUT_DIR: &str = "crates/huaweicloud-images-api/src/generated";

/// Generates the Rust source of one service module of the API crate, and the parsed file (for
/// the facts the facade generator reads back).
pub fn generate(spec: &Spec) -> Result<(String, syn::File), String> {
    let mut settings = GenerationSettings::default();
    settings
        .with_interface(InterfaceStyle::Builder)
        .with_tag(TagStyle::Merged)
        .with_derive("schemars::JsonSchema")
        .with_derive("PartialEq");
    for open in &spec.open_enums {
        // typify looks a replacement up by the Rust name it makes of the schema's name.
        settings.with_replacement(
            &open.rust_name,
            format!("crate::{}::types::{}", spec.stem, open.rust_name),
            [TypeImpl::Display, TypeImpl::FromStr].into_iter(),
        );
    }
    let view = progenitor_view(spec)?;
    let tokens = run_progenitor(spec, &view, &settings)?;
    let mut file: syn::File = syn::parse2(tokens).map_err(|e| {
        format!(
            "{}: progenitor produced unparsable code: {e}",
            spec.display_path
        )
    })?;
    splice_open_enums(spec, &mut file)?;
    syn::visit_mut::VisitMut::visit_file_mut(&mut StricterPathEncoding, &mut file);
    lenient_totals(spec, &mut file)?;
    add_build_methods(spec, &mut file)?;
    let text = format_file(file.clone(), &spec.display_path)?;
    Ok((text, file))
}

/// The API crate's `generated/mod.rs`: one module per spec file (so a new spec file needs no
/// hand edit of the crate).
pub fn api_module(specs: &[Spec]) -> proc_macro2::TokenStream {
    let modules: Vec<syn::Ident> = specs
        .iter()
        .map(|s| quote::format_ident!("{}", s.stem))
        .collect();
    let docs: Vec<String> = specs
        .iter()
        .map(|s| {
            format!(
                " The client generated from {} (feature `{}`).",
                s.display_path, s.stem
            )
        })
        .collect();
    let features: Vec<&str> = specs.iter().map(|s| s.stem.as_str()).collect();
    quote! {
        //! The generated clients, one module per spec file, each behind the cargo feature named
        //! after it.
        #( #[doc = #docs] #[cfg(feature = #features)] pub mod #modules; )*
    }
}

/// Runs progenitor, turning both its errors and its panics into one clear message.
fn run_progenitor(
    spec: &Spec,
    view: &openapiv3::OpenAPI,
    settings: &GenerationSettings,
) -> Result<proc_macro2::TokenStream, String> {
    // The panic hook is process-wide: one generation at a time swaps it.
    static HOOK_SWAP: std::sync::Mutex<()> = std::sync::Mutex::new(());
    let _one_at_a_time = HOOK_SWAP
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    let previous_hook = std::panic::take_hook();
    std::panic::set_hook(Box::new(|_| {}));
    let result = std::panic::catch_unwind(|| Generator::new(settings).generate_tokens(view));
    std::panic::set_hook(previous_hook);
    match result {
        Ok(Ok(tokens)) => Ok(tokens),
        Ok(Err(e)) => Err(format!(
            "{}: progenitor rejected the spec: {e}",
            spec.display_path
        )),
        Err(payload) => {
            let reason = payload
                .downcast_ref::<String>()
                .cloned()
                .or_else(|| payload.downcast_ref::<&str>().map(|s| s.to_string()))
                .unwrap_or_else(|| "no message".to_string());
            Err(format!(
                "{}: progenitor panicked while generating ({reason}); the checks in xtask/src/spec.rs should have caught this: add one",
                spec.display_path
            ))
        }
    }
}

/// The spec as progenitor is given it: what the facade sends itself is simplified to what
/// progenitor 0.15 takes.
///
/// - A `multipart/form-data` body (progenitor has no multipart) becomes raw bytes: the facade
///   encodes the form, and its schema (a form, not a model) is left out of the models.
/// - A comma-separated array query parameter (`explode: false`; progenitor repeats every array
///   parameter) becomes a string: the facade checks the values and joins them.
/// - The items of a repeated array parameter lose their constraints (the facade checks them), so
///   the generated setter takes plain values.
/// - Strings of a format typify would type (`date-time`, `uuid`, …) stay strings.
fn progenitor_view(spec: &Spec) -> Result<openapiv3::OpenAPI, String> {
    use serde_json::{Value, json};
    let mut view = spec.json.clone();
    let mut forms = Vec::new();
    let parameters: Vec<String> = view
        .pointer("/components/parameters")
        .and_then(Value::as_object)
        .map(|p| p.keys().cloned().collect())
        .unwrap_or_default();
    let simplify = |parameter: &mut Value| {
        let Some(schema) = parameter.get("schema") else {
            return;
        };
        if schema.get("type").and_then(Value::as_str) != Some("array") {
            return;
        }
        let explode = parameter
            .get("explode")
            .and_then(Value::as_bool)
            .unwrap_or(true);
        if let Some(object) = parameter.as_object_mut() {
            object.remove("style");
            object.remove("explode");
            if explode {
                if let Some(items) = object
                    .get_mut("schema")
                    .and_then(|s| s.get_mut("items"))
                    .and_then(Value::as_object_mut)
                {
                    for key in ["maxLength", "minLength", "pattern", "minimum", "maximum"] {
                        items.remove(key);
                    }
                }
            } else {
                object.insert("schema".into(), json!({"type": "string"}));
            }
        }
    };
    for name in parameters {
        if let Some(parameter) = view.pointer_mut(&format!("/components/parameters/{name}")) {
            simplify(parameter);
        }
    }
    if let Some(paths) = view.get_mut("paths").and_then(Value::as_object_mut) {
        for item in paths.values_mut() {
            for op in item
                .as_object_mut()
                .into_iter()
                .flat_map(|o| o.values_mut())
            {
                for parameter in op
                    .get_mut("parameters")
                    .and_then(Value::as_array_mut)
                    .into_iter()
                    .flatten()
                {
                    simplify(parameter);
                }
                let Some(content) = op
                    .pointer_mut("/requestBody/content")
                    .and_then(Value::as_object_mut)
                else {
                    continue;
                };
                // Raw bytes of another media type (`image/png`, …) are bytes to progenitor too;
                // the facade sets the documented `Content-Type`.
                let binary: Vec<String> = content
                    .iter()
                    .filter(|(media, body)| {
                        *media != "application/octet-stream"
                            && !media.starts_with("multipart/")
                            && body.pointer("/schema/format").and_then(Value::as_str)
                                == Some("binary")
                    })
                    .map(|(media, _)| media.clone())
                    .collect();
                for media in binary {
                    if let Some(body) = content.remove(&media) {
                        content.insert("application/octet-stream".into(), body);
                    }
                }
                if let Some(form) = content.remove("multipart/form-data") {
                    if let Some(name) = form
                        .pointer("/schema/$ref")
                        .and_then(Value::as_str)
                        .and_then(|r| r.strip_prefix("#/components/schemas/"))
                    {
                        forms.push(name.to_string());
                    }
                    content.insert(
                        "application/octet-stream".into(),
                        json!({"schema": {"type": "string", "format": "binary"}}),
                    );
                }
            }
        }
    }
    if let Some(schemas) = view
        .pointer_mut("/components/schemas")
        .and_then(Value::as_object_mut)
    {
        for form in forms {
            schemas.remove(&form);
        }
    }
    plain_strings(&mut view);
    serde_path_to_error::deserialize(view).map_err(|e| {
        format!(
            "{}: {}: the spec as given to progenitor is not valid OpenAPI: {}",
            spec.display_path,
            e.path(),
            e.inner()
        )
    })
}

/// String formats typify reads into types of their own (chrono's, uuid's, `std::net`'s): in
/// these services' answers they vary (`2024-01-02 03:04:05`, `2024-01-02T03:04:05.000+0800`), and
/// one that does not parse would fail the whole answer. They stay strings: the format is
/// documentation (spec/README.md).
const TYPED_STRING_FORMATS: [&str; 6] = ["date-time", "date", "uuid", "ip", "ipv4", "ipv6"];

fn plain_strings(value: &mut serde_json::Value) {
    use serde_json::Value;
    match value {
        Value::Object(map) => {
            let typed = map.get("type").and_then(Value::as_str) == Some("string")
                && map
                    .get("format")
                    .and_then(Value::as_str)
                    .is_some_and(|f| TYPED_STRING_FORMATS.contains(&f));
            if typed {
                map.remove("format");
            }
            map.values_mut().for_each(plain_strings);
        }
        Value::Array(items) => items.iter_mut().for_each(plain_strings),
        _ => {}
    }
}

/// Puts the open enums into the generated `pub mod types`, where progenitor's replacements point.
fn splice_open_enums(spec: &Spec, file: &mut syn::File) -> Result<(), String> {
    if spec.open_enums.is_empty() {
        return Ok(());
    }
    let types = file
        .items
        .iter_mut()
        .find_map(|item| match item {
            syn::Item::Mod(m) if m.ident == "types" => m.content.as_mut(),
            _ => None,
        })
        .ok_or_else(|| {
            format!(
                "{}: progenitor output has no `mod types`",
                spec.display_path
            )
        })?;
    for open in &spec.open_enums {
        let enum_file: syn::File = syn::parse2(open.tokens())
            .map_err(|e| format!("{}: open enum {}: {e}", spec.display_path, open.name))?;
        types.1.extend(enum_file.items);
    }
    Ok(())
}

/// The total of a list (`x-pagination.total`) is read leniently: a value that is not an integer
/// of the field's type (`2147483648` for an `int32`, `25.0`, `"many"`) reads as no total instead
/// of failing the whole page, so the items are delivered and the paginator distrusts the total.
fn lenient_totals(spec: &Spec, file: &mut syn::File) -> Result<(), String> {
    let mut wanted = Vec::new();
    for (_, item) in spec
        .json
        .get("paths")
        .and_then(serde_json::Value::as_object)
        .into_iter()
        .flatten()
    {
        for (_, op) in item.as_object().into_iter().flatten() {
            let Some(total) = op.pointer("/x-pagination/total").and_then(|t| t.as_str()) else {
                continue;
            };
            // The first success status, as the facade reads it (200, 201, …), of a JSON media
            // type (`application/json;charset=UTF-8` included).
            let response = op
                .get("responses")
                .and_then(serde_json::Value::as_object)
                .and_then(|r| r.iter().find(|(status, _)| status.starts_with('2')))
                .and_then(|(_, r)| r.get("content").and_then(serde_json::Value::as_object))
                .and_then(|content| {
                    content.iter().find(|(media, _)| {
                        media.split(';').next().map(str::trim) == Some("application/json")
                    })
                })
                .and_then(|(_, body)| body.pointer("/schema/$ref"))
                .and_then(|r| r.as_str())
                .and_then(|r| r.strip_prefix("#/components/schemas/"));
            // As the generated code names them; two listings may answer one schema: its total
            // is made lenient once.
            let entry = response.map(|r| (crate::model::pascal(r), crate::model::snake(total)));
            if let Some(entry) = entry
                && !wanted.contains(&entry)
            {
                wanted.push(entry);
            }
        }
    }
    let Some(types) = file.items.iter_mut().find_map(|item| match item {
        syn::Item::Mod(m) if m.ident == "types" => m.content.as_mut(),
        _ => None,
    }) else {
        return Ok(());
    };
    for (model, field) in wanted {
        let target = types.1.iter_mut().find_map(|item| match item {
            syn::Item::Struct(s) if s.ident == model => s
                .fields
                .iter_mut()
                .find(|f| f.ident.as_ref().is_some_and(|i| *i == field)),
            _ => None,
        });
        let Some(target) = target else {
            return Err(format!(
                "{}: x-pagination.total `{field}` is not a field of the generated `{model}`",
                spec.display_path
            ));
        };
        target.attrs.push(syn::parse_quote!(
            #[serde(default, deserialize_with = "crate::lenient::integer")]
        ));
    }
    Ok(())
}

/// Next to each builder's `send`, a `build` that stops where `send` would hand the request over:
/// the parameters converted and checked, the URL, query, headers and body in place. The facade's
/// runtime sends what `build` returns, attempt after attempt, and decodes the answer once; `send`
/// stays for users of this crate on its own.
fn add_build_methods(spec: &Spec, file: &mut syn::File) -> Result<(), String> {
    let Some((_, items)) = file.items.iter_mut().find_map(|item| match item {
        syn::Item::Mod(m) if m.ident == "builder" => m.content.as_mut(),
        _ => None,
    }) else {
        return Ok(());
    };
    for item in items.iter_mut() {
        let syn::Item::Impl(block) = item else {
            continue;
        };
        let send = block.items.iter().find_map(|item| match item {
            syn::ImplItem::Fn(f) if f.sig.ident == "send" => Some(f.clone()),
            _ => None,
        });
        let Some(send) = send else { continue };
        let at = || {
            format!(
                "{}: the `send` of builder `{}`",
                spec.display_path,
                block.self_ty.to_token_stream()
            )
        };
        let error = error_type_of(&send.sig.output)
            .ok_or_else(|| format!("{}: returns no `Result<_, Error<_>>`", at()))?;
        let built = send
            .block
            .stmts
            .iter()
            .position(|stmt| match stmt {
                syn::Stmt::Local(local) => matches!(
                    &local.pat,
                    syn::Pat::Ident(p) if p.ident == "request"
                ),
                _ => false,
            })
            .ok_or_else(|| format!("{}: has no `let request = …`", at()))?;
        let stmts = &send.block.stmts[..=built];
        let build: syn::ImplItemFn = syn::parse_quote! {
            /// Builds the request `send` sends, without sending it: every parameter converted and
            /// checked, the URL, query, headers and body in place.
            pub fn build(self) -> Result<reqwest::Request, #error> {
                #(#stmts)*
                Ok(request)
            }
        };
        block.items.push(syn::ImplItem::Fn(build));
    }
    Ok(())
}

/// `E` of a `Result<_, E>` return type.
fn error_type_of(output: &syn::ReturnType) -> Option<syn::Type> {
    let syn::ReturnType::Type(_, ty) = output else {
        return None;
    };
    let syn::Type::Path(path) = &**ty else {
        return None;
    };
    let last = path.path.segments.last()?;
    if last.ident != "Result" {
        return None;
    }
    let syn::PathArguments::AngleBracketed(args) = &last.arguments else {
        return None;
    };
    match args.args.iter().nth(1)? {
        syn::GenericArgument::Type(error) => Some(error.clone()),
        _ => None,
    }
}

/// Progenitor's `encode_path` leaves `\\` alone, which the WHATWG URL parser reads as `/` in
/// `http(s)` URLs: an id like `..\\..\\v2\\p\\images` would leave its segment. Every path
/// parameter is encoded with the API crate's `encode_path_segment` instead.
struct StricterPathEncoding;

impl syn::visit_mut::VisitMut for StricterPathEncoding {
    fn visit_expr_call_mut(&mut self, call: &mut syn::ExprCall) {
        if let syn::Expr::Path(path) = &mut *call.func
            && path.path.is_ident("encode_path")
        {
            path.path = syn::parse_quote!(crate::encode_path_segment);
        }
        syn::visit_mut::visit_expr_call_mut(self, call);
    }

    // The calls sit inside `format!(…)`, whose arguments are plain tokens.
    fn visit_macro_mut(&mut self, mac: &mut syn::Macro) {
        mac.tokens = replace_encode_path(std::mem::take(&mut mac.tokens));
        syn::visit_mut::visit_macro_mut(self, mac);
    }
}

fn replace_encode_path(tokens: proc_macro2::TokenStream) -> proc_macro2::TokenStream {
    use proc_macro2::TokenTree;
    tokens
        .into_iter()
        .flat_map(|tree| -> Vec<TokenTree> {
            match tree {
                TokenTree::Ident(ident) if ident == "encode_path" => {
                    quote!(crate::encode_path_segment).into_iter().collect()
                }
                TokenTree::Group(group) => {
                    let mut replaced = proc_macro2::Group::new(
                        group.delimiter(),
                        replace_encode_path(group.stream()),
                    );
                    replaced.set_span(group.span());
                    vec![TokenTree::Group(replaced)]
                }
                other => vec![other],
            }
        })
        .collect()
}
