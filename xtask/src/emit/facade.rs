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

/// Resource and builder types are re-exported at the crate root: they must not collide.
fn check_public_names(services: &[Service]) -> Result<(), String> {
    let mut seen: BTreeMap<String, String> = BTreeMap::new();
    let mut claim = |name: &str, by: String| match seen.insert(name.to_string(), by.clone()) {
        Some(other) => Err(format!(
            "{by} and {other} both make the facade type `{name}`; rename a tag or an x-official-name"
        )),
        None => Ok(()),
    };
    let mut accessors: BTreeMap<String, String> = BTreeMap::new();
    for service in services {
        for resource in &service.resources {
            claim(
                &resource.tag,
                format!("{}: tag {}", service.file, resource.tag),
            )?;
            if let Some(other) = accessors.insert(resource.accessor.clone(), service.file.clone()) {
                return Err(format!(
                    "{}: tag {} makes the client accessor `{}()`, which {other} makes too",
                    service.file, resource.tag, resource.accessor
                ));
            }
        }
        for op in &service.operations {
            if !op.optional().is_empty() {
                claim(&op.official_name, format!("{}: {}", service.file, op.id))?;
            }
        }
    }
    Ok(())
}
