//! The wiring of an operation with `x-pagination` to the paginator: its `OffsetLimit` impl.

use std::collections::BTreeMap;

use proc_macro2::TokenStream;
use quote::quote;

use super::docs::ident;
use crate::model::{Operation, Service};
use crate::progenitor_facts::{Facts, is_option};

pub(super) fn paged_impl(
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
