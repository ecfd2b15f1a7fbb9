//! Reading the model from the checked specs: every service, operation, parameter, pagination,
//! waiter and schema, with what the model cannot express refused (file, path, reason).

use std::collections::BTreeMap;

use heck::{ToSnakeCase, ToUpperCamelCase};
use serde_json::Value;

use super::{
    CombinedSetter, Kind, Location, Operation, Pagination, Parameter, Resource, Schema, Service,
    Source, TRANSPORT_HEADERS, Waiter,
};
use crate::spec::Spec;

/// Names of the facade's crate root (and of the generated modules' imports) that a tag or an
/// `x-official-name` would shadow or collide with.
const RESERVED_TYPE_NAMES: [&str; 22] = [
    "Client",
    "ClientBuilder",
    "Service",
    "Error",
    "Result",
    "ApiError",
    "Credentials",
    "Region",
    "RetryPolicy",
    "RetryBudget",
    "Page",
    "Paginator",
    "Operation",
    "Async",
    "Blocking",
    "Flavour",
    "FlowPolicy",
    "FlowState",
    "Option",
    "String",
    "Vec",
    "Self",
];

/// Method names a request builder (the facade's or progenitor's) has besides its setters.
const RESERVED_SETTER_NAMES: [&str; 3] = ["send", "paginate", "new"];

/// Whether `name` is an UpperCamelCase Rust type name (letters and digits).
fn is_type_name(name: &str) -> bool {
    !name.is_empty()
        && name.chars().all(|c| c.is_ascii_alphanumeric())
        && name.starts_with(|c: char| c.is_ascii_uppercase())
        && name.to_upper_camel_case() == name
}

/// Builds the model of every spec, in file order.
pub fn build(specs: &[Spec]) -> Result<Vec<Service>, String> {
    let services = specs.iter().map(service).collect::<Result<Vec<_>, _>>()?;
    let mut official: BTreeMap<&str, &str> = BTreeMap::new();
    for service in &services {
        for op in &service.operations {
            if let Some(other) = official.insert(&op.official_name, &service.file) {
                return Err(format!(
                    "{}: paths.{}: x-official-name `{}` is also the name of an operation in {other}; official names must be unique",
                    service.file, op.path, op.official_name
                ));
            }
        }
    }
    let mut names = BTreeMap::new();
    for service in &services {
        if let Some(other) = names.insert(service.name.clone(), service.file.clone()) {
            return Err(format!(
                "{}: info.x-service.name `{}` is also the name of {other}",
                service.file, service.name
            ));
        }
    }
    Ok(services)
}

fn service(spec: &Spec) -> Result<Service, String> {
    let file = spec.display_path.clone();
    let raw = &spec.json;
    let at = |path: &str| format!("{file}: {path}");
    let x_service = raw
        .pointer("/info/x-service")
        .ok_or_else(|| at("info.x-service is missing: it names the service and its endpoint pattern (spec/README.md)"))?;
    let name = text(x_service, "name")
        .ok_or_else(|| at("info.x-service.name is missing"))?
        .to_string();
    if name.is_empty() || !name.chars().all(|c| c.is_ascii_alphanumeric()) {
        return Err(at(&format!(
            "info.x-service.name `{name}` must be letters and digits (it becomes a Rust variant)"
        )));
    }
    let endpoint = text(x_service, "endpoint")
        .ok_or_else(|| at("info.x-service.endpoint is missing"))?
        .to_string();
    if !endpoint.starts_with("https://") || !endpoint.contains("{region}") {
        return Err(at(&format!(
            "info.x-service.endpoint `{endpoint}` must be an https:// URL with `{{region}}` in it"
        )));
    }
    let env_name = text(x_service, "env-name")
        .map(str::to_string)
        .unwrap_or_else(|| name.to_uppercase());
    let error_code_prefix = text(x_service, "error-code-prefix").map(str::to_string);
    if error_code_prefix.as_deref().is_some_and(|p| {
        p.is_empty()
            || p.to_ascii_uppercase().starts_with("APIG")
            || p.chars().all(|c| c.is_ascii_digit())
    }) {
        return Err(at(
            "info.x-service.error-code-prefix must name the service's own codes (not the gateway's `APIG…`, not digits)",
        ));
    }

    let mut resources = Vec::new();
    for (index, tag) in raw
        .get("tags")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .enumerate()
    {
        let tag_name = text(tag, "name").unwrap_or_default().to_string();
        let accessor = tag_name.to_snake_case();
        if !is_type_name(&tag_name) {
            return Err(at(&format!(
                "tags.{index}.name: `{tag_name}` must be UpperCamelCase letters and digits (it becomes a Rust type)"
            )));
        }
        if RESERVED_TYPE_NAMES.contains(&tag_name.as_str()) {
            return Err(at(&format!(
                "tags.{index}.name: `{tag_name}` is a name of the facade's own; choose another"
            )));
        }
        if syn::parse_str::<syn::Ident>(&accessor).is_err() {
            return Err(at(&format!(
                "tags.{index}.name: `{tag_name}` makes the accessor `{accessor}`, a Rust keyword; choose another"
            )));
        }
        resources.push(Resource {
            accessor,
            tag: tag_name,
            description: text(tag, "description").unwrap_or_default().trim().into(),
        });
    }

    for (name, schema) in raw
        .pointer("/components/schemas")
        .and_then(Value::as_object)
        .into_iter()
        .flatten()
    {
        if schema.get("required").is_some() {
            return Err(at(&format!(
                "components.schemas.{name}.required: response fields are never required (a response is read as the service sends it; spec/README.md)"
            )));
        }
    }
    let schemas = schemas(raw);
    let mut operations = Vec::new();
    for (path, item) in raw
        .get("paths")
        .and_then(Value::as_object)
        .into_iter()
        .flatten()
    {
        for (method, op) in item.as_object().into_iter().flatten() {
            if !matches!(
                method.as_str(),
                "get" | "put" | "post" | "delete" | "patch" | "head" | "options" | "trace"
            ) {
                continue;
            }
            let op_at = format!("paths.{path}.{method}");
            if method != "get" {
                return Err(at(&format!(
                    "{op_at}: only GET operations are supported: the facade retries every call as idempotent and sends no request body"
                )));
            }
            operations.push(operation(
                &file, raw, &schemas, &resources, path, method, op, &op_at,
            )?);
        }
    }
    for resource in &resources {
        if !operations.iter().any(|o| o.tag == resource.tag) {
            return Err(at(&format!(
                "tags: `{}` has no operation; an empty resource would get an accessor that does nothing",
                resource.tag
            )));
        }
    }
    for resource in &resources {
        let mut methods = BTreeMap::new();
        for op in operations.iter().filter(|o| o.tag == resource.tag) {
            for waiter in &op.waiters {
                if let Some(other) = methods.insert(waiter.method.clone(), op.id.clone()) {
                    return Err(at(&format!(
                        "tag {}: `{}` of {} (a waiter) is also the method of `{other}`",
                        resource.tag, waiter.method, op.id
                    )));
                }
            }
            if let Some(other) = methods.insert(op.facade_method.clone(), op.id.clone()) {
                return Err(at(&format!(
                    "tag {}: operations `{other}` and `{}` both want the facade method `{}`; give one another `x-facade-method`",
                    resource.tag, op.id, op.facade_method
                )));
            }
        }
    }
    Ok(Service {
        stem: spec.stem.clone(),
        file,
        name,
        env_name,
        endpoint,
        error_code_prefix,
        title: raw
            .pointer("/info/title")
            .and_then(Value::as_str)
            .unwrap_or_default()
            .into(),
        resources,
        operations,
        schemas,
    })
}

#[allow(clippy::too_many_arguments)]
fn operation(
    file: &str,
    raw: &Value,
    schemas: &BTreeMap<String, Schema>,
    resources: &[Resource],
    path: &str,
    method: &str,
    op: &Value,
    op_at: &str,
) -> Result<Operation, String> {
    let at = |rest: &str| format!("{file}: {op_at}{rest}");
    let id = text(op, "operationId").unwrap_or_default().to_string();
    let tag = op
        .get("tags")
        .and_then(Value::as_array)
        .and_then(|t| t.first())
        .and_then(Value::as_str)
        .ok_or_else(|| at(".tags: an operation needs a tag; it names the facade resource"))?
        .to_string();
    if !resources.iter().any(|r| r.tag == tag) {
        return Err(at(&format!(
            ".tags: `{tag}` is not declared in the top-level `tags` (with a description)"
        )));
    }
    if op.get("requestBody").is_some() {
        return Err(at(
            ".requestBody: request bodies are not supported (the facade sends GET requests only)",
        ));
    }
    let facade_method = text(op, "x-facade-method").unwrap_or(&id).to_string();
    if facade_method.is_empty()
        || facade_method.to_snake_case() != facade_method
        || syn::parse_str::<syn::Ident>(&facade_method).is_err()
    {
        return Err(at(&format!(
            ".x-facade-method: `{facade_method}` must be a snake_case Rust identifier"
        )));
    }
    let official_name = text(op, "x-official-name")
        .map(str::to_string)
        .unwrap_or_else(|| id.to_upper_camel_case());
    if !is_type_name(&official_name) {
        return Err(at(&format!(
            ".x-official-name: `{official_name}` must be UpperCamelCase letters and digits (it names a Rust type and an enum variant)"
        )));
    }
    if RESERVED_TYPE_NAMES.contains(&official_name.as_str()) {
        return Err(at(&format!(
            ".x-official-name: `{official_name}` is a name of the facade's own; choose another"
        )));
    }

    let mut parameters = Vec::new();
    for (index, p) in op
        .get("parameters")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .enumerate()
    {
        let p = resolve(raw, p);
        let parameter = parameter(file, raw, p, &format!("{op_at}.parameters.{index}"))?;
        if let Some(other) = parameters
            .iter()
            .find(|other: &&Parameter| other.rust_name == parameter.rust_name)
        {
            return Err(at(&format!(
                ".parameters.{index}: `{}` and `{}` have the same Rust name `{}`",
                other.name, parameter.name, parameter.rust_name
            )));
        }
        parameters.push(parameter);
    }

    let mut response = None;
    let mut example = None;
    let mut success = Vec::new();
    for (status, r) in op
        .get("responses")
        .and_then(Value::as_object)
        .into_iter()
        .flatten()
    {
        if let Ok(code) = status.parse::<u16>()
            && (200..300).contains(&code)
        {
            success.push(code);
        }
        if !status.starts_with('2') || response.is_some() {
            continue;
        }
        let r = resolve(raw, r);
        if let Some(other) = r
            .get("content")
            .and_then(Value::as_object)
            .and_then(|c| c.keys().find(|k| *k != "application/json"))
        {
            return Err(at(&format!(
                ".responses.{status}.content: `{other}`: the facade reads JSON answers only (application/json)"
            )));
        }
        let Some(content) = r.pointer("/content/application~1json") else {
            continue;
        };
        response = content
            .pointer("/schema/$ref")
            .and_then(Value::as_str)
            .and_then(|r| r.strip_prefix("#/components/schemas/"))
            .map(str::to_string);
        if response.is_none() {
            return Err(at(&format!(
                ".responses.{status}: the success body must be a $ref to components.schemas (it becomes a named model)"
            )));
        }
        example = content.get("example").cloned().or_else(|| {
            content
                .get("examples")
                .and_then(Value::as_object)
                .and_then(|e| e.values().next())
                .and_then(|e| e.get("value"))
                .cloned()
        });
    }

    let pagination = match op.get("x-pagination") {
        None => None,
        Some(block) => Some(pagination(
            &at(".x-pagination"),
            block,
            &parameters,
            response.as_deref(),
            raw,
            schemas,
        )?),
    };

    let waiters = waiters(&at(".x-waiters"), op, response.as_deref(), raw)?;
    let combined_setters = combined_setters(&at(".x-facade-setters"), op, &parameters)?;

    Ok(Operation {
        waiters,
        combined_setters,
        id,
        official_name,
        method: method.to_uppercase(),
        path: path.to_string(),
        tag,
        facade_method,
        summary: text(op, "summary").unwrap_or_default().trim().into(),
        description: text(op, "description").unwrap_or_default().trim().into(),
        parameters,
        response,
        success,
        example,
        pagination,
    })
}

/// `x-facade-setters`: `[{method, sets: [parameter, …], description}]`, each setting two or more
/// optional parameters a caller sets, named by their names in the spec.
fn combined_setters(
    at: &str,
    op: &Value,
    parameters: &[Parameter],
) -> Result<Vec<CombinedSetter>, String> {
    let Some(list) = op.get("x-facade-setters") else {
        return Ok(Vec::new());
    };
    let list = list
        .as_array()
        .ok_or_else(|| format!("{at}: must be a list of {{method, sets, description}}"))?;
    let mut out: Vec<CombinedSetter> = Vec::new();
    for (index, entry) in list.iter().enumerate() {
        let at = format!("{at}[{index}]");
        let method = text(entry, "method").unwrap_or_default().to_string();
        if method.is_empty()
            || method.to_snake_case() != method
            || syn::parse_str::<syn::Ident>(&method).is_err()
        {
            return Err(format!(
                "{at}.method: `{method}` must be a snake_case Rust identifier"
            ));
        }
        let taken = RESERVED_SETTER_NAMES.contains(&method.as_str())
            || parameters.iter().any(|p| p.rust_name == method)
            || out.iter().any(|s| s.method == method);
        if taken {
            return Err(format!(
                "{at}.method: `{method}` is already a method of the request builder"
            ));
        }
        let sets: Vec<&str> = entry
            .get("sets")
            .and_then(Value::as_array)
            .map(|a| a.iter().filter_map(Value::as_str).collect())
            .unwrap_or_default();
        if sets.len() < 2 {
            return Err(format!("{at}.sets: name two or more parameters"));
        }
        let mut rust_names = Vec::new();
        for name in sets {
            let parameter = parameters.iter().find(|p| p.name == name).ok_or_else(|| {
                format!("{at}.sets: `{name}` is not a parameter of the operation")
            })?;
            if parameter.required || parameter.source != Source::Caller {
                return Err(format!(
                    "{at}.sets: `{name}` is not an optional parameter a caller sets"
                ));
            }
            rust_names.push(parameter.rust_name.clone());
        }
        out.push(CombinedSetter {
            method,
            parameters: rust_names,
            description: text(entry, "description")
                .unwrap_or_default()
                .trim()
                .to_string(),
        });
    }
    Ok(out)
}

fn waiters(
    at: &str,
    op: &Value,
    response: Option<&str>,
    raw: &Value,
) -> Result<Vec<Waiter>, String> {
    let Some(list) = op.get("x-waiters") else {
        return Ok(Vec::new());
    };
    let list = list
        .as_array()
        .ok_or_else(|| format!("{at}: must be a list of waiters"))?;
    let mut out = Vec::new();
    for (index, w) in list.iter().enumerate() {
        let at = format!("{at}.{index}");
        let method = text(w, "method")
            .ok_or_else(|| format!("{at}.method is missing"))?
            .to_string();
        if method.to_snake_case() != method || syn::parse_str::<syn::Ident>(&method).is_err() {
            return Err(format!(
                "{at}.method: `{method}` must be a snake_case Rust identifier"
            ));
        }
        let status = text(w, "status")
            .ok_or_else(|| format!("{at}.status is missing (the response field with the state)"))?
            .to_string();
        let response = response.ok_or_else(|| {
            format!("{at}: the operation has no JSON success body to read a state from")
        })?;
        let field = raw
            .pointer(&format!(
                "/components/schemas/{response}/properties/{status}"
            ))
            .ok_or_else(|| format!("{at}.status: `{status}` is not a property of {response}"))?;
        let status_type = field
            .get("$ref")
            .or_else(|| field.pointer("/allOf/0/$ref"))
            .and_then(Value::as_str)
            .and_then(|r| r.strip_prefix("#/components/schemas/"))
            .ok_or_else(|| format!("{at}.status: `{status}` of {response} must be a named enum"))?
            .to_string();
        let values: Vec<String> = raw
            .pointer(&format!("/components/schemas/{status_type}/enum"))
            .and_then(Value::as_array)
            .ok_or_else(|| format!("{at}.status: `{status_type}` is not an enum"))?
            .iter()
            .filter_map(Value::as_str)
            .map(str::to_string)
            .collect();
        let states = |key: &str| -> Result<Vec<String>, String> {
            let states: Vec<String> = w
                .get(key)
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
                .filter_map(Value::as_str)
                .map(str::to_string)
                .collect();
            if let Some(bad) = states.iter().find(|s| !values.contains(s)) {
                return Err(format!(
                    "{at}.{key}: `{bad}` is not a value of {status_type} ({})",
                    values.join(", ")
                ));
            }
            Ok(states)
        };
        let deleted = match text(w, "until") {
            None => false,
            Some("deleted") => true,
            Some(other) => {
                return Err(format!("{at}.until: `{other}`: only `deleted` is known"));
            }
        };
        let success = states("success")?;
        if deleted != success.is_empty() {
            return Err(format!(
                "{at}: give either `success` states or `until: deleted`, not both or neither"
            ));
        }
        let failure = states("failure")?;
        out.push(Waiter {
            method,
            description: text(w, "description").unwrap_or_default().trim().into(),
            status,
            status_type: status_type.clone(),
            success,
            failure,
            deleted,
        });
    }
    Ok(out)
}

fn parameter(file: &str, raw: &Value, p: &Value, p_at: &str) -> Result<Parameter, String> {
    let at = |rest: &str| format!("{file}: {p_at}{rest}");
    let name = text(p, "name").unwrap_or_default().to_string();
    let location = match text(p, "in") {
        Some("path") => Location::Path,
        Some("query") => Location::Query,
        Some("header") => Location::Header,
        other => {
            return Err(at(&format!(
                ".in: parameters in {other:?} are not supported by the facade generator"
            )));
        }
    };
    let source = if location == Location::Path && name == "project_id" {
        Source::Client
    } else if location == Location::Header
        && TRANSPORT_HEADERS.contains(&name.to_ascii_lowercase().as_str())
    {
        Source::Runtime
    } else {
        Source::Caller
    };
    let schema = p.get("schema").ok_or_else(|| at(".schema is missing"))?;
    let kind = kind(raw, schema, &at(".schema"))?;
    let rust_name = name.to_snake_case();
    if syn::parse_str::<syn::Ident>(&rust_name).is_err() {
        return Err(at(&format!(
            ".name: `{name}` does not make a Rust identifier (`{rust_name}`)"
        )));
    }
    if source == Source::Caller && RESERVED_SETTER_NAMES.contains(&rust_name.as_str()) {
        return Err(at(&format!(
            ".name: `{name}` would be a setter named `{rust_name}`, which the request builders have already"
        )));
    }
    Ok(Parameter {
        rust_name,
        name,
        location,
        required: p.get("required").and_then(Value::as_bool).unwrap_or(false)
            || location == Location::Path,
        description: text(p, "description").unwrap_or_default().trim().into(),
        kind,
        source,
    })
}

/// Constraints the facade enforces; anything else on a request parameter is refused rather than
/// silently ignored.
const KNOWN_SCHEMA_KEYS: [&str; 12] = [
    "type",
    "format",
    "minimum",
    "maximum",
    "default",
    "minLength",
    "maxLength",
    "pattern",
    "description",
    "example",
    "nullable",
    "$ref",
];

fn kind(raw: &Value, schema: &Value, at: &str) -> Result<Kind, String> {
    if let Some(reference) = schema.get("$ref").and_then(Value::as_str) {
        let name = reference
            .strip_prefix("#/components/schemas/")
            .ok_or_else(|| {
                format!("{at}.$ref: `{reference}` is not a components.schemas reference")
            })?;
        let target = raw
            .pointer(&format!("/components/schemas/{name}"))
            .ok_or_else(|| format!("{at}.$ref: `{reference}` does not resolve"))?;
        let Some(values) = target.get("enum").and_then(Value::as_array) else {
            return kind(raw, target, &format!("components.schemas.{name}"));
        };
        return Ok(Kind::Enum {
            name: name.to_string(),
            values: values
                .iter()
                .filter_map(Value::as_str)
                .map(str::to_string)
                .collect(),
        });
    }
    if let Some(map) = schema.as_object() {
        for key in map.keys() {
            if !KNOWN_SCHEMA_KEYS.contains(&key.as_str()) && !key.starts_with("x-") {
                return Err(format!(
                    "{at}.{key}: the facade generator does not enforce `{key}` on a request parameter; express the constraint with minimum/maximum, minLength/maxLength or pattern"
                ));
            }
        }
    }
    let int = |key: &str| -> Result<Option<i64>, String> {
        match schema.get(key) {
            None => Ok(None),
            Some(v) => v
                .as_i64()
                .map(Some)
                .ok_or_else(|| format!("{at}.{key}: `{v}` is not an integer")),
        }
    };
    let unsigned = |key: &str| -> Result<Option<u64>, String> {
        match schema.get(key) {
            None => Ok(None),
            Some(v) => v
                .as_u64()
                .map(Some)
                .ok_or_else(|| format!("{at}.{key}: `{v}` is not a non-negative integer")),
        }
    };
    match schema.get("type").and_then(Value::as_str) {
        Some("integer") => {
            let (minimum, maximum) = (int("minimum")?, int("maximum")?);
            if let (Some(min), Some(max)) = (minimum, maximum)
                && min > max
            {
                return Err(format!("{at}: minimum {min} is above maximum {max}"));
            }
            Ok(Kind::Integer {
                format: text(schema, "format").map(str::to_string),
                minimum,
                maximum,
                default: int("default")?,
            })
        }
        Some("number") => Ok(Kind::Number {
            minimum: schema.get("minimum").and_then(Value::as_f64),
            maximum: schema.get("maximum").and_then(Value::as_f64),
        }),
        Some("boolean") => Ok(Kind::Boolean),
        Some("string") => {
            let pattern = text(schema, "pattern").map(str::to_string);
            if let Some(p) = &pattern {
                regress::Regex::new(p)
                    .map_err(|e| format!("{at}.pattern: `{p}` is not an ECMAScript regex: {e}"))?;
            }
            Ok(Kind::String {
                min_length: unsigned("minLength")?,
                max_length: unsigned("maxLength")?,
                pattern,
            })
        }
        other => Err(format!(
            "{at}.type: {other:?} parameters are not supported by the facade generator (integer, number, boolean, string and named enums are)"
        )),
    }
}

fn pagination(
    at: &str,
    block: &Value,
    parameters: &[Parameter],
    response: Option<&str>,
    raw: &Value,
    schemas: &BTreeMap<String, Schema>,
) -> Result<Pagination, String> {
    let field = |key: &str| text(block, key).map(str::to_string);
    if field("style").as_deref() != Some("offset-limit") {
        return Err(format!("{at}.style: only `offset-limit` is supported"));
    }
    let offset = field("offset").ok_or_else(|| format!("{at}.offset is missing"))?;
    let limit = field("limit").ok_or_else(|| format!("{at}.limit is missing"))?;
    let items = field("items").ok_or_else(|| format!("{at}.items is missing"))?;
    let total = field("total");
    let item_id = field("item-id");
    let param = |name: &str, key: &str| {
        parameters
            .iter()
            .find(|p| p.name == *name && p.location == Location::Query && !p.required)
            .ok_or_else(|| {
                format!("{at}.{key}: `{name}` is not an optional query parameter of this operation")
            })
    };
    for (name, key) in [(&offset, "offset"), (&limit, "limit")] {
        if !matches!(param(name, key)?.kind, Kind::Integer { .. }) {
            return Err(format!("{at}.{key}: `{name}` must be an integer parameter"));
        }
    }
    let Kind::Integer {
        minimum,
        maximum,
        default,
        ..
    } = param(&limit, "limit")?.kind
    else {
        unreachable!("checked above");
    };
    let maximum = maximum.ok_or_else(|| {
        format!("{at}.limit: `{limit}` needs a `maximum`: it bounds the paginator's page size")
    })?;
    let low = minimum.unwrap_or(0).max(1);
    let fits = |v: i64| u32::try_from(v).ok();
    let page_sizes = match (fits(low), fits(maximum)) {
        (Some(low), Some(high)) if low <= high => (low, high),
        _ => {
            return Err(format!(
                "{at}.limit: `{limit}` allows no page size in 1..={}",
                u32::MAX
            ));
        }
    };
    let default_page_size = match default {
        Some(d) => fits(d)
            .filter(|d| (page_sizes.0..=page_sizes.1).contains(d))
            .ok_or_else(|| {
                format!("{at}.limit: the default {d} of `{limit}` is not a page size")
            })?,
        None => page_sizes.1,
    };
    let response =
        response.ok_or_else(|| format!("{at}: the operation has no JSON success body"))?;
    let body = &schemas[response];
    let items_type = body
        .fields
        .get(&items)
        .ok_or_else(|| format!("{at}.items: `{items}` is not a property of {response}"))?;
    let item_schema = items_type
        .strip_prefix('[')
        .and_then(|t| t.strip_suffix(']'))
        .filter(|t| schemas.contains_key(*t))
        .ok_or_else(|| {
            format!("{at}.items: `{items}` of {response} must be an array of a named schema, not {items_type}")
        })?
        .to_string();
    if let Some(total) = &total {
        let ty = body
            .fields
            .get(total)
            .ok_or_else(|| format!("{at}.total: `{total}` is not a property of {response}"))?;
        if !ty.starts_with("integer") {
            return Err(format!(
                "{at}.total: `{total}` of {response} must be an integer, not {ty}"
            ));
        }
    }
    if let Some(id) = &item_id {
        let ty = schemas[&item_schema]
            .fields
            .get(id)
            .ok_or_else(|| format!("{at}.item-id: `{id}` is not a property of {item_schema}"))?;
        if !(ty == "string" || ty.starts_with("integer")) {
            return Err(format!(
                "{at}.item-id: `{id}` of {item_schema} must be a string or an integer, not {ty}"
            ));
        }
    }
    let _ = raw;
    Ok(Pagination {
        offset,
        limit,
        items,
        total,
        item_id,
        item_schema,
        page_sizes,
        default_page_size,
    })
}

fn schemas(raw: &Value) -> BTreeMap<String, Schema> {
    let mut out = BTreeMap::new();
    for (name, schema) in raw
        .pointer("/components/schemas")
        .and_then(Value::as_object)
        .into_iter()
        .flatten()
    {
        let fields = schema
            .get("properties")
            .and_then(Value::as_object)
            .into_iter()
            .flatten()
            .map(|(field, s)| (field.clone(), type_summary(s)))
            .collect();
        out.insert(
            name.clone(),
            Schema {
                name: name.clone(),
                description: text(schema, "description")
                    .unwrap_or_default()
                    .trim()
                    .into(),
                fields,
                enum_values: schema.get("enum").and_then(Value::as_array).map(|values| {
                    values
                        .iter()
                        .filter_map(Value::as_str)
                        .map(str::to_string)
                        .collect()
                }),
            },
        );
    }
    out
}

/// `string`, `integer int32`, `[ImageServer]`, `ImageServerStatus`.
fn type_summary(schema: &Value) -> String {
    if let Some(r) = schema.get("$ref").and_then(Value::as_str) {
        return r.rsplit('/').next().unwrap_or(r).to_string();
    }
    if let Some(first) = schema
        .get("allOf")
        .and_then(Value::as_array)
        .and_then(|a| a.first())
    {
        return type_summary(first);
    }
    match text(schema, "type") {
        Some("array") => format!(
            "[{}]",
            schema.get("items").map(type_summary).unwrap_or_default()
        ),
        Some(t) => match text(schema, "format") {
            Some(f) => format!("{t} {f}"),
            None => t.to_string(),
        },
        None => "any".to_string(),
    }
}

fn text<'a>(v: &'a Value, key: &str) -> Option<&'a str> {
    v.get(key).and_then(Value::as_str)
}

/// A `$ref` to `components.*` resolved (one level), anything else as is.
fn resolve<'a>(raw: &'a Value, v: &'a Value) -> &'a Value {
    match v.get("$ref").and_then(Value::as_str) {
        Some(r) => raw.pointer(&r.replacen('#', "", 1)).unwrap_or(v),
        None => v,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const GOOD: &str = r##"
openapi: 3.0.3
info:
  title: t
  version: v1
  x-service: {name: Things, endpoint: "https://things.{region}.example.com"}
tags:
  - {name: Things, description: Things.}
paths:
  /v1/{project_id}/things:
    get:
      operationId: list_things
      x-official-name: ListThings
      x-facade-method: list
      tags: [Things]
      parameters:
        - {name: project_id, in: path, required: true, schema: {type: string}}
        - {name: kind, in: query, schema: {type: string}}
      responses:
        "200":
          description: ok
          content:
            application/json:
              schema: {$ref: "#/components/schemas/Page"}
components:
  schemas:
    Page:
      type: object
      properties:
        items: {type: array, items: {$ref: "#/components/schemas/Thing"}}
    Thing:
      type: object
      properties:
        id: {type: string}
"##;

    fn build_text(name: &str, text: &str) -> Result<Vec<Service>, String> {
        let dir = std::env::temp_dir().join(format!("xtask-model-{}-{name}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let file = dir.join("things.yaml");
        std::fs::write(&file, text).unwrap();
        let result = crate::spec::load(&file).and_then(|spec| build(&[spec]));
        std::fs::remove_dir_all(&dir).unwrap();
        result
    }

    #[test]
    fn a_good_spec_builds() {
        let services = build_text("good", GOOD).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(services[0].operations[0].official_name, "ListThings");
    }

    #[test]
    fn what_the_facade_cannot_do_is_refused_naming_it() {
        let cases: [(&str, String, &str); 12] = [
            (
                "post",
                GOOD.replace("    get:\n      operationId", "    post:\n      operationId"),
                "only GET operations",
            ),
            (
                "request-body",
                GOOD.replace(
                    "      responses:\n",
                    "      requestBody: {content: {application/json: {schema: {type: object}}}}\n      responses:\n",
                ),
                "requestBody",
            ),
            (
                "unused-tag",
                GOOD.replace(
                    "  - {name: Things, description: Things.}",
                    "  - {name: Things, description: Things.}\n  - {name: Image Servers Old, description: x}",
                ),
                "Image Servers Old",
            ),
            (
                "official-name",
                GOOD.replace("x-official-name: ListThings", "x-official-name: List-Things"),
                "x-official-name",
            ),
            (
                "keyword-tag",
                GOOD.replace("name: Things, description", "name: Type, description")
                    .replace("tags: [Things]", "tags: [Type]"),
                "`type`",
            ),
            (
                "reserved-name",
                GOOD.replace("x-official-name: ListThings", "x-official-name: Client"),
                "Client",
            ),
            (
                "builder-method",
                GOOD.replace("name: kind, in: query", "name: send, in: query"),
                "`send`",
            ),
            (
                "same-rust-name",
                GOOD.replace(
                    "        - {name: kind, in: query, schema: {type: string}}",
                    "        - {name: kind, in: query, schema: {type: string}}\n        - {name: Kind, in: query, schema: {type: string}}",
                ),
                "same Rust name",
            ),
            (
                "text-body",
                GOOD.replace("application/json:\n              schema: {$ref", "text/plain:\n              schema: {$ref"),
                "JSON",
            ),
            (
                "required-field",
                GOOD.replace(
                    "    Thing:\n      type: object\n",
                    "    Thing:\n      type: object\n      required: [id]\n",
                ),
                "required",
            ),
            (
                "duplicate-official-name",
                GOOD.replace(
                    "components:\n",
                    "  /v1/{project_id}/things/{id}:\n    get:\n      operationId: show_thing\n      x-official-name: ListThings\n      x-facade-method: get\n      tags: [Things]\n      parameters:\n        - {name: project_id, in: path, required: true, schema: {type: string}}\n        - {name: id, in: path, required: true, schema: {type: string}}\n      responses:\n        \"200\": {description: ok, content: {application/json: {schema: {$ref: \"#/components/schemas/Thing\"}}}}\ncomponents:\n",
                ),
                "ListThings",
            ),
            (
                "tag-without-operations",
                GOOD.replace(
                    "  - {name: Things, description: Things.}",
                    "  - {name: Things, description: Things.}\n  - {name: Others, description: Nothing here.}",
                ),
                "Others",
            ),
        ];
        for (name, text, expected) in cases {
            assert_ne!(text, GOOD, "{name}: the variant did not change the spec");
            match build_text(name, &text) {
                Ok(_) => panic!("{name}: accepted"),
                Err(e) => {
                    assert!(e.contains(expected), "{name}: {e}");
                    assert!(e.starts_with("spec/things.yaml"), "{name}: {e}");
                }
            }
        }
    }
}
