//! `cargo xtask try [--each] <spec files>`: would the generator take these files? Runs the whole
//! generation (the checks, progenitor, the facade, the fake, the manifest) on spec files outside
//! `spec/`, in memory, writing nothing. With `--each`, every operation on its own (with the
//! schemas it reaches and its tag), as a maintainer adding them one at a time would: it prints how
//! many are taken, by method, and why the others are refused, grouped by reason.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use serde_json::{Map, Value};

use crate::{codegen, spec};

/// Runs the trial; the text to print, or why the files cannot be read at all.
pub fn run(files: &[PathBuf], each: bool) -> Result<String, String> {
    if !each {
        let specs = files
            .iter()
            .map(|f| spec::load(f))
            .collect::<Result<Vec<_>, _>>()?;
        let (outputs, changed) = codegen::generate_from(&specs, "")?;
        let count: usize = outputs.values().map(Vec::len).sum();
        let report = crate::changes::report(&changed);
        return Ok(format!("taken: {count} files would be generated\n{report}"));
    }
    let scratch = std::env::temp_dir().join(format!("xtask-try-{}", std::process::id()));
    let mut out = String::new();
    let mut total = (0usize, 0usize);
    for file in files {
        let (text, counts) = each_operation(file, &scratch)?;
        total.0 += counts.0;
        total.1 += counts.1;
        out.push_str(&text);
    }
    let _ = std::fs::remove_dir_all(&scratch);
    out.push_str(&format!(
        "\nall files: {} of {} operations taken\n",
        total.0, total.1
    ));
    Ok(out)
}

/// Every operation of `file` on its own: the report, and (taken, operations).
fn each_operation(file: &Path, scratch: &Path) -> Result<(String, (usize, usize)), String> {
    let shown = file.display().to_string();
    let text = std::fs::read_to_string(file).map_err(|e| format!("{shown}: {e}"))?;
    let raw: Value =
        serde_saphyr::from_str(&text).map_err(|e| format!("{shown}: not valid YAML: {e}"))?;
    let stem = file
        .file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_default();
    let dir = scratch.join(&stem);
    std::fs::create_dir_all(&dir).map_err(|e| format!("{}: {e}", dir.display()))?;
    let mut taken_by_method: BTreeMap<String, (usize, usize)> = BTreeMap::new();
    let mut reasons: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for (path, item) in raw
        .get("paths")
        .and_then(Value::as_object)
        .into_iter()
        .flatten()
    {
        for (method, op) in item.as_object().into_iter().flatten() {
            let one = single_operation(&raw, path, method, op);
            let one_file = dir.join(format!("{stem}.yaml"));
            let json = serde_json::to_string(&one).map_err(|e| format!("{shown}: {e}"))?;
            std::fs::write(&one_file, json).map_err(|e| format!("{}: {e}", one_file.display()))?;
            let outcome = spec::load(&one_file).and_then(|s| codegen::generate_from(&[s], ""));
            let counts = taken_by_method.entry(method.to_uppercase()).or_default();
            counts.1 += 1;
            let name = op
                .get("x-official-name")
                .or_else(|| op.get("operationId"))
                .and_then(Value::as_str)
                .unwrap_or(path)
                .to_string();
            match outcome {
                Ok(_) => counts.0 += 1,
                Err(error) => reasons.entry(reason_of(&error)).or_default().push(name),
            }
        }
    }
    let taken: usize = taken_by_method.values().map(|c| c.0).sum();
    let operations: usize = taken_by_method.values().map(|c| c.1).sum();
    let mut out = format!("{shown}: {taken} of {operations} operations taken\n");
    for (method, (ok, all)) in &taken_by_method {
        out.push_str(&format!("  {method}: {ok} of {all}\n"));
    }
    let mut grouped: Vec<(&String, &Vec<String>)> = reasons.iter().collect();
    grouped.sort_by_key(|(_, names)| std::cmp::Reverse(names.len()));
    for (reason, names) in grouped {
        let shown_names: Vec<&str> = names.iter().take(3).map(String::as_str).collect();
        out.push_str(&format!(
            "  refused {}: {reason} (e.g. {})\n",
            names.len(),
            shown_names.join(", ")
        ));
    }
    Ok((out, (taken, operations)))
}

/// The document with one operation, its first tag and the schemas it reaches.
fn single_operation(raw: &Value, path: &str, method: &str, op: &Value) -> Value {
    let mut one = raw.clone();
    let Some(object) = one.as_object_mut() else {
        return one;
    };
    let mut item = Map::new();
    item.insert(method.to_string(), op.clone());
    let mut paths = Map::new();
    paths.insert(path.to_string(), Value::Object(item));
    object.insert("paths".into(), Value::Object(paths));
    let tag = op
        .pointer("/tags/0")
        .and_then(Value::as_str)
        .unwrap_or_default();
    if let Some(tags) = object.get_mut("tags").and_then(Value::as_array_mut) {
        tags.retain(|t| t.get("name").and_then(Value::as_str) == Some(tag));
    }
    let wanted = reached(raw, op);
    if let Some(schemas) = object
        .get_mut("components")
        .and_then(|c| c.get_mut("schemas"))
        .and_then(Value::as_object_mut)
    {
        schemas.retain(|name, _| wanted.contains(name));
    }
    one
}

/// The schemas `value` reaches through `$ref`s, transitively.
fn reached(raw: &Value, value: &Value) -> BTreeSet<String> {
    let mut seen = BTreeSet::new();
    let mut stack = vec![value];
    while let Some(value) = stack.pop() {
        match value {
            Value::Object(map) => {
                if let Some(reference) = map.get("$ref").and_then(Value::as_str) {
                    // A schema is followed once; a shared parameter or response each time.
                    let first_time = match reference.strip_prefix("#/components/schemas/") {
                        Some(name) => seen.insert(name.to_string()),
                        None => true,
                    };
                    if first_time && let Some(target) = raw.pointer(&reference.replacen('#', "", 1))
                    {
                        stack.push(target);
                    }
                }
                stack.extend(map.values());
            }
            Value::Array(items) => stack.extend(items),
            _ => {}
        }
    }
    seen
}

/// An error's reason without the file and the place: what refusals have in common.
fn reason_of(error: &str) -> String {
    let mut reason = error.to_string();
    // `spec/x.yaml: paths./v1/….get.parameters.2.schema.type: why` → `parameters.N.schema.type: why`
    if let Some((_, rest)) = reason.split_once(": ") {
        reason = rest.to_string();
    }
    if reason.starts_with("paths.") {
        // After the method: `parameters.2.schema.type`, numbers as `N`.
        let after_method = [".get.", ".post.", ".put.", ".patch.", ".delete."]
            .iter()
            .filter_map(|m| reason.find(m).map(|i| i + m.len()))
            .min();
        if let Some(start) = after_method {
            let rest = &reason[start..];
            reason = match rest.split_once(": ") {
                Some((place, why)) => {
                    let place: Vec<&str> = place
                        .split('.')
                        .map(|part| {
                            if part.chars().all(|c| c.is_ascii_digit()) {
                                "N"
                            } else {
                                part
                            }
                        })
                        .collect();
                    format!("{}: {why}", place.join("."))
                }
                None => rest.to_string(),
            };
        }
    }
    let reason: String = reason
        .split('`')
        .enumerate()
        .map(|(i, part)| if i % 2 == 1 { "…" } else { part })
        .collect::<Vec<_>>()
        .join("`");
    reason.chars().take(160).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reasons_drop_what_differs_between_operations() {
        assert_eq!(
            reason_of(
                "spec/x.yaml: paths./v1/{project_id}/things.get.parameters.2.schema.type: `foo` is not supported"
            ),
            "parameters.N.schema.type: `…` is not supported"
        );
    }
}
