//! What the facade knows of an operation: its official name, service, operationId, route and
//! parameters. The table of every operation ([`crate::OPERATIONS`]) is generated from `spec/`;
//! errors and tracing name operations through it.

use crate::generated::service::Service;

/// One operation of the operation table ([`crate::OPERATIONS`]).
///
/// ```
/// let list = huaweicloud_images::OPERATIONS
///     .iter()
///     .find(|op| op.name == "ListImageServers")
///     .unwrap();
/// assert_eq!(list.operation_id, "list_image_servers");
/// assert_eq!(list.service, huaweicloud_images::Service::WorkspaceApp);
/// assert!(list.paginated);
/// assert!(list.parameters.contains(&("limit", "query")));
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct Operation {
    /// The official name, e.g. `ListImageServers` (what errors and traces call it).
    pub name: &'static str,
    /// The service that answers it.
    pub service: Service,
    /// The spec's `operationId`, e.g. `list_image_servers`.
    pub operation_id: &'static str,
    /// The HTTP method, e.g. `GET`.
    pub method: &'static str,
    /// The path template, e.g. `/v1/{project_id}/image-servers`.
    pub path: &'static str,
    /// Every parameter of the spec as `(name on the wire, location)`, e.g. `("limit", "query")`.
    pub parameters: &'static [(&'static str, &'static str)],
    /// Whether it pages with `x-pagination` (and so has `paginate()`).
    pub paginated: bool,
}

impl Operation {
    /// The parameter whose Rust name (`x_auth_token` for `X-Auth-Token`) is `rust_name`.
    pub(crate) fn parameter_by_rust_name(&self, rust_name: &str) -> Option<&'static str> {
        self.parameters
            .iter()
            .map(|(name, _)| *name)
            .find(|name| name.to_ascii_lowercase().replace('-', "_") == rust_name)
    }
}
