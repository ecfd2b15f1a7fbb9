//! The client and its builder: credentials, project, region and endpoints, timeouts, retries.

use std::fmt;
use std::future::Future;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

use huaweicloud_images_api::Hooks;
use huaweicloud_images_api::progenitor_client::{Error as GenError, ResponseValue};
use reqwest::header::HeaderValue;
use tracing::Instrument;
use tracing::field::Empty;

use crate::credentials::Credentials;
use crate::error::{Error, Result};
use crate::error_mapping::map_error;
use crate::flow::{FlowPolicy, ServiceFlow};
use crate::operation::Operation;
use crate::region::{self, Endpoint, Region, Service};
use crate::retry::RetryPolicy;
use crate::transport::{CallRecord, CallTransport, Shared};
use crate::validate;

/// The default of [`ClientBuilder::max_body_size`]: 8 MiB.
pub const DEFAULT_MAX_BODY_SIZE: u64 = 8 * 1024 * 1024;

/// Reads an environment variable (injectable for tests).
type EnvFn = Arc<dyn Fn(&str) -> Option<String> + Send + Sync>;

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
    http: reqwest::Client,
    shared: Arc<Shared>,
    project_id: String,
    region: Region,
    /// One per service, at [`Service::index`].
    endpoints: Vec<Endpoint>,
    total_timeout: Option<Duration>,
}

impl fmt::Debug for Client {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Client")
            .field("project_id", &self.inner.project_id)
            .field("region", &self.inner.region)
            .field("endpoints", &self.inner.endpoints)
            .field("credentials", &self.inner.shared.credentials)
            .field("retry", &self.inner.shared.retry)
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
    /// [`Error::Config`] naming what is missing or malformed.
    pub fn from_env() -> Result<Client> {
        ClientBuilder::from_env()?.build()
    }

    /// The project every call is made in.
    pub fn project_id(&self) -> &str {
        &self.inner.project_id
    }

    /// The region the endpoints were resolved for.
    pub fn region(&self) -> &Region {
        &self.inner.region
    }

    /// The endpoint a service is called at, and where it came from.
    pub fn endpoint(&self, service: Service) -> &Endpoint {
        &self.inner.endpoints[service.index()]
    }

    /// Where the client's flow toward `service` stands: the page requests allowed in flight and
    /// the request rate (see [`FlowPolicy`]).
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
        self.flow(service).state()
    }

    /// The client's flow toward `service` (shared by every call to it).
    pub(crate) fn flow(&self, service: Service) -> &Arc<ServiceFlow> {
        &self.inner.shared.flows[service.index()]
    }

    /// Runs one generated call through a fresh [`CallTransport`], in a tracing span, within the
    /// total time-out, and maps its outcome.
    pub(crate) async fn call<T, E, Fut>(
        &self,
        operation: &'static Operation,
        run: impl FnOnce(Hooks, &str, reqwest::Client) -> Fut,
    ) -> Result<T>
    where
        Fut: Future<Output = std::result::Result<ResponseValue<T>, GenError<E>>>,
    {
        let record = Arc::new(Mutex::new(CallRecord::default()));
        let transport = CallTransport {
            shared: Arc::clone(&self.inner.shared),
            record: Arc::clone(&record),
            operation,
            flow: Arc::clone(self.flow(operation.service)),
        };
        let span = tracing::info_span!(
            "huaweicloud_images.call",
            service = %operation.service,
            operation = operation.name,
            attempts = Empty,
            status = Empty,
            request_id = Empty,
            duration_ms = Empty,
        );
        let started = Instant::now();
        let future = run(
            Hooks::new(Arc::new(transport)),
            self.endpoint(operation.service).url(),
            self.inner.http.clone(),
        )
        .instrument(span.clone());
        let outcome = match self.inner.total_timeout {
            Some(limit) => tokio::time::timeout(limit, future).await.ok(),
            None => Some(future.await),
        };
        let elapsed = started.elapsed();
        let mut record = record.lock().unwrap_or_else(PoisonError::into_inner);
        span.record("attempts", record.attempts);
        span.record(
            "duration_ms",
            u64::try_from(elapsed.as_millis()).unwrap_or(u64::MAX),
        );
        if let Some(status) = record.status {
            span.record("status", status);
        }
        if let Some(id) = &record.request_id {
            span.record("request_id", id.as_str());
        }
        let result = match outcome {
            None => Err(Error::Timeout {
                operation: operation.name,
                elapsed,
            }),
            Some(Ok(value)) => Ok(value.into_inner()),
            Some(Err(e)) => Err(map_error(operation, e, &mut record, elapsed)),
        };
        span.in_scope(|| match &result {
            Ok(_) => tracing::debug!(attempts = record.attempts, "call succeeded"),
            Err(e) => tracing::debug!(attempts = record.attempts, error = %e, "call failed"),
        });
        result
    }
}

/// Whether `endpoint` is plain `http://` to a host other than this machine.
fn is_cleartext_to_another_host(endpoint: &Endpoint) -> bool {
    let Ok(url) = url::Url::parse(endpoint.url()) else {
        return false;
    };
    let loopback = match url.host() {
        Some(url::Host::Domain(name)) => name == "localhost",
        Some(url::Host::Ipv4(ip)) => ip.is_loopback(),
        Some(url::Host::Ipv6(ip)) => ip.is_loopback(),
        None => false,
    };
    url.scheme() == "http" && !loopback
}

/// Plain `http://` to another host: refused for credentials that carry a token (a bearer secret)
/// unless `allowed`; for AK/SK alone (only a signature travels) a warning.
fn check_cleartext(endpoint: &Endpoint, credentials: &Credentials, allowed: bool) -> Result<()> {
    if !is_cleartext_to_another_host(endpoint) {
        return Ok(());
    }
    let carries_token =
        credentials.auth_token().is_some() || credentials.security_token().is_some();
    if carries_token && !allowed {
        return Err(Error::config(format!(
            "the endpoint {} is plain http:// to another host, and the credentials carry a token \
             that would travel in clear text; use https://, or call \
             ClientBuilder::allow_tokens_over_http(true) if this network is trusted",
            endpoint.url()
        )));
    }
    tracing::warn!(
        endpoint = endpoint.url(),
        "plain http:// endpoint on a non-loopback host: requests travel unencrypted"
    );
    Ok(())
}

/// Builds a [`Client`]. Every setting has a default except the credentials and the project id.
///
/// Defaults: region `HUAWEICLOUD_SDK_REGION`, else `cn-north-4`; endpoints from the region tables
/// (overridable per service, and through `HUAWEICLOUD_SDK_REGION_<SERVICE>_<REGION>`); connect
/// time-out 10 s, per-attempt time-out 30 s, no total time-out, [`RetryPolicy::default`]; no
/// redirects followed. Credentials and project id come from the environment only through
/// [`ClientBuilder::load_env`] (or [`Client::from_env`]).
#[must_use]
pub struct ClientBuilder {
    credentials: Option<Credentials>,
    project_id: Option<String>,
    region: Option<String>,
    endpoints: Vec<(Service, String)>,
    connect_timeout: Duration,
    request_timeout: Option<Duration>,
    total_timeout: Option<Duration>,
    retry: RetryPolicy,
    user_agent: Option<String>,
    http_client: Option<reqwest::Client>,
    max_body: u64,
    allow_tokens_over_http: bool,
    flow: FlowPolicy,
    env: EnvFn,
}

impl Default for ClientBuilder {
    fn default() -> Self {
        Self {
            credentials: None,
            project_id: None,
            region: None,
            endpoints: Vec::new(),
            connect_timeout: Duration::from_secs(10),
            request_timeout: Some(Duration::from_secs(30)),
            total_timeout: None,
            retry: RetryPolicy::default(),
            user_agent: None,
            http_client: None,
            max_body: DEFAULT_MAX_BODY_SIZE,
            allow_tokens_over_http: false,
            flow: FlowPolicy::default(),
            env: Arc::new(region::process_env),
        }
    }
}

impl fmt::Debug for ClientBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ClientBuilder")
            .field("credentials", &self.credentials)
            .field("project_id", &self.project_id)
            .field("region", &self.region)
            .field("endpoints", &self.endpoints)
            .field("connect_timeout", &self.connect_timeout)
            .field("request_timeout", &self.request_timeout)
            .field("total_timeout", &self.total_timeout)
            .field("retry", &self.retry)
            .field("user_agent", &self.user_agent)
            .field("max_body", &self.max_body)
            .field("allow_tokens_over_http", &self.allow_tokens_over_http)
            .field("flow", &self.flow)
            .finish_non_exhaustive()
    }
}

impl ClientBuilder {
    /// A builder filled from the environment (see [`Client::from_env`]); settings made afterwards
    /// win.
    ///
    /// # Errors
    /// [`Error::Config`] when no credentials are found or they are incomplete.
    pub fn from_env() -> Result<Self> {
        Self::default().with_env(region::process_env).load_env()
    }

    /// Where `HUAWEICLOUD_SDK_*` variables are read from (default: the process environment).
    /// Tests pass a map here instead of changing the process environment.
    pub fn with_env(
        mut self,
        env: impl Fn(&str) -> Option<String> + Send + Sync + 'static,
    ) -> Self {
        self.env = Arc::new(env);
        self
    }

    /// Fills credentials, project id and region from the builder's environment (see
    /// [`ClientBuilder::with_env`]).
    ///
    /// # Errors
    /// [`Error::Config`] when no credentials are found or they are incomplete.
    pub fn load_env(mut self) -> Result<Self> {
        let env = Arc::clone(&self.env);
        let profile = Credentials::discover_with(&*env)?;
        self.credentials = Some(profile.credentials);
        // The variable wins over the profile file, wherever the credentials came from.
        if let Some(project_id) =
            region::non_empty(&*env, crate::credentials::PROJECT_ID_VARIABLE).or(profile.project_id)
        {
            self.project_id = Some(project_id);
        }
        if let Some(region) = region::default_region(&*env)? {
            self.region = Some(region.as_str().to_string());
        }
        Ok(self)
    }

    /// AK/SK (optionally temporary) or IAM-token credentials.
    pub fn credentials(mut self, credentials: Credentials) -> Self {
        self.credentials = Some(credentials);
        self
    }

    /// The project id (1 to 64 letters, digits and `-`).
    pub fn project_id(mut self, project_id: impl Into<String>) -> Self {
        self.project_id = Some(project_id.into());
        self
    }

    /// The region, e.g. `cn-north-4`. Regions missing from the tables are resolved with the
    /// service's usual host pattern, never refused.
    pub fn region(mut self, region: impl Into<String>) -> Self {
        self.region = Some(region.into());
        self
    }

    /// Calls `service` at `url` instead of its regional endpoint (`http://` is allowed, for local
    /// testing; see [`ClientBuilder::allow_tokens_over_http`] for tokens to another host).
    pub fn endpoint(mut self, service: Service, url: impl Into<String>) -> Self {
        self.endpoints.retain(|(s, _)| *s != service);
        self.endpoints.push((service, url.into()));
        self
    }

    /// Calls every service at `url` (e.g. a local fake).
    pub fn endpoint_for_all(mut self, url: impl Into<String>) -> Self {
        let url = url.into();
        for service in Service::ALL {
            self = self.endpoint(service, url.clone());
        }
        self
    }

    /// How long to wait for a connection (ignored with [`ClientBuilder::http_client`]).
    pub fn connect_timeout(mut self, timeout: Duration) -> Self {
        self.connect_timeout = timeout;
        self
    }

    /// How long one attempt may take, body included; `None` for no limit.
    pub fn request_timeout(mut self, timeout: Option<Duration>) -> Self {
        self.request_timeout = timeout;
        self
    }

    /// How long one call may take in all, retries and waits included; `None` (the default) for no
    /// limit beyond the retry policy's.
    pub fn total_timeout(mut self, timeout: Option<Duration>) -> Self {
        self.total_timeout = timeout;
        self
    }

    /// How failed attempts are retried ([`RetryPolicy::disabled`] to turn retries off).
    pub fn retry(mut self, policy: RetryPolicy) -> Self {
        self.retry = policy;
        self
    }

    /// The `User-Agent` sent (and signed); default `huaweicloud-images-rust/<version>`.
    pub fn user_agent(mut self, user_agent: impl Into<String>) -> Self {
        self.user_agent = Some(user_agent.into());
        self
    }

    /// How the client paces itself toward each service: adaptive concurrency for listings, and
    /// the request rate ([`FlowPolicy`]; by default adaptive, up to 16 page requests in flight per
    /// service, no fixed rate limit).
    pub fn flow(mut self, flow: FlowPolicy) -> Self {
        self.flow = flow;
        self
    }

    /// Lets credentials that carry a token (an IAM token, or a security token with temporary
    /// AK/SK) be used with a plain `http://` endpoint on another host than this machine, where the
    /// token travels in clear text. Off by default: [`ClientBuilder::build`] refuses that
    /// combination. Loopback endpoints (a local fake) and `https://` need no such permission.
    pub fn allow_tokens_over_http(mut self, allow: bool) -> Self {
        self.allow_tokens_over_http = allow;
        self
    }

    /// The largest response body read, in bytes (default [`DEFAULT_MAX_BODY_SIZE`], 8 MiB: far
    /// above any page of these APIs). A larger body ends the call with [`Error::BodyTooLarge`]
    /// before it is read whole (at once when its `Content-Length` says so), and is not retried.
    pub fn max_body_size(mut self, bytes: u64) -> Self {
        self.max_body = bytes;
        self
    }

    /// Sends through this `reqwest::Client` (proxies, custom TLS, connection pools). Build it with
    /// `.redirect(reqwest::redirect::Policy::none())`: reqwest's default policy follows redirects
    /// and would send `X-Auth-Token` / `X-Security-Token` to whatever host a redirect names.
    pub fn http_client(mut self, client: reqwest::Client) -> Self {
        self.http_client = Some(client);
        self
    }

    /// Checks every setting and builds the client. No request is made.
    ///
    /// # Errors
    /// [`Error::Config`] for missing credentials or project id, or a bad endpoint;
    /// [`Error::InvalidInput`] for a malformed project id, region or user agent.
    pub fn build(self) -> Result<Client> {
        let credentials = self.credentials.ok_or_else(|| {
            Error::config(
                "no credentials: call ClientBuilder::credentials, or use Client::from_env with \
                 HUAWEICLOUD_SDK_AK and HUAWEICLOUD_SDK_SK set",
            )
        })?;
        let project_id = self.project_id.ok_or_else(|| {
            Error::config(
                "no project id: call ClientBuilder::project_id or set HUAWEICLOUD_SDK_PROJECT_ID",
            )
        })?;
        validate::project_id(&project_id)?;
        let region = match self.region.as_deref() {
            Some(region) => Region::new(region)?,
            None => region::default_region(&*self.env)?.unwrap_or(Region::CN_NORTH_4),
        };
        let mut endpoints = Vec::with_capacity(Service::ALL.len());
        for service in Service::ALL {
            let explicit = self
                .endpoints
                .iter()
                .find(|(s, _)| *s == service)
                .map(|(_, url)| url.as_str());
            endpoints.push(region::resolve_endpoint(
                service, &region, explicit, &*self.env,
            )?);
        }
        for endpoint in &endpoints {
            check_cleartext(endpoint, &credentials, self.allow_tokens_over_http)?;
        }
        let user_agent = self
            .user_agent
            .unwrap_or_else(|| format!("huaweicloud-images-rust/{}", env!("CARGO_PKG_VERSION")));
        let user_agent = HeaderValue::from_str(&user_agent)
            .map_err(|_| Error::invalid("user_agent", "must be printable ASCII"))?;
        let http = match self.http_client {
            Some(client) => client,
            // Never follow redirects: a signed request cannot pass elsewhere anyway, and reqwest
            // would carry X-Auth-Token and X-Security-Token to the other host.
            None => reqwest::Client::builder()
                .connect_timeout(self.connect_timeout)
                .redirect(reqwest::redirect::Policy::none())
                .build()
                .map_err(|e| Error::config(format!("cannot build the HTTP client: {e}")))?,
        };
        let flows = Service::ALL
            .iter()
            .map(|_| Arc::new(ServiceFlow::new(&self.flow, self.retry.retry_budget())))
            .collect();
        let project_header = HeaderValue::from_str(&project_id)
            .map_err(|_| Error::invalid("project_id", "must be printable ASCII"))?;
        Ok(Client {
            inner: Arc::new(Inner {
                http,
                shared: Arc::new(Shared {
                    credentials,
                    project_id: project_header,
                    user_agent,
                    retry: self.retry,
                    request_timeout: self.request_timeout,
                    max_body: self.max_body,
                    flows,
                }),
                project_id,
                region,
                endpoints,
                total_timeout: self.total_timeout,
            }),
        })
    }
}

#[cfg(test)]
mod tests;
