//! Loading `spec/*.yaml` and the checks that must pass before progenitor sees a spec.
//!
//! Progenitor panics deep inside on some inputs (several error schemas in one operation, `default`
//! beside a success response) and silently makes closed enums of inline `enum`s. Each of those is
//! refused here first with the file, the path inside it and the reason.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use openapiv3::OpenAPI;
use serde_json::Value;

use crate::open_enum::OpenEnum;

/// One loaded and checked spec file.
pub struct Spec {
    /// File stem, e.g. `workspaceapp`; also the Rust module name.
    pub stem: String,
    /// Path relative to the project root, for messages.
    pub display_path: String,
    /// The parsed document.
    pub api: OpenAPI,
    /// The named string enums of `components/schemas`, generated as open enums.
    pub open_enums: Vec<OpenEnum>,
    /// The document as JSON, for the extensions openapiv3 does not model.
    pub json: serde_json::Value,
}

impl Spec {
    pub fn output_file_name(&self) -> String {
        format!("{}.rs", self.stem)
    }
}

/// Loads every `*.yaml` in `dir` (sorted by name) and checks them, together for operationId uniqueness.
pub fn load_all(dir: &Path) -> Result<Vec<Spec>, String> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
        .map_err(|e| format!("{}: cannot read the spec directory: {e}", dir.display()))?
        .filter_map(|entry| entry.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|ext| ext == "yaml"))
        .filter(|p| {
            !p.file_name()
                .is_some_and(|n| n.to_string_lossy().starts_with('.'))
        })
        .collect();
    files.sort();
    if files.is_empty() {
        return Err(format!("{}: no *.yaml spec files found", dir.display()));
    }
    let mut specs = Vec::new();
    let mut operation_ids: BTreeMap<String, String> = BTreeMap::new();
    for file in files {
        let spec = load(&file)?;
        for (path, _, op) in spec.api.operations() {
            if let Some(id) = &op.operation_id
                && let Some(other) = operation_ids.insert(id.clone(), spec.display_path.clone())
            {
                return Err(format!(
                    "{}: paths.{path}: operationId `{id}` is also used in {other}; operationIds must be unique",
                    spec.display_path
                ));
            }
        }
        specs.push(spec);
    }
    Ok(specs)
}

/// Loads one spec file and runs every check on it.
pub fn load(file: &Path) -> Result<Spec, String> {
    let display_path = format!(
        "spec/{}",
        file.file_name()
            .map(|n| n.to_string_lossy())
            .unwrap_or_default()
    );
    let stem = file
        .file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_default();
    if stem.is_empty()
        || !stem
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit())
    {
        return Err(format!(
            "{display_path}: spec file names must be lowercase letters and digits (they become Rust module names)"
        ));
    }
    let text =
        std::fs::read_to_string(file).map_err(|e| format!("{display_path}: cannot read: {e}"))?;
    let raw: Value = serde_saphyr::from_str(&text)
        .map_err(|e| format!("{display_path}: not valid YAML: {e}"))?;
    let api: OpenAPI = serde_path_to_error::deserialize(raw.clone()).map_err(|e| {
        format!(
            "{display_path}: {}: not a valid OpenAPI 3.0 document: {}",
            e.path(),
            e.inner()
        )
    })?;
    if !api.openapi.starts_with("3.0.") {
        return Err(format!(
            "{display_path}: openapi: version {} is not 3.0.x",
            api.openapi
        ));
    }
    check_operations(&display_path, &api)?;
    check_enums_are_named(&display_path, &raw, &mut Vec::new())?;
    let open_enums = OpenEnum::collect(&display_path, &raw)?;
    let json = raw;
    Ok(Spec {
        stem,
        display_path,
        api,
        open_enums,
        json,
    })
}

/// operationIds present and snake_case; at most one error schema per operation; no `default`
/// response; path templates match the declared path parameters.
fn check_operations(file: &str, api: &OpenAPI) -> Result<(), String> {
    for (path, method, op) in api.operations() {
        let at = format!("{file}: paths.{path}.{method}");
        let id = op.operation_id.as_deref().ok_or_else(|| {
            format!("{at}: operationId is missing (it names the generated method)")
        })?;
        if id.is_empty()
            || !id
                .chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
        {
            return Err(format!("{at}: operationId `{id}` must be snake_case"));
        }
        if op.responses.default.is_some() {
            return Err(format!(
                "{at}.responses.default: a `default` response beside the documented statuses makes progenitor panic; list the statuses instead"
            ));
        }
        let mut error_schemas = BTreeSet::new();
        for (status, response) in &op.responses.responses {
            let code = status.to_string();
            if code.starts_with('2') {
                continue;
            }
            let response = resolve_response(api, response)
                .ok_or_else(|| format!("{at}.responses.{code}: $ref does not resolve"))?;
            for (media, content) in &response.content {
                let schema = match &content.schema {
                    Some(openapiv3::ReferenceOr::Reference { reference }) => reference.clone(),
                    Some(openapiv3::ReferenceOr::Item(_)) => format!("<inline schema of {code}>"),
                    None => continue,
                };
                error_schemas.insert(schema);
                if error_schemas.len() > 1 {
                    return Err(format!(
                        "{at}.responses.{code}.content.{media}: this operation uses several error schemas ({}); progenitor supports one per operation",
                        error_schemas.iter().cloned().collect::<Vec<_>>().join(", ")
                    ));
                }
            }
        }
        let declared: BTreeSet<String> = op
            .parameters
            .iter()
            .filter_map(|p| resolve_parameter(api, p))
            .filter(|p| matches!(p, openapiv3::Parameter::Path { .. }))
            .map(|p| p.parameter_data_ref().name.clone())
            .collect();
        let templated: BTreeSet<String> = path
            .split('/')
            .filter_map(|seg| seg.strip_prefix('{').and_then(|s| s.strip_suffix('}')))
            .map(str::to_string)
            .collect();
        if declared != templated {
            return Err(format!(
                "{at}.parameters: path parameters {declared:?} do not match the path template {templated:?}"
            ));
        }
    }
    Ok(())
}

fn resolve_response<'a>(
    api: &'a OpenAPI,
    r: &'a openapiv3::ReferenceOr<openapiv3::Response>,
) -> Option<&'a openapiv3::Response> {
    match r {
        openapiv3::ReferenceOr::Item(item) => Some(item),
        openapiv3::ReferenceOr::Reference { reference } => {
            let name = reference.strip_prefix("#/components/responses/")?;
            match api.components.as_ref()?.responses.get(name)? {
                openapiv3::ReferenceOr::Item(item) => Some(item),
                openapiv3::ReferenceOr::Reference { .. } => None,
            }
        }
    }
}

fn resolve_parameter<'a>(
    api: &'a OpenAPI,
    p: &'a openapiv3::ReferenceOr<openapiv3::Parameter>,
) -> Option<&'a openapiv3::Parameter> {
    match p {
        openapiv3::ReferenceOr::Item(item) => Some(item),
        openapiv3::ReferenceOr::Reference { reference } => {
            let name = reference.strip_prefix("#/components/parameters/")?;
            match api.components.as_ref()?.parameters.get(name)? {
                openapiv3::ReferenceOr::Item(item) => Some(item),
                openapiv3::ReferenceOr::Reference { .. } => None,
            }
        }
    }
}

/// Progenitor turns an inline `enum` into a closed Rust enum that fails the whole response on an
/// unknown value. Only `components.schemas.<Name>` may carry `enum` (they become open enums), and
/// server variables (not types).
fn check_enums_are_named(file: &str, value: &Value, path: &mut Vec<String>) -> Result<(), String> {
    match value {
        Value::Object(map) => {
            for (key, child) in map {
                let key = key.clone();
                let is_named_schema =
                    path.len() == 3 && path[0] == "components" && path[1] == "schemas";
                let in_servers = path.first().is_some_and(|p| p == "servers");
                let in_extension = path.iter().any(|p| p.starts_with("x-"));
                // `properties.enum` is a property called `enum`, not a value set.
                let is_property = path.last().is_some_and(|p| p == "properties");
                // Examples are values, whatever their keys.
                let in_example = path.iter().any(|p| p == "example" || p == "examples");
                if key == "enum"
                    && !is_named_schema
                    && !in_servers
                    && !in_extension
                    && !is_property
                    && !in_example
                {
                    return Err(format!(
                        "{file}: {}.enum: inline enums become closed Rust enums that reject unknown values; move this schema to components.schemas and $ref it",
                        path.join(".")
                    ));
                }
                path.push(key);
                check_enums_are_named(file, child, path)?;
                path.pop();
            }
        }
        Value::Array(items) => {
            for (i, child) in items.iter().enumerate() {
                path.push(i.to_string());
                check_enums_are_named(file, child, path)?;
                path.pop();
            }
        }
        _ => {}
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    const GOOD: &str = r##"
openapi: 3.0.3
info: {title: t, version: v1}
paths:
  /v1/{project_id}/things:
    get:
      operationId: list_things
      parameters:
        - {name: project_id, in: path, required: true, schema: {type: string}}
      responses:
        "200":
          description: ok
          content:
            application/json:
              schema: {$ref: "#/components/schemas/Thing"}
        "400":
          description: bad
          content:
            application/json:
              schema: {$ref: "#/components/schemas/Error"}
components:
  schemas:
    Thing:
      type: object
      properties:
        kind: {$ref: "#/components/schemas/Kind"}
    Kind: {type: string, enum: [a, b]}
    Error: {type: object, properties: {error_code: {type: string}}}
"##;

    fn load_text(name: &str, text: &str) -> Result<Spec, String> {
        let dir =
            std::env::temp_dir().join(format!("xtask-spec-test-{}-{name}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let file = dir.join("svc.yaml");
        std::fs::write(&file, text).unwrap();
        let result = load(&file);
        std::fs::remove_dir_all(&dir).unwrap();
        result
    }

    trait Refused {
        fn refused(self) -> String;
    }

    impl Refused for Result<Spec, String> {
        fn refused(self) -> String {
            match self {
                Ok(spec) => panic!("expected an error, {} loaded", spec.display_path),
                Err(e) => e,
            }
        }
    }

    #[test]
    fn a_good_spec_loads_with_its_open_enums() {
        let spec = load_text("good", GOOD).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(spec.stem, "svc");
        let names: Vec<&str> = spec.open_enums.iter().map(|e| e.name.as_str()).collect();
        assert_eq!(names, ["Kind"]);
    }

    #[test]
    fn a_missing_operation_id_is_named_with_its_path() {
        let err = load_text(
            "noid",
            &GOOD.replace("operationId: list_things", "summary: x"),
        )
        .refused();
        assert!(
            err.contains(
                "spec/svc.yaml: paths./v1/{project_id}/things.get: operationId is missing"
            ),
            "{err}"
        );
    }

    #[test]
    fn two_error_schemas_in_one_operation_are_refused_before_progenitor() {
        let two = GOOD.replace(
            "components:\n",
            "        \"404\":\n          description: nf\n          content:\n            application/json:\n              schema: {$ref: \"#/components/schemas/Thing\"}\ncomponents:\n",
        );
        let err = load_text("two", &two).refused();
        assert!(err.contains("several error schemas"), "{err}");
        assert!(err.contains("responses.404"), "{err}");
    }

    #[test]
    fn a_default_response_is_refused() {
        let with_default = GOOD.replace("        \"400\":", "        default:");
        let err = load_text("default", &with_default).refused();
        assert!(err.contains("responses.default"), "{err}");
    }

    #[test]
    fn inline_enums_are_refused_because_they_would_be_closed() {
        let inline = GOOD.replace(
            "kind: {$ref: \"#/components/schemas/Kind\"}",
            "kind: {type: string, enum: [x, y]}",
        );
        let err = load_text("inline", &inline).refused();
        assert!(
            err.contains("components.schemas.Thing.properties.kind.enum"),
            "{err}"
        );
    }

    #[test]
    fn a_property_called_enum_is_a_property() {
        let with_property = GOOD.replace(
            "kind: {$ref: \"#/components/schemas/Kind\"}",
            "kind: {$ref: \"#/components/schemas/Kind\"}\n        enum: {type: string}",
        );
        assert_ne!(with_property, GOOD);
        load_text("property", &with_property).unwrap_or_else(|e| panic!("{e}"));
        let inline =
            with_property.replace("enum: {type: string}", "enum: {type: string, enum: [a]}");
        let err = load_text("property-inline", &inline).refused();
        assert!(err.contains("properties.enum.enum"), "{err}");
    }

    #[test]
    fn undeclared_path_parameters_are_refused() {
        let err = load_text(
            "path",
            &GOOD.replace("name: project_id, in: path", "name: other, in: path"),
        )
        .refused();
        assert!(err.contains("do not match the path template"), "{err}");
    }

    #[test]
    fn invalid_documents_name_the_failing_path() {
        let err = load_text(
            "bad",
            &GOOD.replace("info: {title: t, version: v1}", "info: {title: 3}"),
        )
        .refused();
        assert!(err.starts_with("spec/svc.yaml: info"), "{err}");
    }
}
