//! The ECS instance metadata service, for the SDK's temporary credentials: `PUT
//! /meta-data/latest/api/token` with `X-Metadata-Token-Ttl-Seconds` (1 to 21600) answers a
//! session token; `GET /openstack/latest/securitykey` with it in `X-Metadata-Token` answers
//! `{"credential": {"access", "secret", "securitytoken", "expires_at"}}` (issued by
//! [`super::temporary`]). After their `expires_at` the gateway refuses them (401 `APIGW.0301`,
//! "security token expired").

use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use serde_json::json;
use time::format_description::well_known::Rfc3339;

use crate::state::SharedState;

fn metadata_error(status: StatusCode, message: &str) -> Response {
    (status, message.to_owned()).into_response()
}

/// `PUT /meta-data/latest/api/token`.
pub(crate) async fn session_token(
    State(state): State<SharedState>,
    headers: HeaderMap,
) -> Response {
    let ttl = headers
        .get("x-metadata-token-ttl-seconds")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u32>().ok());
    if !ttl.is_some_and(|ttl| (1..=21600).contains(&ttl)) {
        return metadata_error(
            StatusCode::BAD_REQUEST,
            "X-Metadata-Token-Ttl-Seconds must be 1 to 21600",
        );
    }
    state.temporary.new_session().into_response()
}

/// `GET /openstack/latest/securitykey`.
pub(crate) async fn security_key(State(state): State<SharedState>, headers: HeaderMap) -> Response {
    let known = headers
        .get("x-metadata-token")
        .and_then(|v| v.to_str().ok())
        .is_some_and(|token| state.temporary.knows_session(token));
    if !known {
        return metadata_error(
            StatusCode::UNAUTHORIZED,
            "X-Metadata-Token missing or unknown",
        );
    }
    let pair = state.temporary.current_or_new(state.clock.now());
    let expires_at = pair
        .expires_at
        .format(&Rfc3339)
        .unwrap_or_else(|_| "1970-01-01T00:00:00Z".to_owned());
    axum::Json(json!({
        "credential": {
            "access": pair.access,
            "secret": pair.secret,
            "securitytoken": pair.security_token,
            "expires_at": expires_at,
        }
    }))
    .into_response()
}
