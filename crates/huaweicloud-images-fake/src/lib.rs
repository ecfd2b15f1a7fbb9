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
//! Any other operation of the spec answers with its documented example (paged in its style when it
//! has `x-pagination`), so an operation added to the spec is served without touching the fake.
//!
//! Operations the spec ties to a collection (`x-collection`, e.g. CreateImageServer,
//! UpdateImageServer, BatchDeleteImageServer and ShowImageJob with the two image-server
//! operations above) are remembered instead: a create adds an item that list and get return, moving
//! through its lifecycle on the status clock ([`FakeConfig::lifecycle_step`]); an update changes
//! it; a delete removes it (404 afterwards); a returned `job_id` names a job that runs to SUCCESS;
//! a repeated idempotency token gets the first answer again. The control API
//! (`/__fake/collections/{name}`), [`FakeServer::collection`], [`FakeConfig::seed_items`] and the
//! command line (`--seed-items`) read and seed them; a reset forgets every write.
//!
//! The fake knows the documents' shapes only (its own [`shapes`] structs and `serde_json`); it shares no code
//! with the SDK, so it catches the SDK's mistakes instead of repeating them. In particular it verifies
//! `SDK-HMAC-SHA256` signatures with its own implementation of the algorithm ([`signing`]).
//!
//! The crate is laid out as what it plays: the [`gateway`] (recording, routing, admission:
//! [`auth`] with its own [`signing`], the throttle, the injected [`faults`], the [`log`]), then the
//! [`services`] behind it (the documented semantics over the seeded [`data`], the documented
//! examples, the query checks of [`query`], and the metadata service and IAM), the control API
//! ([`control`]) and a counting forward proxy ([`proxy`]). What a request goes through, in order,
//! is written at the top of [`gateway`].
//!
//! Decisions the documents leave open (each documented where it is made):
//! - `limit=0` on ListImages (in the documented 0–100 range) returns no images and the true
//!   `total_count` — a count-only query (`services/documented.rs`).
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
// docs.rs (its nightly, `--cfg docsrs`) shows which feature each item needs.
#![cfg_attr(docsrs, feature(doc_cfg))]
// A build with some of the services (a cargo feature each; `all-services` is the default) leaves
// parts of the generic engines unused: that is expected, not dead code to remove.
#![cfg_attr(
    not(feature = "all-services"),
    allow(dead_code, unused_imports, unused_variables, unreachable_code)
)]

mod config;
pub mod control;
pub mod errors;
pub mod gateway;
mod generated;
pub mod proxy;
mod router;
mod server;
pub mod services;
mod state;

pub use config::{FAKE_AK, FAKE_PROJECT_ID, FAKE_SK, FAKE_TOKEN, FakeConfig};
pub use gateway::faults::{Fault, FaultScope, FaultSpec};
pub use gateway::log::RecordedRequest;
pub use gateway::throttle::Throttle;
pub use gateway::{auth, faults, log, signing};
pub use generated::operations::{Operation, Service};
pub use server::{FakeServer, TEST_CA_PEM, TlsIdentity};
pub use services::data::FakeData;
pub use services::memory::check_seed_item;
pub use services::statuses::StatusStep;
pub use services::{data, query, shapes, spec_table};
