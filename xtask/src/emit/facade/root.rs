//! The generated `mod.rs`: the modules, the resources and builders re-exported, the operation
//! table, the models and the client accessors.

use std::collections::BTreeMap;

use proc_macro2::TokenStream;
use quote::quote;

use super::docs::{docs, ident, inner_docs};
use crate::model::Service;

/// `mod.rs`: the modules, the service enum, the operation table, the models and the client
/// accessors.
pub(super) fn root(services: &[Service]) -> TokenStream {
    let modules: Vec<syn::Ident> = services.iter().map(|s| ident(&s.stem)).collect();
    // Each service's code is behind the cargo feature named after its spec file.
    let features: Vec<&str> = services.iter().map(|s| s.stem.as_str()).collect();

    // Every public type of a service module, re-exported at the crate root when no other service
    // has one of that name (the others are reached through their service's module).
    let mut public: BTreeMap<String, Vec<&str>> = BTreeMap::new();
    let mut accessors = Vec::new();
    let mut blocking_accessors = Vec::new();
    let mut all_ops = Vec::new();
    for service in services {
        let module = ident(&service.stem);
        let feature = service.stem.as_str();
        for resource in &service.resources {
            let ty = ident(&resource.tag);
            let accessor = ident(&resource.accessor);
            public
                .entry(resource.tag.clone())
                .or_default()
                .push(&service.stem);
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
                #[cfg(feature = #feature)]
                pub fn #accessor(&self) -> #module::#ty<'_> {
                    #module::#ty { client: self, flavour: crate::flavour::Async }
                }
            });
            blocking_accessors.push(quote! {
                #doc
                #[cfg(feature = #feature)]
                pub fn #accessor(&self) -> #module::#ty<'_, crate::flavour::Blocking> {
                    #module::#ty { client: self.as_async(), flavour: self.flavour().clone() }
                }
            });
        }
        for op in &service.operations {
            if super::operation::needs_builder(op) {
                public
                    .entry(op.type_name.clone())
                    .or_default()
                    .push(&service.stem);
            }
            if super::operation::has_typed_headers(op) {
                public
                    .entry(format!("{}Headers", op.type_name))
                    .or_default()
                    .push(&service.stem);
            }
            let name = ident(&op.const_name());
            all_ops.push(quote!(#[cfg(feature = #feature)] &#module::#name));
        }
    }
    let resource_exports: Vec<TokenStream> = public
        .iter()
        .filter(|(_, stems)| stems.len() == 1)
        .map(|(name, stems)| {
            let module = ident(stems[0]);
            let feature = stems[0];
            let name = ident(name);
            quote!(#[cfg(feature = #feature)] pub use #module::#name;)
        })
        .collect();

    let mut model_modules = Vec::new();
    let mut owners: BTreeMap<&str, Vec<&str>> = BTreeMap::new();
    for service in services {
        for schema in service.schemas.values() {
            owners
                .entry(&schema.rust_name)
                .or_default()
                .push(&service.stem);
        }
    }
    for service in services {
        let module = ident(&service.stem);
        let names: Vec<syn::Ident> = service
            .schemas
            .values()
            .filter(|s| !s.multipart)
            .map(|s| ident(&s.rust_name))
            .collect();
        let forms: Vec<syn::Ident> = service
            .schemas
            .values()
            .filter(|s| s.multipart)
            .map(|s| ident(&s.rust_name))
            .collect();
        let doc = docs(&format!(
            "Every model of {} ({}), as generated into `huaweicloud_images_api::{}::types` (with the types of constrained fields and the `builder` of each model){}.",
            service.name,
            service.file,
            service.stem,
            if forms.is_empty() {
                ""
            } else {
                ", and its multipart forms"
            }
        ));
        let forms =
            (!forms.is_empty()).then(|| quote!(pub use crate::generated::#module::{#(#forms),*};));
        // Every type the API crate made of the spec: the named models, the constrained strings
        // typify makes of their fields (`CreateImageServerReqName`), and the models' builders.
        let _ = &names;
        let models = quote!(pub use huaweicloud_images_api::#module::types::*;);
        let feature = service.stem.as_str();
        model_modules.push(quote! {
            #doc
            #[cfg(feature = #feature)]
            pub mod #module {
                #models
                #forms
            }
        });
    }
    let flat: Vec<TokenStream> = owners
        .iter()
        .filter(|(_, stems)| stems.len() == 1)
        .map(|(name, stems)| {
            let module = ident(stems[0]);
            let feature = stems[0];
            let name = ident(name);
            quote!(#[cfg(feature = #feature)] pub use #module::#name;)
        })
        .collect();

    let header = inner_docs(
        "The facade's per-operation layer, generated from `spec/` by `cargo xtask gen`: one module per\nservice with its resources, request builders, parameter checks and pagination wiring, plus the\noperation table, the models and the client accessors. `service` (the service enum) imports\nnothing, so the hand-written engines can use it without depending on the rest.",
    );
    quote! {
        #header
        pub(crate) mod service;
        #(#[cfg(feature = #features)] pub mod #modules;)*

        #(#resource_exports)*

        /// Every operation of every service compiled in (a cargo feature per spec file), in the
        /// order of the spec files (a slice: features add).
        pub const OPERATIONS: &[&crate::operation::Operation] = &[#(#all_ops),*];

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
