//! IAM's project list, for the SDK's automatic project id: `GET /v3/projects?name=<region>`,
//! signed like any API call (or an IAM token), answers the projects of that region
//! ([`crate::FakeConfig::iam_projects`]).

use axum::extract::{Request, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde_json::json;

use crate::errors::ApiError;
use crate::gateway::auth::AuthRequest;
use crate::gateway::recording::RequestId;
use crate::state::SharedState;

/// `GET /v3/projects?name=<region>`: signed like any API call (or an IAM token).
pub(crate) async fn projects(State(state): State<SharedState>, request: Request) -> Response {
    let request_id = request
        .extensions()
        .get::<RequestId>()
        .map(|id| id.0.clone())
        .unwrap_or_default();
    let (parts, _) = request.into_parts();
    let auth = state.verifier.verify_with(
        &AuthRequest {
            method: parts.method.as_str(),
            raw_path: parts.uri.path(),
            raw_query: parts.uri.query().unwrap_or(""),
            headers: &parts.headers,
            body: b"",
        },
        state.clock.now(),
        &|access| state.temporary.find(access),
    );
    if let Err(error) = auth {
        let message = error.to_string();
        return ApiError::gateway(
            StatusCode::UNAUTHORIZED,
            error.code(),
            &message,
            &request_id,
        )
        .into_response();
    }
    let name = axum::extract::Query::<ProjectsQuery>::try_from_uri(&parts.uri)
        .ok()
        .and_then(|axum::extract::Query(query)| query.name);
    let projects: Vec<_> = state
        .iam_projects(name.as_deref())
        .into_iter()
        .map(|(region, id)| {
            json!({"id": id, "name": region, "enabled": true, "domain_id": "fakedomain"})
        })
        .collect();
    axum::Json(json!({"projects": projects, "links": {"self": "/v3/projects"}})).into_response()
}

/// The query of `GET /v3/projects`.
#[derive(serde::Deserialize)]
struct ProjectsQuery {
    name: Option<String>,
}
