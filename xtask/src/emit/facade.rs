//! The facade's per-operation layer, generated from the API model: resources and their accessors,
//! request builders with one setter per parameter, the checks of every constraint the spec states
//! on a parameter, the forwarding to the generated client, the operation table and, for operations
//! with `x-pagination`, the wiring of the paginator. Everything here is generic engine code's
//! input: the hand-written modules of `crates/huaweicloud-images` never name an operation.

mod docs;
mod operation;
mod paging;
pub(crate) mod parameter;
mod resource;
mod root;
mod service_enum;
mod service_file;

use std::collections::BTreeMap;

use proc_macro2::TokenStream;

use crate::model::Service;
use crate::progenitor_facts::Facts;

/// Where the facade's generated files go, relative to the project root.
pub const OUTPUT_DIR: &str = "crates/huaweicloud-images/src/generated";

/// The generated files: `mod.rs` and one per service.
pub fn generate(
    services: &[Service],
    facts: &BTreeMap<String, Facts>,
) -> Result<Vec<(String, TokenStream)>, String> {
    check_public_names(services)?;
    let mut files = vec![
        ("mod.rs".to_string(), root::root(services)),
        (
            "service.rs".to_string(),
            service_enum::service_enum(services),
        ),
    ];
    for service in services {
        let facts = &facts[&service.stem];
        files.push((
            format!("{}.rs", service.stem),
            service_file::service_file(service, facts)?,
        ));
    }
    Ok(files)
}

/// The public types of a service's module (resources, request builders, headers and form types)
/// must not collide with each other (across services they may: each is reached through its
/// service's module, and re-exported at the crate root only when unique).
fn check_public_names(services: &[Service]) -> Result<(), String> {
    for service in services {
        let mut seen: BTreeMap<String, String> = BTreeMap::new();
        let mut claim = |name: String, by: String| match seen.insert(name.clone(), by.clone()) {
            Some(other) => Err(format!(
                "{}: {by} and {other} both make the facade type `{name}`; rename a tag, an x-official-name or a schema",
                service.file
            )),
            None => Ok(()),
        };
        for resource in &service.resources {
            claim(resource.tag.clone(), format!("tag {}", resource.tag))?;
        }
        for op in &service.operations {
            claim(
                format!("{}Input", op.type_name),
                format!("the input of {}", op.id),
            )?;
            if operation::needs_builder(op) {
                claim(op.type_name.clone(), format!("operation {}", op.id))?;
            }
            if operation::has_typed_headers(op) {
                claim(
                    format!("{}Headers", op.type_name),
                    format!("the response headers of {}", op.id),
                )?;
            }
        }
        for schema in service.schemas.values().filter(|s| s.multipart) {
            claim(
                schema.rust_name.clone(),
                format!("the multipart form {}", schema.name),
            )?;
        }
    }
    Ok(())
}
