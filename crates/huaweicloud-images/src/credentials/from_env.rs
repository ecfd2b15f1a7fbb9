//! Credentials from the `HUAWEICLOUD_SDK_*` environment variables.

use secrecy::{ExposeSecret, SecretString};

use super::keys::{Credentials, Inner, check};
use super::{
    AK_VARIABLE, CredentialSource, PROJECT_ID_VARIABLE, Profile, SECURITY_TOKEN_VARIABLE,
    SK_VARIABLE,
};
use crate::env_vars::{non_empty, process_env};
use crate::{Error, Result};

impl Credentials {
    /// Credentials and project id from the process environment; `Ok(None)` when neither
    /// `HUAWEICLOUD_SDK_AK` nor `HUAWEICLOUD_SDK_SK` is set. See [`Credentials::from_env_with`].
    ///
    /// # Errors
    /// As for [`Credentials::from_env_with`].
    pub fn from_env() -> Result<Option<Profile>> {
        Credentials::from_env_with(&process_env)
    }

    /// Credentials and project id from environment variables read through `env`; `Ok(None)` when
    /// neither `HUAWEICLOUD_SDK_AK` nor `HUAWEICLOUD_SDK_SK` is set. Empty variables count as
    /// unset.
    ///
    /// # Errors
    /// [`Error::Config`] naming the variables when only one of AK and SK is set, when a security
    /// token is set without them, or when a value is not usable (the value is never shown).
    pub fn from_env_with(env: &dyn Fn(&str) -> Option<String>) -> Result<Option<Profile>> {
        let ak = non_empty(env, AK_VARIABLE);
        let sk = non_empty(env, SK_VARIABLE).map(SecretString::from);
        let token = non_empty(env, SECURITY_TOKEN_VARIABLE).map(SecretString::from);
        let (ak, sk) = match (ak, sk) {
            (Some(ak), Some(sk)) => (ak, sk),
            (Some(_), None) => return Err(half_set(AK_VARIABLE, SK_VARIABLE)),
            (None, Some(_)) => return Err(half_set(SK_VARIABLE, AK_VARIABLE)),
            (None, None) if token.is_some() => {
                return Err(Error::config(format!(
                    "{SECURITY_TOKEN_VARIABLE} is set but {AK_VARIABLE} and {SK_VARIABLE} are \
                     not; temporary credentials need all three"
                )));
            }
            (None, None) => return Ok(None),
        };
        let unusable = |variable: &str, reason: &str| {
            Error::config(format!("{variable} is not usable: the value {reason}"))
        };
        check(&ak).map_err(|r| unusable(AK_VARIABLE, r))?;
        check(sk.expose_secret()).map_err(|r| unusable(SK_VARIABLE, r))?;
        if let Some(token) = &token {
            check(token.expose_secret()).map_err(|r| unusable(SECURITY_TOKEN_VARIABLE, r))?;
        }
        let project_id = non_empty(env, PROJECT_ID_VARIABLE);
        if let Some(id) = &project_id {
            check(id).map_err(|r| unusable(PROJECT_ID_VARIABLE, r))?;
        }
        Ok(Some(Profile {
            credentials: Credentials {
                inner: Inner::AkSk {
                    ak,
                    sk,
                    security_token: token,
                },
                expires_at: None,
            },
            project_id,
            source: CredentialSource::Environment,
        }))
    }
}

fn half_set(set: &str, missing: &str) -> Error {
    Error::config(format!(
        "{set} is set but {missing} is not; set both, or neither to use the profile file"
    ))
}
