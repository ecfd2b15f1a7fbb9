//! Reading the model from the checked specs: every service, operation, parameter, pagination,
//! waiter and schema, with what the model cannot express refused (file, path, reason).

use std::collections::BTreeMap;

use heck::{ToSnakeCase, ToUpperCamelCase};
use serde_json::Value;

use super::{
    Answer, Body, BodyKind, CollectionRole, CombinedSetter, Kind, Location, Operation, Pagination,
    PagingStyle, Parameter, Part, PartKind, Resource, ResponseHeader, Schema, Service, Source,
    TRANSPORT_HEADERS, Waiter,
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

/// Method names a request builder (the facade's or progenitor's) has besides its setters:
/// `build` (added beside progenitor's `send`) and `maybe` (the facade's setter of optional
/// values) included.
const RESERVED_SETTER_NAMES: [&str; 5] = ["send", "paginate", "new", "build", "maybe"];

/// Whether `name` is an UpperCamelCase Rust type name (letters and digits).
fn is_type_name(name: &str) -> bool {
    !name.is_empty()
        && name.chars().all(|c| c.is_ascii_alphanumeric())
        && name.starts_with(|c: char| c.is_ascii_uppercase())
        && name.to_upper_camel_case() == name
}

/// Module names of the facade's and the API crate's roots, which a spec file's stem (a public
/// service module in both) would collide with.
const RESERVED_STEMS: [&str; 24] = [
    "blocking",
    "client",
    "clock",
    "credentials",
    "env_vars",
    "error",
    "flavour",
    "flow",
    "generated",
    "network",
    "operation",
    "paginate",
    "region",
    "retry",
    "runtime",
    "signing",
    "validate",
    "waiter",
    "models",
    "service",
    "transfer",
    "lenient",
    "progenitor_client",
    "api",
];

/// Methods of the async and blocking clients, which an accessor would collide with.
const RESERVED_ACCESSORS: [&str; 10] = [
    "builder",
    "from_env",
    "project_id",
    "clock_offset",
    "region",
    "endpoint",
    "flow_state",
    "as_async",
    "new",
    "send",
];

/// Builds the model of every spec, in file order.
pub fn build(specs: &[Spec]) -> Result<Vec<Service>, String> {
    let mut services = specs.iter().map(service).collect::<Result<Vec<_>, _>>()?;
    for service in &services {
        if RESERVED_STEMS.contains(&service.stem.as_str()) {
            return Err(format!(
                "{}: the file name makes the module `{}`, a name of the facade's own; rename the file",
                service.file, service.stem
            ));
        }
    }
    accessors(&mut services)?;
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

/// Every resource's accessor on the client: a tag's own (`x-facade-accessor`, or its name in
/// snake_case), unless another service's tag makes the same one: then each tag of them that does
/// not pin its accessor gets its service's module name in front (`alpha_images`), so that adding a
/// service never renames another's accessor that was pinned.
fn accessors(services: &mut [Service]) -> Result<(), String> {
    let mut users: BTreeMap<String, Vec<(usize, usize)>> = BTreeMap::new();
    for (s, service) in services.iter().enumerate() {
        for (r, resource) in service.resources.iter().enumerate() {
            users
                .entry(resource.accessor.clone())
                .or_default()
                .push((s, r));
        }
    }
    for (accessor, places) in users {
        if places.len() < 2 {
            continue;
        }
        let pinned: Vec<&(usize, usize)> = places
            .iter()
            .filter(|(s, r)| services[*s].resources[*r].pinned)
            .collect();
        if pinned.len() > 1 {
            let files: Vec<&str> = pinned
                .iter()
                .map(|(s, _)| services[*s].file.as_str())
                .collect();
            return Err(format!(
                "tags: `x-facade-accessor: {accessor}` is pinned in {}; an accessor names one resource",
                files.join(" and ")
            ));
        }
        for (s, r) in places {
            let stem = services[s].stem.clone();
            let resource = &mut services[s].resources[r];
            if !resource.pinned {
                resource.accessor = format!("{stem}_{accessor}");
            }
        }
    }
    let mut seen: BTreeMap<String, String> = BTreeMap::new();
    for service in services.iter() {
        for resource in &service.resources {
            if RESERVED_ACCESSORS.contains(&resource.accessor.as_str()) {
                return Err(format!(
                    "{}: tags: `{}` makes the accessor `{}`, a method the client has already; pin another with `x-facade-accessor`",
                    service.file, resource.tag, resource.accessor
                ));
            }
            let place = format!("{} (tag {})", service.file, resource.tag);
            if let Some(other) = seen.insert(resource.accessor.clone(), place) {
                return Err(format!(
                    "{}: tags: `{}` makes the accessor `{}`, which {other} has already; pin another with `x-facade-accessor`",
                    service.file, resource.tag, resource.accessor
                ));
            }
        }
    }
    Ok(())
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
        let pinned = text(tag, "x-facade-accessor");
        let accessor = pinned
            .map(str::to_string)
            .unwrap_or_else(|| tag_name.to_snake_case());
        if pinned.is_some_and(|p| p.to_snake_case() != p) {
            return Err(at(&format!(
                "tags.{index}.x-facade-accessor: `{accessor}` must be a snake_case Rust identifier"
            )));
        }
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
            pinned: pinned.is_some(),
            tag: tag_name,
            description: text(tag, "description").unwrap_or_default().trim().into(),
        });
    }

    let answered = reachable(raw, Reach::Responses);
    for (name, schema) in raw
        .pointer("/components/schemas")
        .and_then(Value::as_object)
        .into_iter()
        .flatten()
    {
        if schema.get("required").is_some() && answered.contains(name) {
            return Err(at(&format!(
                "components.schemas.{name}.required: response fields are never required (a response is read as the service sends it; spec/README.md); only schemas of request bodies alone may require fields"
            )));
        }
    }
    let schemas = schemas(raw).map_err(|e| at(&e))?;
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
            if !matches!(method.as_str(), "get" | "put" | "post" | "delete" | "patch") {
                return Err(at(&format!(
                    "{op_at}: `{method}` operations are not supported (GET, POST, PUT, PATCH and DELETE are)"
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
    let collections = collections(raw, &schemas).map_err(|e| at(&e))?;
    for op in &operations {
        if let Some(role) = &op.collection {
            for name in std::iter::once(&role.name).chain(role.job.iter()) {
                if !collections.iter().any(|c| &c.name == name) {
                    return Err(at(&format!(
                        "paths.{}.x-collection: `{name}` is not in components.x-collections",
                        op.path
                    )));
                }
            }
        }
    }
    Ok(Service {
        collections,
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
    let body = match op.get("requestBody") {
        None => None,
        Some(_) if method == "get" => {
            return Err(at(
                ".requestBody: a GET carries no body (proxies and gateways may drop it)",
            ));
        }
        Some(b) => Some(request_body(raw, resolve(raw, b), &at(".requestBody"))?),
    };
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
    let type_name = super::pascal(&official_name);
    if official_name.is_empty()
        || !official_name.chars().all(|c| c.is_ascii_alphanumeric())
        || !official_name.starts_with(|c: char| c.is_ascii_uppercase())
        || !is_type_name(&type_name)
    {
        return Err(at(&format!(
            ".x-official-name: `{official_name}` must be letters and digits, starting with a capital (it names a Rust type and an enum variant)"
        )));
    }
    if RESERVED_TYPE_NAMES.contains(&type_name.as_str()) {
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

    if body.is_some()
        && let Some(p) = parameters
            .iter()
            .find(|p| p.rust_name == "body" && p.source == Source::Caller)
    {
        return Err(at(&format!(
            ".parameters: `{}` would be named `body`, as the request body is",
            p.name
        )));
    }
    let mut response = None;
    let mut example = None;
    let mut success = Vec::new();
    let mut first: Option<(String, Answer, Vec<ResponseHeader>)> = None;
    for (status, r) in op
        .get("responses")
        .and_then(Value::as_object)
        .into_iter()
        .flatten()
    {
        let Some(code) = status
            .parse::<u16>()
            .ok()
            .filter(|c| (200..300).contains(c))
        else {
            if status.starts_with('2') {
                return Err(at(&format!(
                    ".responses.{status}: name each success status (200, 201, …), not a range"
                )));
            }
            continue;
        };
        success.push(code);
        let r = resolve(raw, r);
        let r_at = format!(".responses.{status}");
        let (answer, named, documented) = answer_of(raw, r, &at(&r_at))?;
        let headers = response_headers(raw, r, &at(&format!("{r_at}.headers")))?;
        match &first {
            None => {
                response = named;
                example = documented;
                first = Some((status.clone(), answer, headers));
            }
            Some((first_status, first_answer, first_headers)) => {
                if *first_answer != answer || named != response || *first_headers != headers {
                    return Err(at(&format!(
                        "{r_at}: answers otherwise than {first_status}; the success statuses of an operation must carry the same body and headers (the call returns one type)"
                    )));
                }
            }
        }
    }
    let (answer, response_headers) = match first {
        Some((_, answer, headers)) => (answer, headers),
        None => {
            return Err(at(
                ".responses: no success status (2xx) is documented; the call would have no answer",
            ));
        }
    };

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

    if op.get("x-waiters").is_some() && (method != "get" || body.is_some()) {
        return Err(at(
            ".x-waiters: a waiter polls its operation again and again: only a GET without a body may be one (a write would be applied on every poll)",
        ));
    }
    let waiters = waiters(&at(".x-waiters"), op, response.as_deref(), raw)?;
    let marked_idempotent = match op.get("x-idempotent") {
        None => false,
        Some(Value::Bool(marked)) => *marked,
        Some(other) => {
            return Err(at(&format!(
                ".x-idempotent: `{other}` is not true or false"
            )));
        }
    };
    let idempotency_token = match op.get("x-idempotency-token") {
        None => None,
        Some(token) => {
            let header = text(token, "header").ok_or_else(|| {
                at(".x-idempotency-token: name the header the service deduplicates by (`header: X-Client-Token`); a body field is not supported")
            })?;
            let parameter = parameters
                .iter()
                .find(|p| p.name == header && p.location == Location::Header && !p.required);
            match parameter {
                Some(Parameter {
                    kind: Kind::String { .. },
                    ..
                }) => Some(header.to_string()),
                _ => {
                    return Err(at(&format!(
                        ".x-idempotency-token.header: `{header}` is not an optional string header parameter of this operation"
                    )));
                }
            }
        }
    };
    let collection = match op.get("x-collection") {
        None => None,
        Some(block) => Some(collection_role(
            &at(".x-collection"),
            block,
            &parameters,
            body.as_ref(),
            raw,
        )?),
    };
    let combined_setters = combined_setters(&at(".x-facade-setters"), op, &parameters)?;
    if body.is_some() && combined_setters.iter().any(|s| s.method == "body") {
        return Err(at(
            ".x-facade-setters: `body` is the setter of the request body",
        ));
    }

    Ok(Operation {
        marked_idempotent,
        idempotency_token,
        collection,
        waiters,
        combined_setters,
        id,
        official_name,
        type_name,
        answer,
        response_headers,
        body,
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

/// What a success response carries: the answer, its named schema (for JSON of a `$ref`) and
/// its first documented example.
fn answer_of(
    raw: &Value,
    r: &Value,
    at: &str,
) -> Result<(Answer, Option<String>, Option<Value>), String> {
    let Some(content) = r.get("content").and_then(Value::as_object) else {
        return Ok((Answer::Empty, None, None));
    };
    if content.is_empty() {
        return Ok((Answer::Empty, None, None));
    }
    if content.len() > 1 {
        return Err(format!(
            "{at}.content: several media types ({}); the call returns one type, so document one",
            content.keys().cloned().collect::<Vec<_>>().join(", ")
        ));
    }
    let (media, body) = content.iter().next().expect("one media type");
    let at = format!("{at}.content.{media}");
    let schema = body.get("schema").unwrap_or(&Value::Null);
    let example = body.get("example").cloned().or_else(|| {
        body.get("examples")
            .and_then(Value::as_object)
            .and_then(|e| e.values().next())
            .and_then(|e| e.get("value"))
            .cloned()
    });
    let essence = media.split(';').next().unwrap_or_default().trim();
    if essence == "application/json" {
        if let Some(name) = schema_ref(schema) {
            exists(raw, name, &format!("{at}.schema"))?;
            return Ok((
                Answer::Json {
                    summary: name.to_string(),
                },
                Some(name.to_string()),
                example,
            ));
        }
        let summary = match text(schema, "type") {
            Some("array") => match schema.get("items").map(type_summary) {
                Some(items) if schema_ref(&schema["items"]).is_some() || is_scalar(&items) => {
                    if let Some(name) = schema_ref(&schema["items"]) {
                        exists(raw, name, &format!("{at}.schema.items"))?;
                    }
                    format!("[{items}]")
                }
                _ => {
                    return Err(format!(
                        "{at}.schema.items: the items of a top-level array must be a $ref to components.schemas or a scalar"
                    ));
                }
            },
            Some("object") if schema.get("properties").is_none() => {
                match schema.get("additionalProperties") {
                    Some(Value::Object(values)) if !values.is_empty() => {
                        format!("{{{}}}", type_summary(&schema["additionalProperties"]))
                    }
                    _ => "object".to_string(),
                }
            }
            _ => {
                return Err(format!(
                    "{at}.schema: the success body must be a $ref to components.schemas (it becomes a named model), an array, a map or a free-form object"
                ));
            }
        };
        return Ok((Answer::Json { summary }, None, example));
    }
    if essence == "text/plain" {
        if text(schema, "type").is_some_and(|t| t != "string") {
            return Err(format!("{at}.schema: a text/plain answer is a string"));
        }
        return Ok((Answer::Text, None, example));
    }
    if text(schema, "format") == Some("binary") || essence == "application/octet-stream" {
        return Ok((Answer::Download, None, None));
    }
    Err(format!(
        "{at}: the facade reads JSON (application/json), text (text/plain) and files (application/octet-stream, or any type with `format: binary`)"
    ))
}

/// That `components.schemas.<name>` is there.
fn exists(raw: &Value, name: &str, at: &str) -> Result<(), String> {
    match raw.pointer(&format!("/components/schemas/{name}")) {
        Some(_) => Ok(()),
        None => Err(format!(
            "{at}: `#/components/schemas/{name}` does not resolve"
        )),
    }
}

fn is_scalar(summary: &str) -> bool {
    ["string", "integer", "number", "boolean"]
        .iter()
        .any(|s| summary.starts_with(s))
}

/// The `$ref` name of a schema that is a reference to `components.schemas` (or an `allOf` of
/// one).
fn schema_ref(schema: &Value) -> Option<&str> {
    schema
        .get("$ref")
        .or_else(|| schema.pointer("/allOf/0/$ref"))
        .and_then(Value::as_str)
        .and_then(|r| r.strip_prefix("#/components/schemas/"))
}

/// The declared headers of a success response.
fn response_headers(raw: &Value, r: &Value, at: &str) -> Result<Vec<ResponseHeader>, String> {
    let mut out: Vec<ResponseHeader> = Vec::new();
    for (name, header) in r
        .get("headers")
        .and_then(Value::as_object)
        .into_iter()
        .flatten()
    {
        let header = resolve(raw, header);
        let schema = header.get("schema").map(|s| resolve(raw, s));
        let kind = match schema.and_then(|s| text(s, "type")) {
            Some(kind @ ("string" | "integer" | "number" | "boolean")) => kind.to_string(),
            other => {
                return Err(format!(
                    "{at}.{name}.schema.type: {other:?}; a response header is read as a string, an integer, a number or a boolean"
                ));
            }
        };
        let rust_name = super::snake(name);
        if let Some(other) = out.iter().find(|h| h.rust_name == rust_name) {
            return Err(format!(
                "{at}.{name}: `{}` and `{name}` have the same Rust name `{rust_name}`",
                other.name
            ));
        }
        out.push(ResponseHeader {
            name: name.clone(),
            rust_name,
            description: text(header, "description")
                .unwrap_or_default()
                .trim()
                .to_string(),
            kind,
        });
    }
    Ok(out)
}

/// A request body: JSON of a named schema (or an array of one), a multipart form of a named
/// object schema, or raw bytes.
fn request_body(raw: &Value, b: &Value, at: &str) -> Result<Body, String> {
    let content = b
        .get("content")
        .and_then(Value::as_object)
        .filter(|c| !c.is_empty())
        .ok_or_else(|| format!("{at}.content: a request body needs its media type"))?;
    if content.len() > 1 {
        return Err(format!(
            "{at}.content: several media types ({}); document the one the service takes",
            content.keys().cloned().collect::<Vec<_>>().join(", ")
        ));
    }
    let (media, body) = content.iter().next().expect("one media type");
    let at = format!("{at}.content.{media}");
    let schema = body.get("schema").unwrap_or(&Value::Null);
    let essence = media.split(';').next().unwrap_or_default().trim();
    let kind = if essence == "application/json" {
        if let Some(name) = schema_ref(schema) {
            exists(raw, name, &format!("{at}.schema"))?;
            BodyKind::Json {
                schema: Some(name.to_string()),
                summary: name.to_string(),
            }
        } else {
            let items = schema.get("items");
            let free_form =
                text(schema, "type") == Some("object") && schema.get("properties").is_none();
            let array = text(schema, "type") == Some("array")
                && items.is_some_and(|items| {
                    schema_ref(items).is_some() || is_scalar(&type_summary(items))
                });
            if !free_form && !array {
                return Err(format!(
                    "{at}.schema: a JSON body must be a $ref to components.schemas (it becomes the model a caller builds), an array, a map or a free-form object"
                ));
            }
            if let Some(name) = items.and_then(schema_ref) {
                exists(raw, name, &format!("{at}.schema.items"))?;
            }
            BodyKind::Json {
                schema: None,
                summary: type_summary(schema),
            }
        }
    } else if essence == "multipart/form-data" {
        let name = schema_ref(schema).ok_or_else(|| {
            format!("{at}.schema: a multipart body must be a $ref to an object of components.schemas (its form type)")
        })?;
        let target = raw
            .pointer(&format!("/components/schemas/{name}"))
            .ok_or_else(|| format!("{at}.schema: `{name}` does not resolve"))?;
        let required: Vec<&str> = target
            .get("required")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .filter_map(Value::as_str)
            .collect();
        let mut parts = Vec::new();
        for (part, property) in target
            .get("properties")
            .and_then(Value::as_object)
            .into_iter()
            .flatten()
        {
            let p_at = format!("components.schemas.{name}.properties.{part}");
            let kind = if let Some(reference) = schema_ref(property) {
                let enum_schema = raw.pointer(&format!("/components/schemas/{reference}"));
                if enum_schema.and_then(|e| e.get("enum")).is_none() {
                    return Err(format!(
                        "{p_at}: a multipart part is a file, a string, a number, a boolean or a named enum"
                    ));
                }
                PartKind::Enum(reference.to_string())
            } else {
                match (text(property, "type"), text(property, "format")) {
                    (Some("string"), Some("binary")) => PartKind::File,
                    (Some("string"), _) => PartKind::String,
                    (Some("integer"), _) => PartKind::Integer,
                    (Some("number"), _) => PartKind::Number,
                    (Some("boolean"), _) => PartKind::Boolean,
                    _ => {
                        return Err(format!(
                            "{p_at}: a multipart part is a file, a string, a number, a boolean or a named enum"
                        ));
                    }
                }
            };
            if !part
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.'))
            {
                return Err(format!(
                    "{p_at}: a part name is ASCII letters, digits, `_`, `-` and `.` (others travel as `name*=`, which RFC 7578 forbids)"
                ));
            }
            if let Some(other) = parts
                .iter()
                .find(|p: &&Part| p.rust_name == super::snake(part))
            {
                return Err(format!(
                    "{p_at}: `{}` and `{part}` make the same field `{}`",
                    other.name, other.rust_name
                ));
            }
            parts.push(Part {
                name: part.clone(),
                rust_name: super::snake(part),
                required: required.contains(&part.as_str()),
                description: text(property, "description")
                    .unwrap_or_default()
                    .trim()
                    .to_string(),
                kind,
            });
        }
        if parts.is_empty() {
            return Err(format!("{at}.schema: `{name}` has no properties to send"));
        }
        BodyKind::Multipart {
            schema: name.to_string(),
            parts,
        }
    } else if text(schema, "format") == Some("binary") || essence == "application/octet-stream" {
        if !essence.chars().all(|c| c.is_ascii_graphic()) {
            return Err(format!(
                "{at}: `{essence}` is not a media type that can be sent as a header"
            ));
        }
        BodyKind::Binary {
            media_type: essence.to_string(),
        }
    } else {
        return Err(format!(
            "{at}: the facade sends JSON (application/json), multipart/form-data and raw bytes (application/octet-stream, or `format: binary`)"
        ));
    };
    let json_schema = match kind {
        BodyKind::Json { .. } => Some(json_schema_document(raw, schema)?.to_string()),
        _ => None,
    };
    Ok(Body {
        required: b.get("required").and_then(Value::as_bool).unwrap_or(false),
        description: text(b, "description")
            .unwrap_or_default()
            .trim()
            .to_string(),
        kind,
        json_schema,
    })
}

/// `schema` as a JSON Schema document that a validator reads on its own: `schema` at the root,
/// every named schema it reaches (through `$ref`s) under `components.schemas`, where its `$ref`s
/// point. OpenAPI 3.0's `nullable: true` becomes a `null` among the types; the other OpenAPI
/// keywords are JSON Schema's, and `x-…` notes are ignored by validators.
fn json_schema_document(raw: &Value, schema: &Value) -> Result<Value, String> {
    fn refs(value: &Value, out: &mut Vec<String>) {
        match value {
            Value::Object(map) => {
                if let Some(name) = map
                    .get("$ref")
                    .and_then(Value::as_str)
                    .and_then(|r| r.strip_prefix("#/components/schemas/"))
                {
                    out.push(name.to_string());
                }
                map.values().for_each(|v| refs(v, out));
            }
            Value::Array(items) => items.iter().for_each(|v| refs(v, out)),
            _ => {}
        }
    }
    fn nullable(value: &Value) -> Value {
        match value {
            Value::Object(map) => {
                let mut out: serde_json::Map<String, Value> = map
                    .iter()
                    .filter(|(k, _)| *k != "nullable")
                    .map(|(k, v)| (k.clone(), nullable(v)))
                    .collect();
                if map.get("nullable") == Some(&Value::Bool(true)) {
                    match out.get("type").cloned() {
                        Some(Value::String(t)) => {
                            out.insert("type".into(), Value::from(vec![t, "null".to_string()]));
                        }
                        None if out.contains_key("enum") => {
                            if let Some(Value::Array(values)) = out.get_mut("enum") {
                                values.push(Value::Null);
                            }
                        }
                        _ => {}
                    }
                    // A `$ref` with siblings (`allOf`) stays as it is: null passes `anyOf`.
                    if !out.contains_key("type") && !out.contains_key("enum") {
                        let inner = Value::Object(std::mem::take(&mut out));
                        out.insert(
                            "anyOf".into(),
                            Value::from(vec![inner, serde_json::json!({"type": "null"})]),
                        );
                    }
                }
                Value::Object(out)
            }
            Value::Array(items) => Value::Array(items.iter().map(nullable).collect()),
            other => other.clone(),
        }
    }
    let mut pending = Vec::new();
    refs(schema, &mut pending);
    let mut named = serde_json::Map::new();
    while let Some(name) = pending.pop() {
        if named.contains_key(&name) {
            continue;
        }
        let target = raw
            .pointer(&format!("/components/schemas/{name}"))
            .ok_or_else(|| format!("`{name}` does not resolve"))?;
        refs(target, &mut pending);
        named.insert(name, nullable(target));
    }
    let mut document = match nullable(schema) {
        Value::Object(map) => map,
        _ => return Err("a body schema must be an object".to_string()),
    };
    if !named.is_empty() {
        document.insert(
            "components".into(),
            serde_json::json!({ "schemas": Value::Object(named) }),
        );
    }
    Ok(Value::Object(document))
}

/// Which way [`reachable`] follows the operations.
#[derive(Clone, Copy, PartialEq)]
enum Reach {
    /// From the responses (success and error) of every operation.
    Responses,
    /// From the JSON request bodies.
    JsonBodies,
    /// From the multipart request bodies (their form schema only).
    MultipartBodies,
}

/// The names of the schemas reachable from one side of every operation, through `$ref`s.
fn reachable(raw: &Value, from: Reach) -> std::collections::BTreeSet<String> {
    let mut roots: Vec<&Value> = Vec::new();
    for (_, item) in raw
        .get("paths")
        .and_then(Value::as_object)
        .into_iter()
        .flatten()
    {
        for (_, op) in item.as_object().into_iter().flatten() {
            match from {
                Reach::Responses => {
                    for (_, r) in op
                        .get("responses")
                        .and_then(Value::as_object)
                        .into_iter()
                        .flatten()
                    {
                        roots.push(resolve(raw, r));
                    }
                }
                Reach::JsonBodies | Reach::MultipartBodies => {
                    let Some(b) = op.get("requestBody") else {
                        continue;
                    };
                    for (media, content) in resolve(raw, b)
                        .get("content")
                        .and_then(Value::as_object)
                        .into_iter()
                        .flatten()
                    {
                        let multipart = media.starts_with("multipart/");
                        if multipart == (from == Reach::MultipartBodies) {
                            roots.push(content);
                        }
                    }
                }
            }
        }
    }
    let mut seen = std::collections::BTreeSet::new();
    let mut stack = roots;
    while let Some(value) = stack.pop() {
        match value {
            Value::Object(map) => {
                if let Some(name) = map
                    .get("$ref")
                    .and_then(Value::as_str)
                    .and_then(|r| r.strip_prefix("#/components/schemas/"))
                    && seen.insert(name.to_string())
                    && from != Reach::MultipartBodies
                    && let Some(target) = raw.pointer(&format!("/components/schemas/{name}"))
                {
                    stack.push(target);
                }
                stack.extend(map.values());
            }
            Value::Array(items) => stack.extend(items),
            _ => {}
        }
    }
    seen
}

/// `x-collection: {name, role, id, ids, job}` of an operation.
fn collection_role(
    at: &str,
    block: &Value,
    parameters: &[Parameter],
    body: Option<&Body>,
    raw: &Value,
) -> Result<CollectionRole, String> {
    let field = |key: &str| text(block, key).map(str::to_string);
    let name = field("name").ok_or_else(|| format!("{at}.name is missing"))?;
    let role = field("role").ok_or_else(|| format!("{at}.role is missing"))?;
    let id = field("id");
    let ids = field("ids");
    match role.as_str() {
        "get" | "update" | "delete" | "action" => {
            let id = id.as_deref().ok_or_else(|| {
                format!("{at}.id: a `{role}` names the path parameter holding the item's id")
            })?;
            if !parameters
                .iter()
                .any(|p| p.name == id && p.location == Location::Path)
            {
                return Err(format!("{at}.id: `{id}` is not a path parameter"));
            }
        }
        "batch-delete" => {
            let ids = ids.as_deref().ok_or_else(|| {
                format!("{at}.ids: a `batch-delete` names the body field holding the ids")
            })?;
            let schema = match body.map(|b| &b.kind) {
                Some(BodyKind::Json {
                    schema: Some(schema),
                    ..
                }) => schema,
                _ => {
                    return Err(format!(
                        "{at}: a `batch-delete` takes a JSON body of a named schema"
                    ));
                }
            };
            if raw
                .pointer(&format!("/components/schemas/{schema}/properties/{ids}"))
                .is_none()
            {
                return Err(format!("{at}.ids: `{ids}` is not a property of {schema}"));
            }
        }
        "create" | "list" => {}
        other => {
            return Err(format!(
                "{at}.role: `{other}`; the roles are create, get, list, update, delete, batch-delete and action"
            ));
        }
    }
    Ok(CollectionRole {
        name,
        role,
        id,
        ids,
        job: field("job"),
    })
}

/// `components.x-collections`: `{<name>: {schema, id, status, states, deleting}}`.
fn collections(
    raw: &Value,
    schemas: &BTreeMap<String, Schema>,
) -> Result<Vec<super::Collection>, String> {
    let mut out = Vec::new();
    for (name, block) in raw
        .pointer("/components/x-collections")
        .and_then(Value::as_object)
        .into_iter()
        .flatten()
    {
        let at = format!("components.x-collections.{name}");
        let field = |key: &str| text(block, key).map(str::to_string);
        let schema = field("schema").ok_or_else(|| format!("{at}.schema is missing"))?;
        let model = schemas
            .get(&schema)
            .ok_or_else(|| format!("{at}.schema: `{schema}` is not in components.schemas"))?;
        let id = field("id").ok_or_else(|| format!("{at}.id is missing"))?;
        if !model.fields.contains_key(&id) {
            return Err(format!("{at}.id: `{id}` is not a property of {schema}"));
        }
        let status = field("status");
        if let Some(status) = &status
            && !model.fields.contains_key(status)
        {
            return Err(format!(
                "{at}.status: `{status}` is not a property of {schema}"
            ));
        }
        let states: Vec<String> = block
            .get("states")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .filter_map(Value::as_str)
            .map(str::to_string)
            .collect();
        if status.is_some() == states.is_empty() {
            return Err(format!(
                "{at}: `status` and `states` go together (the field, and the states a new item goes through)"
            ));
        }
        out.push(super::Collection {
            name: name.clone(),
            schema,
            id,
            status,
            states,
            deleting: field("deleting"),
        });
    }
    Ok(out)
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
    let kind = if text(schema, "type") == Some("array") {
        array_kind(raw, p, schema, location, &at(""))?
    } else {
        kind(raw, schema, &at(".schema"))?
    };
    // As progenitor names the builder's setter: `type` → `type_`, `2fa` → `_2fa`.
    let rust_name = super::parameter(&name);
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

/// An array query parameter (`style: form`): its items' kind (scalars and named enums) and how
/// it travels.
fn array_kind(
    raw: &Value,
    p: &Value,
    schema: &Value,
    location: Location,
    at: &str,
) -> Result<Kind, String> {
    if location != Location::Query {
        return Err(format!(
            "{at}.schema: only query parameters may be arrays (a {} parameter holds one value)",
            location.as_str()
        ));
    }
    let style = text(p, "style").unwrap_or("form");
    if style != "form" {
        return Err(format!(
            "{at}.style: `{style}`: array parameters travel as `form` (repeated, or comma-separated with `explode: false`)"
        ));
    }
    for key in schema.as_object().into_iter().flatten().map(|(k, _)| k) {
        if ![
            "type",
            "items",
            "minItems",
            "maxItems",
            "description",
            "example",
            "nullable",
        ]
        .contains(&key.as_str())
            && !key.starts_with("x-")
        {
            return Err(format!(
                "{at}.schema.{key}: the facade generator does not enforce `{key}` on an array parameter"
            ));
        }
    }
    let items = schema
        .get("items")
        .ok_or_else(|| format!("{at}.schema.items is missing"))?;
    let items = kind(raw, items, &format!("{at}.schema.items"))?;
    let count = |key: &str| -> Result<Option<u64>, String> {
        match schema.get(key) {
            None => Ok(None),
            Some(v) => v
                .as_u64()
                .map(Some)
                .ok_or_else(|| format!("{at}.schema.{key}: `{v}` is not a non-negative integer")),
        }
    };
    Ok(Kind::Array {
        items: Box::new(items),
        explode: p.get("explode").and_then(Value::as_bool).unwrap_or(true),
        min_items: count("minItems")?,
        max_items: count("maxItems")?,
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
    let needed = |key: &str| field(key).ok_or_else(|| format!("{at}.{key} is missing"));
    let style = match field("style").as_deref() {
        Some("offset-limit") => PagingStyle::OffsetLimit {
            offset: needed("offset")?,
        },
        Some("page") => PagingStyle::Page {
            page: needed("page")?,
            first: match block.get("first-page") {
                None => 1,
                Some(v) => v
                    .as_u64()
                    .filter(|first| *first <= 1)
                    .ok_or_else(|| format!("{at}.first-page: `{v}` must be 0 or 1"))?,
            },
        },
        Some("marker") => PagingStyle::Marker {
            marker: needed("marker")?,
            next: field("next-marker"),
        },
        Some("token") => PagingStyle::Token {
            token: needed("token")?,
            next: needed("next-token")?,
        },
        other => {
            return Err(format!(
                "{at}.style: {other:?}; the styles are `offset-limit`, `page`, `marker` and `token`"
            ));
        }
    };
    let limit = needed("limit")?;
    let items = needed("items")?;
    let total = field("total");
    let item_id = field("item-id");
    if !style.positional() && total.is_some() {
        return Err(format!(
            "{at}.total: a {} listing ends when the service gives no next page; a total is not read",
            style.name()
        ));
    }
    if matches!(style, PagingStyle::Marker { next: None, .. }) && item_id.is_none() {
        return Err(format!(
            "{at}: without `next-marker` the next marker is the last item's id: name it with `item-id`"
        ));
    }
    let param = |name: &str, key: &str| {
        parameters
            .iter()
            .find(|p| p.name == *name && p.location == Location::Query && !p.required)
            .ok_or_else(|| {
                format!("{at}.{key}: `{name}` is not an optional query parameter of this operation")
            })
    };
    let position_key = match &style {
        PagingStyle::OffsetLimit { .. } => "offset",
        PagingStyle::Page { .. } => "page",
        PagingStyle::Marker { .. } => "marker",
        PagingStyle::Token { .. } => "token",
    };
    let position = param(style.position(), position_key)?;
    match (&position.kind, style.positional()) {
        (Kind::Integer { .. }, true) | (Kind::String { .. }, false) => {}
        (_, true) => {
            return Err(format!(
                "{at}.{position_key}: `{}` must be an integer parameter",
                position.name
            ));
        }
        (_, false) => {
            return Err(format!(
                "{at}.{position_key}: `{}` must be a string parameter",
                position.name
            ));
        }
    }
    let Kind::Integer {
        minimum,
        maximum,
        default,
        format,
    } = &param(&limit, "limit")?.kind
    else {
        return Err(format!(
            "{at}.limit: `{limit}` must be an integer parameter"
        ));
    };
    let fits = |v: i64| u32::try_from(v).ok();
    // Without a documented maximum, the largest value of the limit's format.
    let ceiling = match format.as_deref() {
        Some("int32") | None => i64::from(i32::MAX),
        _ => i64::from(u32::MAX),
    };
    let low = minimum.unwrap_or(0).max(1);
    let page_sizes = match (fits(low), fits(maximum.unwrap_or(ceiling))) {
        (Some(low), Some(high)) if low <= high => (low, high),
        _ => {
            return Err(format!(
                "{at}.limit: `{limit}` allows no page size in 1..={}",
                u32::MAX
            ));
        }
    };
    let default_page_size = match (default, maximum) {
        (Some(d), _) => fits(*d)
            .filter(|d| (page_sizes.0..=page_sizes.1).contains(d))
            .ok_or_else(|| {
                format!("{at}.limit: the default {d} of `{limit}` is not a page size")
            })?,
        (None, Some(_)) => page_sizes.1,
        (None, None) => {
            return Err(format!(
                "{at}.limit: `{limit}` has neither a `default` nor a `maximum`: give the default the API reference documents (it is the paginator's page size)"
            ));
        }
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
    let next = match &style {
        PagingStyle::Marker {
            next: Some(next), ..
        }
        | PagingStyle::Token { next, .. } => Some(next),
        _ => None,
    };
    if let Some(next) = next {
        let ty = body.fields.get(next).ok_or_else(|| {
            format!(
                "{at}: `{next}` (the next page's marker or token) is not a property of {response}"
            )
        })?;
        if ty != "string" {
            return Err(format!(
                "{at}: `{next}` of {response} must be a string, not {ty}"
            ));
        }
    }
    let _ = raw;
    Ok(Pagination {
        style,
        limit,
        items,
        total,
        item_id,
        item_schema,
        page_sizes,
        default_page_size,
    })
}

fn schemas(raw: &Value) -> Result<BTreeMap<String, Schema>, String> {
    let forms = reachable(raw, Reach::MultipartBodies);
    let elsewhere: std::collections::BTreeSet<String> = reachable(raw, Reach::Responses)
        .into_iter()
        .chain(reachable(raw, Reach::JsonBodies))
        .collect();
    let mut out = BTreeMap::new();
    let mut rust_names: BTreeMap<String, String> = BTreeMap::new();
    for (name, schema) in raw
        .pointer("/components/schemas")
        .and_then(Value::as_object)
        .into_iter()
        .flatten()
    {
        let rust_name = super::pascal(name);
        if let Some(other) = rust_names.insert(rust_name.clone(), name.clone()) {
            return Err(format!(
                "components.schemas: `{other}` and `{name}` make the same Rust type `{rust_name}`"
            ));
        }
        let multipart = forms.contains(name);
        if multipart && elsewhere.contains(name) {
            return Err(format!(
                "components.schemas.{name}: the form of a multipart body is also used as JSON; give the form a schema of its own"
            ));
        }
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
                rust_name,
                required: schema
                    .get("required")
                    .and_then(Value::as_array)
                    .into_iter()
                    .flatten()
                    .filter_map(Value::as_str)
                    .map(str::to_string)
                    .collect(),
                multipart,
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
                json: schema.clone(),
            },
        );
    }
    Ok(out)
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
                "head",
                GOOD.replace("    get:\n      operationId", "    head:\n      operationId"),
                "`head` operations are not supported",
            ),
            (
                "request-body-on-get",
                GOOD.replace(
                    "      responses:\n",
                    "      requestBody: {content: {application/json: {schema: {$ref: \"#/components/schemas/Thing\"}}}}\n      responses:\n",
                ),
                "a GET carries no body",
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
                "xml-answer",
                GOOD.replace("application/json:\n              schema: {$ref", "application/xml:\n              schema: {$ref"),
                "the facade reads JSON",
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

    /// Builds several spec files together (`(file stem, text)`).
    fn build_texts(name: &str, files: &[(&str, &str)]) -> Result<Vec<Service>, String> {
        let dir = std::env::temp_dir().join(format!("xtask-models-{}-{name}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let mut specs = Vec::new();
        let mut result = Ok(());
        for (stem, text) in files {
            let file = dir.join(format!("{stem}.yaml"));
            std::fs::write(&file, text).unwrap();
            match crate::spec::load(&file) {
                Ok(spec) => specs.push(spec),
                Err(e) => result = Err(e),
            }
        }
        std::fs::remove_dir_all(&dir).unwrap();
        result.and_then(|()| build(&specs))
    }

    /// GOOD as another service, with its own names.
    fn other_service(tag: &str, pinned: Option<&str>) -> String {
        let tag_line = match pinned {
            Some(accessor) => {
                format!("  - {{name: {tag}, description: x, x-facade-accessor: {accessor}}}")
            }
            None => format!("  - {{name: {tag}, description: x}}"),
        };
        GOOD.replace("name: Things, endpoint", "name: Others, endpoint")
            .replace("  - {name: Things, description: Things.}", &tag_line)
            .replace("tags: [Things]", &format!("tags: [{tag}]"))
            .replace("operationId: list_things", "operationId: list_others")
            .replace("x-official-name: ListThings", "x-official-name: ListOthers")
    }

    #[test]
    fn a_tag_two_services_use_gets_accessors_by_service_unless_pinned() {
        let services = build_texts(
            "shared",
            &[("alpha", GOOD), ("beta", &other_service("Things", None))],
        )
        .unwrap_or_else(|e| panic!("{e}"));
        let accessors: Vec<&str> = services
            .iter()
            .map(|s| s.resources[0].accessor.as_str())
            .collect();
        assert_eq!(accessors, ["alpha_things", "beta_things"]);
        let pinned = GOOD.replace(
            "  - {name: Things, description: Things.}",
            "  - {name: Things, description: Things., x-facade-accessor: things}",
        );
        let services = build_texts(
            "pinned",
            &[("alpha", &pinned), ("beta", &other_service("Things", None))],
        )
        .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(services[0].resources[0].accessor, "things");
        assert_eq!(services[1].resources[0].accessor, "beta_things");
        let both = build_texts(
            "both-pinned",
            &[
                ("alpha", &pinned),
                ("beta", &other_service("Things", Some("things"))),
            ],
        )
        .unwrap_err();
        assert!(both.contains("x-facade-accessor: things"), "{both}");
        let reserved = build_texts(
            "reserved",
            &[("alpha", GOOD), ("beta", &other_service("Endpoint", None))],
        )
        .unwrap_err();
        assert!(reserved.contains("accessor `endpoint`"), "{reserved}");
        let stem = build_texts("stem", &[("paginate", GOOD)]).unwrap_err();
        assert!(stem.contains("module `paginate`"), "{stem}");
    }

    #[test]
    fn every_shape_is_read() {
        let text = GOOD
            .replace(
                "        - {name: kind, in: query, schema: {type: string}}",
                "        - {name: kind, in: query, schema: {type: string}}\n        - {name: type, in: query, schema: {type: string}}\n        - {name: ids, in: query, style: form, explode: false, schema: {type: array, maxItems: 3, items: {type: string, maxLength: 4}}}",
            )
            .replace("x-official-name: ListThings", "x-official-name: ListThingsIP")
            .replace(
                "components:\n",
                r##"  /v1/{project_id}/things/{id}:
    post:
      operationId: create_thing
      tags: [Things]
      parameters:
        - {name: project_id, in: path, required: true, schema: {type: string}}
        - {name: id, in: path, required: true, schema: {type: string}}
      requestBody:
        required: true
        content: {application/json: {schema: {$ref: "#/components/schemas/NewThing"}}}
      responses:
        "201":
          description: created
          headers:
            X-Count: {schema: {type: integer}}
          content: {application/json: {schema: {$ref: "#/components/schemas/Thing"}}}
    delete:
      operationId: delete_thing
      tags: [Things]
      parameters:
        - {name: project_id, in: path, required: true, schema: {type: string}}
        - {name: id, in: path, required: true, schema: {type: string}}
      responses:
        "204": {description: gone}
    put:
      operationId: upload_thing
      tags: [Things]
      parameters:
        - {name: project_id, in: path, required: true, schema: {type: string}}
        - {name: id, in: path, required: true, schema: {type: string}}
      requestBody:
        content: {multipart/form-data: {schema: {$ref: "#/components/schemas/Form"}}}
      responses:
        "200": {description: ok, content: {text/plain: {schema: {type: string}}}}
    patch:
      operationId: patch_thing
      tags: [Things]
      parameters:
        - {name: project_id, in: path, required: true, schema: {type: string}}
        - {name: id, in: path, required: true, schema: {type: string}}
      requestBody:
        content: {application/octet-stream: {schema: {type: string, format: binary}}}
      responses:
        "200": {description: ok, content: {application/octet-stream: {schema: {type: string, format: binary}}}}
components:
"##,
            )
            .replace(
                "  schemas:\n",
                "  schemas:\n    NewThing:\n      type: object\n      required: [name]\n      properties:\n        name: {type: string}\n        enum: {type: string}\n    Form:\n      type: object\n      required: [file]\n      properties:\n        file: {type: string, format: binary}\n        note: {type: string}\n",
            );
        let services = build_text("shapes", &text).unwrap_or_else(|e| panic!("{e}"));
        let ops = &services[0].operations;
        let op = |id: &str| ops.iter().find(|o| o.id == id).unwrap();
        let list = op("list_things");
        assert_eq!(list.type_name, "ListThingsIp");
        assert_eq!(list.parameter("type").unwrap().rust_name, "type_");
        assert!(matches!(
            list.parameter("ids").unwrap().kind,
            Kind::Array {
                explode: false,
                max_items: Some(3),
                ..
            }
        ));
        let create = op("create_thing");
        assert!(!create.idempotent() && create.body.as_ref().unwrap().required);
        assert_eq!(create.success, [201]);
        assert_eq!(create.response_headers[0].rust_name, "x_count");
        assert_eq!(op("delete_thing").answer, Answer::Empty);
        assert!(op("delete_thing").idempotent());
        let upload = op("upload_thing");
        assert_eq!(upload.answer, Answer::Text);
        assert!(matches!(
            &upload.body.as_ref().unwrap().kind,
            BodyKind::Multipart { parts, .. } if parts.len() == 2 && parts[0].kind == PartKind::File && parts[0].required
        ));
        assert!(upload.returns_builder(), "an optional body is a setter");
        assert_eq!(op("patch_thing").answer, Answer::Download);
        let schemas = &services[0].schemas;
        assert!(schemas["Form"].multipart && !schemas["NewThing"].multipart);
        assert_eq!(schemas["NewThing"].required, ["name"]);
    }

    #[test]
    fn shapes_the_facade_cannot_take_are_refused_naming_them() {
        let body = |content: &str| {
            GOOD.replace(
                "    get:\n      operationId",
                "    post:\n      operationId",
            )
            .replace(
                "      responses:\n",
                &format!("      requestBody:\n        content: {content}\n      responses:\n"),
            )
        };
        let paged = |block: &str, limit: &str| {
            GOOD.replace("      tags: [Things]\n", &format!("      tags: [Things]\n      x-pagination: {block}\n"))
                .replace(
                    "        - {name: kind, in: query, schema: {type: string}}",
                    &format!("        - {{name: kind, in: query, schema: {{type: string}}}}\n        - {{name: marker, in: query, schema: {{type: string}}}}\n        - {{name: limit, in: query, schema: {limit}}}"),
                )
        };
        let cases: Vec<(&str, String, &str)> = vec![
            ("inline-json-body", body("{application/json: {schema: {type: object, properties: {a: {type: string}}}}}"), "a JSON body must be a $ref"),
            ("two-media-types", body("{application/json: {schema: {$ref: \"#/components/schemas/Thing\"}}, application/xml: {}}"), "several media types"),
            ("xml-body", body("{application/xml: {schema: {$ref: \"#/components/schemas/Thing\"}}}"), "multipart/form-data"),
            (
                "header-array",
                GOOD.replace("name: kind, in: query, schema: {type: string}", "name: kind, in: header, schema: {type: array, items: {type: string}}"),
                "only query parameters may be arrays",
            ),
            (
                "array-style",
                GOOD.replace("name: kind, in: query, schema: {type: string}", "name: kind, in: query, style: pipeDelimited, schema: {type: array, items: {type: string}}"),
                "travel as `form`",
            ),
            (
                "marker-without-next",
                paged("{style: marker, marker: marker, limit: limit, items: items}", "{type: integer, maximum: 10}"),
                "name it with `item-id`",
            ),
            (
                "limit-without-default",
                paged("{style: marker, marker: marker, limit: limit, items: items, item-id: id}", "{type: integer}"),
                "neither a `default` nor a `maximum`",
            ),
            (
                "token-with-total",
                paged("{style: token, token: marker, next-token: id, limit: limit, items: items, total: items}", "{type: integer, maximum: 10}"),
                "a total is not read",
            ),
            (
                "token-next-missing",
                paged("{style: token, token: marker, next-token: nowhere, limit: limit, items: items}", "{type: integer, maximum: 10}"),
                "`nowhere`",
            ),
            (
                "statuses-disagree",
                GOOD.replace("      responses:\n        \"200\":", "      responses:\n        \"204\": {description: none}\n        \"200\":"),
                "the success statuses of an operation must carry the same body",
            ),
            (
                "waiter-on-a-write",
                body("{application/json: {schema: {$ref: \"#/components/schemas/Thing\"}}}").replace(
                    "      tags: [Things]\n",
                    "      tags: [Things]\n      x-waiters: [{method: wait_until, status: id, success: [a]}]\n",
                ),
                "only a GET without a body may be one",
            ),
            (
                "parameter-named-body",
                body("{application/json: {schema: {$ref: \"#/components/schemas/Thing\"}}}")
                    .replace("name: kind, in: query", "name: body, in: query"),
                "named `body`",
            ),
            (
                "parameter-named-maybe",
                GOOD.replace("name: kind, in: query", "name: maybe, in: query"),
                "`maybe`",
            ),
            (
                "parts-collide",
                body("{multipart/form-data: {schema: {$ref: \"#/components/schemas/Form\"}}}").replace(
                    "  schemas:\n",
                    "  schemas:\n    Form:\n      type: object\n      properties:\n        file-name: {type: string}\n        file_name: {type: string}\n",
                ),
                "make the same field",
            ),
            (
                "part-name-with-space",
                body("{multipart/form-data: {schema: {$ref: \"#/components/schemas/Form\"}}}").replace(
                    "  schemas:\n",
                    "  schemas:\n    Form:\n      type: object\n      properties:\n        \"my file\": {type: string, format: binary}\n",
                ),
                "RFC 7578",
            ),
            (
                "dangling-body",
                body("{application/json: {schema: {$ref: \"#/components/schemas/Nowhere\"}}}"),
                "does not resolve",
            ),
            (
                "no-success",
                GOOD.replace("        \"200\":\n          description: ok", "        \"400\":\n          description: ok"),
                "no success status",
            ),
        ];
        for (name, text, expected) in cases {
            assert_ne!(text, GOOD, "{name}: the variant did not change the spec");
            match build_text(name, &text) {
                Ok(_) => panic!("{name}: accepted"),
                Err(e) => assert!(e.contains(expected), "{name}: {e}"),
            }
        }
    }
}
