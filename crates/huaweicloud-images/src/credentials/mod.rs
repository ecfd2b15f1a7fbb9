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
pub(crate) mod keys;
pub mod metadata;
mod profile;
pub mod provider;

use std::fmt;
use std::path::PathBuf;

pub use self::keys::Credentials;
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

impl Credentials {
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
