//! Doc comments and names in the generated code.

use proc_macro2::TokenStream;
use quote::{format_ident, quote};

use crate::model::{Operation, Service};

pub(super) fn docs(text: &str) -> TokenStream {
    let lines: Vec<String> = text
        .trim_end()
        .lines()
        .map(str::trim_end)
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

pub(super) fn inner_docs(text: &str) -> TokenStream {
    let lines: Vec<String> = text
        .trim_end()
        .lines()
        .map(|l| format!(" {}", l.trim_end()))
        .collect();
    quote!(#(#![doc = #lines])*)
}

pub(super) fn ident(name: &str) -> syn::Ident {
    format_ident!("{}", name)
}

pub(super) fn service_variant(service: &Service) -> syn::Ident {
    ident(&service.name)
}

pub(super) fn one_line(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

pub(super) fn operation_intro(service: &Service, op: &Operation) -> String {
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
