//! Low-level clients for the Huawei Cloud image APIs, **generated** by progenitor from `spec/`.
//!
//! Most users want the `huaweicloud-images` facade instead: it signs requests, retries, maps errors
//! and paginates. This crate is what the facade is built on.
//!
//! * [`workspaceapp`] — WorkspaceApp image servers (`ListImageServers`, `ShowImageServer`).
//! * [`workspace`] — Workspace product images (`ListImages`).
//! * [`modelarts`] — ModelArts Lite Server images (`GetDevServerImage`).
//!
//! Everything under `src/generated/` (the module list included) is written by `cargo xtask gen`
//! and must not be edited by hand; this file is the only hand-written part: [`Hooks`], through
//! which the generated clients send their requests, [`encode_path_segment`] and [`lenient`].
//!
//! Enums of the spec are *open*: each documented value is a variant and anything else is kept in an
//! `Unknown(String)` variant, so a value the service adds later never fails a response:
//!
//! ```
//! use huaweicloud_images_api::workspaceapp::types::{ImageServer, ImageServerStatus};
//!
//! let server: ImageServer = serde_json::from_str(r#"{"id": "1", "status": "MIGRATING"}"#).unwrap();
//! assert_eq!(server.status, Some(ImageServerStatus::Unknown("MIGRATING".into())));
//! assert_eq!(serde_json::to_string(&server.status).unwrap(), r#""MIGRATING""#);
//! ```

use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;

use progenitor_client::OperationInfo;

/// Routes a generated client's `exec` through [`Hooks`]; `generated/mod.rs` invokes it for every
/// module it declares.
#[doc(hidden)]
#[macro_export]
macro_rules! route_exec_through_hooks {
    ($($service:ident),*) => {$(
        impl progenitor_client::ClientHooks<$crate::Hooks> for $service::Client {
            async fn exec(
                &self,
                request: reqwest::Request,
                info: &progenitor_client::OperationInfo,
            ) -> reqwest::Result<reqwest::Response> {
                progenitor_client::ClientInfo::inner(self)
                    .exec(progenitor_client::ClientInfo::client(self), request, info)
                    .await
            }
        }
    )*};
}

mod generated;
pub use generated::*;

pub use progenitor_client;

/// What [`encode_path_segment`] percent-encodes: controls, space, `"#<>?\`{}/%` (progenitor's set),
/// `\\`, which the WHATWG URL parser reads as `/` in `http(s)` URLs, and `;`, which servlet
/// containers strip with what follows before resolving `..` (the `..;/` traversal).
const PATH_SEGMENT: &percent_encoding::AsciiSet = &percent_encoding::CONTROLS
    .add(b' ')
    .add(b'"')
    .add(b'#')
    .add(b'<')
    .add(b'>')
    .add(b'?')
    .add(b'`')
    .add(b'{')
    .add(b'}')
    .add(b'/')
    .add(b'%')
    .add(b'\\')
    .add(b';');

/// Percent-encodes `segment` so that it stays one path segment under any URL parser. The
/// generated clients encode every path parameter with it (the xtask puts it in place of
/// progenitor's `encode_path`, which leaves `\\` alone).
///
/// ```
/// assert_eq!(huaweicloud_images_api::encode_path_segment(r"..\x/y"), "..%5Cx%2Fy");
/// assert_eq!(huaweicloud_images_api::encode_path_segment("..;x"), "..%3Bx");
/// ```
pub fn encode_path_segment(segment: &str) -> String {
    percent_encoding::utf8_percent_encode(segment, PATH_SEGMENT).to_string()
}

pub mod lenient {
    //! Lenient reading of the fields a client must not fail a whole answer over.

    use serde::{Deserialize, Deserializer};
    use serde_json::Value;

    /// An optional integer field that reads as `None` when the value is not an integer of the
    /// field's type (`2147483648` for an `i32`, `25.0`, `"many"`, an object), instead of failing
    /// the whole answer. `cargo xtask gen` puts it on the total of every `x-pagination` list.
    ///
    /// ```
    /// #[derive(serde::Deserialize)]
    /// struct Page {
    ///     #[serde(default, deserialize_with = "huaweicloud_images_api::lenient::integer")]
    ///     count: Option<i32>,
    /// }
    /// let read = |json: &str| serde_json::from_str::<Page>(json).unwrap().count;
    /// assert_eq!(read(r#"{"count": 25}"#), Some(25));
    /// assert_eq!(read(r#"{"count": 25.0}"#), None);
    /// assert_eq!(read(r#"{"count": 2147483648}"#), None);
    /// assert_eq!(read(r#"{"count": "many"}"#), None);
    /// assert_eq!(read(r#"{}"#), None);
    /// ```
    ///
    /// # Errors
    /// Only those of the underlying reader (malformed JSON); never the value's.
    pub fn integer<'de, D, T>(deserializer: D) -> Result<Option<T>, D::Error>
    where
        D: Deserializer<'de>,
        T: TryFrom<i64> + TryFrom<u64>,
    {
        Ok(match Option::<Value>::deserialize(deserializer)? {
            Some(Value::Number(n)) => n
                .as_i64()
                .and_then(|v| T::try_from(v).ok())
                .or_else(|| n.as_u64().and_then(|v| T::try_from(v).ok())),
            _ => None,
        })
    }
}

/// A boxed, sendable future, as returned by [`Transport::execute`].
pub type BoxFuture<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;

/// Sends the requests that the generated clients build.
///
/// The facade implements this to sign every attempt, retry, and trace; the generated code only
/// builds the request (path, query, headers) and decodes the response.
pub trait Transport: Send + Sync + 'static {
    /// Sends `request` (already built, not yet signed) with `client` and returns the final response.
    /// `operation_id` is the spec's operationId, e.g. `list_images`.
    fn execute<'a>(
        &'a self,
        client: &'a reqwest::Client,
        request: reqwest::Request,
        operation_id: &'static str,
    ) -> BoxFuture<'a, reqwest::Result<reqwest::Response>>;
}

/// The inner value of every generated `Client`: an optional [`Transport`].
///
/// Without one ([`Hooks::default`]) requests are sent unchanged with the `reqwest::Client`.
#[derive(Clone, Default)]
pub struct Hooks {
    transport: Option<Arc<dyn Transport>>,
}

impl Hooks {
    /// Hooks that send every request through `transport`.
    pub fn new(transport: Arc<dyn Transport>) -> Self {
        Self {
            transport: Some(transport),
        }
    }

    async fn exec(
        &self,
        client: &reqwest::Client,
        request: reqwest::Request,
        info: &OperationInfo,
    ) -> reqwest::Result<reqwest::Response> {
        match &self.transport {
            Some(transport) => transport.execute(client, request, info.operation_id).await,
            None => client.execute(request).await,
        }
    }
}

impl fmt::Debug for Hooks {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Hooks")
            .field(
                "transport",
                &self.transport.as_ref().map(|_| "dyn Transport"),
            )
            .finish()
    }
}
