//! What the generated operation table ([`crate::Operation::spec`]) says of each operation: its
//! route, its query parameters with the constraints the spec states, its pagination and its
//! documented example. The table itself is generated from `spec/` by `cargo xtask gen`.

/// One operation of the spec.
#[derive(Debug)]
pub struct OperationSpec {
    /// The HTTP method, e.g. `GET`.
    pub method: &'static str,
    /// The path template, e.g. `/v1/{project_id}/image-servers/{server_id}` (also axum's syntax).
    pub path: &'static str,
    /// The query parameters, in spec order.
    pub query: &'static [QueryParam],
    /// How the operation pages (`x-pagination`), if it does.
    pub pagination: Option<PaginationSpec>,
    /// The success body the fake answers: the documented example (JSON, or the text of a
    /// `text/plain` answer), else, for a JSON answer, a value made from the schema by
    /// `cargo xtask gen`.
    pub example: Option<&'static str>,
    /// The first documented success status.
    pub success: u16,
    /// What the success answer carries.
    pub answer: AnswerKind,
    /// The request body the operation takes, if any.
    pub body: Option<BodySpec>,
    /// The response headers the success answer declares: name and type (`string`, `integer`,
    /// `number`, `boolean`).
    pub response_headers: &'static [(&'static str, &'static str)],
    /// Its part in a collection the fake remembers (`x-collection`), if any.
    pub collection: Option<CollectionRole>,
    /// The header of its idempotency token (`x-idempotency-token`), if any: a create that
    /// carries a token seen before is answered as the first was, and creates nothing.
    pub idempotency_token: Option<&'static str>,
}

/// `x-collection` of an operation.
#[derive(Debug)]
pub struct CollectionRole {
    /// The collection.
    pub collection: &'static str,
    /// `create`, `get`, `list`, `update`, `delete`, `batch-delete` or `action`.
    pub role: &'static str,
    /// The path parameter with the item's id.
    pub id: Option<&'static str>,
    /// The body field with the ids (`batch-delete`).
    pub ids: Option<&'static str>,
    /// The collection of the job the answer names by its `job_id`.
    pub job: Option<&'static str>,
}

/// A collection the fake remembers (`components.x-collections`).
#[derive(Debug)]
pub struct CollectionSpec {
    /// Its name.
    pub name: &'static str,
    /// The item field with the id.
    pub id: &'static str,
    /// The item field moved through `states`, if any.
    pub status: Option<&'static str>,
    /// The states a new item goes through, one per lifecycle step.
    pub states: &'static [&'static str],
    /// The state of an item being deleted, if any.
    pub deleting: Option<&'static str>,
    /// A whole item made from the schema (JSON): what a create starts from.
    pub template: &'static str,
}

/// What a success answer carries.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AnswerKind {
    /// No body.
    Empty,
    /// A JSON document.
    Json,
    /// `text/plain`.
    Text,
    /// A file (`application/octet-stream`).
    Download,
}

/// A request body the spec documents.
#[derive(Debug)]
pub struct BodySpec {
    /// How it is encoded.
    pub kind: BodyKind,
    /// Whether a request must carry one.
    pub required: bool,
    /// What it must hold: the required properties of a JSON object, the required parts of a form.
    pub fields: &'static [&'static str],
    /// A JSON body's schema as a JSON Schema document (generated from the spec), which every body
    /// is validated against.
    pub schema: Option<&'static str>,
}

/// How a request body is encoded.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BodyKind {
    /// `application/json`.
    Json,
    /// `multipart/form-data`.
    Multipart,
    /// Raw bytes.
    Binary,
}

impl OperationSpec {
    /// The query parameter called `name`.
    pub fn query_param(&self, name: &str) -> Option<&'static QueryParam> {
        self.query.iter().find(|p| p.name == name)
    }

    /// Whether `path` (as received, without the query) is this operation's route.
    pub fn matches_path(&self, path: &str) -> bool {
        let template = self.path.trim_start_matches('/').split('/');
        let actual: Vec<&str> = path.trim_start_matches('/').split('/').collect();
        let template: Vec<&str> = template.collect();
        template.len() == actual.len()
            && template
                .iter()
                .zip(&actual)
                .all(|(t, a)| (t.starts_with('{') && t.ends_with('}') && !a.is_empty()) || t == a)
    }
}

/// A query parameter and what the spec allows for it.
#[derive(Debug)]
pub struct QueryParam {
    /// The name on the wire.
    pub name: &'static str,
    /// Whether a request must carry it.
    pub required: bool,
    /// What it holds.
    pub kind: ParamKind,
}

/// The value a query parameter holds, with its constraints.
#[derive(Debug)]
pub enum ParamKind {
    /// An integer from `minimum` to `maximum` (the spec's bounds, within its `format`).
    Integer {
        /// The smallest value accepted.
        minimum: i64,
        /// The largest value accepted.
        maximum: i64,
        /// The spec's default.
        default: Option<i64>,
    },
    /// A number.
    Number,
    /// `true` or `false`.
    Boolean,
    /// A string within its length bounds and pattern, when the spec sets them.
    String {
        /// The spec's `minLength`.
        min_length: Option<u64>,
        /// The spec's `maxLength`.
        max_length: Option<u64>,
        /// The spec's `pattern` (ECMAScript).
        pattern: Option<&'static str>,
    },
    /// One of the documented values of the named enum.
    Enum {
        /// The schema's name.
        name: &'static str,
        /// The documented values.
        values: &'static [&'static str],
    },
    /// A list of values: the parameter repeated (`explode`), else its values comma-separated.
    Array {
        /// What each value holds.
        item: &'static ParamKind,
        /// Repeated (`ids=a&ids=b`) rather than comma-separated (`ids=a,b`).
        explode: bool,
        /// The spec's `minItems`.
        min_items: Option<u64>,
        /// The spec's `maxItems`.
        max_items: Option<u64>,
    },
}

/// `x-pagination` of a list operation.
#[derive(Debug)]
pub struct PaginationSpec {
    /// How the next page is addressed.
    pub style: PagingStyle,
    /// The limit parameter.
    pub limit: &'static str,
    /// The response field holding the items.
    pub items: &'static str,
    /// The response field holding the total, if any.
    pub total: Option<&'static str>,
    /// The item field that identifies an item, if any.
    pub item_id: Option<&'static str>,
}

/// The paging styles of `x-pagination`.
#[derive(Debug)]
pub enum PagingStyle {
    /// An offset parameter.
    OffsetLimit {
        /// The offset parameter.
        offset: &'static str,
    },
    /// A page-index parameter, counted from `first`.
    Page {
        /// The page parameter.
        page: &'static str,
        /// The index of the first page.
        first: u64,
    },
    /// A marker parameter: the next one is the response field `next`, else the last item's id.
    Marker {
        /// The marker parameter.
        marker: &'static str,
        /// The response field with the next marker, if any.
        next: Option<&'static str>,
    },
    /// A continuation-token parameter; the next one is the response field `next`.
    Token {
        /// The token parameter.
        token: &'static str,
        /// The response field with the next token.
        next: &'static str,
    },
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_match_their_template_segment_by_segment() {
        let spec = OperationSpec {
            method: "GET",
            path: "/v1/{project_id}/image-servers/{server_id}",
            query: &[],
            pagination: None,
            example: None,
            success: 200,
            answer: AnswerKind::Json,
            body: None,
            response_headers: &[],
            collection: None,
            idempotency_token: None,
        };
        assert!(spec.matches_path("/v1/p/image-servers/9"));
        assert!(!spec.matches_path("/v1/p/image-servers"));
        assert!(!spec.matches_path("/v1/p/image-servers/"));
        assert!(!spec.matches_path("/v1/p/image-servers/9/x"));
        assert!(!spec.matches_path("/v2/p/image-servers/9"));
    }
}
