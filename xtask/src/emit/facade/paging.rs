//! The wiring of an operation with `x-pagination` to a paginator: `OffsetLimit` for the
//! positional styles (`offset-limit`, and `page`, whose index the engine computes from an offset),
//! `Cursor` for the styles where each page names the next (`marker`, `token`); and the builder's
//! `paginate()` on both flavours.

use std::collections::BTreeMap;

use proc_macro2::TokenStream;
use quote::quote;

use super::docs::{docs, ident};
use crate::model::{Operation, Pagination, PagingStyle, Service};
use crate::progenitor_facts::{Facts, is_option};

/// The async and the blocking `paginate()`, and the wiring.
pub(super) fn paged_impl(
    service: &Service,
    op: &Operation,
    paging: &Pagination,
    facts: &Facts,
    input: &syn::Ident,
) -> Result<(TokenStream, TokenStream, TokenStream), String> {
    let at = format!("{}: paths.{}.x-pagination", service.file, op.path);
    let response = op.response.as_deref().unwrap_or_default();
    let response_rust = &service.schemas[response].rust_name;
    let fields = facts
        .fields
        .get(response_rust)
        .ok_or_else(|| format!("{at}: progenitor generated no model `{response_rust}`"))?;
    let field_type = |fields: &BTreeMap<String, String>, model: &str, name: &str| {
        fields
            .get(&crate::model::snake(name))
            .cloned()
            .ok_or_else(|| format!("{at}: the generated `{model}` has no field `{name}`"))
    };
    let items = ident(&crate::model::snake(&paging.items));
    let items_expr = if is_option(&field_type(fields, response, &paging.items)?) {
        quote!(response.#items.unwrap_or_default())
    } else {
        quote!(response.#items)
    };
    let item_rust = &service.schemas[&paging.item_schema].rust_name;
    let key_body = match &paging.item_id {
        Some(id) => {
            let item_fields = facts
                .fields
                .get(item_rust)
                .ok_or_else(|| format!("{at}: progenitor generated no model `{item_rust}`"))?;
            let ty = field_type(item_fields, &paging.item_schema, id)?;
            let id = ident(&crate::model::snake(id));
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
    let item = ident(item_rust);
    let rust_of = |name: &str| {
        ident(
            &op.parameter(name)
                .map(|p| p.rust_name.clone())
                .unwrap_or_default(),
        )
    };
    let limit = rust_of(&paging.limit);
    let position = rust_of(paging.style.position());
    let (low, high) = paging.page_sizes;
    let default = paging.default_page_size;
    let limit_name = &paging.limit;
    let position_name = paging.style.position();
    // An answer with declared headers is `WithHeaders`: the page is its body.
    let body_of = if op.has_typed_headers() {
        quote!(let response = response.body;)
    } else {
        quote!()
    };

    if paging.style.positional() {
        let total_expr = match &paging.total {
            Some(total) => {
                let ty = field_type(fields, response, total)?;
                let total = ident(&crate::model::snake(total));
                if is_option(&ty) {
                    quote!(crate::paginate::reported_total(response.#total))
                } else {
                    quote!(crate::paginate::reported_total(Some(response.#total)))
                }
            }
            None => quote!(None),
        };
        let (start, at_position, aligned, how) = match &paging.style {
            PagingStyle::Page { first, .. } => (
                // The page the caller set, as an offset in items (pages before it times its size).
                quote!(self.#position.map_or(0, |page| page.saturating_sub(#first).saturating_mul(u64::from(self.#limit.unwrap_or(#default))))),
                quote!(Some(#first + offset / u64::from(limit.max(1)))),
                quote!(true),
                format!(
                    "Every item, page by page (`{position_name}` counted from {first}, `{limit_name}` items each), starting at this request's `{position_name}` with its `{limit_name}` as the page size ([`Paginator::start_offset`](crate::Paginator::start_offset), in items, and [`Paginator::page_size`](crate::Paginator::page_size) change them; a start inside a page requests that page and skips its items before the start)"
                ),
            ),
            _ => (
                quote!(self.#position.unwrap_or(0)),
                quote!(Some(offset)),
                quote!(false),
                format!(
                    "Every item, page by page (`{position_name}`/`{limit_name}`), starting at this request's `{position_name}` with its `{limit_name}` as the page size ([`Paginator::start_offset`](crate::Paginator::start_offset) and [`Paginator::page_size`](crate::Paginator::page_size) change them)"
                ),
            ),
        };
        let doc = docs(&format!(
            "{how}; every other parameter is sent with each page. Nothing is sent until the listing is first polled."
        ));
        let wiring = quote! {
            impl crate::paginate::OffsetLimit for #input {
                type Item = api::types::#item;
                const PAGE_SIZES: ::std::ops::RangeInclusive<u32> = #low..=#high;
                const DEFAULT_PAGE_SIZE: u32 = #default;
                const PAGE_ALIGNED: bool = #aligned;

                fn start_offset(&self) -> u64 {
                    #start
                }

                fn page_size(&self) -> Option<u32> {
                    self.#limit
                }

                fn at(&self, offset: u64, limit: u32) -> Self {
                    let mut next = self.clone();
                    next.#position = #at_position;
                    next.#limit = Some(limit);
                    next
                }

                fn into_page(response: Self::Output) -> crate::paginate::Fetched<Self::Item> {
                    #body_of
                    crate::paginate::Fetched {
                        items: #items_expr,
                        total: #total_expr,
                    }
                }

                fn key(item: &Self::Item) -> Option<String> {
                    #key_body
                }
            }
        };
        let terminal = quote! {
            #doc
            pub fn paginate(self) -> crate::paginate::Paginator<api::types::#item> {
                crate::paginate::paginator(self.client, self.input)
            }
        };
        let blocking = quote! {
            #doc
            pub fn paginate(self) -> crate::blocking::Paginator<api::types::#item> {
                crate::blocking::Paginator::new(
                    crate::paginate::paginator(self.client, self.input),
                    self.flavour,
                )
            }
        };
        return Ok((terminal, blocking, wiring));
    }

    let (next_expr, how) = match &paging.style {
        PagingStyle::Marker {
            next: Some(next), ..
        }
        | PagingStyle::Token { next, .. } => {
            let ty = field_type(fields, response, next)?;
            let next_field = ident(&crate::model::snake(next));
            let read = if is_option(&ty) {
                quote!(response.#next_field.clone())
            } else {
                quote!(Some(response.#next_field.clone()))
            };
            (
                read,
                format!(
                    "the `{next}` of each page is the next page's `{position_name}`, until a page gives none"
                ),
            )
        }
        PagingStyle::Marker { next: None, .. } => (
            quote!(
                items
                    .last()
                    .and_then(<Self as crate::paginate::Cursor>::key)
            ),
            format!(
                "the id of each page's last item is the next page's `{position_name}`, until a page is empty"
            ),
        ),
        _ => unreachable!("positional styles returned above"),
    };
    let from_last_item = matches!(paging.style, PagingStyle::Marker { next: None, .. });
    let doc = docs(&format!(
        "Every item, page by page ({how}), starting at this request's `{position_name}` with its `{limit_name}` as the page size ([`CursorPaginator::start_at`](crate::paginate::CursorPaginator::start_at) and [`CursorPaginator::page_size`](crate::paginate::CursorPaginator::page_size) change them); every other parameter is sent with each page. Nothing is sent until the listing is first polled."
    ));
    let wiring = quote! {
        impl crate::paginate::Cursor for #input {
            type Item = api::types::#item;
            const PAGE_SIZES: ::std::ops::RangeInclusive<u32> = #low..=#high;
            const DEFAULT_PAGE_SIZE: u32 = #default;
            const NEXT_FROM_LAST_ITEM: bool = #from_last_item;

            fn start(&self) -> Option<String> {
                self.#position.clone()
            }

            fn page_size(&self) -> Option<u32> {
                self.#limit
            }

            fn at(&self, cursor: Option<String>, limit: u32) -> Self {
                let mut next = self.clone();
                next.#position = cursor;
                next.#limit = Some(limit);
                next
            }

            fn into_page(response: Self::Output) -> crate::paginate::CursorFetched<Self::Item> {
                #body_of
                // The items first: the next marker may be read from them.
                let items = #items_expr;
                let next = #next_expr;
                crate::paginate::CursorFetched { next, items }
            }

            fn key(item: &Self::Item) -> Option<String> {
                #key_body
            }
        }
    };
    let terminal = quote! {
        #doc
        pub fn paginate(self) -> crate::paginate::CursorPaginator<api::types::#item> {
            crate::paginate::cursor_paginator(self.client, self.input)
        }
    };
    let blocking = quote! {
        #doc
        pub fn paginate(self) -> crate::blocking::CursorPaginator<api::types::#item> {
            crate::blocking::CursorPaginator::new(
                crate::paginate::cursor_paginator(self.client, self.input),
                self.flavour,
            )
        }
    };
    Ok((terminal, blocking, wiring))
}
