//! One operation's generated items: its entry in the operation table, its `Input` (checks and the
//! request built by the generated client), its request builder, its response headers type and the
//! wiring of its pagination.

use heck::ToUpperCamelCase;
use proc_macro2::TokenStream;
use quote::{format_ident, quote};

use super::docs::{docs, ident, operation_intro};
use super::paging::paged_impl;
use super::parameter::{check_and_convert, facade_type, setter};
use crate::model::{Answer, BodyKind, Location, Operation, Service, Source};
use crate::progenitor_facts::Facts;

/// A type of the generated API crate as the facade names it: `types :: X` → `api :: types :: X`.
pub(super) fn api_type(ty: &syn::Type) -> TokenStream {
    struct Prefix;
    impl syn::visit_mut::VisitMut for Prefix {
        fn visit_type_path_mut(&mut self, path: &mut syn::TypePath) {
            if path.qself.is_none()
                && path.path.leading_colon.is_none()
                && path
                    .path
                    .segments
                    .first()
                    .is_some_and(|s| s.ident == "types")
            {
                path.path.segments.insert(0, syn::parse_quote!(api));
            }
            syn::visit_mut::visit_type_path_mut(self, path);
        }
    }
    let mut ty = ty.clone();
    syn::visit_mut::VisitMut::visit_type_mut(&mut Prefix, &mut ty);
    quote!(#ty)
}

/// The name of the progenitor builder of an operation.
pub(super) fn progenitor_builder(op: &Operation) -> String {
    op.id.to_upper_camel_case()
}

/// The type of the answer's body, as the facade returns it (before any response headers).
fn body_type(op: &Operation, facts: &Facts, service: &Service) -> Result<TokenStream, String> {
    Ok(match &op.answer {
        Answer::Empty => quote!(()),
        Answer::Text => quote!(String),
        Answer::Download => quote!(crate::transfer::Download),
        Answer::Json { .. } => match &op.response {
            Some(name) => {
                let name = ident(&service.schemas[name].rust_name);
                quote!(api::types::#name)
            }
            None => {
                let builder = progenitor_builder(op);
                let ty = facts.answers.get(&builder).ok_or_else(|| {
                    format!(
                        "{}: paths.{}: progenitor's `{builder}::send` answers with no type the facade can read",
                        service.file, op.path
                    )
                })?;
                api_type(ty)
            }
        },
    })
}

/// What a call of the operation returns on the async flavour.
pub(super) fn output_type(
    op: &Operation,
    facts: &Facts,
    service: &Service,
) -> Result<TokenStream, String> {
    let body = body_type(op, facts, service)?;
    Ok(if has_typed_headers(op) {
        let headers = format_ident!("{}Headers", op.type_name);
        quote!(crate::transfer::WithHeaders<#body, #headers>)
    } else {
        body
    })
}

/// What a call of the operation returns on the blocking flavour.
pub(super) fn blocking_output_type(
    op: &Operation,
    facts: &Facts,
    service: &Service,
) -> Result<TokenStream, String> {
    if op.answer == Answer::Download {
        return Ok(quote!(crate::blocking::Download));
    }
    output_type(op, facts, service)
}

/// Whether the answer is returned with a headers struct (a download shows its headers itself).
pub(super) fn has_typed_headers(op: &Operation) -> bool {
    op.has_typed_headers()
}

/// How the blocking flavour hands out a call's output (a download is wrapped to read blocking).
pub(super) fn blocking_result(op: &Operation, call: TokenStream) -> TokenStream {
    if op.answer == Answer::Download {
        quote!(#call.map(|download| crate::blocking::Download::new(download, self.flavour.clone())))
    } else {
        call
    }
}

/// The type a caller gives the body as (stored in the input), and the argument type of the
/// method or setter that takes it.
pub(super) fn body_types(
    op: &Operation,
    facts: &Facts,
    service: &Service,
) -> Result<Option<(TokenStream, TokenStream)>, String> {
    let Some(body) = &op.body else {
        return Ok(None);
    };
    Ok(Some(match &body.kind {
        BodyKind::Json { .. } => {
            let builder = progenitor_builder(op);
            let target = facts
                .parameters
                .get(&builder)
                .and_then(|setters| setters.get("body"))
                .ok_or_else(|| {
                    format!(
                        "{}: paths.{}: progenitor's `{builder}` takes no JSON body",
                        service.file, op.path
                    )
                })?;
            let ty: syn::Type = syn::parse_str(target)
                .map_err(|e| format!("{}: paths.{}: `{target}`: {e}", service.file, op.path))?;
            let ty = api_type(&ty);
            (ty.clone(), quote!(impl Into<#ty>))
        }
        BodyKind::Binary { .. } => (quote!(bytes::Bytes), quote!(impl Into<bytes::Bytes>)),
        BodyKind::Multipart { schema, .. } => {
            let form = ident(&service.schemas[schema].rust_name);
            (quote!(#form), quote!(#form))
        }
    }))
}

/// The operation's table entry, input, builder (if it has optional parameters or an optional
/// body), response headers type and pagination.
pub(super) fn operation_items(
    service: &Service,
    op: &Operation,
    facts: &Facts,
    patterns: &mut Vec<TokenStream>,
    variant: &syn::Ident,
) -> Result<TokenStream, String> {
    let at = format!(
        "{}: paths.{}.{}",
        service.file,
        op.path,
        op.method.to_lowercase()
    );
    let builder_name = progenitor_builder(op);
    let setters = facts.parameters.get(&builder_name).ok_or_else(|| {
        format!(
            "{at}: progenitor generated no builder `{builder_name}` for `{}`",
            op.id
        )
    })?;
    let const_name = ident(&op.const_name());
    let input = format_ident!("{}Input", op.type_name);
    let output = output_type(op, facts, service)?;
    let blocking_output = blocking_output_type(op, facts, service)?;
    let op_method = ident(&op.id);
    let (name, id, method, path) = (&op.official_name, &op.id, &op.method, &op.path);
    let param_names: Vec<&str> = op.parameters.iter().map(|p| p.name.as_str()).collect();
    let param_locations: Vec<&str> = op.parameters.iter().map(|p| p.location.as_str()).collect();
    let param_rust_names: Vec<&str> = op.parameters.iter().map(|p| p.rust_name.as_str()).collect();
    let paginated = op.pagination.is_some();
    let json_answer = matches!(op.answer, Answer::Json { .. });
    let idempotent = op.idempotent();
    let token = match &op.idempotency_token {
        Some(header) => quote!(Some(#header)),
        None => quote!(None),
    };
    let body_media = match op.body.as_ref().map(|b| &b.kind) {
        None => quote!(None),
        Some(BodyKind::Json { .. }) => quote!(Some("application/json")),
        Some(BodyKind::Multipart { .. }) => quote!(Some("multipart/form-data")),
        Some(BodyKind::Binary { media_type }) => quote!(Some(#media_type)),
    };
    let success = &op.success;
    let body = body_type(op, facts, service)?;
    let whole = match &op.answer {
        Answer::Empty => quote!(crate::runtime::answer::empty),
        Answer::Text => quote!(crate::runtime::answer::text),
        Answer::Json { .. } => quote!(crate::runtime::answer::json::<#body>),
        Answer::Download => quote!(unreachable),
    };
    let decode = if op.answer == Answer::Download {
        quote!(crate::runtime::answer::Decoder::Streamed(
            crate::transfer::Download::from_streamed
        ))
    } else if has_typed_headers(op) {
        quote!(crate::runtime::answer::Decoder::Whole(|answer| {
            crate::runtime::answer::headed(answer, #whole)
        }))
    } else {
        quote!(crate::runtime::answer::Decoder::Whole(#whole))
    };
    let table_doc = docs(&format!(
        "`{}`: {} `{} {}`.",
        op.official_name, service.name, op.method, op.path
    ));

    let mut fields = Vec::new();
    // One link of the builder chain per parameter: its check, then its setter.
    let mut chain = Vec::new();
    let mut uses_project = false;
    let mut any_maybe = false;
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
                    any_maybe = true;
                    fields.push(quote!(pub(crate) #rust: Option<#ty>));
                    // The idempotency token: the caller's, else a fresh one for this call (made
                    // once: every attempt sends the request built here).
                    let value = if op.idempotency_token.as_deref() == Some(p.name.as_str()) {
                        let field = &p.name;
                        quote!(Some(crate::runtime::request::idempotency_token(#field, self.#rust)?))
                    } else {
                        quote!(self.#rust)
                    };
                    let checked = check_and_convert(service, op, p, value, true, target, patterns)?;
                    chain.push(quote!(.maybe(#checked, |r, v| r.#rust(v))));
                }
            }
            Source::Runtime => unreachable!("skipped above"),
        }
    }
    // The body: checked (a form encoded) before anything is sent; an optional body not given is
    // not sent at all (the generated client would send `{}`).
    let mut prelude = Vec::new();
    let mut finish = quote!(crate::runtime::request::built(&#const_name, request.build()));
    if let (Some(body), Some((stored, _))) = (&op.body, body_types(op, facts, service)?) {
        let required = body.required;
        fields.push(if required {
            quote!(pub(crate) body: #stored)
        } else {
            quote!(pub(crate) body: Option<#stored>)
        });
        match (&body.kind, required) {
            (BodyKind::Json { .. }, true) => chain.push(quote!(.body(self.body))),
            (BodyKind::Binary { media_type }, true) => {
                chain.push(quote!(.body(reqwest::Body::from(self.body))));
                if media_type != "application/octet-stream" {
                    finish = quote!(crate::runtime::request::built(&#const_name, request.build())
                    .map(|request| crate::runtime::request::with_content_type(
                        request,
                        http::HeaderValue::from_static(#media_type),
                    )));
                }
            }
            (BodyKind::Multipart { .. }, true) => {
                prelude.push(quote!(let (content_type, form) = self.body.encode()?;));
                chain.push(quote!(.body(reqwest::Body::from(form))));
                finish = quote!(crate::runtime::request::built(&#const_name, request.build())
                    .map(|request| crate::runtime::request::with_content_type(request, content_type)));
            }
            (kind, false) => {
                prelude.push(quote!(let given = self.body.is_some();));
                match kind {
                    BodyKind::Json { .. } => {
                        any_maybe = true;
                        chain.push(quote!(.maybe(self.body, |r, v| r.body(v))))
                    }
                    // The generated client always takes raw bytes (none given: empty, taken off
                    // again below).
                    BodyKind::Binary { .. } => chain
                        .push(quote!(.body(reqwest::Body::from(self.body.unwrap_or_default())))),
                    BodyKind::Multipart { .. } => {
                        prelude.push(
                            quote!(let form = self.body.map(|form| form.encode()).transpose()?;),
                        );
                        prelude.push(
                            quote!(let content_type = form.as_ref().map(|(ct, _)| ct.clone());),
                        );
                        chain.push(quote!(.body(reqwest::Body::from(
                            form.map(|(_, form)| form).unwrap_or_default()
                        ))));
                    }
                }
                let restore = if let BodyKind::Binary { media_type } = kind
                    && media_type != "application/octet-stream"
                {
                    quote!(if given {
                        crate::runtime::request::with_content_type(
                            request,
                            http::HeaderValue::from_static(#media_type),
                        )
                    } else {
                        crate::runtime::request::without_body(request)
                    })
                } else if matches!(kind, BodyKind::Multipart { .. }) {
                    quote!(match content_type {
                        Some(content_type) =>
                            crate::runtime::request::with_content_type(request, content_type),
                        None => crate::runtime::request::without_body(request),
                    })
                } else {
                    quote!(if given {
                        request
                    } else {
                        crate::runtime::request::without_body(request)
                    })
                };
                finish = quote!(crate::runtime::request::built(&#const_name, request.build())
                    .map(|request| #restore));
            }
        }
    }
    let project_id = if uses_project {
        quote!(project_id)
    } else {
        quote!(_project_id)
    };
    let maybe = if any_maybe {
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
            idempotent: #idempotent,
            idempotency_token: #token,
            body: #body_media,
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
                #(#prelude)*
                let api = api::Client::new_with_client(base, http.clone());
                let request = api.#op_method() #(#chain)*;
                #finish
            }
        }
    };
    if has_typed_headers(op) {
        out.extend(headers_type(op));
    }

    if !needs_builder(op) {
        return Ok(out);
    }
    let optional = op.optional();
    let builder = ident(&op.type_name);
    let facade_method = &op.facade_method;
    let doc = docs(&format!(
        "{}\n\nFrom [`{}::{}`]; every setter is optional. The async flavour's `send` returns a future; the blocking one's the answer.",
        operation_intro(service, op),
        op.tag,
        facade_method
    ));
    let mut setters: Vec<TokenStream> = optional.iter().map(|p| setter(service, op, p)).collect();
    if let (Some(body), Some((_, argument))) = (&op.body, body_types(op, facts, service)?)
        && !body.required
    {
        let doc = docs(&format!(
            "{}\n\nThe request body (optional: without it, none is sent).",
            if body.description.is_empty() {
                "The request body."
            } else {
                body.description.as_str()
            }
        ));
        let value = if matches!(body.kind, BodyKind::Multipart { .. }) {
            quote!(value)
        } else {
            quote!(value.into())
        };
        setters.push(quote! {
            #doc
            pub fn body(mut self, value: #argument) -> Self {
                self.input.body = Some(#value);
                self
            }
        });
    }
    for setter in &op.combined_setters {
        let method = ident(&setter.method);
        let arguments: Vec<syn::Ident> = setter.parameters.iter().map(|p| ident(p)).collect();
        let types = setter.parameters.iter().map(|name| {
            let p = op
                .parameters
                .iter()
                .find(|p| &p.rust_name == name)
                .expect("the model checked that every parameter of a combined setter exists");
            // The parameters' own types (not `impl Into<…>`): the arguments of one call are
            // read together, so literals and `.into()` need no annotation.
            facade_type(service, op, p)
        });
        let links = setter
            .parameters
            .iter()
            .map(|p| format!("[`{p}`](Self::{p})"))
            .collect::<Vec<_>>()
            .join(", ");
        let doc = docs(&format!(
            "{}\n\nSets {links} in one call.",
            if setter.description.is_empty() {
                "Sets several parameters the service reads together."
            } else {
                setter.description.as_str()
            }
        ));
        setters.push(quote! {
            #doc
            pub fn #method(self, #(#arguments: #types),*) -> Self {
                self #(.#arguments(#arguments))*
            }
        });
    }
    let errors = docs(
        "# Errors\n[`Error::InvalidInput`](crate::Error::InvalidInput) before anything is sent when a parameter breaks a constraint of the spec (it names the parameter); otherwise the call's errors.",
    );
    let once = if op.idempotent() {
        ""
    } else {
        " Sent again only when an attempt cannot have reached the service; a failure after which it may have been applied is [`Error::Unconfirmed`](crate::Error::Unconfirmed)."
    };
    let send_doc = docs(&format!("Sends the request and returns the answer.{once}"));
    let blocking_send_doc = docs(&format!(
        "Sends the request and blocks until the answer is there.{once}"
    ));
    let blocking_call = blocking_result(op, quote!(self.flavour.send(&self.client, self.input)));
    let mut async_terminals = vec![quote! {
        #send_doc
        ///
        #errors
        pub async fn send(self) -> crate::error::Result<#output> {
            self.client.send(self.input).await
        }
    }];
    let mut blocking_terminals = vec![quote! {
        #blocking_send_doc
        ///
        #errors
        pub fn send(self) -> crate::error::Result<#blocking_output> {
            #blocking_call
        }
    }];
    if let Some(paging) = &op.pagination {
        let (terminal_async, terminal_blocking, wiring) =
            paged_impl(service, op, paging, facts, &input)?;
        async_terminals.push(terminal_async);
        blocking_terminals.push(terminal_blocking);
        out.extend(wiring);
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
    Ok(out)
}

/// Whether the operation's method returns a request builder: it has optional parameters or an
/// optional body.
pub(super) fn needs_builder(op: &Operation) -> bool {
    op.returns_builder()
}

/// The struct of the response headers an operation declares.
fn headers_type(op: &Operation) -> TokenStream {
    let name = format_ident!("{}Headers", op.type_name);
    let doc = docs(&format!(
        "The response headers `{}` declares, read from its answer: a header that is missing, or not of its documented type, is `None`.",
        op.official_name
    ));
    let fields = op.response_headers.iter().map(|h| {
        let field = ident(&h.rust_name);
        let ty = match h.kind.as_str() {
            "integer" => quote!(i64),
            "number" => quote!(f64),
            "boolean" => quote!(bool),
            _ => quote!(String),
        };
        let doc = docs(&format!(
            "`{}`{}",
            h.name,
            if h.description.is_empty() {
                ".".to_string()
            } else {
                format!(": {}", h.description)
            }
        ));
        quote!(#doc pub #field: Option<#ty>)
    });
    let reads = op.response_headers.iter().map(|h| {
        let field = ident(&h.rust_name);
        let read = ident(match h.kind.as_str() {
            "integer" => "integer",
            "number" => "number",
            "boolean" => "boolean",
            _ => "string",
        });
        let wire = &h.name;
        quote!(#field: crate::transfer::header::#read(headers, #wire))
    });
    quote! {
        #doc
        #[derive(Clone, Debug, Default, PartialEq)]
        #[non_exhaustive]
        pub struct #name {
            #(#fields,)*
        }

        impl crate::transfer::ResponseHeaders for #name {
            fn from_headers(headers: &http::HeaderMap) -> Self {
                #name { #(#reads,)* }
            }
        }
    }
}

/// The form type of a multipart body: one public field per part (files as
/// `huaweicloud_images::FilePart`), encoded by the facade's form engine.
pub(super) fn form_type(service: &Service, schema: &str) -> Option<TokenStream> {
    let model = &service.schemas[schema];
    let parts = service.operations.iter().find_map(|op| match &op.body {
        Some(crate::model::Body {
            kind: BodyKind::Multipart { schema: s, parts },
            ..
        }) if s == schema => Some(parts),
        _ => None,
    })?;
    let name = ident(&model.rust_name);
    let doc = docs(&format!(
        "{}\n\nA multipart form (`{schema}` of {}): build it with its public fields; it is encoded when sent.",
        if model.description.is_empty() {
            "A multipart form."
        } else {
            model.description.as_str()
        },
        service.file
    ));
    let fields = parts.iter().map(|part| {
        let field = ident(&part.rust_name);
        let ty = part_type(service, &part.kind);
        let ty = if part.required {
            ty
        } else {
            quote!(Option<#ty>)
        };
        let doc = docs(&format!(
            "`{}`{}{}",
            part.name,
            if part.description.is_empty() {
                ".".to_string()
            } else {
                format!(": {}", part.description)
            },
            if part.required { " Required." } else { "" }
        ));
        quote!(#doc pub #field: #ty)
    });
    let links = parts.iter().map(|part| {
        let field = ident(&part.rust_name);
        let wire = &part.name;
        match (&part.kind, part.required) {
            (crate::model::PartKind::File, true) => quote!(.file(#wire, self.#field)?),
            (crate::model::PartKind::File, false) => quote!(.file_opt(#wire, self.#field)?),
            (_, true) => quote!(.text(#wire, self.#field)),
            (_, false) => quote!(.text_opt(#wire, self.#field)),
        }
    });
    let required: Vec<&crate::model::Part> = parts.iter().filter(|p| p.required).collect();
    let arguments = required.iter().map(|part| {
        let field = ident(&part.rust_name);
        let ty = part_type(service, &part.kind);
        quote!(#field: #ty)
    });
    let inits = parts.iter().map(|part| {
        let field = ident(&part.rust_name);
        if part.required {
            quote!(#field)
        } else {
            quote!(#field: None)
        }
    });
    let new_doc = docs(&format!(
        "The form with its required parts{}; set the optional ones on its fields.",
        if required.is_empty() {
            " (none)".to_string()
        } else {
            format!(
                " ({})",
                required
                    .iter()
                    .map(|p| format!("`{}`", p.rust_name))
                    .collect::<Vec<_>>()
                    .join(", ")
            )
        }
    ));
    Some(quote! {
        #doc
        #[derive(Clone, Debug, PartialEq)]
        pub struct #name {
            #(#fields,)*
        }

        impl #name {
            #new_doc
            pub fn new(#(#arguments),*) -> Self {
                #name { #(#inits,)* }
            }

            /// The form encoded, and its `Content-Type` (with the boundary).
            pub(crate) fn encode(self) -> crate::error::Result<(http::HeaderValue, bytes::Bytes)> {
                crate::transfer::form::Form::new() #(#links)* .encode()
            }
        }
    })
}

fn part_type(service: &Service, kind: &crate::model::PartKind) -> TokenStream {
    use crate::model::PartKind;
    match kind {
        PartKind::File => quote!(crate::transfer::FilePart),
        PartKind::String => quote!(String),
        PartKind::Integer => quote!(i64),
        PartKind::Number => quote!(f64),
        PartKind::Boolean => quote!(bool),
        PartKind::Enum(name) => {
            let module = ident(&service.stem);
            let name = ident(&service.schemas[name].rust_name);
            quote!(huaweicloud_images_api::#module::types::#name)
        }
    }
}
