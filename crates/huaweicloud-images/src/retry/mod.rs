//! What is retried, and when: the classification of a failed attempt (`classify`: the one place
//! that says which failures are worth another attempt), the policy of a client ([`RetryPolicy`]:
//! attempts, backoff, `Retry-After`, the total wait) and the retry budget every call of a client to
//! a service shares ([`RetryBudget`]). The loop that applies them is the runtime's.
//!
//! Every operation of this crate is a `GET`, so retrying is always safe. By default a call is tried
//! up to 4 times on connection errors, time-outs (of one attempt), a body that breaks off, a `2xx`
//! body that is not well-formed JSON (truncated or garbled on the way), and HTTP 408, 429, 500,
//! 502, 503 and 504.

mod budget;
pub(crate) mod classify;
mod policy;

pub use budget::RetryBudget;
pub(crate) use budget::{Budget, Permit};
pub use policy::RetryPolicy;
