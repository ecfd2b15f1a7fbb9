//! One request of one operation, as the generated per-operation code fills it: the parameters a
//! caller set, checked and sent when the request is sent (the flavour decides how the caller
//! waits: [`crate::flavour`]).

use std::future::Future;

use crate::client::Client;
use crate::error::Result;
use crate::operation::Operation;

/// The parameters of one operation, and how to send them (implemented by generated code).
pub(crate) trait Input: Clone + Send + Sync + 'static {
    /// The decoded answer.
    type Output: Send + 'static;
    /// The operation this is an input of.
    const OPERATION: &'static Operation;

    /// Checks every parameter against the spec's constraints (an error names the parameter, and
    /// nothing is sent), then sends the request through `client`.
    fn send(self, client: Client) -> impl Future<Output = Result<Self::Output>> + Send + 'static;
}
