//! The services behind the gateway: what each operation answers once admitted. Four documented
//! operations have hand-written semantics (`documented.rs`) over the seeded data ([`data`]); the
//! operations of a collection the spec declares (`x-collection`) remember their writes
//! (`remembered.rs`, over `memory.rs`); every other operation of the spec answers its documented
//! example (`examples.rs`). Each checks
//! its query against the spec ([`query`]). Beside them, the counterparts of the SDK's credential
//! and project handling: the instance metadata service (`metadata.rs`, issuing the temporary
//! credentials of `temporary.rs`) and IAM's project list (`iam.rs`).

mod bodies;
pub mod data;
mod doc_examples;
mod documented;
pub mod examples;
pub(crate) mod iam;
pub(crate) mod memory;
pub(crate) mod metadata;
mod paging;
pub mod query;
pub(crate) mod remembered;
pub mod shapes;
pub mod spec_table;
pub(crate) mod statuses;
pub(crate) mod temporary;

use axum::routing::MethodRouter;

use crate::generated::operations::Operation;
use crate::state::SharedState;

/// The handler of `operation`: its hand-written semantics, else what its collection remembers,
/// else its documented example.
pub(crate) fn handler(operation: Operation) -> MethodRouter<SharedState> {
    documented::handler(operation)
        .or_else(|| remembered::handler(operation))
        .unwrap_or_else(|| examples::handler(operation))
}
