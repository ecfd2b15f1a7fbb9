//! Rust SDK for Huawei Cloud image APIs.
//!
//! (Crate documentation is filled in as the facade lands.)

pub mod credentials;
pub mod error;
pub mod region;
mod signing;

pub use error::{Error, Result};
