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
/// assert!(list.parameters.iter().any(|p| (p.name, p.location) == ("limit", "query")));
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
    /// Every parameter of the spec.
    pub parameters: &'static [Parameter],
    /// Whether it pages with `x-pagination` (and so has `paginate()`).
    pub paginated: bool,
    /// Whether its success answer is a JSON document (a model), so that a `2xx` body that is not
    /// one is malformed.
    pub json_answer: bool,
    /// Whether a call is sent again after any failure worth another attempt (see
    /// [`RetryPolicy`](crate::RetryPolicy)): `GET`, `PUT` and `DELETE` (idempotent by HTTP's
    /// definition), and a `POST` or a `PATCH` the spec marks idempotent (`x-idempotent`) or that
    /// carries an idempotency token. Any other `POST` or `PATCH` is sent again only when its
    /// attempt provably did not reach the service; when it may have, the call ends with
    /// [`Error::Unconfirmed`](crate::Error::Unconfirmed).
    pub idempotent: bool,
    /// The header of its idempotency token (`x-idempotency-token`), which the facade fills with a
    /// fresh UUID per call unless the caller set it, the same on every attempt, if it has one.
    pub idempotency_token: Option<&'static str>,
    /// The media type of its request body (`application/json`, `multipart/form-data`,
    /// `application/octet-stream`), if it takes one.
    pub body: Option<&'static str>,
}

/// One parameter of an [`Operation`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct Parameter {
    /// The name on the wire, e.g. `limit`, `X-Auth-Token`.
    pub name: &'static str,
    /// Where it travels: `path`, `query` or `header`.
    pub location: &'static str,
    /// Its name in Rust (the setter's), e.g. `limit`, `x_auth_token`.
    pub rust_name: &'static str,
}

impl Operation {
    /// The name on the wire of the parameter whose Rust name is `rust_name`.
    pub(crate) fn parameter_by_rust_name(&self, rust_name: &str) -> Option<&'static str> {
        self.parameters
            .iter()
            .find(|p| p.rust_name == rust_name)
            .map(|p| p.name)
    }
}
