//! The client: the handle users share ([`Client`]), its builder ([`ClientBuilder`]), the project
//! it works in ([`project`]), and how a generated request is sent through the runtime
//! ([`Client::send`]).

mod builder;
mod cleartext;
mod project;
#[cfg(test)]
mod tests;

use std::fmt;
use std::sync::Arc;

/// The parameter the client fills with its project id.
const PROJECT_ID_FIELD: &str = "project_id";
/// What the parameters are checked with before the project id is known (a well-formed id).
const STAND_IN_PROJECT: &str = "0";

pub use builder::{ClientBuilder, DEFAULT_MAX_BODY_SIZE};
pub use project::IAM_ENDPOINT_VARIABLE;

use crate::error::{Error, Result};
use crate::region::{Endpoint, Region, Service};
use crate::runtime::request::Input;
use crate::runtime::{Call, Delivery, Pace, Prepared, Runtime, Success};

/// A client for the Huawei Cloud image APIs. Cheap to clone (an `Arc` inside); share one per
/// program.
///
/// ```
/// use huaweicloud_images::{Client, Credentials};
/// # use huaweicloud_images_fake::{FAKE_AK, FAKE_PROJECT_ID, FAKE_SK, FakeConfig, FakeServer};
/// # #[tokio::main]
/// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
/// # let fake = FakeServer::start(FakeConfig::default()).await?;
///
/// let client = Client::builder()
///     .credentials(Credentials::ak_sk(FAKE_AK, FAKE_SK)?)
///     .project_id(FAKE_PROJECT_ID)
///     .region("cn-north-4")
///     // Here the offline fake; without this line, the region's endpoints.
///     .endpoint_for_all(fake.base_url())
///     .build()?;
/// let server = client.image_servers().get("697612196993040384").await?;
/// assert_eq!(server.name.as_deref(), Some("test_instance_1"));
/// # Ok(())
/// # }
/// ```
#[derive(Clone)]
pub struct Client {
    inner: Arc<Inner>,
}

struct Inner {
    runtime: Runtime,
    /// The flow and retry budget toward each service, at [`Service::index`].
    paces: Vec<Pace>,
    project: project::Project,
    region: Region,
    /// One per service, at [`Service::index`].
    endpoints: Vec<Endpoint>,
}

impl fmt::Debug for Client {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Client")
            .field("project_id", &self.project_id())
            .field("region", &self.inner.region)
            .field("endpoints", &self.inner.endpoints)
            .field("runtime", &self.inner.runtime)
            .finish_non_exhaustive()
    }
}

impl Client {
    /// A builder; [`ClientBuilder::build`] checks everything before any request is made.
    pub fn builder() -> ClientBuilder {
        ClientBuilder::default()
    }

    /// A client configured from the environment, as the official SDKs are:
    /// credentials from `HUAWEICLOUD_SDK_AK`/`_SK` (and `_SECURITY_TOKEN`) or the profile file
    /// (`HUAWEICLOUD_SDK_CREDENTIALS_FILE` or `~/.huaweicloud/credentials`), the project from
    /// `HUAWEICLOUD_SDK_PROJECT_ID` (or the profile), the region from `HUAWEICLOUD_SDK_REGION`
    /// (default `cn-north-4`), endpoint overrides from `HUAWEICLOUD_SDK_REGION_<SERVICE>_<REGION>`.
    ///
    /// # Errors
    /// [`Error::Config`](crate::Error::Config) naming what is missing or malformed.
    pub fn from_env() -> Result<Client> {
        ClientBuilder::from_env()?.build()
    }

    /// The project every call is made in: the one given, or, without one, the one IAM named at
    /// the first call (`None` until then; see [`ClientBuilder::build`]).
    pub fn project_id(&self) -> Option<&str> {
        self.inner.project.known().map(|(id, _)| id)
    }

    /// How far the gateway's clock was found to be from this machine's (zero until a clock-skew
    /// refusal taught otherwise); requests are signed with this machine's time plus this.
    pub fn clock_offset(&self) -> time::Duration {
        self.inner.runtime.clock().offset()
    }

    /// The region the endpoints were resolved for.
    pub fn region(&self) -> &Region {
        &self.inner.region
    }

    /// The endpoint a service is called at, and where it came from.
    pub fn endpoint(&self, service: Service) -> &Endpoint {
        &self.inner.endpoints[service.index()]
    }

    /// Where the client's flow toward `service` stands: the requests allowed in flight and
    /// the request rate (see [`FlowPolicy`](crate::FlowPolicy)).
    ///
    /// ```
    /// # use huaweicloud_images::{Client, Credentials, Service};
    /// let client = Client::builder()
    ///     .credentials(Credentials::ak_sk("AK", "SK")?)
    ///     .project_id("a4da8115c9d8464ead3a38309130523f")
    ///     .build()?;
    /// let state = client.flow_state(Service::WorkspaceApp);
    /// assert_eq!((state.concurrency, state.rate), (4, None), "no throttling seen yet");
    /// # Ok::<(), huaweicloud_images::Error>(())
    /// ```
    pub fn flow_state(&self, service: Service) -> crate::flow::FlowState {
        self.pace(service).flow.state()
    }

    /// The client's flow and retry budget toward `service` (shared by every call to it).
    pub(crate) fn pace(&self, service: Service) -> &Pace {
        &self.inner.paces[service.index()]
    }

    /// Sends `input` through the runtime: its parameters checked (before anything is sent), then,
    /// within the call's total time-out, the project id resolved (through IAM at the first call
    /// when none was given), the request built by the generated client, sent until it succeeds or
    /// fails for good (in the call's span), and its answer decoded. The call holds one of the
    /// service's concurrency permits while it is on its way, retries included: every call, a
    /// batch of writes as a listing's pages, follows the client's flow toward the service.
    pub(crate) async fn send<I: Input>(&self, input: I) -> Result<I::Output> {
        self.send_as(input, true).await
    }

    /// Sends a page request of a listing that pinned its own concurrency: it holds no permit of
    /// the service's adaptive concurrency (the rate limits and the retry budget still apply).
    pub(crate) async fn send_pinned<I: Input>(&self, input: I) -> Result<I::Output> {
        self.send_as(input, false).await
    }

    async fn send_as<I: Input>(&self, input: I, holds_permit: bool) -> Result<I::Output> {
        let operation = I::OPERATION;
        let base = self.endpoint(operation.service).url();
        let http = self.inner.runtime.http();
        if self.inner.project.known().is_none() {
            // Nothing is sent for input the spec refuses, the project lookup included: the checks
            // run once with a stand-in project id (its own check aside: the real one is checked
            // when it is known).
            match input.clone().build(http, base, STAND_IN_PROJECT) {
                Err(Error::InvalidInput { field, .. }) if field == PROJECT_ID_FIELD => {}
                Err(refused) => return Err(refused),
                Ok(_) => {}
            }
        }
        let call = Call {
            operation: operation.name,
            service: operation.service.name(),
            pace: Some(self.pace(operation.service)),
            holds_permit,
            delivery: if operation.idempotent {
                Delivery::Repeatable
            } else {
                Delivery::AtMostOnce
            },
            token_header: operation.idempotency_token,
            bounded: true,
            success: Success::Documented(I::SUCCESS),
            decode: I::DECODE,
            secret_answer: false,
        };
        let prepare = async {
            let (project_id, header) = self.inner.project.resolve(self).await?;
            let request = input.build(http, base, project_id)?;
            Ok(Prepared {
                request,
                project: Some(header.clone()),
            })
        };
        self.inner.runtime.invoke(call, prepare).await
    }
}
