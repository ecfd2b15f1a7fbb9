//! Temporary AK/SK from the ECS/BMS instance metadata service, as the official SDKs read them.
//!
//! First a session token: `PUT {base}/meta-data/latest/api/token` with
//! `X-Metadata-Token-Ttl-Seconds: 21600`; then `GET {base}/openstack/latest/securitykey` with it in
//! `X-Metadata-Token`, answering `{"credential": {"access", "secret", "securitytoken",
//! "expires_at"}}`. A metadata service that does not know the token call (404 or 405) is asked
//! without one. The base is `http://169.254.169.254` unless set by
//! [`MetadataProvider::with_base_url`] or [`METADATA_ENDPOINT_VARIABLE`]. Off ECS nothing answers
//! there: connecting gives up after [`MetadataProvider::DEFAULT_CONNECT_TIMEOUT`] and each request
//! after [`MetadataProvider::DEFAULT_TIMEOUT`], so a chain that ends here fails within a second.

use std::sync::Arc;
use std::time::Duration;

use serde::Deserialize;
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

use super::keys::Credentials;
use super::provider::{CredentialsFuture, ProvideCredentials};
use crate::retry::RetryPolicy;
use crate::runtime::answer::{self, Decoder};
use crate::runtime::{Call, Prepared, Runtime, Settings, Success};
use crate::{Error, Result};

/// The metadata service every ECS and BMS instance reaches.
pub const DEFAULT_METADATA_ENDPOINT: &str = "http://169.254.169.254";

/// Environment variable naming another metadata base URL (this crate's; tests and emulators).
pub const METADATA_ENDPOINT_VARIABLE: &str = "HUAWEICLOUD_SDK_METADATA_ENDPOINT";

const TOKEN_PATH: &str = "/meta-data/latest/api/token";
const SECURITY_KEY_PATH: &str = "/openstack/latest/securitykey";
const TOKEN_TTL_HEADER: &str = "x-metadata-token-ttl-seconds";
const TOKEN_HEADER: &str = "x-metadata-token";
/// The largest body read from the metadata service (a session token or a security key).
const MAX_BODY: u64 = 64 * 1024;

/// Reads temporary credentials from the instance metadata service. Put it behind a client with
/// [`ClientBuilder::credentials_provider`](crate::ClientBuilder::credentials_provider) (the
/// client caches and refreshes), or let [`ClientBuilder::load_env`](crate::ClientBuilder::load_env)
/// fall back to it when neither the environment nor the profile file has credentials.
///
/// ```
/// use huaweicloud_images::credentials::MetadataProvider;
/// let provider = MetadataProvider::with_base_url("http://127.0.0.1:8080")?;
/// assert_eq!(provider.base_url(), "http://127.0.0.1:8080");
/// # Ok::<(), huaweicloud_images::Error>(())
/// ```
#[derive(Clone, Debug)]
pub struct MetadataProvider {
    base_url: String,
    /// Unsigned, never retried, bodies capped at [`MAX_BODY`].
    runtime: Arc<Runtime>,
}

#[derive(Deserialize)]
struct SecurityKey {
    credential: Credential,
}

#[derive(Deserialize)]
struct Credential {
    access: String,
    secret: String,
    securitytoken: String,
    expires_at: String,
}

impl MetadataProvider {
    /// How long connecting to the metadata service may take.
    pub const DEFAULT_CONNECT_TIMEOUT: Duration = Duration::from_millis(400);
    /// How long one request to the metadata service may take (it is on the host: answers take
    /// milliseconds).
    pub const DEFAULT_TIMEOUT: Duration = Duration::from_millis(800);

    /// The provider for [`DEFAULT_METADATA_ENDPOINT`].
    pub fn new() -> MetadataProvider {
        MetadataProvider::with_base_url(DEFAULT_METADATA_ENDPOINT)
            .expect("the default metadata endpoint is a valid URL")
    }

    /// The provider for another metadata base URL (a local emulator, a test server).
    ///
    /// # Errors
    /// [`Error::Config`] when `base_url` is not an `http(s)://` URL with a host.
    pub fn with_base_url(base_url: &str) -> Result<MetadataProvider> {
        let url = url::Url::parse(base_url)
            .ok()
            .filter(|u| {
                matches!(u.scheme(), "http" | "https")
                    && u.host_str().is_some()
                    && u.username().is_empty()
                    && u.password().is_none()
            })
            .ok_or_else(|| {
                // Never repeated: it could hold a password.
                Error::config(
                    "the metadata endpoint is not an http:// URL with a host and no user name or \
                     password",
                )
            })?;
        let http = reqwest::Client::builder()
            .connect_timeout(Self::DEFAULT_CONNECT_TIMEOUT)
            .timeout(Self::DEFAULT_TIMEOUT)
            .redirect(reqwest::redirect::Policy::none())
            // The metadata service is on the link; a proxy must never see these credentials.
            .no_proxy()
            .build()
            .map_err(|e| Error::config(format!("cannot build the metadata HTTP client: {e}")))?;
        let runtime = Runtime::new(Settings {
            http,
            credentials: None,
            user_agent: None,
            retry: RetryPolicy::disabled().without_retry_budget(),
            request_timeout: None,
            total_timeout: None,
            max_body: MAX_BODY,
        });
        Ok(MetadataProvider {
            base_url: url.as_str().trim_end_matches('/').to_owned(),
            runtime: Arc::new(runtime),
        })
    }

    /// The provider for [`METADATA_ENDPOINT_VARIABLE`] read through `env`, else the default.
    ///
    /// # Errors
    /// As for [`MetadataProvider::with_base_url`].
    pub fn from_env_with(env: &dyn Fn(&str) -> Option<String>) -> Result<MetadataProvider> {
        match crate::env_vars::non_empty(env, METADATA_ENDPOINT_VARIABLE) {
            Some(url) => MetadataProvider::with_base_url(&url),
            None => Ok(MetadataProvider::new()),
        }
    }

    /// The base URL asked.
    pub fn base_url(&self) -> &str {
        &self.base_url
    }

    fn unavailable(&self, what: &str) -> Error {
        Error::credentials(format!(
            "the instance metadata service at {} {what}",
            self.base_url
        ))
    }

    /// What a failed request of the runtime's means here.
    fn failed(&self, error: Error) -> Error {
        match error {
            Error::Transport { source, .. }
                if source
                    .as_deref()
                    .and_then(|e| e.downcast_ref::<reqwest::Error>())
                    .is_some_and(reqwest::Error::is_connect) =>
            {
                self.unavailable("cannot be reached (not on ECS/BMS?)")
            }
            Error::Timeout { .. } => self.unavailable("did not answer in time (not on ECS/BMS?)"),
            Error::BodyTooLarge { .. } => self.unavailable(&format!(
                "answered a body larger than {MAX_BODY} bytes (a security key is far smaller)"
            )),
            Error::Decode { .. } => {
                self.unavailable("answered something that is not the documented answer")
            }
            Error::Transport { .. } => self.unavailable("did not answer"),
            other => other,
        }
    }

    /// One unsigned request through the metadata runtime.
    async fn call<T>(
        &self,
        operation: &'static str,
        request: reqwest::RequestBuilder,
        decode: Decoder<T>,
    ) -> Result<T> {
        let request = request
            .build()
            .map_err(|e| self.unavailable(&format!("cannot be asked ({e})")))?;
        let call = Call {
            operation,
            service: "ECS metadata",
            pace: None,
            holds_permit: false,
            delivery: crate::runtime::Delivery::Once,
            token_header: None,
            bounded: false,
            success: Success::Any2xx,
            decode,
            secret_answer: true,
        };
        self.runtime
            .invoke(call, async {
                Ok(Prepared {
                    request,
                    project: None,
                })
            })
            .await
    }

    /// A session token, or `None` when the service has no token call.
    async fn session_token(&self) -> Result<Option<String>> {
        let request = self
            .runtime
            .http()
            .put(format!("{}{TOKEN_PATH}", self.base_url))
            .header(TOKEN_TTL_HEADER, "21600");
        let token = match self
            .call(
                "MetadataSessionToken",
                request,
                Decoder::Whole(answer::text),
            )
            .await
        {
            Ok(token) => token,
            Err(Error::Api(api)) if matches!(api.status, 404 | 405) => return Ok(None),
            Err(Error::Api(api)) => {
                return Err(
                    self.unavailable(&format!("refused a session token (HTTP {})", api.status))
                );
            }
            Err(other) => return Err(self.failed(other)),
        };
        let token = token.trim().to_owned();
        if token.is_empty() || !token.is_ascii() || token.chars().any(char::is_control) {
            return Err(self.unavailable("gave a session token that is not usable"));
        }
        Ok(Some(token))
    }

    async fn fetch(&self) -> Result<Credentials> {
        let token = self.session_token().await?;
        let mut request = self
            .runtime
            .http()
            .get(format!("{}{SECURITY_KEY_PATH}", self.base_url));
        if let Some(token) = &token {
            request = request.header(TOKEN_HEADER, token);
        }
        // The body holds secrets: the runtime quotes none of it, and a parse error names no value.
        let SecurityKey { credential } = match self
            .call(
                "MetadataSecurityKey",
                request,
                Decoder::Whole(answer::json::<SecurityKey>),
            )
            .await
        {
            Ok(key) => key,
            Err(Error::Api(api)) => {
                return Err(
                    self.unavailable(&format!("refused the security key (HTTP {})", api.status))
                );
            }
            Err(Error::Decode { .. }) => {
                return Err(
                    self.unavailable("answered a security key that is not the expected JSON")
                );
            }
            Err(other) => return Err(self.failed(other)),
        };
        let expires_at = OffsetDateTime::parse(&credential.expires_at, &Rfc3339)
            .map_err(|_| self.unavailable("answered an `expires_at` that is not RFC 3339"))?;
        let invalid = |e: Error| self.unavailable(&format!("answered unusable credentials: {e}"));
        Ok(Credentials::ak_sk(credential.access, credential.secret)
            .and_then(|c| c.with_security_token(credential.securitytoken))
            .map_err(invalid)?
            .with_expiry(expires_at))
    }
}

impl Default for MetadataProvider {
    fn default() -> Self {
        MetadataProvider::new()
    }
}

impl ProvideCredentials for MetadataProvider {
    fn provide_credentials(&self) -> CredentialsFuture<'_> {
        Box::pin(self.fetch())
    }
}

/// The end of the default chain: the metadata service, with the sources tried before it named in
/// its errors.
#[derive(Debug)]
pub(crate) struct AfterEnvironmentAndProfile {
    pub(crate) metadata: MetadataProvider,
    /// What was looked at before, e.g. "the environment variables … (unset) and the profile file …".
    pub(crate) tried: String,
}

impl ProvideCredentials for AfterEnvironmentAndProfile {
    fn provide_credentials(&self) -> CredentialsFuture<'_> {
        Box::pin(async move {
            self.metadata.fetch().await.map_err(|error| {
                let reason = match error {
                    Error::Credentials(reason) => reason,
                    other => other.to_string(),
                };
                Error::credentials(format!(
                    "no credentials found; looked at {}, and {reason}. Set those variables, \
                     write the profile file, run on ECS/BMS with an agency, or pass credentials \
                     in code",
                    self.tried
                ))
            })
        })
    }
}
