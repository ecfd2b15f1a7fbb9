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

use std::fmt;
use std::path::{Path, PathBuf};

use secrecy::{ExposeSecret, SecretString};

use crate::region::{non_empty, process_env};
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

/// The profile section the official SDK reads for project-scoped ("basic") credentials.
const SECTION: &str = "basic";

/// The variable holding the home directory, as the official SDK reads it.
#[cfg(windows)]
const HOME_VARIABLE: &str = "USERPROFILE";
#[cfg(not(windows))]
const HOME_VARIABLE: &str = "HOME";

/// How requests are authenticated.
///
/// `Debug` shows the first four characters of the access key and `***` for every secret; there
/// is no `Display`.
#[derive(Clone)]
pub struct Credentials {
    inner: Inner,
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
        })
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
            },
            project_id,
            source: CredentialSource::Environment,
        }))
    }

    /// Credentials and project id from the `[basic]` section of the profile file at `path`.
    ///
    /// # Errors
    /// [`Error::Config`] naming the file when it cannot be read, is not UTF-8 or not INI, has no
    /// (or more than one) `[basic]` section, lacks `ak` or `sk`, repeats a key, or holds a value
    /// that is not usable (values are never shown).
    pub fn from_profile_file(path: impl AsRef<Path>) -> Result<Profile> {
        let path = path.as_ref();
        match read_profile_file(path)? {
            Some(text) => parse_profile(&text, path),
            None => Err(Error::config(format!(
                "credentials file {} does not exist",
                path.display()
            ))),
        }
    }

    /// Credentials from the profile file the official SDK would read, with the process
    /// environment. See [`Credentials::from_default_profile_with`].
    ///
    /// # Errors
    /// As for [`Credentials::from_default_profile_with`].
    pub fn from_default_profile() -> Result<Option<Profile>> {
        Credentials::from_default_profile_with(&process_env)
    }

    /// Credentials from the file named by `HUAWEICLOUD_SDK_CREDENTIALS_FILE`, or else from
    /// `~/.huaweicloud/credentials` (variables read through `env`). `Ok(None)` when the default
    /// file does not exist or there is no home directory.
    ///
    /// # Errors
    /// [`Error::Config`] when the file named by `HUAWEICLOUD_SDK_CREDENTIALS_FILE` does not exist,
    /// and as for [`Credentials::from_profile_file`].
    pub fn from_default_profile_with(
        env: &dyn Fn(&str) -> Option<String>,
    ) -> Result<Option<Profile>> {
        match profile_location(env) {
            ProfileLocation::Named(path) => match read_profile_file(&path)? {
                Some(text) => parse_profile(&text, &path).map(Some),
                None => Err(Error::config(format!(
                    "{CREDENTIALS_FILE_VARIABLE} names {}, which does not exist",
                    path.display()
                ))),
            },
            ProfileLocation::Default(path) => match read_profile_file(&path)? {
                Some(text) => parse_profile(&text, &path).map(Some),
                None => Ok(None),
            },
            ProfileLocation::NoHome => Ok(None),
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
        let found = match Credentials::from_env_with(env)? {
            Some(profile) => Some(profile),
            None => Credentials::from_default_profile_with(env)?,
        };
        if let Some(profile) = found {
            tracing::debug!(source = %profile.source, "using credentials");
            return Ok(profile);
        }
        let file = match profile_location(env) {
            ProfileLocation::Named(path) | ProfileLocation::Default(path) => {
                format!("the profile file {} (does not exist)", path.display())
            }
            ProfileLocation::NoHome => {
                format!("no profile file ({CREDENTIALS_FILE_VARIABLE} and {HOME_VARIABLE} unset)")
            }
        };
        Err(Error::config(format!(
            "no credentials found; looked at the environment variables {AK_VARIABLE} and \
             {SK_VARIABLE} (unset) and {file}. Set those variables, write the profile file, or \
             pass credentials in code"
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

fn half_set(set: &str, missing: &str) -> Error {
    Error::config(format!(
        "{set} is set but {missing} is not; set both, or neither to use the profile file"
    ))
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

/// The path of the profile file the official SDK would read (through `env`), if any:
/// `HUAWEICLOUD_SDK_CREDENTIALS_FILE`, or else `~/.huaweicloud/credentials`.
pub fn profile_path(env: &dyn Fn(&str) -> Option<String>) -> Option<PathBuf> {
    match profile_location(env) {
        ProfileLocation::Named(path) | ProfileLocation::Default(path) => Some(path),
        ProfileLocation::NoHome => None,
    }
}

enum ProfileLocation {
    /// Named by `HUAWEICLOUD_SDK_CREDENTIALS_FILE`: it must exist.
    Named(PathBuf),
    /// `~/.huaweicloud/credentials`: it may not exist.
    Default(PathBuf),
    NoHome,
}

fn profile_location(env: &dyn Fn(&str) -> Option<String>) -> ProfileLocation {
    if let Some(path) = non_empty(env, CREDENTIALS_FILE_VARIABLE) {
        return ProfileLocation::Named(PathBuf::from(path));
    }
    match non_empty(env, HOME_VARIABLE) {
        Some(home) => {
            ProfileLocation::Default(Path::new(&home).join(".huaweicloud").join("credentials"))
        }
        None => ProfileLocation::NoHome,
    }
}

/// The file's text, or `None` when it does not exist.
fn read_profile_file(path: &Path) -> Result<Option<String>> {
    let bytes = match std::fs::read(path) {
        Ok(bytes) => bytes,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => {
            return Err(Error::config(format!(
                "could not read credentials file {}: {e}",
                path.display()
            )));
        }
    };
    let text = String::from_utf8(bytes).map_err(|_| {
        Error::config(format!(
            "credentials file {} is not UTF-8 text",
            path.display()
        ))
    })?;
    Ok(Some(text))
}

fn parse_profile(text: &str, path: &Path) -> Result<Profile> {
    let file = path.display();
    // Like Python's configparser (which the official SDK uses): no quoting, no escapes.
    let options = ini::ParseOption {
        enabled_quote: false,
        enabled_escape: false,
        enabled_indented_mutiline_value: false,
        enabled_preserve_key_leading_whitespace: false,
    };
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let ini = ini::Ini::load_from_str_opt(text, options).map_err(|e| {
        Error::config(format!(
            "credentials file {file} is not a valid INI file: line {}, column {}: {}",
            e.line, e.col, e.msg
        ))
    })?;
    let mut sections = ini.section_all(Some(SECTION));
    let Some(section) = sections.next() else {
        return Err(Error::config(format!(
            "credentials file {file} has no [{SECTION}] section"
        )));
    };
    if sections.next().is_some() {
        return Err(Error::config(format!(
            "credentials file {file} has more than one [{SECTION}] section"
        )));
    }
    // Keys are case-insensitive, as configparser lower-cases them; a repeated key is an error there.
    let mut values: Vec<(String, &str)> = Vec::new();
    for (key, value) in section.iter() {
        let key = key.to_ascii_lowercase();
        if values.iter().any(|(k, _)| *k == key) {
            return Err(Error::config(format!(
                "credentials file {file}: key `{key}` appears more than once in [{SECTION}]"
            )));
        }
        values.push((key, value));
    }
    let get = |key: &str| -> Result<Option<&str>> {
        let Some(value) = values
            .iter()
            .find(|(k, v)| k.as_str() == key && !v.is_empty())
            .map(|(_, v)| *v)
        else {
            return Ok(None);
        };
        check(value).map_err(|reason| {
            Error::config(format!(
                "credentials file {file}: `{key}` in [{SECTION}] is not usable: the value {reason}"
            ))
        })?;
        Ok(Some(value))
    };
    let (ak, sk) = match (get("ak")?, get("sk")?) {
        (Some(ak), Some(sk)) => (ak, sk),
        (Some(_), None) => return Err(missing_key(&file, "has `ak` but no `sk`")),
        (None, Some(_)) => return Err(missing_key(&file, "has `sk` but no `ak`")),
        (None, None) => {
            let federated = values
                .iter()
                .any(|(k, _)| k == "idp_id" || k == "id_token_file");
            let note = if federated {
                " (federated `idp_id`/`id_token_file` credentials are not supported)"
            } else {
                ""
            };
            return Err(missing_key(
                &file,
                &format!("has neither `ak` nor `sk`{note}"),
            ));
        }
    };
    Ok(Profile {
        credentials: Credentials {
            inner: Inner::AkSk {
                ak: ak.to_owned(),
                sk: SecretString::from(sk),
                security_token: get("security_token")?.map(SecretString::from),
            },
        },
        project_id: get("project_id")?.map(str::to_owned),
        source: CredentialSource::File(path.to_owned()),
    })
}

fn missing_key(file: &std::path::Display<'_>, what: &str) -> Error {
    Error::config(format!("credentials file {file}: [{SECTION}] {what}"))
}

#[cfg(test)]
mod tests;
