//! The four operations the fake serves and the service each belongs to.

use std::fmt;

/// One of the operations the fake serves, named as the official SDKs name them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Operation {
    /// WorkspaceApp `GET /v1/{project_id}/image-servers`.
    ListImageServers,
    /// WorkspaceApp `GET /v1/{project_id}/image-servers/{server_id}`.
    ShowImageServer,
    /// Workspace `GET /v2/{project_id}/images`.
    ListImages,
    /// ModelArts `GET /v1/{project_id}/dev-servers/images/{id}`.
    GetDevServerImage,
}

impl Operation {
    /// Every operation, in the order of the table above.
    pub const ALL: [Operation; 4] = [
        Operation::ListImageServers,
        Operation::ShowImageServer,
        Operation::ListImages,
        Operation::GetDevServerImage,
    ];

    /// The official operation name, e.g. `"ListImageServers"`.
    pub fn name(self) -> &'static str {
        match self {
            Operation::ListImageServers => "ListImageServers",
            Operation::ShowImageServer => "ShowImageServer",
            Operation::ListImages => "ListImages",
            Operation::GetDevServerImage => "GetDevServerImage",
        }
    }

    /// The service that answers this operation (decides the error body's shape and codes).
    pub fn service(self) -> Service {
        match self {
            Operation::ListImageServers | Operation::ShowImageServer => Service::WorkspaceApp,
            Operation::ListImages => Service::Workspace,
            Operation::GetDevServerImage => Service::ModelArts,
        }
    }

    /// Whether the operation returns a page of a list (the pagination faults apply to these only).
    pub fn is_list(self) -> bool {
        matches!(self, Operation::ListImageServers | Operation::ListImages)
    }
}

impl fmt::Display for Operation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// The cloud service behind a path.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Service {
    /// WorkspaceApp (`/v1/{project_id}/image-servers…`).
    WorkspaceApp,
    /// Workspace (`/v2/{project_id}/images`).
    Workspace,
    /// ModelArts (`/v1/{project_id}/dev-servers/…`).
    ModelArts,
}

impl Service {
    /// The service a request path belongs to, from its shape alone (used for 405 bodies).
    pub fn for_path(path: &str) -> Option<Service> {
        let segments: Vec<&str> = path.trim_start_matches('/').split('/').collect();
        match segments.as_slice() {
            ["v1", _, "image-servers", ..] => Some(Service::WorkspaceApp),
            ["v2", _, "images", ..] => Some(Service::Workspace),
            ["v1", _, "dev-servers", ..] => Some(Service::ModelArts),
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn services_follow_the_path_shape() {
        assert_eq!(
            Service::for_path("/v1/p/image-servers"),
            Some(Service::WorkspaceApp)
        );
        assert_eq!(
            Service::for_path("/v1/p/image-servers/9"),
            Some(Service::WorkspaceApp)
        );
        assert_eq!(Service::for_path("/v2/p/images"), Some(Service::Workspace));
        assert_eq!(
            Service::for_path("/v1/p/dev-servers/images/x"),
            Some(Service::ModelArts)
        );
        assert_eq!(Service::for_path("/v3/p/images"), None);
        assert_eq!(Service::for_path("/"), None);
    }

    #[test]
    fn operations_map_to_their_services() {
        let services: Vec<Service> = Operation::ALL.iter().map(|op| op.service()).collect();
        assert_eq!(
            services,
            [
                Service::WorkspaceApp,
                Service::WorkspaceApp,
                Service::Workspace,
                Service::ModelArts
            ]
        );
        assert_eq!(Operation::ListImages.to_string(), "ListImages");
        assert!(Operation::ListImageServers.is_list() && !Operation::ShowImageServer.is_list());
    }
}
