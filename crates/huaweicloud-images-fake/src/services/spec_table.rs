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
    /// The documented example of the success body, as JSON.
    pub example: Option<&'static str>,
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
}

/// `x-pagination` of a list operation.
#[derive(Debug)]
pub struct PaginationSpec {
    /// The offset parameter.
    pub offset: &'static str,
    /// The limit parameter.
    pub limit: &'static str,
    /// The response field holding the items.
    pub items: &'static str,
    /// The response field holding the total, if any.
    pub total: Option<&'static str>,
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
        };
        assert!(spec.matches_path("/v1/p/image-servers/9"));
        assert!(!spec.matches_path("/v1/p/image-servers"));
        assert!(!spec.matches_path("/v1/p/image-servers/"));
        assert!(!spec.matches_path("/v1/p/image-servers/9/x"));
        assert!(!spec.matches_path("/v2/p/image-servers/9"));
    }
}
