//! What users of the facade will notice of a spec change, before anyone reads generated code.
//!
//! `cargo xtask gen` writes a manifest of the surface the spec gives users (services, operations
//! and the facade call for each, parameters with their constraints, models, fields, enum values)
//! beside the generated facade code, and compares it with the manifest checked in before: every
//! entry added, removed or changed is printed on one line, and those that can break a caller's
//! code or make a call that worked fail are marked `BREAKING`.

use std::collections::BTreeMap;

/// One entry: its kind (for the rules) and its attributes.
pub type Entries = BTreeMap<String, BTreeMap<String, String>>;

/// Reads a manifest written by [`crate::emit::manifest`]; a missing or unreadable one is empty.
pub fn parse(text: &str) -> Entries {
    serde_json::from_str(text).unwrap_or_default()
}

/// One noticed change.
#[derive(Debug, PartialEq, Eq)]
pub struct Change {
    pub line: String,
    pub breaking: bool,
}

/// The changes from `old` to `new`, in key order.
pub fn diff(old: &Entries, new: &Entries) -> Vec<Change> {
    let mut out = Vec::new();
    for (key, attrs) in new {
        match old.get(key) {
            None => {
                // A new required parameter changes the call of an operation that existed.
                let required = attrs.get("required").is_some_and(|r| r == "true");
                let existing_operation = key
                    .strip_prefix("parameter ")
                    .and_then(|rest| rest.split_once('.'))
                    .is_some_and(|(op, _)| old.contains_key(&format!("operation {op}")));
                // So does a new required field of a request model that existed (its builder,
                // or a form's `new`, asks for it).
                let existing_model = key
                    .strip_prefix("field ")
                    .and_then(|rest| rest.rsplit_once('.'))
                    .is_some_and(|(model, _)| old.contains_key(&format!("model {model}")));
                let kind = attrs.get("kind").map(String::as_str);
                let breaking = required
                    && ((kind == Some("parameter") && existing_operation)
                        || (kind == Some("field") && existing_model));
                out.push(Change {
                    line: format!("+ {key}{}", summary(attrs)),
                    breaking,
                });
            }
            Some(before) if before != attrs => out.extend(changed(key, before, attrs)),
            Some(_) => {}
        }
    }
    for key in old.keys().filter(|k| !new.contains_key(*k)) {
        out.push(Change {
            line: format!("- {key}"),
            breaking: true,
        });
    }
    out.sort_by(|a, b| {
        let key = |c: &Change| c.line.get(2..).unwrap_or_default().to_string();
        key(a).cmp(&key(b))
    });
    out
}

fn summary(attrs: &BTreeMap<String, String>) -> String {
    let shown: Vec<String> = attrs
        .iter()
        .filter(|(k, v)| *k != "kind" && *k != "description" && !v.is_empty())
        .map(|(k, v)| format!("{k} {v}"))
        .collect();
    if shown.is_empty() {
        String::new()
    } else {
        format!(" ({})", shown.join(", "))
    }
}

fn changed(
    key: &str,
    before: &BTreeMap<String, String>,
    after: &BTreeMap<String, String>,
) -> Vec<Change> {
    let kind = after.get("kind").map(String::as_str).unwrap_or_default();
    let mut names: Vec<&String> = before.keys().chain(after.keys()).collect();
    names.sort();
    names.dedup();
    let mut out = Vec::new();
    for name in names {
        let (old, new) = (
            before.get(name).map(String::as_str).unwrap_or_default(),
            after.get(name).map(String::as_str).unwrap_or_default(),
        );
        if old == new {
            continue;
        }
        let breaking = is_breaking(kind, name, old, new);
        let shown = |v: &str| {
            if v.is_empty() {
                "(none)".to_string()
            } else {
                v.to_string()
            }
        };
        out.push(Change {
            line: format!("~ {key}: {name} {} -> {}", shown(old), shown(new)),
            breaking,
        });
    }
    out
}

/// Whether changing attribute `name` of an entry of `kind` from `old` to `new` can break a caller:
/// a different call or type, a parameter that becomes required, or a constraint that refuses a
/// value it accepted before.
fn is_breaking(kind: &str, name: &str, old: &str, new: &str) -> bool {
    let number = |v: &str| v.parse::<f64>().ok();
    match (kind, name) {
        (_, "description") | (_, "http") | ("service", "endpoint") => false,
        // Added: `paginate()` appears (the offset/limit setters' types are reported with them).
        // Any other change can break a caller: another style returns another paginator, and
        // fewer page sizes refuse one that worked; more page sizes or another default do not.
        ("operation", "pagination") => !old.is_empty() && !only_more_page_sizes(old, new),
        // Whether a failed call is sent again: behaviour, not the call's shape.
        ("operation", "retried") => false,
        // Recorded since the manifest knows answers: from nothing is not a change of the call.
        ("operation", "answer") if old.is_empty() => false,
        ("operation", _) => true,
        // A waiter that ends elsewhere changes what the caller's `.wait()` means.
        ("waiter", _) => true,
        ("parameter", "required") => new == "true",
        ("parameter", "minimum" | "minLength") => match (number(old), number(new)) {
            (_, None) => false,
            (None, Some(_)) => true,
            (Some(a), Some(b)) => b > a,
        },
        ("parameter", "maximum" | "maxLength") => match (number(old), number(new)) {
            (_, None) => false,
            (None, Some(_)) => true,
            (Some(a), Some(b)) => b < a,
        },
        ("parameter", "pattern") => !new.is_empty(),
        ("parameter", "default") => false,
        // int32 holds less than int64 (or no format, read as int64).
        ("parameter", "format") => {
            let width = |f: &str| if f == "int32" { 32 } else { 64 };
            width(new) < width(old)
        }
        // The setter's type: what a caller passes.
        ("parameter", "rust type") => true,
        // The parameter's own spec type can change with the setter's staying the same (an
        // integer's facade type is chosen by its role); a changed setter type is reported above.
        ("parameter", "type") => true,
        _ => true,
    }
}

/// Whether two pagination descriptions differ only in page sizes that the new one widens (or
/// keeps) and in the default page size: every `page_size(n)` that worked still works.
fn only_more_page_sizes(old: &str, new: &str) -> bool {
    // "… page sizes {min}..={max} default {default}"
    fn split(v: &str) -> Option<(&str, f64, f64)> {
        let (shape, sizes) = v.split_once(" page sizes ")?;
        let range = sizes.split_whitespace().next()?;
        let (min, max) = range.split_once("..=")?;
        Some((shape, min.parse().ok()?, max.parse().ok()?))
    }
    match (split(old), split(new)) {
        (Some((old_shape, old_min, old_max)), Some((new_shape, new_min, new_max))) => {
            old_shape == new_shape && new_min <= old_min && new_max >= old_max
        }
        _ => false,
    }
}

/// The printed summary.
pub fn report(changes: &[Change]) -> String {
    if changes.is_empty() {
        return "no change users of the facade will notice\n".to_string();
    }
    let breaking = changes.iter().filter(|c| c.breaking).count();
    let mut out = format!(
        "{} change(s) users of the facade will notice ({breaking} breaking):\n",
        changes.len()
    );
    for change in changes {
        out.push_str(&format!(
            "  {}{}\n",
            change.line,
            if change.breaking { "  [BREAKING]" } else { "" }
        ));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(attrs: &[(&str, &str)]) -> BTreeMap<String, String> {
        attrs
            .iter()
            .map(|(k, v)| ((*k).to_string(), (*v).to_string()))
            .collect()
    }

    #[test]
    fn additions_removals_and_constraint_changes_are_classified() {
        let limit = |max: &str| {
            entry(&[
                ("kind", "parameter"),
                ("required", "false"),
                ("type", "integer"),
                ("format", "int32"),
                ("minimum", "1"),
                ("maximum", max),
            ])
        };
        let old: Entries = [
            ("parameter Op.limit".to_string(), limit("100")),
            (
                "enum value S.Status.GONE".to_string(),
                entry(&[("kind", "enum value")]),
            ),
        ]
        .into_iter()
        .collect();
        let mut new: Entries = [("parameter Op.limit".to_string(), limit("200"))]
            .into_iter()
            .collect();
        new.insert(
            "parameter Op.kind".into(),
            entry(&[
                ("kind", "parameter"),
                ("required", "false"),
                ("type", "string"),
            ]),
        );
        let changes = diff(&old, &new);
        let lines: Vec<(&str, bool)> = changes
            .iter()
            .map(|c| (c.line.as_str(), c.breaking))
            .collect();
        assert_eq!(
            lines,
            [
                ("- enum value S.Status.GONE", true),
                ("+ parameter Op.kind (required false, type string)", false),
                ("~ parameter Op.limit: maximum 100 -> 200", false),
            ]
        );
        let narrowed = diff(&new, &old);
        assert!(
            narrowed
                .iter()
                .any(|c| c.line == "~ parameter Op.limit: maximum 200 -> 100" && c.breaking),
            "{narrowed:?}"
        );
        assert!(
            narrowed
                .iter()
                .any(|c| c.line == "- parameter Op.kind" && c.breaking)
        );
        assert_eq!(report(&[]), "no change users of the facade will notice\n");
    }

    #[test]
    fn required_parameters_and_new_patterns_break() {
        assert!(is_breaking("parameter", "required", "false", "true"));
        assert!(!is_breaking("parameter", "required", "true", "false"));
        assert!(is_breaking("parameter", "pattern", "", "^a$"));
        assert!(!is_breaking("parameter", "pattern", "^a$", ""));
        assert!(is_breaking("parameter", "minimum", "", "0"));
        assert!(!is_breaking("parameter", "minimum", "0", ""));
        assert!(is_breaking("field", "type", "string", "integer"));
        assert!(is_breaking("parameter", "format", "int64", "int32"));
        assert!(is_breaking("parameter", "format", "", "int32"));
        assert!(!is_breaking("parameter", "format", "int32", "int64"));
        assert!(is_breaking("parameter", "rust type", "i64", "u64"));
        assert!(!is_breaking(
            "operation",
            "pagination",
            "",
            "offset/limit …"
        ));
        assert!(is_breaking(
            "operation",
            "pagination",
            "offset-limit offset/limit …",
            "marker marker/limit …"
        ));
        let sizes = |min: u32, max: u32, default: u32| {
            format!(
                "offset-limit offset/limit items items page sizes {min}..={max} default {default}"
            )
        };
        assert!(!is_breaking(
            "operation",
            "pagination",
            &sizes(1, 100, 10),
            &sizes(1, 200, 10)
        ));
        assert!(!is_breaking(
            "operation",
            "pagination",
            &sizes(1, 100, 10),
            &sizes(1, 100, 20)
        ));
        assert!(!is_breaking(
            "operation",
            "pagination",
            &sizes(2, 100, 10),
            &sizes(1, 100, 10)
        ));
        assert!(is_breaking(
            "operation",
            "pagination",
            &sizes(1, 200, 10),
            &sizes(1, 100, 10)
        ));
        assert!(is_breaking(
            "operation",
            "pagination",
            &sizes(1, 100, 10),
            &sizes(2, 100, 10)
        ));
        assert!(is_breaking(
            "operation",
            "pagination",
            &sizes(1, 100, 10),
            &sizes(1, 200, 10).replace("items items", "items servers")
        ));
        assert!(is_breaking("operation", "call", "a()", "b()"));
        assert!(!is_breaking("operation", "description", "a", "b"));
    }

    #[test]
    fn a_new_required_field_of_an_existing_request_model_breaks() {
        let model = |name: &str| (format!("model {name}"), entry(&[("kind", "model")]));
        let field = |required: &str| {
            entry(&[
                ("kind", "field"),
                ("type", "string"),
                ("required", required),
            ])
        };
        let old: Entries = [model("S.CreateReq")].into_iter().collect();
        let mut new = old.clone();
        new.insert("field S.CreateReq.zone".into(), field("true"));
        new.insert(
            "field S.CreateReq.note".into(),
            entry(&[("kind", "field"), ("type", "string")]),
        );
        new.extend([model("S.NewReq")]);
        new.insert("field S.NewReq.zone".into(), field("true"));
        let changes = diff(&old, &new);
        let breaking: Vec<&str> = changes
            .iter()
            .filter(|c| c.breaking)
            .map(|c| c.line.as_str())
            .collect();
        assert_eq!(breaking.len(), 1, "{changes:?}");
        assert!(
            breaking[0].starts_with("+ field S.CreateReq.zone"),
            "{breaking:?}"
        );
    }

    #[test]
    fn body_answer_and_header_changes_are_classified() {
        // A body field's type or required-ness changes how the body is built.
        assert!(is_breaking("field", "type", "integer int32", "string"));
        assert!(is_breaking("field", "required", "", "true"));
        assert!(is_breaking(
            "operation",
            "body",
            "json CreateThingReq",
            "multipart UploadForm"
        ));
        assert!(is_breaking(
            "operation",
            "answer",
            "200 json Thing",
            "204 ()"
        ));
        assert!(is_breaking(
            "operation",
            "response headers",
            "",
            "X-Request-Id string"
        ));
        // The manifest learnt answers: recording one where there was none is not a change.
        assert!(!is_breaking("operation", "answer", "", "200 json Thing"));
        // Whether a call is retried is behaviour, not the call's shape.
        assert!(!is_breaking(
            "operation",
            "retried",
            "never",
            "after a failure worth it"
        ));
    }
}
