//! One operation's generated items: its entry in the operation table, its `Input` (checks and the
//! request built by the generated client) and its request builder.

use heck::ToUpperCamelCase;
use proc_macro2::TokenStream;
use quote::{format_ident, quote};

use super::docs::{docs, ident, operation_intro};
use super::paging::paged_impl;
use super::parameter::{check_and_convert, facade_type, parameter_doc};
use crate::model::{Kind, Location, Operation, Service, Source};
use crate::progenitor_facts::Facts;

pub(super) fn output_type(op: &Operation) -> TokenStream {
    match &op.response {
        Some(name) => {
            let name = ident(name);
            quote!(api::types::#name)
        }
        None => quote!(()),
    }
}

/// The operation's table entry, input, builder (if it has optional parameters) and pagination.
pub(super) fn operation_items(
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
    let success = &op.success;
    let decode = if json_answer {
        quote!(crate::runtime::answer::json::<#output>)
    } else {
        quote!(crate::runtime::answer::empty)
    };
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
        if p.source == Source::Runtime {
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
            Source::Runtime => unreachable!("skipped above"),
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
            const SUCCESS: &'static [u16] = &[#(#success),*];
            const DECODE: crate::runtime::answer::Decoder<Self::Output> = #decode;

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
        let combined = op.combined_setters.iter().map(|setter| {
            let method = ident(&setter.method);
            let arguments: Vec<syn::Ident> = setter.parameters.iter().map(|p| ident(p)).collect();
            let types = setter.parameters.iter().map(|name| {
                let p =
                    op.parameters.iter().find(|p| &p.rust_name == name).expect(
                        "the model checked that every parameter of a combined setter exists",
                    );
                // The parameters' own types (not `impl Into<…>`): the arguments of one call are
                // read together, so literals and `.into()` need no annotation.
                facade_type(service, op, p)
            });
            let setters = setter
                .parameters
                .iter()
                .map(|p| format!("[`{p}`](Self::{p})"))
                .collect::<Vec<_>>()
                .join(", ");
            let doc = docs(&format!(
                "{}\n\nSets {setters} in one call.",
                if setter.description.is_empty() {
                    "Sets several parameters the service reads together."
                } else {
                    setter.description.as_str()
                }
            ));
            quote! {
                #doc
                pub fn #method(self, #(#arguments: #types),*) -> Self {
                    self #(.#arguments(#arguments))*
                }
            }
        });
        let setters = setters.chain(combined);
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
