//! Low-level clients for the Huawei Cloud image APIs, **generated** by progenitor from `spec/`.
//!
//! Most users want the `huaweicloud-images` facade instead: it signs requests, retries, maps errors
//! and paginates. This crate is what the facade is built on.
//!
//! One module per spec file (`workspaceapp`: WorkspaceApp image servers and their jobs;
//! `workspace`: Workspace product images; `modelarts`: ModelArts Lite Server images), each behind
//! the cargo feature of the same name; `all-services`, the default, enables them all.
//!
//! Everything under `src/generated/` (the module list included) is written by `cargo xtask gen`
//! and must not be edited by hand; this file is the only hand-written part:
//! [`encode_path_segment`] and [`lenient`]. Each operation's builder has `send()`, which sends the
//! request with the client's `reqwest::Client` as it is, and `build()`, which returns the checked
//! request without sending it (the facade signs, sends, retries and decodes what `build()` returns).
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

// A build with some of the services (a cargo feature each; `all-services` is the default) may
// leave the shared helpers unused.
#![cfg_attr(not(feature = "all-services"), allow(dead_code, unused_imports))]
// docs.rs (its nightly, `--cfg docsrs`) shows which feature each item needs.
#![cfg_attr(docsrs, feature(doc_cfg))]

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
