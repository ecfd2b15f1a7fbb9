//! What an attempt carries to prove who sends it: `X-Auth-Token` for an IAM token, else
//! `X-Security-Token` for temporary AK/SK and an `SDK-HMAC-SHA256` signature made at the signing
//! time (see [`crate::signing`]). Secrets go into headers marked sensitive, so no `Debug` of the
//! request shows them.

use http::header::{HeaderName, HeaderValue};

use crate::credentials::keys::Credentials;
use crate::error::Result;
use crate::signing::sign_request;

pub(super) const X_AUTH_TOKEN: HeaderName = HeaderName::from_static("x-auth-token");
const X_SECURITY_TOKEN: HeaderName = HeaderName::from_static("x-security-token");

/// Puts `credentials` on `request`, signed at `at`.
pub(super) fn authenticate(
    request: &mut reqwest::Request,
    credentials: &Credentials,
    at: time::OffsetDateTime,
) -> Result<()> {
    let headers = request.headers_mut();
    headers.remove(X_AUTH_TOKEN);
    headers.remove(X_SECURITY_TOKEN);
    if let Some(token) = credentials.auth_token().and_then(sensitive) {
        headers.insert(X_AUTH_TOKEN, token);
    }
    if let Some(token) = credentials.security_token().and_then(sensitive) {
        headers.insert(X_SECURITY_TOKEN, token);
    }
    if let (Some(ak), Some(sk)) = (credentials.ak(), credentials.expose_sk()) {
        sign_request(request, ak, sk, at)?;
    }
    Ok(())
}

/// A header value that is never printed by `Debug` of the request.
fn sensitive(value: &str) -> Option<HeaderValue> {
    let mut value = HeaderValue::from_str(value).ok()?;
    value.set_sensitive(true);
    Some(value)
}
