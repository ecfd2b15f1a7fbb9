//! Open enums: every named string enum of a spec becomes a Rust enum with one variant per documented
//! value plus `Unknown(String)`, so a value the service adds later is kept instead of failing the
//! whole response (progenitor's own enums are closed). Progenitor is told to use these types in place
//! of its own (`with_replacement`), and they are written into the same generated file.

use std::collections::BTreeMap;

use heck::ToUpperCamelCase;
use proc_macro2::TokenStream;
use quote::{format_ident, quote};
use serde_json::Value;

/// A named string enum of `components.schemas`.
pub struct OpenEnum {
    /// The schema's name in the spec.
    pub name: String,
    /// Its Rust name, as typify makes it (`OSType` → `OsType`): the type's name, and the key
    /// progenitor looks a replacement up by.
    pub rust_name: String,
    description: Option<String>,
    /// Documented wire values, in spec order.
    values: Vec<String>,
    /// `x-enum-descriptions`: wire value → description.
    value_docs: BTreeMap<String, String>,
    /// `x-enum-aliases`: other spellings → documented wire value.
    aliases: BTreeMap<String, String>,
}

impl OpenEnum {
    /// Every `components.schemas.<Name>` with `type: string` and an `enum`.
    pub fn collect(file: &str, raw: &Value) -> Result<Vec<OpenEnum>, String> {
        let Some(schemas) = raw
            .get("components")
            .and_then(|c| c.get("schemas"))
            .and_then(Value::as_object)
        else {
            return Ok(Vec::new());
        };
        let mut out = Vec::new();
        for (name, schema) in schemas {
            let Some(values) = schema.get("enum").and_then(Value::as_array) else {
                continue;
            };
            let name = name.clone();
            let at = format!("{file}: components.schemas.{name}");
            if schema.get("type").and_then(Value::as_str) != Some("string") {
                return Err(format!(
                    "{at}: only string enums are supported (type: string)"
                ));
            }
            let values = values
                .iter()
                .map(|v| {
                    v.as_str().map(str::to_string).ok_or_else(|| {
                        format!("{at}.enum: every value must be a string, found {v:?}")
                    })
                })
                .collect::<Result<Vec<_>, _>>()?;
            let value_docs = string_map(schema.get("x-enum-descriptions"), &at)?;
            let aliases = string_map(schema.get("x-enum-aliases"), &at)?;
            for target in aliases.values() {
                if !values.contains(target) {
                    return Err(format!(
                        "{at}.x-enum-aliases: `{target}` is not one of the enum values"
                    ));
                }
            }
            let mut variants: BTreeMap<String, &str> = BTreeMap::new();
            for value in &values {
                let variant = variant_name(value);
                if variant.is_empty() || variant == "Unknown" {
                    return Err(format!(
                        "{at}.enum: value `{value}` cannot be a variant name"
                    ));
                }
                if let Some(other) = variants.insert(variant.clone(), value) {
                    return Err(format!(
                        "{at}.enum: values `{other}` and `{value}` both map to the variant `{variant}`"
                    ));
                }
            }
            out.push(OpenEnum {
                rust_name: crate::names::pascal(&name),
                name,
                description: schema
                    .get("description")
                    .and_then(Value::as_str)
                    .map(str::to_string),
                values,
                value_docs,
                aliases,
            });
        }
        Ok(out)
    }

    /// The Rust items for this enum.
    pub fn tokens(&self) -> TokenStream {
        let ident = format_ident!("{}", self.rust_name);
        let known_list = self.values.join("`, `");
        let doc = format!(
            "{}\n\nOpen enum: the documented values are variants; any other value the service sends is kept \
             verbatim in [`{}::Unknown`] and serialized back unchanged. Equality, hashing and order are \
             those of the wire value (`as_str`), so an `Unknown` holding a documented value equals that \
             variant.\n\nDocumented values: `{}`.",
            self.description.as_deref().unwrap_or(&self.name).trim_end(),
            self.name,
            known_list
        );
        let variants: Vec<_> = self
            .values
            .iter()
            .map(|v| format_ident!("{}", variant_name(v)))
            .collect();
        let values = &self.values;
        let variant_docs: Vec<String> = self
            .values
            .iter()
            .map(|v| match self.value_docs.get(v) {
                Some(d) => format!("`{v}`: {d}"),
                None => format!("`{v}`"),
            })
            .collect();
        let alias_arms = self.aliases.iter().map(|(alias, target)| {
            let variant = format_ident!("{}", variant_name(target));
            quote! { #alias => Self::#variant, }
        });
        let schema_description = format!(
            "{} (open: other values are accepted). Documented values: {}.",
            self.description.as_deref().unwrap_or(&self.name).trim_end(),
            self.values.join(", ")
        );
        let schema_name = &self.name;
        quote! {
            #[doc = #doc]
            #[derive(Clone, Debug)]
            #[non_exhaustive]
            pub enum #ident {
                #( #[doc = #variant_docs] #variants, )*
                /// A value this version of the SDK does not know, kept as the service sent it.
                Unknown(::std::string::String),
            }

            impl #ident {
                /// Every documented value, in the order of the spec.
                pub const KNOWN: &'static [Self] = &[#(Self::#variants),*];

                /// The value as it is sent on the wire.
                pub fn as_str(&self) -> &str {
                    match self {
                        #( Self::#variants => #values, )*
                        Self::Unknown(other) => other.as_str(),
                    }
                }

                /// Whether this value is one of the documented ones.
                pub fn is_known(&self) -> bool {
                    !matches!(self, Self::Unknown(_))
                }
            }

            // Equality, hashing and order are those of the wire value, so `Unknown("ACTIVE")`
            // (which `From` never builds, but a caller can) equals `Active`.
            impl ::std::cmp::PartialEq for #ident {
                fn eq(&self, other: &Self) -> bool {
                    self.as_str() == other.as_str()
                }
            }

            impl ::std::cmp::Eq for #ident {}

            impl ::std::hash::Hash for #ident {
                fn hash<H: ::std::hash::Hasher>(&self, state: &mut H) {
                    self.as_str().hash(state)
                }
            }

            impl ::std::cmp::PartialOrd for #ident {
                fn partial_cmp(&self, other: &Self) -> ::std::option::Option<::std::cmp::Ordering> {
                    Some(self.cmp(other))
                }
            }

            impl ::std::cmp::Ord for #ident {
                fn cmp(&self, other: &Self) -> ::std::cmp::Ordering {
                    self.as_str().cmp(other.as_str())
                }
            }

            impl ::std::convert::AsRef<str> for #ident {
                fn as_ref(&self) -> &str {
                    self.as_str()
                }
            }

            impl ::std::convert::From<&str> for #ident {
                fn from(value: &str) -> Self {
                    match value {
                        #( #values => Self::#variants, )*
                        #( #alias_arms )*
                        other => Self::Unknown(other.to_string()),
                    }
                }
            }

            impl ::std::convert::From<::std::string::String> for #ident {
                fn from(value: ::std::string::String) -> Self {
                    Self::from(value.as_str())
                }
            }

            impl ::std::str::FromStr for #ident {
                type Err = ::std::convert::Infallible;
                fn from_str(value: &str) -> ::std::result::Result<Self, Self::Err> {
                    Ok(Self::from(value))
                }
            }

            impl ::std::fmt::Display for #ident {
                fn fmt(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                    f.write_str(self.as_str())
                }
            }

            impl ::serde::Serialize for #ident {
                fn serialize<S: ::serde::Serializer>(&self, serializer: S) -> ::std::result::Result<S::Ok, S::Error> {
                    serializer.serialize_str(self.as_str())
                }
            }

            impl<'de> ::serde::Deserialize<'de> for #ident {
                fn deserialize<D: ::serde::Deserializer<'de>>(deserializer: D) -> ::std::result::Result<Self, D::Error> {
                    let value = <::std::borrow::Cow<'de, str> as ::serde::Deserialize>::deserialize(deserializer)?;
                    Ok(Self::from(value.as_ref()))
                }
            }

            impl ::schemars::JsonSchema for #ident {
                fn schema_name() -> ::std::string::String {
                    #schema_name.to_string()
                }

                fn json_schema(_: &mut ::schemars::r#gen::SchemaGenerator) -> ::schemars::schema::Schema {
                    ::schemars::schema::SchemaObject {
                        instance_type: Some(::schemars::schema::InstanceType::String.into()),
                        metadata: Some(Box::new(::schemars::schema::Metadata {
                            description: Some(#schema_description.to_string()),
                            examples: vec![#(::serde_json::Value::from(#values)),*],
                            ..Default::default()
                        })),
                        ..Default::default()
                    }
                    .into()
                }
            }
        }
    }
}

/// `USER_GROUP` → `UserGroup`, `NULL` → `Null`, `x86` → `X86`, `created_at` → `CreatedAt`.
fn variant_name(value: &str) -> String {
    let name = value.to_lowercase().to_upper_camel_case();
    if name.starts_with(|c: char| c.is_ascii_digit()) {
        format!("V{name}")
    } else {
        name
    }
}

fn string_map(value: Option<&Value>, at: &str) -> Result<BTreeMap<String, String>, String> {
    let Some(value) = value else {
        return Ok(BTreeMap::new());
    };
    let map = value
        .as_object()
        .ok_or_else(|| format!("{at}: x-enum-descriptions/x-enum-aliases must be a mapping"))?;
    map.iter()
        .map(|(k, v)| match v.as_str() {
            Some(v) => Ok((k.clone(), v.trim_end().to_string())),
            _ => Err(format!(
                "{at}: x-enum-descriptions/x-enum-aliases must map strings to strings"
            )),
        })
        .collect()
}
