//! The emitters: from the model (and progenitor's output) to the tokens of each generated file.

pub mod api;
mod example;
pub mod facade;
pub mod fake;
pub mod manifest;
