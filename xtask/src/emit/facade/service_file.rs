//! One service's generated module: its resources and their operations.

use proc_macro2::TokenStream;
use quote::quote;

use super::docs::{docs, ident, inner_docs, service_variant};
use super::operation::{form_type, operation_items};
use super::resource::resource_methods;
use crate::model::{Operation, Service};
use crate::progenitor_facts::Facts;

pub(super) fn service_file(service: &Service, facts: &Facts) -> Result<TokenStream, String> {
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
            let methods = resource_methods(service, op, facts)?;
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
        });
        // Only the impl blocks that hold something.
        for (head, methods) in [
            (
                quote!(impl<F: crate::flavour::Flavour> #ty<'_, F>),
                builder_methods,
            ),
            (quote!(impl #ty<'_, crate::flavour::Async>), async_methods),
            (
                quote!(impl #ty<'_, crate::flavour::Blocking>),
                blocking_methods,
            ),
        ] {
            if !methods.is_empty() {
                items.push(quote!(#head { #(#methods)* }));
            }
        }
    }

    for op in &service.operations {
        items.push(operation_items(
            service,
            op,
            facts,
            &mut patterns,
            &variant,
        )?);
    }
    for schema in service.schemas.values().filter(|s| s.multipart) {
        items.extend(form_type(service, &schema.name));
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
