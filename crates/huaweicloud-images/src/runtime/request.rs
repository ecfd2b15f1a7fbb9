//! What a generated operation is to the runtime: an [`Input`] (the parameters a caller set) that
//! checks itself and builds its request with the generated client, and the decoder of its answer.

use crate::error::{Error, Result};
use crate::operation::Operation;
use crate::runtime::answer::Decoder;

/// The parameters of one operation (implemented by generated code).
pub(crate) trait Input: Clone + Send + Sync + 'static {
    /// The decoded answer.
    type Output: Send + 'static;
    /// The operation this is an input of.
    const OPERATION: &'static Operation;
    /// The statuses the spec documents as the operation's answer.
    const SUCCESS: &'static [u16];
    /// How the success answer is decoded.
    const DECODE: Decoder<Self::Output>;

    /// Checks every parameter against the spec's constraints (an error names the parameter, and
    /// nothing is sent), then builds the request with the generated client, for the service at
    /// `base` in project `project_id`.
    ///
    /// # Errors
    /// [`Error::InvalidInput`] naming the parameter at fault.
    fn build(
        self,
        http: &reqwest::Client,
        base: &str,
        project_id: &str,
    ) -> Result<reqwest::Request>;
}

/// A request the generated client built, or why it would not: the generated client refuses a
/// value it cannot convert (a check the facade does not make itself), naming the parameter by its
/// Rust name, which is reported as the spec names it.
pub(crate) fn built<E: std::fmt::Debug>(
    operation: &'static Operation,
    built: std::result::Result<
        reqwest::Request,
        huaweicloud_images_api::progenitor_client::Error<E>,
    >,
) -> Result<reqwest::Request> {
    use huaweicloud_images_api::progenitor_client::Error as Refused;
    match built {
        Ok(request) => Ok(request),
        Err(Refused::InvalidRequest(reason)) => Err(Error::InvalidInput {
            field: field_named_in(operation, &reason),
            reason,
        }),
        Err(other) => Err(Error::invalid(
            "request",
            format!("{} cannot be built: {other}", operation.name),
        )),
    }
}

/// Progenitor says "conversion to `T` for <rust name> failed".
fn field_named_in(operation: &Operation, message: &str) -> &'static str {
    message
        .split_once(" for ")
        .and_then(|(_, rest)| rest.split_once(" failed"))
        .and_then(|(rust_name, _)| operation.parameter_by_rust_name(rust_name))
        // Otherwise the body's model refused (a required field not given, a value its type
        // does not hold): the message names the field.
        .unwrap_or(if operation.body.is_some() {
            "body"
        } else {
            "request"
        })
}

/// `request` with its `Content-Type` replaced: a multipart body's, with its boundary (the
/// generated client knows the body only as bytes).
#[allow(
    dead_code,
    reason = "used by the generated code of an operation with a multipart body"
)]
pub(crate) fn with_content_type(
    mut request: reqwest::Request,
    content_type: http::HeaderValue,
) -> reqwest::Request {
    request
        .headers_mut()
        .insert(http::header::CONTENT_TYPE, content_type);
    request
}

/// `request` without the body the generated client puts on every request of an operation whose
/// body is optional (`{}` when none was given): no body was given, so none is sent.
#[allow(
    dead_code,
    reason = "used by the generated code of an operation whose request body is optional"
)]
pub(crate) fn without_body(mut request: reqwest::Request) -> reqwest::Request {
    *request.body_mut() = None;
    request.headers_mut().remove(http::header::CONTENT_TYPE);
    request.headers_mut().remove(http::header::CONTENT_LENGTH);
    request
}

/// The idempotency token of a call: the caller's, else a fresh random UUID, made once per call
/// (every attempt of the call sends the same one). An empty (or blank) token is refused before
/// anything is sent: the service would deduplicate every call that sent it as one.
#[allow(
    dead_code,
    reason = "used by the generated code of an operation with an idempotency token"
)]
pub(crate) fn idempotency_token(field: &'static str, given: Option<String>) -> Result<String> {
    match given {
        Some(token) if token.trim().is_empty() => Err(Error::invalid(
            field,
            "an idempotency token must not be empty or blank (leave it unset for a fresh one)",
        )),
        Some(token) => Ok(token),
        None => Ok(uuid::Uuid::new_v4().to_string()),
    }
}

/// Sets an optional parameter on a generated builder only when it is given (the builders' setters
/// take values, not options).
pub(crate) trait Maybe: Sized {
    /// `set(self, value)` when `value` is `Some`, else `self`.
    fn maybe<T>(self, value: Option<T>, set: impl FnOnce(Self, T) -> Self) -> Self {
        match value {
            Some(value) => set(self, value),
            None => self,
        }
    }
}

impl<B> Maybe for B {}

#[cfg(test)]
mod tests {
    use super::*;
    use huaweicloud_images_api::progenitor_client::Error as Refused;

    fn op(name: &str) -> &'static Operation {
        crate::OPERATIONS
            .iter()
            .find(|op| op.name == name)
            .unwrap_or_else(|| panic!("{name} is not in the operation table"))
    }

    #[test]
    fn a_refusal_by_the_generated_client_names_its_parameter() {
        let refused = Refused::<()>::InvalidRequest(
            "conversion to `GetDevServerImageId` for id failed: doesn't match pattern".into(),
        );
        match built(op("GetDevServerImage"), Err(refused)) {
            Err(Error::InvalidInput { field, reason }) => {
                assert_eq!(field, "id");
                assert!(reason.contains("pattern"));
            }
            other => panic!("{other:?}"),
        }
        let header = Refused::<()>::InvalidRequest(
            "conversion to `:: std :: string :: String` for x_auth_token failed".into(),
        );
        match built(op("ListImageServers"), Err(header)) {
            Err(Error::InvalidInput { field, .. }) => assert_eq!(field, "X-Auth-Token"),
            other => panic!("{other:?}"),
        }
        let unknown = Refused::<()>::InvalidRequest("something else".into());
        match built(op("ListImages"), Err(unknown)) {
            Err(Error::InvalidInput { field, .. }) => assert_eq!(field, "request"),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn maybe_sets_only_what_is_given() {
        let set = |v: Vec<u8>, x: u8| [v, vec![x]].concat();
        assert_eq!(Vec::new().maybe(Some(1), set).maybe(None, set), [1]);
    }
}
