//! The builder of a [`Client`]: every setting checked before any request is made.

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use reqwest::header::HeaderValue;

use super::cleartext::check_cleartext;
use super::project::{IAM_ENDPOINT_VARIABLE, Project, default_iam_endpoint};
use super::{Client, Inner};
use crate::credentials::Credentials;
use crate::credentials::provider::{CredentialCache, ProvideCredentials};
use crate::error::{Error, Result};
use crate::flow::{FlowPolicy, ServiceFlow};
use crate::network::{NetworkOptions, ProxyConfig};
use crate::region::{self, Endpoint, Region, Service};
use crate::retry::{Budget, RetryPolicy};
use crate::runtime::{Pace, Runtime, Settings};

/// The default of [`ClientBuilder::max_body_size`]: 8 MiB.
pub const DEFAULT_MAX_BODY_SIZE: u64 = 8 * 1024 * 1024;

/// Reads an environment variable (injectable for tests).
type EnvFn = Arc<dyn Fn(&str) -> Option<String> + Send + Sync>;

/// Builds a [`Client`]. Every setting has a default except the credentials and the project id.
///
/// Defaults: region `HUAWEICLOUD_SDK_REGION`, else `cn-north-4`; endpoints from the region tables
/// (overridable per service, and through `HUAWEICLOUD_SDK_REGION_<SERVICE>_<REGION>`); connect
/// time-out 10 s, per-attempt time-out 30 s, no total time-out, [`RetryPolicy::default`]; no
/// redirects followed. Credentials and project id come from the environment only through
/// [`ClientBuilder::load_env`] (or [`Client::from_env`]).
#[must_use]
pub struct ClientBuilder {
    credentials: Option<Arc<dyn ProvideCredentials>>,
    project_id: Option<String>,
    region: Option<String>,
    endpoints: Vec<(Service, String)>,
    iam_endpoint: Option<String>,
    /// The URL of [`ClientBuilder::endpoint_for_all`], which IAM follows too.
    all_endpoints: Option<String>,
    network: NetworkOptions,
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
            iam_endpoint: None,
            all_endpoints: None,
            network: NetworkOptions::default(),
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
            .field("iam_endpoint", &self.iam_endpoint)
            .field("network", &self.network)
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
    /// [`ClientBuilder::with_env`]), in the official SDKs' order: the `HUAWEICLOUD_SDK_AK`/`_SK`
    /// variables, then the profile file, then the instance metadata service
    /// ([`MetadataProvider`](crate::credentials::MetadataProvider), asked at the first call; off
    /// ECS that call fails within a second with [`Error::Credentials`] naming every source tried).
    ///
    /// # Errors
    /// [`Error::Config`] when a source is broken (half-set variables, an unreadable profile file,
    /// a bad `HUAWEICLOUD_SDK_METADATA_ENDPOINT`).
    pub fn load_env(mut self) -> Result<Self> {
        let env = Arc::clone(&self.env);
        let mut project_id = None;
        match Credentials::find_with(&*env)? {
            Ok(profile) => {
                self.credentials = Some(Arc::new(profile.credentials));
                project_id = profile.project_id;
            }
            Err(tried) => {
                let metadata = crate::credentials::MetadataProvider::from_env_with(&*env)?;
                self.credentials = Some(Arc::new(
                    crate::credentials::metadata::AfterEnvironmentAndProfile { metadata, tried },
                ));
            }
        }
        // The variable wins over the profile file, wherever the credentials came from.
        if let Some(project_id) =
            region::non_empty(&*env, crate::credentials::PROJECT_ID_VARIABLE).or(project_id)
        {
            self.project_id = Some(project_id);
        }
        if let Some(region) = region::default_region(&*env)? {
            self.region = Some(region.as_str().to_string());
        }
        Ok(self)
    }

    /// AK/SK (optionally temporary) or IAM-token credentials, fixed for the client's life.
    pub fn credentials(mut self, credentials: Credentials) -> Self {
        self.credentials = Some(Arc::new(credentials));
        self
    }

    /// Credentials from `provider`, cached and refreshed ahead of their expiry (see
    /// [`crate::credentials::provider`]): for example
    /// [`MetadataProvider`](crate::credentials::MetadataProvider) on ECS, or your own.
    pub fn credentials_provider(mut self, provider: impl ProvideCredentials + 'static) -> Self {
        self.credentials = Some(Arc::new(provider));
        self
    }

    /// The project id (1 to 64 letters, digits and `-`). Without one, the client asks IAM for the
    /// project of its region at its first call (see [`ClientBuilder::iam_endpoint`]).
    ///
    /// ```
    /// # use huaweicloud_images::{Client, Credentials};
    /// # use huaweicloud_images_fake::{FAKE_AK, FAKE_PROJECT_ID, FAKE_SK, FakeConfig, FakeServer};
    /// # #[tokio::main]
    /// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// # let fake = FakeServer::start(FakeConfig::default()).await?;
    /// let client = Client::builder()
    ///     .credentials(Credentials::ak_sk(FAKE_AK, FAKE_SK)?)
    ///     .region("cn-north-4")
    ///     .endpoint_for_all(fake.base_url())
    ///     .iam_endpoint(fake.base_url())
    ///     .build()?;
    /// assert_eq!(client.project_id(), None, "not asked yet");
    /// client.image_servers().get("697612196993040384").await?;
    /// assert_eq!(client.project_id(), Some(FAKE_PROJECT_ID));
    /// # Ok(())
    /// # }
    /// ```
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

    /// Calls every service at `url` (e.g. a local fake), IAM included (for the automatic project
    /// id) unless [`ClientBuilder::iam_endpoint`] says otherwise.
    pub fn endpoint_for_all(mut self, url: impl Into<String>) -> Self {
        let url = url.into();
        self.all_endpoints = Some(url.clone());
        for &service in Service::ALL {
            self = self.endpoint(service, url.clone());
        }
        self
    }

    /// Where IAM is asked for the project id when none is given: default the URL of
    /// [`ClientBuilder::endpoint_for_all`], else the official variable
    /// `HUAWEICLOUD_SDK_IAM_ENDPOINT`, else `https://iam.<region>.myhuaweicloud.com`.
    pub fn iam_endpoint(mut self, url: impl Into<String>) -> Self {
        self.iam_endpoint = Some(url.into());
        self
    }

    /// How long to wait for a connection (ignored with [`ClientBuilder::http_client`]).
    pub fn connect_timeout(mut self, timeout: Duration) -> Self {
        self.network.connect_timeout = timeout;
        self
    }

    /// Sends every request through this proxy instead of the one the standard variables
    /// (`HTTPS_PROXY`, `HTTP_PROXY`, `ALL_PROXY`, `NO_PROXY`, read through the builder's
    /// environment) name; see [`crate::network`]. Ignored with [`ClientBuilder::http_client`].
    ///
    /// ```
    /// # use huaweicloud_images::{Client, Credentials, ProxyConfig};
    /// let client = Client::builder()
    ///     .credentials(Credentials::ak_sk("AK", "SK")?)
    ///     .project_id("a4da8115c9d8464ead3a38309130523f")
    ///     .proxy(ProxyConfig::new("http://proxy.corp.example:3128").credentials("alice", "s3cret"))
    ///     .build()?;
    /// # Ok::<(), huaweicloud_images::Error>(())
    /// ```
    pub fn proxy(mut self, proxy: ProxyConfig) -> Self {
        self.network.proxy = Some(proxy);
        self
    }

    /// Also trusts the CA certificates of this PEM bundle (a corporate CA, a test server's own);
    /// the built-in roots stay trusted. [`ClientBuilder::build`] refuses a bundle with no
    /// certificate. Ignored with [`ClientBuilder::http_client`].
    pub fn add_ca_certificates_pem(mut self, pem: impl Into<Vec<u8>>) -> Self {
        self.network.extra_roots.push(pem.into());
        self
    }

    /// **Dangerous:** accepts any TLS certificate, so anyone on the path can read and change the
    /// requests. For test environments only; off by default, and the client logs a warning when it
    /// is built with it. Prefer [`ClientBuilder::add_ca_certificates_pem`].
    pub fn danger_accept_invalid_certs(mut self, accept: bool) -> Self {
        self.network.accept_invalid_certs = accept;
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

    /// How the client paces itself toward each service: adaptive concurrency for every call, and
    /// the request rate ([`FlowPolicy`]; by default adaptive, up to 16 requests in flight per
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

    /// Checks every setting and builds the client. No request is made: without a project id,
    /// IAM is asked for it at the first call; credentials from a provider are fetched then too.
    ///
    /// # Errors
    /// [`Error::Config`] for missing credentials, a bad endpoint, proxy or CA bundle;
    /// [`Error::InvalidInput`] for a malformed project id, region or user agent.
    pub fn build(self) -> Result<Client> {
        let credentials = self.credentials.ok_or_else(|| {
            Error::config(
                "no credentials: call ClientBuilder::credentials, or use Client::from_env with \
                 HUAWEICLOUD_SDK_AK and HUAWEICLOUD_SDK_SK set",
            )
        })?;
        let region = match self.region.as_deref() {
            Some(region) => Region::new(region)?,
            None => region::default_region(&*self.env)?.unwrap_or(Region::CN_NORTH_4),
        };
        let regions_file = region::RegionsFile::discover(&*self.env)?;
        let mut endpoints = Vec::with_capacity(Service::ALL.len());
        for &service in Service::ALL {
            let explicit = self
                .endpoints
                .iter()
                .find(|(s, _)| *s == service)
                .map(|(_, url)| url.as_str());
            endpoints.push(region::resolve_endpoint_with_file(
                service,
                &region,
                explicit,
                &*self.env,
                regions_file.as_ref(),
            )?);
        }
        let iam_endpoint = match self
            .iam_endpoint
            .as_deref()
            .or(self.all_endpoints.as_deref())
        {
            Some(url) => region::parse_override(url, "the IAM endpoint override")?,
            None => match region::non_empty(&*self.env, IAM_ENDPOINT_VARIABLE) {
                Some(url) => region::parse_override(&url, IAM_ENDPOINT_VARIABLE)?,
                None => default_iam_endpoint(&region),
            },
        };
        let project = Project::new(self.project_id, iam_endpoint.clone())?;
        let carries_token = credentials.may_carry_token();
        for endpoint in &endpoints {
            check_cleartext(endpoint, carries_token, self.allow_tokens_over_http)?;
            crate::network::check_tls_for(endpoint.url())?;
        }
        if project.needs_lookup() {
            let iam = Endpoint::new(iam_endpoint.clone(), region::EndpointSource::Override);
            check_cleartext(&iam, carries_token, self.allow_tokens_over_http)?;
            crate::network::check_tls_for(iam.url())?;
        }
        let user_agent = self
            .user_agent
            .unwrap_or_else(|| format!("huaweicloud-images-rust/{}", env!("CARGO_PKG_VERSION")));
        let user_agent = HeaderValue::from_str(&user_agent)
            .map_err(|_| Error::invalid("user_agent", "must be printable ASCII"))?;
        let http = match self.http_client {
            Some(client) => client,
            None => self.network.build(&*self.env)?,
        };
        let paces = Service::ALL
            .iter()
            .map(|_| Pace {
                flow: Arc::new(ServiceFlow::new(&self.flow)),
                budget: self.retry.retry_budget().map(Budget::new),
            })
            .collect();
        let runtime = Runtime::new(Settings {
            http,
            credentials: Some(CredentialCache::new(credentials)),
            user_agent: Some(user_agent),
            retry: self.retry,
            request_timeout: self.request_timeout,
            total_timeout: self.total_timeout,
            max_body: self.max_body,
        });
        Ok(Client {
            inner: Arc::new(Inner {
                runtime,
                paces,
                project,
                region,
                endpoints,
            }),
        })
    }
}
