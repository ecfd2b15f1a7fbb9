//! Credentials from the profile file: finding it, reading it and parsing its INI `[basic]`
//! section, as the official SDK does.

use std::path::{Path, PathBuf};

use secrecy::SecretString;

use super::keys::{Credentials, Inner, check};
use super::{CREDENTIALS_FILE_VARIABLE, CredentialSource, Profile};
use crate::env_vars::{non_empty, process_env};
use crate::{Error, Result};

/// The profile section the official SDK reads for project-scoped ("basic") credentials.
const SECTION: &str = "basic";

pub(super) use crate::env_vars::HOME_VARIABLE;

impl Credentials {
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
}

/// The path of the profile file the official SDK would read (through `env`), if any:
/// `HUAWEICLOUD_SDK_CREDENTIALS_FILE`, or else `~/.huaweicloud/credentials`.
pub fn profile_path(env: &dyn Fn(&str) -> Option<String>) -> Option<PathBuf> {
    match profile_location(env) {
        ProfileLocation::Named(path) | ProfileLocation::Default(path) => Some(path),
        ProfileLocation::NoHome => None,
    }
}

/// Where the profile file is looked for.
enum ProfileLocation {
    /// Named by `HUAWEICLOUD_SDK_CREDENTIALS_FILE`: it must exist.
    Named(PathBuf),
    /// `~/.huaweicloud/credentials`: it may not exist.
    Default(PathBuf),
    /// Neither that variable nor the home directory variable is set.
    NoHome,
}

/// The profile file's location: the named file, else the default one under the home directory.
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
            expires_at: None,
        },
        project_id: get("project_id")?.map(str::to_owned),
        source: CredentialSource::File(path.to_owned()),
    })
}

fn missing_key(file: &std::path::Display<'_>, what: &str) -> Error {
    Error::config(format!("credentials file {file}: [{SECTION}] {what}"))
}
