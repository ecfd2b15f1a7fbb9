//! An offline fake of the three Huawei Cloud services behind the image APIs, for tests and examples.
//!
//! One base URL serves every operation of `spec/` (their paths do not collide); the table of
//! operations ([`Operation`], [`Operation::spec`]) is generated from the spec by `cargo xtask gen`.
//! Four have hand-written semantics:
//!
//! | operation | service | route |
//! |---|---|---|
//! | [`Operation::ListImageServers`] | WorkspaceApp | `GET /v1/{project_id}/image-servers` |
//! | [`Operation::ShowImageServer`] | WorkspaceApp | `GET /v1/{project_id}/image-servers/{server_id}` |
//! | [`Operation::ListImages`] | Workspace | `GET /v2/{project_id}/images` |
//! | [`Operation::GetDevServerImage`] | ModelArts | `GET /v1/{project_id}/dev-servers/images/{id}` |
//!
//! Any other operation of the spec answers with its documented example (paged by offset and limit
//! when it has `x-pagination`), so an operation added to the spec is served without touching the
//! fake.
//!
//! The fake knows the documents' shapes only (its own [`model`] structs and `serde_json`); it shares no code
//! with the SDK, so it catches the SDK's mistakes instead of repeating them. In particular it verifies
//! `SDK-HMAC-SHA256` signatures with its own implementation of the algorithm ([`signing`]).
//!
//! What a request goes through, in order (each step is one module):
//! 1. recording: a request id is assigned (`X-Request-Id` on every response) and the request is
//!    recorded in the [`log`], secrets masked; the configured latency is waited.
//! 2. routing: an unknown path is `404 APIGW.0101`, another method than the operation's is `405` —
//!    before any auth.
//! 3. admission: [`auth`] (AK/SK signature or `X-Auth-Token`), then the project checks, then the
//!    [`faults`]: an injected fault may replace the response (429, 500, 502, 503, reset, malformed
//!    JSON, slow body) or bend the list handlers (ignored offset, wrong total).
//! 4. the handler: the query checked against the spec ([`query`]) and the seeded data ([`data`]).
//!
//! Decisions the documents leave open (each documented where it is made):
//! - `limit=0` on ListImages (in the documented 0–100 range) returns no images and the true
//!   `total_count` — a count-only query (`routes.rs`).
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

mod admission;
pub mod auth;
mod config;
pub mod control;
pub mod data;
mod doc_examples;
pub mod errors;
pub mod faults;
pub mod identity;
pub mod log;
pub mod model;
#[path = "generated/operations.rs"]
mod operation;
pub mod proxy;
pub mod query;
mod recording;
mod routes;
mod server;
pub mod signing;
pub mod spec_table;
mod state;
mod statuses;
mod throttle;

pub use config::{FAKE_AK, FAKE_PROJECT_ID, FAKE_SK, FAKE_TOKEN, FakeConfig};
pub use data::FakeData;
pub use faults::{Fault, FaultScope, FaultSpec};
pub use log::RecordedRequest;
pub use operation::{Operation, Service};
pub use server::{FakeServer, TEST_CA_PEM, TlsIdentity};
pub use statuses::StatusStep;
pub use throttle::Throttle;
