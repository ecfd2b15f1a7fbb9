//! A resource's methods: one per operation (a call, or a request builder) and the waiters of
//! its `x-waiters`, on the async and the blocking flavour.

use proc_macro2::TokenStream;
use quote::{format_ident, quote};

use super::docs::{docs, ident, one_line, operation_intro};
use super::operation::{
    blocking_output_type, blocking_result, body_types, has_typed_headers, needs_builder,
    output_type,
};
use super::parameter::{facade_type, parameter_doc};
use crate::model::{Kind, Operation, Service};
use crate::progenitor_facts::Facts;

/// A resource's methods for one operation: on every flavour, on the async one, on the blocking one.
#[derive(Default)]
pub(super) struct ResourceMethods {
    pub(super) any: Vec<TokenStream>,
    pub(super) on_async: Vec<TokenStream>,
    pub(super) on_blocking: Vec<TokenStream>,
}

/// The methods of the resource for one operation: for an operation with optional parameters one
/// generic method returning its builder; otherwise a method per flavour returning the answer.
pub(super) fn resource_methods(
    service: &Service,
    op: &Operation,
    facts: &Facts,
) -> Result<ResourceMethods, String> {
    let method = ident(&op.facade_method);
    let input = format_ident!("{}Input", op.type_name);
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
    let mut optional_names: Vec<syn::Ident> =
        op.optional().iter().map(|p| ident(&p.rust_name)).collect();
    let intro = operation_intro(service, op);
    let mut arg_docs: String = positional
        .iter()
        .map(|p| format!("\n- `{}`: {}", p.rust_name, one_line(&parameter_doc(p))))
        .collect();
    // The waiters poll with the positional parameters alone (their operation, a GET, takes no
    // body; its optional parameters are not set).
    let mut waiter_inits = inits.clone();
    waiter_inits.extend(op.optional().iter().map(|p| {
        let name = ident(&p.rust_name);
        quote!(#name: None)
    }));
    let waiter_args = args.clone();
    if let (Some(body), Some((_, argument))) = (&op.body, body_types(op, facts, service)?) {
        if body.required {
            args.push(quote!(body: #argument));
            inits.push(
                if matches!(body.kind, crate::model::BodyKind::Multipart { .. }) {
                    quote!(body)
                } else {
                    quote!(body: body.into())
                },
            );
            arg_docs.push_str(&format!(
                "\n- `body`: {}",
                one_line(if body.description.is_empty() {
                    "the request body."
                } else {
                    &body.description
                })
            ));
        } else {
            optional_names.push(ident("body"));
        }
    }
    let errors = "\n\n# Errors\n[`Error::InvalidInput`](crate::Error::InvalidInput) before anything is sent when a parameter breaks a constraint of the spec (it names the parameter); otherwise the call's errors, e.g. [`Error::Api`](crate::Error::Api) for an error answer.";
    let mut waiters = Vec::new();
    for waiter in &op.waiters {
        let name = ident(&waiter.method);
        let status = ident(&crate::model::snake(&waiter.status));
        let status_type = ident(&service.schemas[&waiter.status_type].rust_name);
        let output = output_type(op, facts, service)?;
        let status_of = if has_typed_headers(op) {
            quote!(answer.body.#status.clone())
        } else {
            quote!(answer.#status.clone())
        };
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
                crate::waiter::poll_with(#input { #(#waiter_inits),* }),
                crate::waiter::WaitSpec {
                    operation: &#const_name,
                    status: |answer| #status_of,
                    targets: vec![#(api::types::#status_type::from(#targets)),*],
                    failures: vec![#(api::types::#status_type::from(#failures)),*],
                    gone_codes: #gone_codes,
                },
            )
        };
        waiters.push(if waiter.deleted {
            quote! {
                #doc
                pub fn #name(&self, #(#waiter_args),*) -> crate::waiter::DeletionWaiter<#output, api::types::#status_type, F> {
                    crate::waiter::DeletionWaiter::new(#build)
                }
            }
        } else {
            quote! {
                #doc
                pub fn #name(&self, #(#waiter_args),*) -> #waiter_ty {
                    #build
                }
            }
        });
    }
    if !needs_builder(op) {
        let output = output_type(op, facts, service)?;
        let blocking_output = blocking_output_type(op, facts, service)?;
        let once = if op.idempotent() {
            ""
        } else {
            "\n\nSent again only when an attempt cannot have reached the service; a failure after which it may have been applied is [`Error::Unconfirmed`](crate::Error::Unconfirmed)."
        };
        let a_doc = docs(&format!("{intro}{arg_docs}{once}{errors}"));
        let b_doc = docs(&format!(
            "{intro}{arg_docs}{once}\n\nBlocking: the same call as the async client's, run on the blocking client's runtime.{errors}"
        ));
        let blocking_call = blocking_result(op, quote!(self.flavour.send(self.client, input)));
        let async_method = quote! {
            #a_doc
            pub async fn #method(&self, #(#args),*) -> crate::error::Result<#output> {
                self.client.send(#input { #(#inits),* }).await
            }
        };
        let blocking_method = quote! {
            #b_doc
            pub fn #method(&self, #(#args),*) -> crate::error::Result<#blocking_output> {
                let input = #input { #(#inits),* };
                #blocking_call
            }
        };
        Ok(ResourceMethods {
            any: waiters,
            on_async: vec![async_method],
            on_blocking: vec![blocking_method],
        })
    } else {
        let builder = ident(&op.type_name);
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
