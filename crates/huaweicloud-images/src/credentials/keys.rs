//! The keys a request is signed with or carries: [`Credentials`].

use std::fmt;

use secrecy::{ExposeSecret, SecretString};
use time::OffsetDateTime;

use crate::{Error, Result};

/// How requests are authenticated.
///
/// `Debug` shows the first four characters of the access key and `***` for every secret; there
/// is no `Display`.
#[derive(Clone)]
pub struct Credentials {
    pub(super) inner: Inner,
    /// When temporary credentials stop being accepted; `None` for permanent ones.
    pub(super) expires_at: Option<OffsetDateTime>,
}

#[derive(Clone)]
pub(super) enum Inner {
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
    /// client refreshes them through their [`ProvideCredentials`](super::ProvideCredentials) before then, and never sends a
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
pub(super) fn check(value: &str) -> std::result::Result<(), &'static str> {
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
