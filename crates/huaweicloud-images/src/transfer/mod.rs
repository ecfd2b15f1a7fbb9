//! What travels beside the JSON models: files sent in a multipart form ([`FilePart`]), files
//! received as a stream ([`Download`]), and the declared response headers of an answer
//! ([`WithHeaders`]).
//!
//! - A raw binary upload takes the bytes (`impl Into<bytes::Bytes>`); a multipart upload takes the
//!   operation's form type (in [`crate::models`]), whose file fields are [`FilePart`]s. Either
//!   body is held in memory while the call lasts (it is signed, and sent again on a retry).
//! - A download is a [`Download`]: its body is never read whole into memory nor held to the
//!   client's body cap; it comes chunk by chunk, each within the client's request time-out.
//! - An operation that declares response headers returns [`WithHeaders`]: the body and a struct
//!   with one optional field per declared header.

mod download;
mod file;
pub(crate) mod form;
mod headers;

pub use download::Download;
pub(crate) use download::Streamed;
pub use file::FilePart;
pub(crate) use headers::ResponseHeaders;
pub use headers::WithHeaders;
#[allow(
    unused_imports,
    reason = "used by the generated code of the operation shapes the seed spec does not have (the corpus test builds and calls them all)"
)]
pub(crate) use headers::read as header;
