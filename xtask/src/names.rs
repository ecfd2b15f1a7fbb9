//! Rust names from spec names, made the way progenitor's type generator (typify 0.8) makes them,
//! so that the facade names what the API crate generated: `type` → `type_`, `X-Language` →
//! `x_language`, `UpgradeScheduledTaskVO` → `UpgradeScheduledTaskVo`.

use heck::{ToPascalCase, ToSnakeCase};

/// A field name (typify's): snake_case, `x` before a leading digit, `_` after a keyword.
pub fn snake(name: &str) -> String {
    sanitize(name, |s| s.to_snake_case(), "x")
}

/// A parameter's name (progenitor's, its builder's setter): as [`snake`], but `_` before a
/// leading digit.
pub fn parameter(name: &str) -> String {
    sanitize(name, |s| s.to_snake_case(), "_")
}

/// A type name: PascalCase, `X` before a leading digit, `_` after a keyword.
pub fn pascal(name: &str) -> String {
    sanitize(name, |s| s.to_pascal_case(), "X")
}

fn sanitize(name: &str, case: fn(&str) -> String, digit_prefix: &str) -> String {
    let name = match name {
        "+1" => "plus1",
        "-1" => "minus1",
        other => other,
    };
    let cleaned: String = name
        .replace('\'', "")
        .chars()
        .map(|c| {
            if c.is_alphanumeric() || c == '_' {
                c
            } else {
                '-'
            }
        })
        .collect();
    let out = case(&cleaned);
    let out = match out.chars().next() {
        None => case("x"),
        Some(c) if c.is_alphabetic() || c == '_' => out,
        Some(_) => format!("{digit_prefix}{out}"),
    };
    if is_identifier(&out) {
        out
    } else {
        format!("{out}_")
    }
}

/// Whether `name` is a Rust identifier that is no keyword (`gen` counts as one, as for typify).
fn is_identifier(name: &str) -> bool {
    name != "gen" && name != "_" && syn::parse_str::<syn::Ident>(name).is_ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_made_as_progenitor_makes_them() {
        assert_eq!(snake("type"), "type_");
        assert_eq!(snake("continue"), "continue_");
        assert_eq!(snake("enum"), "enum_");
        assert_eq!(snake("gen"), "gen_");
        assert_eq!(snake("X-Language"), "x_language");
        assert_eq!(snake("limit"), "limit");
        assert_eq!(snake("1st"), "x1st");
        assert_eq!(parameter("2fa"), "_2fa");
        assert_eq!(parameter("type"), "type_");
        assert_eq!(pascal("2Things"), "X2things");
        assert_eq!(pascal("UpgradeScheduledTaskVO"), "UpgradeScheduledTaskVo");
        assert_eq!(pascal("ListDevServerPublicIP"), "ListDevServerPublicIp");
        assert_eq!(pascal("ListImageServers"), "ListImageServers");
        assert_eq!(pascal("Self"), "Self_");
    }
}
