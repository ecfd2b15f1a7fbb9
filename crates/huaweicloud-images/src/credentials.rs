//! Credentials: AK/SK (optionally temporary, with a security token) or an IAM token.
//!
//! Secret parts are held in [`secrecy::SecretString`] and never appear in `Debug` output, logs or
//! errors. They are found, like the official SDKs do, in this order by [`Credentials::discover`]:
//! 1. environment variables `HUAWEICLOUD_SDK_AK`, `HUAWEICLOUD_SDK_SK`, optional
//!    `HUAWEICLOUD_SDK_SECURITY_TOKEN` and `HUAWEICLOUD_SDK_PROJECT_ID`;
//! 2. the profile file named by `HUAWEICLOUD_SDK_CREDENTIALS_FILE`, or else
//!    `~/.huaweicloud/credentials`: INI, section `[basic]`, keys `ak`, `sk`, optional
//!    `security_token` and `project_id` (key names are case-insensitive, as in the official SDK).
//!
//! Environment access is passed in as a function, so tests never touch the process environment;
//! the functions without `_with` read it through [`crate::region::process_env`].

mod from_env;
pub mod metadata;
mod profile;
pub mod provider;

use std::fmt;
use std::path::PathBuf;

use secrecy::{ExposeSecret, SecretString};
use time::OffsetDateTime;

pub use self::metadata::MetadataProvider;
use self::profile::HOME_VARIABLE;
pub use self::profile::profile_path;
pub use self::provider::{CredentialsFuture, ProvideCredentials};
use crate::env_vars::process_env;
use crate::{Error, Result};

/// Environment variable holding the access key id.
pub const AK_VARIABLE: &str = "HUAWEICLOUD_SDK_AK";
/// Environment variable holding the secret access key.
pub const SK_VARIABLE: &str = "HUAWEICLOUD_SDK_SK";
/// Environment variable holding the security token of temporary AK/SK credentials.
pub const SECURITY_TOKEN_VARIABLE: &str = "HUAWEICLOUD_SDK_SECURITY_TOKEN";
/// Environment variable holding the project id.
pub const PROJECT_ID_VARIABLE: &str = "HUAWEICLOUD_SDK_PROJECT_ID";
/// Environment variable naming the profile file to use instead of `~/.huaweicloud/credentials`.
pub const CREDENTIALS_FILE_VARIABLE: &str = "HUAWEICLOUD_SDK_CREDENTIALS_FILE";

/// How requests are authenticated.
///
/// `Debug` shows the first four characters of the access key and `***` for every secret; there
/// is no `Display`.
#[derive(Clone)]
pub struct Credentials {
    inner: Inner,
    /// When temporary credentials stop being accepted; `None` for permanent ones.
    expires_at: Option<OffsetDateTime>,
}

#[derive(Clone)]
enum Inner {
    AkSk {
        ak: String,
        sk: SecretString,
        security_token: Option<SecretString>,
    },
    Token(SecretString),
}

impl Credentials {
    /// Permanent AK/SK credentials; requests are signed with `SDK-HMAC-SHA256`.
    ///
    /// # Errors
    /// [`Error::InvalidInput`] for field `ak` or `sk` when a value is empty, contains whitespace or
    /// control characters, or is not ASCII. The message never contains the value.
    pub fn ak_sk(ak: impl Into<String>, sk: impl Into<String>) -> Result<Credentials> {
        let ak = ak.into();
        let sk = SecretString::from(sk.into());
        check(&ak).map_err(|reason| Error::invalid("ak", reason))?;
        check(sk.expose_secret()).map_err(|reason| Error::invalid("sk", reason))?;
        Ok(Credentials {
            inner: Inner::AkSk {
                ak,
                sk,
                security_token: None,
            },
            expires_at: None,
        })
    }

    /// Turns AK/SK credentials into temporary ones: the token is sent as `X-Security-Token`.
    ///
    /// # Errors
    /// [`Error::InvalidInput`] for field `security_token` when the value is not usable (as for
    /// [`Credentials::ak_sk`]) or when these are IAM token credentials.
    pub fn with_security_token(self, token: impl Into<String>) -> Result<Credentials> {
        let token = SecretString::from(token.into());
        check(token.expose_secret()).map_err(|reason| Error::invalid("security_token", reason))?;
        match self.inner {
            Inner::AkSk { ak, sk, .. } => Ok(Credentials {
                inner: Inner::AkSk {
                    ak,
                    sk,
                    security_token: Some(token),
                },
                expires_at: self.expires_at,
            }),
            Inner::Token(_) => Err(Error::invalid(
                "security_token",
                "only AK/SK credentials take a security token",
            )),
        }
    }

    /// An IAM user token, sent as `X-Auth-Token`; requests are not signed.
    ///
    /// # Errors
    /// [`Error::InvalidInput`] for field `auth_token` when the value is not usable (as for
    /// [`Credentials::ak_sk`]).
    pub fn token(token: impl Into<String>) -> Result<Credentials> {
        let token = SecretString::from(token.into());
        check(token.expose_secret()).map_err(|reason| Error::invalid("auth_token", reason))?;
        Ok(Credentials {
            inner: Inner::Token(token),
            expires_at: None,
        })
    }

    /// The same credentials, stopping being accepted at `expires_at` (temporary credentials). A
    /// client refreshes them through their [`ProvideCredentials`] before then, and never sends a
    /// request with them once that time has passed.
    pub fn with_expiry(mut self, expires_at: OffsetDateTime) -> Credentials {
        self.expires_at = Some(expires_at);
        self
    }

    /// When these credentials stop being accepted, if they are temporary.
    pub fn expires_at(&self) -> Option<OffsetDateTime> {
        self.expires_at
    }

    /// The access key id, for AK/SK credentials.
    pub fn ak(&self) -> Option<&str> {
        match &self.inner {
            Inner::AkSk { ak, .. } => Some(ak),
            Inner::Token(_) => None,
        }
    }

    /// Whether these are temporary AK/SK credentials (they carry a security token).
    pub fn is_temporary(&self) -> bool {
        matches!(
            &self.inner,
            Inner::AkSk {
                security_token: Some(_),
                ..
            }
        )
    }

    /// Whether these are IAM token credentials.
    pub fn is_auth_token(&self) -> bool {
        matches!(self.inner, Inner::Token(_))
    }

    /// The secret access key, for AK/SK credentials.
    pub(crate) fn expose_sk(&self) -> Option<&str> {
        match &self.inner {
            Inner::AkSk { sk, .. } => Some(sk.expose_secret()),
            Inner::Token(_) => None,
        }
    }

    /// The security token of temporary AK/SK credentials (`X-Security-Token`).
    pub(crate) fn security_token(&self) -> Option<&str> {
        match &self.inner {
            Inner::AkSk { security_token, .. } => {
                security_token.as_ref().map(|t| t.expose_secret())
            }
            Inner::Token(_) => None,
        }
    }

    /// The IAM token (`X-Auth-Token`).
    pub(crate) fn auth_token(&self) -> Option<&str> {
        match &self.inner {
            Inner::Token(token) => Some(token.expose_secret()),
            Inner::AkSk { .. } => None,
        }
    }

    /// Finds credentials in the process environment, then in the profile file. See
    /// [`Credentials::discover_with`].
    ///
    /// # Errors
    /// As for [`Credentials::discover_with`].
    pub fn discover() -> Result<Profile> {
        Credentials::discover_with(&process_env)
    }

    /// Finds credentials with variables read through `env`: the environment variables first
    /// ([`Credentials::from_env_with`]), then the profile file
    /// ([`Credentials::from_default_profile_with`]).
    ///
    /// # Errors
    /// [`Error::Config`] listing what was looked at when neither has credentials, and any error of
    /// the two sources (a broken source is reported, not skipped).
    pub fn discover_with(env: &dyn Fn(&str) -> Option<String>) -> Result<Profile> {
        Credentials::find_with(env)?.map_err(|tried| {
            Error::config(format!(
                "no credentials found; looked at {tried}. Set those variables, write the profile \
                 file, or pass credentials in code"
            ))
        })
    }

    /// The environment, then the profile file: what they hold, or a description of what was
    /// looked at (for the error of whatever comes next).
    pub(crate) fn find_with(
        env: &dyn Fn(&str) -> Option<String>,
    ) -> Result<std::result::Result<Profile, String>> {
        let found = match Credentials::from_env_with(env)? {
            Some(profile) => Some(profile),
            None => Credentials::from_default_profile_with(env)?,
        };
        if let Some(profile) = found {
            tracing::debug!(source = %profile.source, "using credentials");
            return Ok(Ok(profile));
        }
        let file = match profile_path(env) {
            Some(path) => format!("the profile file {} (does not exist)", path.display()),
            None => {
                format!("no profile file ({CREDENTIALS_FILE_VARIABLE} and {HOME_VARIABLE} unset)")
            }
        };
        Ok(Err(format!(
            "the environment variables {AK_VARIABLE} and {SK_VARIABLE} (unset) and {file}"
        )))
    }
}

impl fmt::Debug for Credentials {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.inner {
            Inner::AkSk {
                ak, security_token, ..
            } => f
                .debug_struct("Credentials::AkSk")
                .field("ak", &mask_ak(ak))
                .field("sk", &"***")
                .field("security_token", &security_token.as_ref().map(|_| "***"))
                .field("expires_at", &self.expires_at)
                .finish(),
            Inner::Token(_) => f
                .debug_struct("Credentials::Token")
                .field("token", &"***")
                .finish(),
        }
    }
}

/// The first four characters of an access key followed by `***` (only `***` for short keys).
fn mask_ak(ak: &str) -> String {
    match ak.char_indices().nth(4) {
        Some((end, _)) => format!("{}***", &ak[..end]),
        None => "***".to_owned(),
    }
}

/// Why a credential value (or project id) is not usable; never mentions the value itself.
fn check(value: &str) -> std::result::Result<(), &'static str> {
    if value.is_empty() {
        Err("must not be empty")
    } else if value.chars().any(char::is_whitespace) {
        Err("must not contain whitespace")
    } else if value.chars().any(char::is_control) {
        Err("must not contain control characters")
    } else if !value.is_ascii() {
        Err("must contain only ASCII characters")
    } else {
        Ok(())
    }
}

/// Credentials found by [`Credentials::discover`] (or one of its sources), with the project id
/// found next to them.
#[derive(Clone, Debug)]
#[non_exhaustive]
pub struct Profile {
    /// The credentials.
    pub credentials: Credentials,
    /// `HUAWEICLOUD_SDK_PROJECT_ID`, or `project_id` of the profile file, when set.
    pub project_id: Option<String>,
    /// Where the credentials came from.
    pub source: CredentialSource,
}

/// Where credentials were found.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum CredentialSource {
    /// The `HUAWEICLOUD_SDK_*` environment variables.
    Environment,
    /// The profile file at this path.
    File(PathBuf),
}

impl fmt::Display for CredentialSource {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            CredentialSource::Environment => f.write_str("environment variables"),
            CredentialSource::File(path) => write!(f, "credentials file {}", path.display()),
        }
    }
}

#[cfg(test)]
mod tests;
