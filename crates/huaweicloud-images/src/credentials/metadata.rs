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

use std::time::Duration;

use serde::Deserialize;
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

use super::Credentials;
use super::provider::{CredentialsFuture, ProvideCredentials};
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
    http: reqwest::Client,
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
        Ok(MetadataProvider {
            base_url: url.as_str().trim_end_matches('/').to_owned(),
            http,
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

    fn request_failed(&self, error: &reqwest::Error) -> Error {
        let what = if error.is_connect() {
            "cannot be reached (not on ECS/BMS?)"
        } else if error.is_timeout() {
            "did not answer in time (not on ECS/BMS?)"
        } else {
            "did not answer"
        };
        self.unavailable(what)
    }

    /// A body of the metadata service, at most [`MAX_BODY`] bytes.
    async fn read(&self, response: reqwest::Response) -> Result<bytes::Bytes> {
        crate::body::read_capped(response, MAX_BODY)
            .await
            .map_err(|e| match e {
                crate::body::BodyError::TooLarge => self.unavailable(&format!(
                    "answered a body larger than {MAX_BODY} bytes (a security key is far smaller)"
                )),
                crate::body::BodyError::BrokeOff(e) => self.request_failed(&e),
            })
    }

    /// A session token, or `None` when the service has no token call.
    async fn session_token(&self) -> Result<Option<String>> {
        let response = self
            .http
            .put(format!("{}{TOKEN_PATH}", self.base_url))
            .header(TOKEN_TTL_HEADER, "21600")
            .send()
            .await
            .map_err(|e| self.request_failed(&e))?;
        match response.status().as_u16() {
            404 | 405 => Ok(None),
            200..=299 => {
                let token = self.read(response).await?;
                let token = String::from_utf8_lossy(&token).trim().to_owned();
                if token.is_empty() || !token.is_ascii() || token.chars().any(char::is_control) {
                    return Err(self.unavailable("gave a session token that is not usable"));
                }
                Ok(Some(token))
            }
            status => Err(self.unavailable(&format!("refused a session token (HTTP {status})"))),
        }
    }

    async fn fetch(&self) -> Result<Credentials> {
        let token = self.session_token().await?;
        let mut request = self
            .http
            .get(format!("{}{SECURITY_KEY_PATH}", self.base_url));
        if let Some(token) = &token {
            request = request.header(TOKEN_HEADER, token);
        }
        let response = request.send().await.map_err(|e| self.request_failed(&e))?;
        let status = response.status().as_u16();
        if !(200..=299).contains(&status) {
            return Err(self.unavailable(&format!("refused the security key (HTTP {status})")));
        }
        let body = self.read(response).await?;
        // The body holds secrets: a parse error names the field, never the text.
        let SecurityKey { credential } = serde_json::from_slice(&body).map_err(|e| {
            self.unavailable(&format!(
                "answered a security key that is not the expected JSON (line {}, column {})",
                e.line(),
                e.column()
            ))
        })?;
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
