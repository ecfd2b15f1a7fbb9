//! An offline fake of the three Huawei Cloud services behind the image APIs, for tests and examples.
//!
//! One base URL serves all four operations (their paths do not collide):
//!
//! | operation | service | route |
//! |---|---|---|
//! | [`Operation::ListImageServers`] | WorkspaceApp | `GET /v1/{project_id}/image-servers` |
//! | [`Operation::ShowImageServer`] | WorkspaceApp | `GET /v1/{project_id}/image-servers/{server_id}` |
//! | [`Operation::ListImages`] | Workspace | `GET /v2/{project_id}/images` |
//! | [`Operation::GetDevServerImage`] | ModelArts | `GET /v1/{project_id}/dev-servers/images/{id}` |
//!
//! The fake knows the documents' shapes only (its own [`model`] structs and `serde_json`); it shares no code
//! with the SDK, so it catches the SDK's mistakes instead of repeating them. In particular it verifies
//! `SDK-HMAC-SHA256` signatures with its own implementation of the algorithm ([`signing`]).
//!
//! What a request goes through, in order (each step is one module):
//! 1. [`log`]: a request id is assigned (`X-Request-Id` on every response) and the request is recorded,
//!    secrets masked; the configured latency is waited.
//! 2. routing: an unknown path is `404 APIGW.0101`, a method other than `GET` is `405` — before any auth.
//! 3. [`auth`]: AK/SK signature or `X-Auth-Token`; then the project checks.
//! 4. [`faults`]: an injected fault may replace the response (429, 500, 502, 503, reset, malformed JSON,
//!    slow body) or bend the list handlers (ignored offset, wrong total).
//! 5. the handler: query validation ([`query`]) and the seeded data ([`data`]).
//!
//! Decisions the documents leave open (each documented where it is made):
//! - `limit=0` on ListImages (in the documented 0–100 range) returns no images and the true
//!   `total_count` — a count-only query ([`query::ImageQuery`]).
//! - With [`FakeConfig::project_id`] set, another project id in the path is `403`; so is an
//!   `X-Project-Id` header that disagrees with the path. Both come after authentication.
//! - `+` in a query string is a literal plus, for filtering as for the signature ([`signing`]).
//! - Error codes of the services are illustrative but stable ([`errors`]); gateway codes
//!   (`APIGW.0301`, `APIGW.0101`, …) carry `request_id` in the body.
//!
//! ```no_run
//! # async fn demo() -> std::io::Result<()> {
//! use huaweicloud_images_fake::{Fault, FaultScope, FakeConfig, FakeServer, Operation};
//! let server = FakeServer::start(FakeConfig::default()).await?;
//! server.inject(Fault::TooManyRequests { retry_after_secs: 1 }, FaultScope::Next(1), Some(Operation::ListImages));
//! println!("{}", server.base_url());
//! server.shutdown().await;
//! # Ok(()) }
//! ```

#![warn(missing_docs)]

pub mod auth;
mod config;
pub mod data;
mod doc_examples;
pub mod errors;
pub mod faults;
mod guard;
pub mod log;
pub mod model;
mod operation;
pub mod query;
mod routes;
mod server;
pub mod signing;
mod state;

pub use config::{FAKE_AK, FAKE_PROJECT_ID, FAKE_SK, FAKE_TOKEN, FakeConfig};
pub use data::FakeData;
pub use faults::{Fault, FaultScope};
pub use log::RecordedRequest;
pub use operation::{Operation, Service};
pub use server::FakeServer;
