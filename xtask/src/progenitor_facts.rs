//! What progenitor generated for a service, read back from its output: the type each operation
//! builder takes for each parameter, and the fields of each model. The facade generator builds on
//! these facts instead of guessing progenitor's (and typify's) type choices.

use std::collections::BTreeMap;

use quote::ToTokens;

/// The facts of one generated service module.
#[derive(Debug, Default)]
pub struct Facts {
    /// Operation builder (`builder::ListImageServers`) → parameter (Rust name) → the type its
    /// setter converts to, without `Option`, e.g. `i32`, `:: std :: num :: NonZeroU32`,
    /// `types :: GetDevServerImageId`.
    pub parameters: BTreeMap<String, BTreeMap<String, String>>,
    /// Model (`types::ImageServer`) → field → its type, e.g. `:: std :: option :: Option < i32 >`.
    pub fields: BTreeMap<String, BTreeMap<String, String>>,
    /// Operation builder → the type its `send` answers with (`ResponseValue<T>`'s `T`), e.g.
    /// `types :: ImageServer`, `:: std :: vec :: Vec < types :: Inner >`, `()`, `ByteStream`.
    pub answers: BTreeMap<String, syn::Type>,
}

impl Facts {
    pub fn read(file: &syn::File) -> Facts {
        let mut facts = Facts::default();
        for item in &file.items {
            let syn::Item::Mod(module) = item else {
                continue;
            };
            let Some((_, items)) = &module.content else {
                continue;
            };
            for item in items {
                if let syn::Item::Impl(block) = item
                    && module.ident == "builder"
                    && let syn::Type::Path(path) = &*block.self_ty
                    && let Some(builder) = path.path.segments.last()
                    && let Some(answer) = block.items.iter().find_map(|item| match item {
                        syn::ImplItem::Fn(f) if f.sig.ident == "send" => answer_type(&f.sig.output),
                        _ => None,
                    })
                {
                    facts.answers.insert(builder.ident.to_string(), answer);
                }
                let syn::Item::Struct(s) = item else { continue };
                let fields: BTreeMap<String, String> = s
                    .fields
                    .iter()
                    .filter_map(|f| Some((f.ident.as_ref()?.to_string(), type_text(&f.ty))))
                    .collect();
                if module.ident == "builder" {
                    let parameters = fields
                        .into_iter()
                        .filter(|(name, _)| name != "client")
                        .map(|(name, ty)| (name, setter_target(&ty)))
                        .collect();
                    facts.parameters.insert(s.ident.to_string(), parameters);
                } else if module.ident == "types" {
                    facts.fields.insert(s.ident.to_string(), fields);
                }
            }
        }
        facts
    }
}

/// `T` of `Result<ResponseValue<T>, _>`.
fn answer_type(output: &syn::ReturnType) -> Option<syn::Type> {
    let syn::ReturnType::Type(_, ty) = output else {
        return None;
    };
    let first_argument = |ty: &syn::Type| -> Option<syn::Type> {
        let syn::Type::Path(path) = ty else {
            return None;
        };
        let syn::PathArguments::AngleBracketed(args) = &path.path.segments.last()?.arguments else {
            return None;
        };
        match args.args.first()? {
            syn::GenericArgument::Type(ty) => Some(ty.clone()),
            _ => None,
        }
    };
    first_argument(&first_argument(ty)?)
}

fn type_text(ty: &syn::Type) -> String {
    ty.to_token_stream().to_string()
}

/// `Result < Option < T > , String >` (or `Result < T , String >`) → `T`.
fn setter_target(field_type: &str) -> String {
    let inner = field_type
        .strip_prefix("Result <")
        .and_then(|rest| rest.strip_suffix(", String >"))
        .unwrap_or(field_type)
        .trim();
    inner
        .strip_prefix("Option <")
        .and_then(|rest| rest.strip_suffix('>'))
        .unwrap_or(inner)
        .trim()
        .to_string()
}

/// Whether a field type is `Option<…>`.
pub fn is_option(field_type: &str) -> bool {
    field_type.starts_with(":: std :: option :: Option <") || field_type.starts_with("Option <")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn setter_targets_lose_result_and_option() {
        assert_eq!(
            setter_target("Result < Option < :: std :: num :: NonZeroU32 > , String >"),
            ":: std :: num :: NonZeroU32"
        );
        assert_eq!(
            setter_target("Result < types :: GetDevServerImageId , String >"),
            "types :: GetDevServerImageId"
        );
        assert!(is_option(":: std :: option :: Option < i32 >"));
        assert!(!is_option("i32"));
    }
}
