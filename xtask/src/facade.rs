//! The facade's per-operation layer, generated from the API model: resources and their accessors,
//! request builders with one setter per parameter, the checks of every constraint the spec states
//! on a parameter, the forwarding to the generated client, the operation table and, for operations
//! with `x-pagination`, the wiring of the paginator. Everything here is generic engine code's
//! input: the hand-written modules of `crates/huaweicloud-images` never name an operation.

use std::collections::BTreeMap;

use heck::ToUpperCamelCase;
use proc_macro2::{Literal, TokenStream};
use quote::{format_ident, quote};

use crate::model::{Kind, Location, Operation, Parameter, Service, Source};
use crate::progenitor_facts::{Facts, is_option};

/// Where the facade's generated files go, relative to the project root.
pub const OUTPUT_DIR: &str = "crates/huaweicloud-images/src/generated";

/// The generated files: `mod.rs` and one per service.
pub fn generate(
    services: &[Service],
    facts: &BTreeMap<String, Facts>,
) -> Result<Vec<(String, TokenStream)>, String> {
    check_public_names(services)?;
    let mut files = vec![
        ("mod.rs".to_string(), root(services)),
        ("service.rs".to_string(), service_enum(services)),
    ];
    for service in services {
        let facts = &facts[&service.stem];
        files.push((
            format!("{}.rs", service.stem),
            service_file(service, facts)?,
        ));
    }
    Ok(files)
}

/// Resource and builder types are re-exported at the crate root: they must not collide.
fn check_public_names(services: &[Service]) -> Result<(), String> {
    let mut seen: BTreeMap<String, String> = BTreeMap::new();
    let mut claim = |name: &str, by: String| match seen.insert(name.to_string(), by.clone()) {
        Some(other) => Err(format!(
            "{by} and {other} both make the facade type `{name}`; rename a tag or an x-official-name"
        )),
        None => Ok(()),
    };
    let mut accessors: BTreeMap<String, String> = BTreeMap::new();
    for service in services {
        for resource in &service.resources {
            claim(
                &resource.tag,
                format!("{}: tag {}", service.file, resource.tag),
            )?;
            if let Some(other) = accessors.insert(resource.accessor.clone(), service.file.clone()) {
                return Err(format!(
                    "{}: tag {} makes the client accessor `{}()`, which {other} makes too",
                    service.file, resource.tag, resource.accessor
                ));
            }
        }
        for op in &service.operations {
            if !op.optional().is_empty() {
                claim(&op.official_name, format!("{}: {}", service.file, op.id))?;
            }
        }
    }
    Ok(())
}

fn docs(text: &str) -> TokenStream {
    let lines: Vec<String> = text
        .trim_end()
        .lines()
        .map(|l| {
            if l.is_empty() {
                String::new()
            } else {
                format!(" {l}")
            }
        })
        .collect();
    quote!(#(#[doc = #lines])*)
}

fn inner_docs(text: &str) -> TokenStream {
    let lines: Vec<String> = text.trim_end().lines().map(|l| format!(" {l}")).collect();
    quote!(#(#![doc = #lines])*)
}

fn ident(name: &str) -> syn::Ident {
    format_ident!("{}", name)
}

fn service_variant(service: &Service) -> syn::Ident {
    ident(&service.name)
}

/// `mod.rs`: the modules, the service enum, the operation table, the models and the client
/// accessors.
fn root(services: &[Service]) -> TokenStream {
    let modules: Vec<syn::Ident> = services.iter().map(|s| ident(&s.stem)).collect();

    let mut resource_exports = Vec::new();
    let mut accessors = Vec::new();
    let mut blocking_accessors = Vec::new();
    let mut all_ops = Vec::new();
    for service in services {
        let module = ident(&service.stem);
        for resource in &service.resources {
            let ty = ident(&resource.tag);
            let accessor = ident(&resource.accessor);
            resource_exports.push(quote!(pub use #module::#ty;));
            let ops: Vec<String> = service
                .operations
                .iter()
                .filter(|o| o.tag == resource.tag)
                .map(|o| format!("`{}()` ({})", o.facade_method, o.official_name))
                .collect();
            let doc = docs(&format!(
                "{} ({}): {}.",
                resource.description.trim_end_matches('.'),
                service.name,
                ops.join(", ")
            ));
            accessors.push(quote! {
                #doc
                pub fn #accessor(&self) -> #ty<'_> {
                    #ty { client: self, flavour: crate::flavour::Async }
                }
            });
            blocking_accessors.push(quote! {
                #doc
                pub fn #accessor(&self) -> #ty<'_, crate::flavour::Blocking> {
                    #ty { client: self.as_async(), flavour: self.flavour().clone() }
                }
            });
        }
        for op in &service.operations {
            if !op.optional().is_empty() {
                let ty = ident(&op.official_name);
                resource_exports.push(quote!(pub use #module::#ty;));
            }
            let name = ident(&op.const_name());
            all_ops.push(quote!(&#module::#name));
        }
    }
    let op_count = Literal::usize_unsuffixed(all_ops.len());

    let mut model_modules = Vec::new();
    let mut owners: BTreeMap<&str, Vec<&str>> = BTreeMap::new();
    for service in services {
        for name in service.schemas.keys() {
            owners.entry(name).or_default().push(&service.stem);
        }
    }
    for service in services {
        let module = ident(&service.stem);
        let names: Vec<syn::Ident> = service.schemas.keys().map(|n| ident(n)).collect();
        let doc = docs(&format!(
            "Every model of {} ({}), as generated into `huaweicloud_images_api::{}::types`.",
            service.name, service.file, service.stem
        ));
        model_modules.push(quote! {
            #doc
            pub mod #module {
                pub use huaweicloud_images_api::#module::types::{#(#names),*};
            }
        });
    }
    let flat: Vec<TokenStream> = owners
        .iter()
        .filter(|(_, stems)| stems.len() == 1)
        .map(|(name, stems)| {
            let module = ident(stems[0]);
            let name = ident(name);
            quote!(pub use #module::#name;)
        })
        .collect();

    let header = inner_docs(
        "The facade's per-operation layer, generated from `spec/` by `cargo xtask gen`: one module per\nservice with its resources, request builders, parameter checks and pagination wiring, plus the\noperation table, the models and the client accessors. `service` (the service enum) imports\nnothing, so the hand-written engines can use it without depending on the rest.",
    );
    quote! {
        #header
        pub(crate) mod service;
        #(mod #modules;)*

        #(#resource_exports)*

        /// Every operation of every service, in the order of the spec files.
        pub const OPERATIONS: [&crate::operation::Operation; #op_count] = [#(#all_ops),*];

        pub mod models {
            //! The models of every operation, generated from `spec/` into the
            //! `huaweicloud-images-api` crate. Every field is optional; enums are open: the
            //! documented values are variants, anything else is kept in `Unknown(String)`.
            //!
            //! Each service's models are in its module; a model whose name no other service uses
            //! is also here at the top.
            #(#model_modules)*
            #(#flat)*
        }

        impl crate::client::Client {
            #(#accessors)*
        }

        impl crate::blocking::Client {
            #(#blocking_accessors)*
        }
    }
}

/// `service.rs`: the service enum, from each spec's `info.x-service`. It imports nothing.
fn service_enum(services: &[Service]) -> TokenStream {
    let variants: Vec<syn::Ident> = services.iter().map(service_variant).collect();
    let count = Literal::usize_unsuffixed(services.len());
    let indices: Vec<Literal> = (0..services.len()).map(Literal::usize_unsuffixed).collect();
    let names: Vec<&str> = services.iter().map(|s| s.name.as_str()).collect();
    let env_names: Vec<&str> = services.iter().map(|s| s.env_name.as_str()).collect();
    let patterns: Vec<&str> = services.iter().map(|s| s.endpoint.as_str()).collect();
    let variant_docs: Vec<TokenStream> = services
        .iter()
        .map(|s| {
            let ops: Vec<String> = s
                .operations
                .iter()
                .map(|o| format!("`{}`", o.official_name))
                .collect();
            docs(&format!("{} ({}): {}.", s.title, s.file, ops.join(", ")))
        })
        .collect();
    let header = inner_docs("The services, one per spec file (`info.x-service`).");
    quote! {
        #header
        /// A Huawei Cloud service behind some of the image APIs: one spec file each.
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
        #[non_exhaustive]
        pub enum Service {
            #( #variant_docs #variants, )*
        }

        impl Service {
            /// Every service, in the order of the spec files.
            pub const ALL: [Service; #count] = [#(Service::#variants),*];

            /// The official service name, e.g. `WorkspaceApp`.
            pub const fn name(self) -> &'static str {
                match self { #(Service::#variants => #names,)* }
            }

            /// The service part of the official override variable
            /// `HUAWEICLOUD_SDK_REGION_<SERVICE>_<REGION>`, e.g. `WORKSPACEAPP`.
            pub const fn env_name(self) -> &'static str {
                match self { #(Service::#variants => #env_names,)* }
            }

            /// The endpoint of a region missing from the official tables, with `{region}` in
            /// place of the region id (`info.x-service.endpoint` of the spec).
            pub const fn endpoint_pattern(self) -> &'static str {
                match self { #(Service::#variants => #patterns,)* }
            }

            /// The position of this service in [`Service::ALL`].
            pub(crate) const fn index(self) -> usize {
                match self { #(Service::#variants => #indices,)* }
            }
        }

    }
}

/// The type a caller passes for a parameter, as stored in the request.
fn facade_type(service: &Service, op: &Operation, p: &Parameter) -> TokenStream {
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
pub fn facade_type_name(op: &Operation, p: &Parameter) -> String {
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
fn constraint_doc(p: &Parameter) -> Option<String> {
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

fn parameter_doc(p: &Parameter) -> String {
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

fn option_literal(v: Option<i64>) -> TokenStream {
    match v {
        Some(v) => {
            let v = Literal::i128_unsuffixed(i128::from(v));
            quote!(Some(#v))
        }
        None => quote!(None),
    }
}

fn option_f64(v: Option<f64>) -> TokenStream {
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
fn check_and_convert(
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

fn service_file(service: &Service, facts: &Facts) -> Result<TokenStream, String> {
    let module = ident(&service.stem);
    let variant = service_variant(service);
    let mut items = Vec::new();
    let mut patterns = Vec::new();

    for resource in &service.resources {
        let ty = ident(&resource.tag);
        let ops: Vec<&Operation> = service
            .operations
            .iter()
            .filter(|o| o.tag == resource.tag)
            .collect();
        let doc = docs(&format!(
            "{} ({}): {}.\n\nThe `{}` tag of {}. From [`Client::{}`](crate::Client::{}) (or the blocking client's method of the same name).",
            resource.description.trim_end_matches('.'),
            service.name,
            ops.iter()
                .map(|o| format!("`{}()` ({})", o.facade_method, o.official_name))
                .collect::<Vec<_>>()
                .join(", "),
            resource.tag,
            service.file,
            resource.accessor,
            resource.accessor
        ));
        let mut builder_methods = Vec::new();
        let mut async_methods = Vec::new();
        let mut blocking_methods = Vec::new();
        for op in &ops {
            let methods = resource_methods(service, op)?;
            builder_methods.extend(methods.any);
            async_methods.extend(methods.on_async);
            blocking_methods.extend(methods.on_blocking);
        }
        items.push(quote! {
            #doc
            #[derive(Debug)]
            pub struct #ty<'c, F = crate::flavour::Async> {
                pub(crate) client: &'c crate::client::Client,
                pub(crate) flavour: F,
            }

            impl<F: crate::flavour::Flavour> #ty<'_, F> {
                #(#builder_methods)*
            }

            impl #ty<'_, crate::flavour::Async> {
                #(#async_methods)*
            }

            impl #ty<'_, crate::flavour::Blocking> {
                #(#blocking_methods)*
            }
        });
    }

    for op in &service.operations {
        items.push(operation_items(
            service,
            op,
            facts,
            &mut patterns,
            &variant,
            &module,
        )?);
    }

    let header = inner_docs(&format!(
        "{} ({}): the per-operation layer of the facade, generated from the spec.",
        service.title, service.file
    ));
    Ok(quote! {
        #header
        use huaweicloud_images_api::#module as api;
        #[allow(unused_imports, reason = "every operation checks its parameters with it; a service may have none")]
        use crate::validate as check;

        #(#patterns)*
        #(#items)*
    })
}

/// A resource's methods for one operation: on every flavour, on the async one, on the blocking one.
#[derive(Default)]
struct ResourceMethods {
    any: Vec<TokenStream>,
    on_async: Vec<TokenStream>,
    on_blocking: Vec<TokenStream>,
}

/// The methods of the resource for one operation: for an operation with optional parameters one
/// generic method returning its builder; otherwise a method per flavour returning the answer.
fn resource_methods(service: &Service, op: &Operation) -> Result<ResourceMethods, String> {
    let method = ident(&op.facade_method);
    let input = format_ident!("{}Input", op.official_name);
    let positional = op.positional();
    let mut args = Vec::new();
    let mut inits = Vec::new();
    for p in &positional {
        let name = ident(&p.rust_name);
        let ty = facade_type(service, op, p);
        match &p.kind {
            Kind::String { .. } => {
                args.push(quote!(#name: &str));
                inits.push(quote!(#name: #name.to_owned()));
            }
            Kind::Enum { .. } => {
                args.push(quote!(#name: impl Into<#ty>));
                inits.push(quote!(#name: #name.into()));
            }
            _ => {
                args.push(quote!(#name: #ty));
                inits.push(quote!(#name));
            }
        }
    }
    let optional_names: Vec<syn::Ident> =
        op.optional().iter().map(|p| ident(&p.rust_name)).collect();
    let intro = operation_intro(service, op);
    let arg_docs: String = positional
        .iter()
        .map(|p| format!("\n- `{}`: {}", p.rust_name, one_line(&parameter_doc(p))))
        .collect();
    let errors = "\n\n# Errors\n[`Error::InvalidInput`](crate::Error::InvalidInput) before anything is sent when a parameter breaks a constraint of the spec (it names the parameter); otherwise the call's errors, e.g. [`Error::Api`](crate::Error::Api) for an error answer.";
    let mut waiters = Vec::new();
    for waiter in &op.waiters {
        let name = ident(&waiter.method);
        let status = ident(&waiter.status);
        let status_type = ident(&waiter.status_type);
        let output = output_type(op);
        let targets = &waiter.success;
        let failures = &waiter.failure;
        let const_name = ident(&op.const_name());
        let kind = if waiter.deleted {
            format!(
                "Waits until `{}` answers 404 (the resource is gone)",
                op.official_name
            )
        } else {
            format!(
                "Waits until `{}` shows `{}` at {}",
                op.official_name,
                waiter.status,
                waiter
                    .success
                    .iter()
                    .map(|s| format!("`{s}`"))
                    .collect::<Vec<_>>()
                    .join(" or ")
            )
        };
        let failing = if waiter.failure.is_empty() {
            String::new()
        } else {
            format!(
                "; fails at {}",
                waiter
                    .failure
                    .iter()
                    .map(|s| format!("`{s}`"))
                    .collect::<Vec<_>>()
                    .join(", ")
            )
        };
        let mut doc_text = format!("{kind}{failing}.{arg_docs}");
        if !waiter.description.is_empty() {
            doc_text.push_str(&format!("\n\n{}", waiter.description));
        }
        doc_text.push_str(
            "\n\nConfigure the wait (deadline, interval, observer), then `wait()`: see [`crate::waiter`].",
        );
        let doc = docs(&doc_text);
        let waiter_ty = quote!(crate::waiter::Waiter<#output, api::types::#status_type, F>);
        let gone_codes = match &service.error_code_prefix {
            Some(prefix) => quote!(Some(#prefix)),
            None => quote!(None),
        };
        let build = quote! {
            crate::waiter::Waiter::new(
                self.client.clone(),
                self.flavour.clone(),
                crate::waiter::poll_with(#input { #(#inits),* }),
                crate::waiter::WaitSpec {
                    operation: &#const_name,
                    status: |answer| answer.#status.clone(),
                    targets: vec![#(api::types::#status_type::from(#targets)),*],
                    failures: vec![#(api::types::#status_type::from(#failures)),*],
                    gone_codes: #gone_codes,
                },
            )
        };
        waiters.push(if waiter.deleted {
            quote! {
                #doc
                pub fn #name(&self, #(#args),*) -> crate::waiter::DeletionWaiter<#output, api::types::#status_type, F> {
                    crate::waiter::DeletionWaiter::new(#build)
                }
            }
        } else {
            quote! {
                #doc
                pub fn #name(&self, #(#args),*) -> #waiter_ty {
                    #build
                }
            }
        });
    }
    if optional_names.is_empty() {
        let output = output_type(op);
        let a_doc = docs(&format!("{intro}{arg_docs}{errors}"));
        let b_doc = docs(&format!(
            "{intro}{arg_docs}\n\nBlocking: the same call as the async client's, run on the blocking client's runtime.{errors}"
        ));
        let async_method = quote! {
            #a_doc
            pub async fn #method(&self, #(#args),*) -> crate::error::Result<#output> {
                self.client.send(#input { #(#inits),* }).await
            }
        };
        let blocking_method = quote! {
            #b_doc
            pub fn #method(&self, #(#args),*) -> crate::error::Result<#output> {
                let input = #input { #(#inits),* };
                self.flavour.send(self.client, input)
            }
        };
        Ok(ResourceMethods {
            any: waiters,
            on_async: vec![async_method],
            on_blocking: vec![blocking_method],
        })
    } else {
        let builder = ident(&op.official_name);
        let doc = docs(&format!(
            "{intro}{arg_docs}\n\nReturns the request: set its parameters, then `send()` it{}.",
            if op.pagination.is_some() {
                " for one page or `paginate()` it for every item"
            } else {
                ""
            }
        ));
        let method = quote! {
            #doc
            pub fn #method(&self, #(#args),*) -> #builder<F> {
                #builder {
                    client: self.client.clone(),
                    flavour: self.flavour.clone(),
                    input: #input {
                        #(#inits,)*
                        #(#optional_names: None,)*
                    },
                }
            }
        };
        waiters.insert(0, method);
        Ok(ResourceMethods {
            any: waiters,
            ..ResourceMethods::default()
        })
    }
}

fn one_line(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

fn operation_intro(service: &Service, op: &Operation) -> String {
    let mut intro = format!(
        "`{}` ({} `{} {}`)",
        op.official_name, service.name, op.method, op.path
    );
    if !op.summary.is_empty() {
        intro.push_str(&format!(": {}", op.summary.trim_end_matches('.')));
    }
    intro.push('.');
    if !op.description.is_empty() && op.description != op.summary {
        intro.push_str(&format!("\n\n{}", op.description));
    }
    intro
}

fn output_type(op: &Operation) -> TokenStream {
    match &op.response {
        Some(name) => {
            let name = ident(name);
            quote!(api::types::#name)
        }
        None => quote!(()),
    }
}

/// The operation's table entry, input, builder (if it has optional parameters) and pagination.
fn operation_items(
    service: &Service,
    op: &Operation,
    facts: &Facts,
    patterns: &mut Vec<TokenStream>,
    variant: &syn::Ident,
    module: &syn::Ident,
) -> Result<TokenStream, String> {
    let at = format!(
        "{}: paths.{}.{}",
        service.file,
        op.path,
        op.method.to_lowercase()
    );
    let builder_name = op.id.to_upper_camel_case();
    let setters = facts.parameters.get(&builder_name).ok_or_else(|| {
        format!(
            "{at}: progenitor generated no builder `{builder_name}` for `{}`",
            op.id
        )
    })?;
    let const_name = ident(&op.const_name());
    let input = format_ident!("{}Input", op.official_name);
    let output = output_type(op);
    let op_method = ident(&op.id);
    let (name, id, method, path) = (&op.official_name, &op.id, &op.method, &op.path);
    let param_names: Vec<&str> = op.parameters.iter().map(|p| p.name.as_str()).collect();
    let param_locations: Vec<&str> = op.parameters.iter().map(|p| p.location.as_str()).collect();
    let param_rust_names: Vec<&str> = op.parameters.iter().map(|p| p.rust_name.as_str()).collect();
    let paginated = op.pagination.is_some();
    let json_answer = op.response.is_some();
    let table_doc = docs(&format!(
        "`{}`: {} `{} {}`.",
        op.official_name, service.name, op.method, op.path
    ));

    let mut fields = Vec::new();
    // One link of the builder chain per parameter: its check, then its setter.
    let mut chain = Vec::new();
    let mut uses_project = false;
    let mut any_optional = false;
    for p in &op.parameters {
        let rust = ident(&p.rust_name);
        if p.source == Source::Transport {
            continue;
        }
        let target = setters.get(&p.rust_name).ok_or_else(|| {
            format!(
                "{at}: parameter {}: the generated builder `{builder_name}` has no setter `{}`",
                p.name, p.rust_name
            )
        })?;
        match p.source {
            Source::Client => {
                uses_project = true;
                let checked = check_and_convert(
                    service,
                    op,
                    p,
                    quote!(project_id.to_owned()),
                    false,
                    target,
                    patterns,
                )?;
                chain.push(quote!(.#rust(#checked)));
            }
            Source::Caller => {
                let ty = facade_type(service, op, p);
                let positional = p.location == Location::Path || p.required;
                if positional {
                    fields.push(quote!(pub(crate) #rust: #ty));
                    let checked = check_and_convert(
                        service,
                        op,
                        p,
                        quote!(self.#rust),
                        false,
                        target,
                        patterns,
                    )?;
                    chain.push(quote!(.#rust(#checked)));
                } else {
                    any_optional = true;
                    fields.push(quote!(pub(crate) #rust: Option<#ty>));
                    let checked = check_and_convert(
                        service,
                        op,
                        p,
                        quote!(self.#rust),
                        true,
                        target,
                        patterns,
                    )?;
                    chain.push(quote!(.maybe(#checked, |r, v| r.#rust(v))));
                }
            }
            Source::Transport => unreachable!("skipped above"),
        }
    }
    let project_id = if uses_project {
        quote!(project_id)
    } else {
        quote!(_project_id)
    };
    let maybe = if any_optional {
        quote!(
            use crate::runtime::request::Maybe as _;
        )
    } else {
        quote!()
    };

    let input_doc = docs(&format!(
        "The parameters of `{}` a caller sets, as given (checked when sent).",
        op.official_name
    ));
    let mut out = quote! {
        #table_doc
        pub(crate) const #const_name: crate::operation::Operation = crate::operation::Operation {
            name: #name,
            service: crate::generated::service::Service::#variant,
            operation_id: #id,
            method: #method,
            path: #path,
            parameters: &[#(crate::operation::Parameter {
                name: #param_names,
                location: #param_locations,
                rust_name: #param_rust_names,
            }),*],
            paginated: #paginated,
            json_answer: #json_answer,
        };

        #input_doc
        #[derive(Clone, Debug)]
        pub(crate) struct #input {
            #(#fields,)*
        }

        impl crate::runtime::request::Input for #input {
            type Output = #output;
            const OPERATION: &'static crate::operation::Operation = &#const_name;
            const DECODE: crate::runtime::answer::Decoder<Self::Output> =
                crate::runtime::answer::json::<#output>;

            fn build(
                self,
                http: &reqwest::Client,
                base: &str,
                #project_id: &str,
            ) -> crate::error::Result<reqwest::Request> {
                #maybe
                let api = api::Client::new_with_client(base, http.clone());
                let request = api.#op_method() #(#chain)*;
                crate::runtime::request::built(&#const_name, request.build())
            }
        }
    };

    let optional = op.optional();
    if !optional.is_empty() {
        let builder = ident(&op.official_name);
        let resource = ident(&op.tag);
        let facade_method = &op.facade_method;
        let doc = docs(&format!(
            "{}\n\nFrom [`{}::{}`]; every setter is optional. The async flavour's `send` returns a future; the blocking one's the answer.",
            operation_intro(service, op),
            op.tag,
            facade_method
        ));
        let setters = optional.iter().map(|p| {
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
                _ => quote! {
                    #doc
                    pub fn #rust(mut self, value: #ty) -> Self {
                        self.input.#rust = Some(value);
                        self
                    }
                },
            }
        });
        let errors = docs(
            "# Errors\n[`Error::InvalidInput`](crate::Error::InvalidInput) before anything is sent when a parameter breaks a constraint of the spec (it names the parameter); otherwise the call's errors.",
        );
        let mut async_terminals = vec![quote! {
            /// Sends the request and returns the answer.
            ///
            #errors
            pub async fn send(self) -> crate::error::Result<#output> {
                self.client.send(self.input).await
            }
        }];
        let mut blocking_terminals = vec![quote! {
            /// Sends the request and blocks until the answer is there.
            ///
            #errors
            pub fn send(self) -> crate::error::Result<#output> {
                self.flavour.send(&self.client, self.input)
            }
        }];
        if let Some(paging) = &op.pagination {
            let item = ident(&paging.item_schema);
            let offset = &paging.offset;
            let limit = &paging.limit;
            let doc = docs(&format!(
                "Every item, page by page (`{offset}`/`{limit}`), starting at this request's `{offset}` with its `{limit}` as the page size ([`Paginator::start_offset`](crate::Paginator::start_offset) and [`Paginator::page_size`](crate::Paginator::page_size) change them); every other parameter is sent with each page. Nothing is sent until the listing is first polled."
            ));
            async_terminals.push(quote! {
                #doc
                pub fn paginate(self) -> crate::paginate::Paginator<api::types::#item> {
                    crate::paginate::paginator(self.client, self.input)
                }
            });
            blocking_terminals.push(quote! {
                #doc
                pub fn paginate(self) -> crate::blocking::Paginator<api::types::#item> {
                    crate::blocking::Paginator::new(
                        crate::paginate::paginator(self.client, self.input),
                        self.flavour,
                    )
                }
            });
            out.extend(paged_impl(service, op, paging, facts, &input)?);
        }
        out.extend(quote! {
            #doc
            #[derive(Clone, Debug)]
            #[must_use = "a request does nothing until it is sent"]
            pub struct #builder<F = crate::flavour::Async> {
                client: crate::client::Client,
                flavour: F,
                input: #input,
            }

            impl<F: crate::flavour::Flavour> #builder<F> {
                #(#setters)*
            }

            impl #builder<crate::flavour::Async> {
                #(#async_terminals)*
            }

            impl #builder<crate::flavour::Blocking> {
                #(#blocking_terminals)*
            }
        });
        let _ = resource;
    }
    let _ = module;
    Ok(out)
}

fn paged_impl(
    service: &Service,
    op: &Operation,
    paging: &crate::model::Pagination,
    facts: &Facts,
    input: &syn::Ident,
) -> Result<TokenStream, String> {
    let at = format!("{}: paths.{}.x-pagination", service.file, op.path);
    let response = op.response.as_deref().unwrap_or_default();
    let fields = facts
        .fields
        .get(response)
        .ok_or_else(|| format!("{at}: progenitor generated no model `{response}`"))?;
    let field_type = |fields: &BTreeMap<String, String>, model: &str, name: &str| {
        fields
            .get(name)
            .cloned()
            .ok_or_else(|| format!("{at}: the generated `{model}` has no field `{name}`"))
    };
    let items = ident(&paging.items);
    let items_expr = if is_option(&field_type(fields, response, &paging.items)?) {
        quote!(response.#items.unwrap_or_default())
    } else {
        quote!(response.#items)
    };
    let total_expr = match &paging.total {
        Some(total) => {
            let ty = field_type(fields, response, total)?;
            let total = ident(total);
            if is_option(&ty) {
                quote!(crate::paginate::reported_total(response.#total))
            } else {
                quote!(crate::paginate::reported_total(Some(response.#total)))
            }
        }
        None => quote!(None),
    };
    let key_body = match &paging.item_id {
        Some(id) => {
            let item_fields = facts.fields.get(&paging.item_schema).ok_or_else(|| {
                format!(
                    "{at}: progenitor generated no model `{}`",
                    paging.item_schema
                )
            })?;
            let ty = field_type(item_fields, &paging.item_schema, id)?;
            let id = ident(id);
            match (is_option(&ty), ty.contains("String")) {
                (true, true) => quote!(item.#id.clone()),
                (true, false) => quote!(item.#id.as_ref().map(ToString::to_string)),
                (false, true) => quote!(Some(item.#id.clone())),
                (false, false) => quote!(Some(item.#id.to_string())),
            }
        }
        None => quote!({
            let _ = item;
            None
        }),
    };
    let item = ident(&paging.item_schema);
    let offset = ident(
        &op.parameter(&paging.offset)
            .map(|p| p.rust_name.clone())
            .unwrap_or_default(),
    );
    let limit = ident(
        &op.parameter(&paging.limit)
            .map(|p| p.rust_name.clone())
            .unwrap_or_default(),
    );
    let (low, high) = paging.page_sizes;
    let default = paging.default_page_size;
    Ok(quote! {
        impl crate::paginate::OffsetLimit for #input {
            type Item = api::types::#item;
            const PAGE_SIZES: ::std::ops::RangeInclusive<u32> = #low..=#high;
            const DEFAULT_PAGE_SIZE: u32 = #default;

            fn start_offset(&self) -> u64 {
                self.#offset.unwrap_or(0)
            }

            fn page_size(&self) -> Option<u32> {
                self.#limit
            }

            fn at(&self, offset: u64, limit: u32) -> Self {
                let mut next = self.clone();
                next.#offset = Some(offset);
                next.#limit = Some(limit);
                next
            }

            fn into_page(response: Self::Output) -> crate::paginate::Fetched<Self::Item> {
                crate::paginate::Fetched {
                    items: #items_expr,
                    total: #total_expr,
                }
            }

            fn key(item: &Self::Item) -> Option<String> {
                #key_body
            }
        }
    })
}
