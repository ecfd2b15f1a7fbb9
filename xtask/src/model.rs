//! The API model every generator works from (its types; [`read`] builds it from the specs): services, operations, parameters with their
//! constraints, pagination, models and enums, read once from the checked specs.
//!
//! Everything the facade and the fake need from a spec is here, so a spec change reaches them
//! through this one reading. What the model cannot express (a parameter kind the facade has no
//! setter for, an `x-pagination` that points at nothing) is refused with the file, the path in it
//! and the reason, like the checks in [`crate::spec`].

mod read;

use std::collections::BTreeMap;

use serde_json::Value;

pub use crate::names::{parameter, pascal, snake};
pub use read::build;

/// One service: one spec file.
#[derive(Debug, Clone)]
pub struct Service {
    /// File stem, e.g. `workspaceapp`; the module name in every generated crate.
    pub stem: String,
    /// `spec/<stem>.yaml`, for messages.
    pub file: String,
    /// The official service name (`info.x-service.name`), e.g. `WorkspaceApp`.
    pub name: String,
    /// The upper-case name used in `HUAWEICLOUD_SDK_REGION_<SERVICE>_<REGION>`.
    pub env_name: String,
    /// The endpoint of a region missing from the tables, with `{region}`
    /// (`info.x-service.endpoint`).
    pub endpoint: String,
    /// How the service's own error codes begin (`info.x-service.error-code-prefix`, e.g. `WKS.`):
    /// a 404 with such a code is the service saying a resource is gone.
    pub error_code_prefix: Option<String>,
    /// `info.title`.
    pub title: String,
    /// The resources (tags), in spec order.
    pub resources: Vec<Resource>,
    /// The operations, sorted by path (then method).
    pub operations: Vec<Operation>,
    /// The named schemas (`components.schemas`), by name.
    pub schemas: BTreeMap<String, Schema>,
    /// `components.x-collections`: what the fake remembers.
    pub collections: Vec<Collection>,
}

/// A tag: the resource a group of operations works on.
#[derive(Debug, Clone)]
pub struct Resource {
    /// The tag, e.g. `ImageServers` (the facade's resource type, in the service's module).
    pub tag: String,
    /// The accessor on the client: the tag's `x-facade-accessor`, else `snake_case(tag)`, or,
    /// when another service's tag makes the same accessor, `<service module>_<snake_case(tag)>`.
    pub accessor: String,
    /// Whether the accessor was pinned with `x-facade-accessor`.
    pub pinned: bool,
    pub description: String,
}

/// One operation.
#[derive(Debug, Clone)]
pub struct Operation {
    /// `operationId`, e.g. `list_image_servers` (the generated crate's method).
    pub id: String,
    /// `x-official-name`, e.g. `ListImageServers` (or the operationId in UpperCamelCase).
    pub official_name: String,
    /// The Rust type name of the request builder: the official name in strict UpperCamelCase,
    /// as progenitor names its builders (`ListDevServerPublicIP` → `ListDevServerPublicIp`).
    pub type_name: String,
    /// Upper-case HTTP method.
    pub method: String,
    pub path: String,
    /// The first tag: the resource.
    pub tag: String,
    /// The facade method on the resource (`x-facade-method`, else the operationId).
    pub facade_method: String,
    pub summary: String,
    pub description: String,
    pub parameters: Vec<Parameter>,
    /// The schema of the 2xx JSON body when it is a named schema (`$ref` name).
    pub response: Option<String>,
    /// What the success answer carries.
    pub answer: Answer,
    /// The response headers the success answer declares.
    pub response_headers: Vec<ResponseHeader>,
    /// The request body, if the operation takes one.
    pub body: Option<Body>,
    /// `x-idempotent: true`: the spec says applying it twice changes nothing (a `POST` or a
    /// `PATCH` that is).
    pub marked_idempotent: bool,
    /// `x-idempotency-token: {header: …}`: the header parameter the service deduplicates by
    /// (Workspace's `X-Client-Token`); the facade fills it with a fresh UUID per call.
    pub idempotency_token: Option<String>,
    /// `x-collection`: how the fake remembers what the operation does.
    pub collection: Option<CollectionRole>,
    /// The `2xx` statuses the spec documents (the operation's answers), in order.
    pub success: Vec<u16>,
    /// The first documented example of the 2xx body.
    pub example: Option<Value>,
    pub pagination: Option<Pagination>,
    /// `x-waiters`: waits polling this operation.
    pub waiters: Vec<Waiter>,
    /// `x-facade-setters`: setters of the request builder that set several parameters at once.
    pub combined_setters: Vec<CombinedSetter>,
}

/// A setter that sets several optional parameters the service reads together (`x-facade-setters`
/// of an operation), e.g. `sort(field, order)` for `sort_field` and `sort_type`.
#[derive(Debug, Clone)]
pub struct CombinedSetter {
    /// Its name on the request builder.
    pub method: String,
    /// The Rust names of the parameters it sets, in its arguments' order.
    pub parameters: Vec<String>,
    pub description: String,
}

/// `x-waiters`: a wait that polls an operation until a state (or a 404).
#[derive(Debug, Clone)]
pub struct Waiter {
    /// The resource's method, e.g. `wait_until`.
    pub method: String,
    pub description: String,
    /// The response field holding the state (a named enum).
    pub status: String,
    /// The enum's schema name.
    pub status_type: String,
    /// States that end the wait well (none for a deletion waiter).
    pub success: Vec<String>,
    /// States that end it with a failure.
    pub failure: Vec<String>,
    /// Whether it waits for the resource to be gone (`until: deleted`).
    pub deleted: bool,
}

/// `x-collection` of an operation: its part in a collection the fake remembers.
#[derive(Debug, Clone, PartialEq)]
pub struct CollectionRole {
    /// The collection (`components.x-collections.<name>`).
    pub name: String,
    /// `create`, `get`, `list`, `update`, `delete`, `batch-delete` or `action`.
    pub role: String,
    /// The path parameter holding the item's id (`get`, `update`, `delete`, `action`).
    pub id: Option<String>,
    /// The body field holding the ids (`batch-delete`).
    pub ids: Option<String>,
    /// The collection of the job the answer names (its `job_id`), if it answers one.
    pub job: Option<String>,
}

/// `components.x-collections.<name>`: a collection the fake remembers.
#[derive(Debug, Clone, PartialEq)]
pub struct Collection {
    pub name: String,
    /// The schema of an item.
    pub schema: String,
    /// The item field holding its id.
    pub id: String,
    /// The item field the fake moves through `states` on its clock, if any.
    pub status: Option<String>,
    /// The states a new item goes through, one per step of the fake's lifecycle clock.
    pub states: Vec<String>,
    /// The state of an item being deleted (then it is gone).
    pub deleting: Option<String>,
}

/// What a success answer carries.
#[derive(Debug, Clone, PartialEq)]
pub enum Answer {
    /// No body (`204`, or a success without `content`): the call returns `()`.
    Empty,
    /// A JSON document: a named schema, a top-level array, a map or a free-form object. The Rust
    /// type is the one progenitor's `send` returns; `summary` is the manifest's (`Thing`,
    /// `[Thing]`, `{string}`, `object`).
    Json { summary: String },
    /// `text/plain`: a `String`.
    Text,
    /// A file (`application/octet-stream` or another binary type): streamed, never read whole.
    Download,
}

/// One declared response header of the success answer.
#[derive(Debug, Clone, PartialEq)]
pub struct ResponseHeader {
    /// The name on the wire, e.g. `X-Request-Id`.
    pub name: String,
    /// The field of the generated headers struct, e.g. `x_request_id`.
    pub rust_name: String,
    pub description: String,
    /// `string`, `integer` (i64), `number` (f64) or `boolean`.
    pub kind: String,
}

/// A request body.
#[derive(Debug, Clone, PartialEq)]
pub struct Body {
    /// Whether the operation requires one (`requestBody.required`): then it is the method's
    /// last argument, else a `.body(…)` setter.
    pub required: bool,
    pub description: String,
    pub kind: BodyKind,
    /// For a JSON body: its schema as a JSON Schema document (the body's schema at the root, the
    /// named schemas it reaches under `components.schemas`, OpenAPI's `nullable` as a `null`
    /// type), which the fake validates bodies against.
    pub json_schema: Option<String>,
}

/// What a request body holds.
#[derive(Debug, Clone, PartialEq)]
pub enum BodyKind {
    /// `application/json`: a named schema (`schema`), or an array, a map or a free-form object
    /// (`summary`: `[Thing]`, `{string}`, `object`; the type is the one progenitor takes).
    Json {
        schema: Option<String>,
        summary: String,
    },
    /// `multipart/form-data` of a named object schema: one part per property.
    Multipart { schema: String, parts: Vec<Part> },
    /// Raw bytes of a binary media type (`application/octet-stream`).
    Binary { media_type: String },
}

/// One part of a multipart body.
#[derive(Debug, Clone, PartialEq)]
pub struct Part {
    pub name: String,
    pub rust_name: String,
    pub required: bool,
    pub description: String,
    /// `file` (`format: binary`), `string`, `integer`, `number`, `boolean`, or an enum's name.
    pub kind: PartKind,
}

/// The value of a multipart part.
#[derive(Debug, Clone, PartialEq)]
pub enum PartKind {
    File,
    String,
    Integer,
    Number,
    Boolean,
    Enum(String),
}

impl Operation {
    /// Whether a call may be sent again after any failure worth another attempt: `GET`, `PUT`,
    /// `DELETE` (idempotent by HTTP's definition), and a `POST` or a `PATCH` marked idempotent or
    /// carrying an idempotency token.
    pub fn idempotent(&self) -> bool {
        !matches!(self.method.as_str(), "POST" | "PATCH")
            || self.marked_idempotent
            || self.idempotency_token.is_some()
    }

    /// Whether the facade method returns a request builder: the operation has optional
    /// parameters or an optional body (else it returns the answer).
    pub fn returns_builder(&self) -> bool {
        !self.optional().is_empty() || self.body.as_ref().is_some_and(|b| !b.required)
    }

    /// Whether the answer comes with a generated headers struct (a download shows its headers
    /// itself).
    pub fn has_typed_headers(&self) -> bool {
        !self.response_headers.is_empty() && self.answer != Answer::Download
    }

    /// The parameters a caller sets (neither filled from the client nor owned by the transport).
    pub fn caller_parameters(&self) -> impl Iterator<Item = &Parameter> {
        self.parameters
            .iter()
            .filter(|p| p.source == Source::Caller)
    }

    /// Parameters taken as positional arguments: path parameters, then required query/header ones.
    pub fn positional(&self) -> Vec<&Parameter> {
        let mut out: Vec<&Parameter> = self
            .caller_parameters()
            .filter(|p| p.location == Location::Path)
            .collect();
        out.extend(
            self.caller_parameters()
                .filter(|p| p.location != Location::Path && p.required),
        );
        out
    }

    /// Parameters set with builder methods.
    pub fn optional(&self) -> Vec<&Parameter> {
        self.caller_parameters()
            .filter(|p| p.location != Location::Path && !p.required)
            .collect()
    }

    pub fn parameter(&self, name: &str) -> Option<&Parameter> {
        self.parameters.iter().find(|p| p.name == name)
    }

    /// `LIST_IMAGE_SERVERS`: the name of its entry in the operation tables.
    pub fn const_name(&self) -> String {
        self.id.to_uppercase()
    }
}

/// Where a parameter travels.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Location {
    Path,
    Query,
    Header,
}

impl Location {
    pub fn as_str(self) -> &'static str {
        match self {
            Location::Path => "path",
            Location::Query => "query",
            Location::Header => "header",
        }
    }
}

/// Who supplies a parameter's value.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Source {
    /// The caller, through the facade.
    Caller,
    /// The client: `project_id` in the path is the client's project.
    Client,
    /// The runtime: authentication headers (`X-Auth-Token`, …) come from the credentials.
    Runtime,
}

/// Headers the transport sets itself; a spec parameter of that name gets no setter.
pub const TRANSPORT_HEADERS: [&str; 7] = [
    "x-auth-token",
    "x-security-token",
    "x-project-id",
    "x-sdk-date",
    "authorization",
    "content-type",
    "host",
];

#[derive(Debug, Clone)]
pub struct Parameter {
    /// The name on the wire, e.g. `limit`, `X-Auth-Token`.
    pub name: String,
    /// The Rust name, e.g. `limit`, `x_auth_token`.
    pub rust_name: String,
    pub location: Location,
    pub required: bool,
    pub description: String,
    pub kind: Kind,
    pub source: Source,
}

/// What a parameter holds, with the constraints the spec states on it.
#[derive(Debug, Clone, PartialEq)]
pub enum Kind {
    Integer {
        format: Option<String>,
        minimum: Option<i64>,
        maximum: Option<i64>,
        default: Option<i64>,
    },
    Number {
        minimum: Option<f64>,
        maximum: Option<f64>,
    },
    Boolean,
    String {
        min_length: Option<u64>,
        max_length: Option<u64>,
        pattern: Option<String>,
    },
    /// A named open enum of `components.schemas`.
    Enum {
        name: String,
        values: Vec<String>,
    },
    /// A query parameter holding a list (`style: form`): repeated (`explode: true`, the
    /// default) or comma-separated (`explode: false`).
    Array {
        items: Box<Kind>,
        explode: bool,
        min_items: Option<u64>,
        max_items: Option<u64>,
    },
}

/// `x-pagination`: how a list operation pages.
#[derive(Debug, Clone)]
pub struct Pagination {
    /// How the next page is addressed.
    pub style: PagingStyle,
    /// The limit parameter (its schema gives the page sizes and the default).
    pub limit: String,
    /// The response field holding the items.
    pub items: String,
    /// The response field holding the total, if any.
    pub total: Option<String>,
    /// The item field that identifies an item, if any (`item-id`).
    pub item_id: Option<String>,
    /// The schema of one item.
    pub item_schema: String,
    /// Page sizes the paginator accepts: `max(minimum, 1)..=maximum` of the limit parameter.
    pub page_sizes: (u32, u32),
    /// The limit parameter's default (else its maximum).
    pub default_page_size: u32,
}

/// The paging styles of `x-pagination.style`.
#[derive(Debug, Clone, PartialEq)]
pub enum PagingStyle {
    /// `offset-limit`: `offset` names the offset parameter.
    OffsetLimit { offset: String },
    /// `page`: `page` names the page-index parameter, counted from `first`.
    Page { page: String, first: u64 },
    /// `marker`: `marker` names the parameter; the next marker is the response field
    /// `next` when given, else the last item's id.
    Marker {
        marker: String,
        next: Option<String>,
    },
    /// `token`: `token` names the parameter; `next` the response field with the next token.
    Token { token: String, next: String },
}

impl PagingStyle {
    /// The style's name in `x-pagination`.
    pub fn name(&self) -> &'static str {
        match self {
            PagingStyle::OffsetLimit { .. } => "offset-limit",
            PagingStyle::Page { .. } => "page",
            PagingStyle::Marker { .. } => "marker",
            PagingStyle::Token { .. } => "token",
        }
    }

    /// The parameter that addresses a page (offset, page index, marker or token).
    pub fn position(&self) -> &str {
        match self {
            PagingStyle::OffsetLimit { offset } => offset,
            PagingStyle::Page { page, .. } => page,
            PagingStyle::Marker { marker, .. } => marker,
            PagingStyle::Token { token, .. } => token,
        }
    }

    /// Whether pages are addressed by a position the paginator computes (offset, page index),
    /// rather than by a cursor the previous page gives.
    pub fn positional(&self) -> bool {
        matches!(
            self,
            PagingStyle::OffsetLimit { .. } | PagingStyle::Page { .. }
        )
    }
}

/// A named schema, as far as users of the generated code see it.
#[derive(Debug, Clone)]
pub struct Schema {
    pub name: String,
    /// Its Rust type name: strict UpperCamelCase, as typify names it (`UpgradeScheduledTaskVO`
    /// → `UpgradeScheduledTaskVo`).
    pub rust_name: String,
    /// The properties a request must carry (`required`; request schemas only).
    pub required: Vec<String>,
    /// Whether it is the body of a multipart request (the facade generates its form type, and
    /// the API crate does not see it).
    pub multipart: bool,
    pub description: String,
    /// Object properties: name → type summary (`string`, `[ImageServer]`, `ImageServerStatus`).
    pub fields: BTreeMap<String, String>,
    /// For string enums, the documented values.
    pub enum_values: Option<Vec<String>>,
    /// The schema as the spec writes it (for the values the fake makes from it).
    pub json: Value,
}
