//! The API gateway in front of the services: what a request goes through before a service sees
//! it, in order (each step is one module):
//! 1. recording: a request id is assigned (`X-Request-Id` on every response) and the request
//!    is recorded in the [`log`], secrets masked; the configured latency is waited; the answer
//!    carries the gateway's `Date` (its clock, which may be set off).
//! 2. routing (`crate::router`): an unknown path is `404 APIGW.0101`, another method than the
//!    operation's is `405` — before any auth.
//! 3. admission: [`auth`] (an AK/SK signature checked with the fake's own [`signing`], or
//!    `X-Auth-Token`), then the project checks, the [`throttle`] (a token bucket per project and
//!    operation), then the injected [`faults`], which may replace the answer or bend the list
//!    handlers.

pub(crate) mod admission;
pub mod auth;
pub(crate) mod clock;
pub mod faults;
pub mod log;
pub(crate) mod recording;
pub mod signing;
pub mod throttle;
