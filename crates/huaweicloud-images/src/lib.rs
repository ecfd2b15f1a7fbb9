//! # huaweicloud-images
//!
//! A Rust SDK for the Huawei Cloud image APIs, generated from a hand-kept OpenAPI spec:
//!
//! | call | operation | service |
//! |---|---|---|
//! | `client.image_servers().list()` | `ListImageServers` `GET /v1/{project_id}/image-servers` | WorkspaceApp |
//! | `client.image_servers().get(id)` | `ShowImageServer` `GET /v1/{project_id}/image-servers/{server_id}` | WorkspaceApp |
//! | `client.images().list()` | `ListImages` `GET /v2/{project_id}/images` | Workspace |
//! | `client.dev_server_images().get(id)` | `GetDevServerImage` `GET /v1/{project_id}/dev-servers/images/{id}` | ModelArts |
//!
//! What it does that the official SDKs do not: lists are lazy streams over every page (with
//! bounded prefetch), unknown enum values are kept instead of lost, failed attempts are retried
//! with backoff (honouring `Retry-After`), regions missing from the tables still work, and input is
//! checked before any request is sent.
//!
//! ```no_run
//! use futures::TryStreamExt;
//! use huaweicloud_images::Client;
//! use huaweicloud_images::models::OsType;
//!
//! # async fn example() -> huaweicloud_images::Result<()> {
//! // HUAWEICLOUD_SDK_AK, _SK, _PROJECT_ID (and optionally HUAWEICLOUD_SDK_REGION).
//! let client = Client::from_env()?;
//! let linux: Vec<_> = client.images().list().os_type(OsType::Linux).paginate().collect_all().await?;
//! let mut servers = client.image_servers().list().paginate().items();
//! while let Some(server) = servers.try_next().await? {
//!     println!("{:?}: {:?}", server.name, server.status);
//! }
//! # Ok(())
//! # }
//! ```
//!
//! # Layout
//!
//! The per-operation layer is generated from `spec/` by `cargo xtask gen` (in `src/generated/`):
//! the resources ([`ImageServers`], [`Images`], [`DevServerImages`]) and their accessors on
//! [`Client`] and [`blocking::Client`], the request builders ([`ListImageServers`],
//! [`ListImages`]) with a setter per parameter, the checks of every constraint the spec states on
//! a parameter, the operation table ([`OPERATIONS`]), the [`Service`]s and the [`models`].
//! Everything else is generic and hand-written: [`credentials`] (AK/SK, tokens, environment and
//! profile file), [`region`] (endpoints), [`retry`] (the policy), [`paginate`] (streams over
//! pages), [`blocking`] (the same calls without async), [`error`] (one error type), and the
//! client, signing and the runtime that owns every call.

#![warn(missing_docs)]
// docs.rs (its nightly, `--cfg docsrs`) shows which feature each item needs.
#![cfg_attr(docsrs, feature(doc_cfg))]
// A build with some of the services (a cargo feature each; `all-services` is the default) leaves
// parts of the generic engines unused: that is expected, not dead code to remove.
#![cfg_attr(
    not(feature = "all-services"),
    allow(dead_code, unused_imports, unused_variables, unreachable_code)
)]

pub mod blocking;
mod client;
mod clock;
pub mod credentials;
mod env_vars;
pub mod error;
mod flavour;
mod flow;
mod generated;
pub mod network;
mod operation;
pub mod paginate;
pub mod region;
pub mod retry;
mod runtime;
mod signing;
pub mod transfer;
mod validate;
pub mod waiter;

pub use client::{Client, ClientBuilder, DEFAULT_MAX_BODY_SIZE, IAM_ENDPOINT_VARIABLE};
pub use credentials::Credentials;
pub use error::{ApiError, Error, Result, WaitFailed, WaitReason};
pub use flavour::{Async, Blocking, Flavour};
pub use flow::{
    DEFAULT_INITIAL_CONCURRENCY, DEFAULT_MAX_CONCURRENCY, FlowPolicy, FlowState, MAX_CONCURRENCY,
};
pub use generated::*;
pub use network::ProxyConfig;
pub use operation::{Operation, Parameter};
pub use paginate::{CursorPage, CursorPaginator, Page, Paginator};
pub use region::{Region, Service};
pub use retry::{RetryBudget, RetryPolicy};
pub use transfer::{Download, FilePart, WithHeaders};

/// The README's Rust examples, compiled as doctests.
#[cfg(doctest)]
#[doc = include_str!("../../../README.md")]
pub struct ReadmeDoctests;
