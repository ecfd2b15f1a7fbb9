//! The generated `service.rs`: the `Service` enum, its names and endpoint patterns.

use proc_macro2::TokenStream;
use quote::quote;

use super::docs::{docs, inner_docs, service_variant};
use crate::model::Service;

/// `service.rs`: the service enum, from each spec's `info.x-service`. It imports nothing.
pub(super) fn service_enum(services: &[Service]) -> TokenStream {
    let variants: Vec<syn::Ident> = services.iter().map(service_variant).collect();
    // Each service behind the feature named after its spec file; the count and each position
    // count the services compiled in.
    let features: Vec<&str> = services.iter().map(|s| s.stem.as_str()).collect();
    let indices: Vec<TokenStream> = (0..services.len())
        .map(|i| {
            let before = &features[..i];
            quote!(0 #(+ cfg!(feature = #before) as usize)*)
        })
        .collect();
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
        #![allow(clippy::identity_op, reason = "positions add each service's part, compiled in or not")]
        /// A Huawei Cloud service behind some of the image APIs: one spec file each.
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
        #[non_exhaustive]
        pub enum Service {
            #( #variant_docs #[cfg(feature = #features)] #variants, )*
        }

        impl Service {
            /// Every service compiled in (a cargo feature each), in the order of the spec files. A
            /// slice, so that code written for some services keeps compiling when another crate
            /// of the build enables more (features add).
            pub const ALL: &'static [Service] = &[#(#[cfg(feature = #features)] Service::#variants),*];

            /// The official service name, e.g. `WorkspaceApp`.
            pub const fn name(self) -> &'static str {
                match self { #(#[cfg(feature = #features)] Service::#variants => #names,)* }
            }

            /// The service part of the official override variable
            /// `HUAWEICLOUD_SDK_REGION_<SERVICE>_<REGION>`, e.g. `WORKSPACEAPP`.
            pub const fn env_name(self) -> &'static str {
                match self { #(#[cfg(feature = #features)] Service::#variants => #env_names,)* }
            }

            /// The endpoint of a region missing from the official tables, with `{region}` in
            /// place of the region id (`info.x-service.endpoint` of the spec).
            pub const fn endpoint_pattern(self) -> &'static str {
                match self { #(#[cfg(feature = #features)] Service::#variants => #patterns,)* }
            }

            /// The position of this service in [`Service::ALL`].
            pub(crate) const fn index(self) -> usize {
                match self { #(#[cfg(feature = #features)] Service::#variants => #indices,)* }
            }
        }

    }
}
