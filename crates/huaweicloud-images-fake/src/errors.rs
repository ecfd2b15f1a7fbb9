//! Error responses, shaped per answering party.
//!
//! | who answers | body |
//! |---|---|
//! | the API gateway (auth, unknown path, throttling) | `{"error_code":"APIGW.xxxx","error_msg":…,"request_id":…}` |
//! | WorkspaceApp | `{"error_code":"WKS.…","error_msg":…}` |
//! | Workspace (v2) | `{"error_code":"WKS.…","error_msg":…,"error_detail":…,"encoded_authorization_message":…}` |
//! | ModelArts | `{"error_code":"ModelArts.…","error_msg":…}` |
//!
//! The service codes are ILLUSTRATIVE: the documents only point at an error-code page. They are shaped
//! like the documented 8-digit Workspace codes (`WKS.0001` + the HTTP status) and ModelArts' codes
//! (`ModelArts.` + the HTTP status), and stay the same for the same situation.

use axum::Json;
use axum::response::{IntoResponse, Response};
use http::StatusCode;
use serde_json::{Value, json};

use crate::generated::operations::Service;

/// Gateway code of an authentication failure.
pub const APIGW_AUTH: &str = "APIGW.0301";
/// Gateway code of an expired `X-Sdk-Date`.
pub const APIGW_EXPIRED: &str = "APIGW.0303";
/// Gateway code of an unknown API (path).
pub const APIGW_NO_SUCH_API: &str = "APIGW.0101";
/// Gateway code of a throttled request (429).
pub const APIGW_THROTTLED: &str = "APIGW.0308";

/// The service error code for an HTTP status, e.g. `WKS.00010400` or `ModelArts.0404`; a service
/// added to the spec later gets `<name>.<status>`.
pub fn service_code(service: Service, status: StatusCode) -> String {
    match service.name() {
        "WorkspaceApp" | "Workspace" => format!("WKS.0001{:04}", status.as_u16()),
        name => format!("{name}.{:04}", status.as_u16()),
    }
}

/// An error response.
#[derive(Debug, Clone, PartialEq)]
pub struct ApiError {
    status: StatusCode,
    body: Value,
}

impl ApiError {
    /// An error answered by the API gateway; its body carries the request id.
    pub fn gateway(status: StatusCode, code: &str, message: &str, request_id: &str) -> Self {
        let body = json!({"error_code": code, "error_msg": message, "request_id": request_id});
        ApiError { status, body }
    }

    /// An error answered by `service`, coded with [`service_code`].
    pub fn service(service: Service, status: StatusCode, message: &str) -> Self {
        let code = service_code(service, status);
        let body = match service.name() {
            "Workspace" => json!({
                "error_code": code,
                "error_msg": message,
                "error_detail": format!("{} {}", status.as_u16(), status.canonical_reason().unwrap_or("")),
                "encoded_authorization_message": "",
            }),
            _ => json!({"error_code": code, "error_msg": message}),
        };
        ApiError { status, body }
    }

    /// 400 from `service`.
    pub fn bad_request(service: Service, message: &str) -> Self {
        ApiError::service(service, StatusCode::BAD_REQUEST, message)
    }

    /// 404 from `service`.
    pub fn not_found(service: Service, message: &str) -> Self {
        ApiError::service(service, StatusCode::NOT_FOUND, message)
    }

    /// 409 from `service`: the request conflicts with the state of what it names.
    pub fn conflict(service: Service, message: &str) -> Self {
        ApiError::service(service, StatusCode::CONFLICT, message)
    }

    /// The HTTP status.
    pub fn status(&self) -> StatusCode {
        self.status
    }

    /// The JSON body.
    pub fn body(&self) -> &Value {
        &self.body
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        (self.status, Json(self.body)).into_response()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bodies_follow_the_service() {
        let app = ApiError::not_found(Service::WorkspaceApp, "gone");
        assert_eq!(
            app.body(),
            &json!({"error_code": "WKS.00010404", "error_msg": "gone"})
        );
        let v2 = ApiError::bad_request(Service::Workspace, "bad");
        assert_eq!(v2.body()["error_code"], "WKS.00010400");
        assert_eq!(v2.body()["error_detail"], "400 Bad Request");
        assert_eq!(v2.body()["encoded_authorization_message"], "");
        let ma = ApiError::bad_request(Service::ModelArts, "bad id");
        assert_eq!(
            ma.body(),
            &json!({"error_code": "ModelArts.0400", "error_msg": "bad id"})
        );
        let gw = ApiError::gateway(StatusCode::UNAUTHORIZED, APIGW_AUTH, "no", "rid");
        assert_eq!(gw.status(), StatusCode::UNAUTHORIZED);
        assert_eq!(gw.body()["request_id"], "rid");
    }
}
