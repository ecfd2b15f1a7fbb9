//! The fake's operation table, generated from the API model: every operation of every spec with
//! its route, its query parameters and their constraints, its pagination and its documented
//! example. The fake serves every operation in this table; those it has hand-written semantics
//! for get them, the others answer with their documented example.

use proc_macro2::{Literal, TokenStream};
use quote::{format_ident, quote};

use serde_json::Value;

use crate::model::{Answer, BodyKind, Kind, Location, PagingStyle, Service};

/// Where the fake's generated files go, relative to the project root.
pub const OUTPUT_DIR: &str = "crates/huaweicloud-images-fake/src/generated";

pub fn generate(services: &[Service]) -> Result<Vec<(String, TokenStream)>, String> {
    let mut variants = Vec::new();
    let mut variant_docs = Vec::new();
    let mut names = Vec::new();
    let mut op_services = Vec::new();
    let mut specs = Vec::new();
    let mut lists = Vec::new();
    // Each service behind the cargo feature named after its spec file: an operation's position
    // in the table counts the operations of the services compiled in before it.
    let mut op_features = Vec::new();
    let mut indices = Vec::new();
    let mut earlier: Vec<(&str, usize)> = Vec::new();
    for service in services {
        let service_variant = format_ident!("{}", service.name);
        let feature = service.stem.as_str();
        for (position, op) in service.operations.iter().enumerate() {
            op_features.push(feature);
            let before_features: Vec<&str> = earlier.iter().map(|(f, _)| *f).collect();
            let before_counts: Vec<Literal> = earlier
                .iter()
                .map(|(_, n)| Literal::usize_unsuffixed(*n))
                .collect();
            let position = Literal::usize_unsuffixed(position);
            indices.push(
                quote!(#position #(+ #before_counts * cfg!(feature = #before_features) as usize)*),
            );
            let variant = format_ident!("{}", op.type_name);
            variant_docs.push(format!(
                " {} `{} {}` ({}).",
                service.name, op.method, op.path, service.file
            ));
            names.push(op.official_name.clone());
            op_services.push(quote!(Service::#service_variant));
            let method = &op.method;
            let path = &op.path;
            let mut query = Vec::new();
            for p in &op.parameters {
                if p.location != Location::Query {
                    continue;
                }
                let name = &p.name;
                let kind = param_kind(&p.kind);
                let required = p.required;
                query.push(quote!(QueryParam { name: #name, required: #required, kind: #kind }));
            }
            let pagination = match &op.pagination {
                Some(p) => {
                    let (limit, items) = (&p.limit, &p.items);
                    let option = |v: Option<&String>| match v {
                        Some(t) => quote!(Some(#t)),
                        None => quote!(None),
                    };
                    let total = option(p.total.as_ref());
                    let item_id = option(p.item_id.as_ref());
                    let style = match &p.style {
                        PagingStyle::OffsetLimit { offset } => {
                            quote!(PagingStyle::OffsetLimit { offset: #offset })
                        }
                        PagingStyle::Page { page, first } => {
                            quote!(PagingStyle::Page { page: #page, first: #first })
                        }
                        PagingStyle::Marker { marker, next } => {
                            let next = option(next.as_ref());
                            quote!(PagingStyle::Marker { marker: #marker, next: #next })
                        }
                        PagingStyle::Token { token, next } => {
                            quote!(PagingStyle::Token { token: #token, next: #next })
                        }
                    };
                    quote!(Some(PaginationSpec { style: #style, limit: #limit, items: #items, total: #total, item_id: #item_id }))
                }
                None => quote!(None),
            };
            lists.push(op.pagination.is_some());
            let example = match (&op.answer, &op.example) {
                (Answer::Text, Some(Value::String(text))) => Some(text.clone()),
                (Answer::Text, _) => Some("example".to_string()),
                (Answer::Json { .. }, Some(value)) => Some(
                    serde_json::to_string(value)
                        .map_err(|e| format!("{}: example of {}: {e}", service.file, op.id))?,
                ),
                (Answer::Json { .. }, None) => {
                    super::example::synthesize(op, &service.schemas).map(|value| value.to_string())
                }
                _ => None,
            };
            let example = match example {
                Some(text) => quote!(Some(#text)),
                None => quote!(None),
            };
            let success = op.success.first().copied().unwrap_or(200);
            let answer = match &op.answer {
                Answer::Empty => quote!(AnswerKind::Empty),
                Answer::Json { .. } => quote!(AnswerKind::Json),
                Answer::Text => quote!(AnswerKind::Text),
                Answer::Download => quote!(AnswerKind::Download),
            };
            let body = match &op.body {
                None => quote!(None),
                Some(body) => {
                    let required = body.required;
                    let (kind, fields): (TokenStream, Vec<String>) = match &body.kind {
                        BodyKind::Json { schema, .. } => (
                            quote!(BodyKind::Json),
                            schema
                                .as_ref()
                                .and_then(|s| service.schemas.get(s))
                                .map(|s| s.required.clone())
                                .unwrap_or_default(),
                        ),
                        BodyKind::Multipart { parts, .. } => (
                            quote!(BodyKind::Multipart),
                            parts
                                .iter()
                                .filter(|p| p.required)
                                .map(|p| p.name.clone())
                                .collect(),
                        ),
                        BodyKind::Binary { .. } => (quote!(BodyKind::Binary), Vec::new()),
                    };
                    let schema = match &body.json_schema {
                        Some(schema) => quote!(Some(#schema)),
                        None => quote!(None),
                    };
                    quote!(Some(BodySpec { kind: #kind, required: #required, fields: &[#(#fields),*], schema: #schema }))
                }
            };
            let headers = op.response_headers.iter().map(|h| {
                let (name, kind) = (&h.name, &h.kind);
                quote!((#name, #kind))
            });
            let option = |v: Option<&String>| match v {
                Some(v) => quote!(Some(#v)),
                None => quote!(None),
            };
            let collection = match &op.collection {
                Some(role) => {
                    let (name, kind) = (&role.name, &role.role);
                    let (id, ids, job) = (
                        option(role.id.as_ref()),
                        option(role.ids.as_ref()),
                        option(role.job.as_ref()),
                    );
                    quote!(Some(CollectionRole { collection: #name, role: #kind, id: #id, ids: #ids, job: #job }))
                }
                None => quote!(None),
            };
            let token = option(op.idempotency_token.as_ref());
            specs.push(quote! {
                OperationSpec {
                    method: #method,
                    path: #path,
                    query: &[#(#query),*],
                    pagination: #pagination,
                    example: #example,
                    success: #success,
                    answer: #answer,
                    body: #body,
                    response_headers: &[#(#headers),*],
                    collection: #collection,
                    idempotency_token: #token,
                }
            });
            variants.push(variant);
        }
        earlier.push((feature, service.operations.len()));
    }
    let mut collections = Vec::new();
    let mut collection_features = Vec::new();
    for service in services {
        for c in &service.collections {
            collection_features.push(service.stem.as_str());
            let (name, id) = (&c.name, &c.id);
            let status = match &c.status {
                Some(s) => quote!(Some(#s)),
                None => quote!(None),
            };
            let deleting = match &c.deleting {
                Some(s) => quote!(Some(#s)),
                None => quote!(None),
            };
            let states = &c.states;
            let template =
                super::example::item(&service.schemas[&c.schema], &service.schemas).to_string();
            collections.push(quote! {
                CollectionSpec {
                    name: #name,
                    id: #id,
                    status: #status,
                    states: &[#(#states),*],
                    deleting: #deleting,
                    template: #template,
                }
            });
        }
    }
    let service_variants: Vec<syn::Ident> = services
        .iter()
        .map(|s| format_ident!("{}", s.name))
        .collect();
    let service_names: Vec<&str> = services.iter().map(|s| s.name.as_str()).collect();
    let service_docs: Vec<String> = services
        .iter()
        .map(|s| format!(" {} ({}).", s.title, s.file))
        .collect();
    let service_features: Vec<&str> = services.iter().map(|s| s.stem.as_str()).collect();
    let tokens = quote! {
        //! The operations the fake serves, generated from `spec/` by `cargo xtask gen`.
        #![allow(clippy::identity_op, reason = "counts and positions add each service's part, compiled in or not")]

        #[allow(unused_imports, reason = "a spec may use none of some kinds")]
        use crate::services::spec_table::{
            AnswerKind, BodyKind, BodySpec, CollectionRole, CollectionSpec, OperationSpec,
            PaginationSpec, PagingStyle, ParamKind, QueryParam,
        };

        /// One of the operations the fake serves, named as the official SDKs name them (those of
        /// the services compiled in: a cargo feature per spec file).
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        #[non_exhaustive]
        pub enum Operation {
            #( #[doc = #variant_docs] #[cfg(feature = #op_features)] #variants, )*
        }

        /// How many operations this build serves (of the services compiled in).
        const COUNT: usize = 0 #(+ cfg!(feature = #op_features) as usize)*;

        impl Operation {
            /// Every operation of the services compiled in (a cargo feature per spec file), in
            /// the order of the spec files (a slice: features add).
            pub const ALL: &'static [Operation] = &[#(#[cfg(feature = #op_features)] Operation::#variants),*];

            /// The official operation name, e.g. `"ListImageServers"`.
            pub fn name(self) -> &'static str {
                match self { #(#[cfg(feature = #op_features)] Operation::#variants => #names,)* }
            }

            /// The service that answers this operation (decides the error body's shape and codes).
            pub fn service(self) -> Service {
                match self { #(#[cfg(feature = #op_features)] Operation::#variants => #op_services,)* }
            }

            /// Whether the operation returns a page of a list (`x-pagination`; the pagination
            /// faults apply to these only).
            pub fn is_list(self) -> bool {
                match self { #(#[cfg(feature = #op_features)] Operation::#variants => #lists,)* }
            }

            /// What the spec says of the operation: route, query parameters, pagination, example.
            pub fn spec(self) -> &'static OperationSpec {
                &SPECS[self.index()]
            }

            fn index(self) -> usize {
                match self { #(#[cfg(feature = #op_features)] Operation::#variants => #indices,)* }
            }
        }

        impl ::std::fmt::Display for Operation {
            fn fmt(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                f.write_str(self.name())
            }
        }

        static SPECS: [OperationSpec; COUNT] = [#(#[cfg(feature = #op_features)] #specs),*];

        /// The collections the fake remembers (`components.x-collections`).
        pub static COLLECTIONS: &[CollectionSpec] =
            &[#(#[cfg(feature = #collection_features)] #collections),*];

        /// The cloud service behind a path: one spec file each (those compiled in).
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        #[non_exhaustive]
        pub enum Service {
            #( #[doc = #service_docs] #[cfg(feature = #service_features)] #service_variants, )*
        }

        impl Service {
            /// Every service compiled in, in the order of the spec files (a slice: features add).
            pub const ALL: &'static [Service] =
                &[#(#[cfg(feature = #service_features)] Service::#service_variants),*];

            /// The official service name, e.g. `WorkspaceApp`.
            pub fn name(self) -> &'static str {
                match self { #(#[cfg(feature = #service_features)] Service::#service_variants => #service_names,)* }
            }
        }

        impl ::std::fmt::Display for Service {
            fn fmt(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                f.write_str(self.name())
            }
        }
    };
    let module = quote! {
        //! The fake's per-operation table, generated from `spec/` by `cargo xtask gen`.
        pub(crate) mod operations;
    };
    Ok(vec![
        ("mod.rs".to_string(), module),
        ("operations.rs".to_string(), tokens),
    ])
}

/// A query parameter's kind in the fake's table.
fn param_kind(kind: &Kind) -> TokenStream {
    match kind {
        Kind::Integer {
            format,
            minimum,
            maximum,
            default,
        } => {
            let (low, high) = match format.as_deref() {
                Some("int32") => (i64::from(i32::MIN), i64::from(i32::MAX)),
                _ => (i64::MIN, i64::MAX),
            };
            let min = Literal::i64_unsuffixed(minimum.unwrap_or(low).max(low));
            let max = Literal::i64_unsuffixed(maximum.unwrap_or(high).min(high));
            let default = match default {
                Some(d) => {
                    let d = Literal::i64_unsuffixed(*d);
                    quote!(Some(#d))
                }
                None => quote!(None),
            };
            quote!(ParamKind::Integer { minimum: #min, maximum: #max, default: #default })
        }
        Kind::Number { .. } => quote!(ParamKind::Number),
        Kind::Boolean => quote!(ParamKind::Boolean),
        Kind::String {
            min_length,
            max_length,
            pattern,
        } => {
            let (min, max) = (count(min_length), count(max_length));
            let pattern = match pattern {
                Some(p) => quote!(Some(#p)),
                None => quote!(None),
            };
            quote!(ParamKind::String { min_length: #min, max_length: #max, pattern: #pattern })
        }
        Kind::Enum { name, values } => {
            quote!(ParamKind::Enum { name: #name, values: &[#(#values),*] })
        }
        Kind::Array {
            items,
            explode,
            min_items,
            max_items,
        } => {
            let item = param_kind(items);
            let (min, max) = (count(min_items), count(max_items));
            quote!(ParamKind::Array { item: &#item, explode: #explode, min_items: #min, max_items: #max })
        }
    }
}

fn count(value: &Option<u64>) -> TokenStream {
    match value {
        Some(m) => {
            let m = Literal::u64_unsuffixed(*m);
            quote!(Some(#m))
        }
        None => quote!(None),
    }
}
