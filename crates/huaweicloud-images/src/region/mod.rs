//! Regions and the endpoint of each service in each region.
//!
//! One [`Service`] per spec file serves the image APIs (today [`Service::WorkspaceApp`]: image
//! servers, [`Service::Workspace`]: desktop product images, [`Service::ModelArts`]: Lite Server
//! images). Each has its own host per region, taken from the official SDK's static tables
//! (generated into `region/tables.rs` by `tests/fixtures/make_region_tables.py`).
//!
//! Unlike the official SDK, a region missing from the tables is not refused: new regions open
//! before SDK releases, so such a region resolves to the service's endpoint pattern
//! ([`Service::endpoint_pattern`], from the spec's `info.x-service.endpoint`, e.g.
//! `https://modelarts.{region}.myhuaweicloud.com`). The resolved [`Endpoint`] says where it came
//! from.
//!
//! Resolution order, highest first (see [`resolve_endpoint`]):
//! 1. an explicit override given to the client builder;
//! 2. the official environment variable `HUAWEICLOUD_SDK_REGION_<SERVICE>_<REGION>`
//!    (e.g. `HUAWEICLOUD_SDK_REGION_WORKSPACEAPP_CN_NORTH_4`), see [`Service::override_variable`];
//! 3. the official regions file (`HUAWEICLOUD_SDK_REGIONS_FILE` or `~/.huaweicloud/regions.yaml`,
//!    see [`REGIONS_FILE_VARIABLE`]);
//! 4. the official table;
//! 5. the host pattern.
//!
//! Environment access is passed in as a function (`&dyn Fn(&str) -> Option<String>`), so tests
//! and embedding applications can supply their own; [`process_env`] reads the process environment.

use std::borrow::Cow;
use std::fmt;
use std::str::FromStr;

pub use self::file::REGIONS_FILE_VARIABLE;
pub(crate) use self::file::RegionsFile;
pub(crate) use crate::env_vars::non_empty;
pub use crate::env_vars::process_env;
use crate::{Error, Result};

/// Environment variable holding the default region id (e.g. `cn-north-4`).
///
/// This is this crate's convention; the official SDKs take the region only from code.
pub const DEFAULT_REGION_VARIABLE: &str = "HUAWEICLOUD_SDK_REGION";

/// Longest region id accepted (a DNS label is at most 63 bytes, and the id is one label).
const MAX_REGION_LEN: usize = 63;

/// A Huawei Cloud service that serves some of the image APIs; generated from `spec/` (one variant
/// per spec file, with its name, override name and endpoint pattern from `info.x-service`).
pub use crate::generated::service::Service;

impl Service {
    /// Name of the environment variable that overrides this service's endpoint in `region`,
    /// e.g. `HUAWEICLOUD_SDK_REGION_WORKSPACEAPP_CN_NORTH_4`.
    pub fn override_variable(self, region: &Region) -> String {
        let region = region.as_str().to_ascii_uppercase().replace('-', "_");
        format!("HUAWEICLOUD_SDK_REGION_{}_{region}", self.env_name())
    }

    /// The regions of this service's official table, sorted by id (none for a service the
    /// official tables do not have).
    pub fn known_regions(self) -> impl Iterator<Item = Region> {
        self.table().iter().map(|(id, _)| Region::from_static(id))
    }

    fn table(self) -> &'static [(&'static str, &'static str)] {
        tables::table(self.name())
    }
}

impl fmt::Display for Service {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// A validated region id, such as `cn-north-4`.
///
/// Ids are lower-case ASCII letters and digits in `-`-separated parts, starting with a letter
/// (at most 63 characters). Any such id is accepted, known to this crate or not; the constants
/// (`Region::CN_NORTH_4`, …) cover the regions of the official tables.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Region(Cow<'static, str>);

impl Region {
    /// Validates `id` as a region id.
    ///
    /// # Errors
    /// [`Error::InvalidInput`] for field `region` when `id` is empty, too long, or not made of
    /// lower-case letters, digits and single `-` separators starting with a letter.
    pub fn new(id: &str) -> Result<Region> {
        validate_region_id(id).map_err(|reason| Error::invalid("region", reason))?;
        Ok(Region(Cow::Owned(id.to_owned())))
    }

    pub(crate) const fn from_static(id: &'static str) -> Region {
        Region(Cow::Borrowed(id))
    }

    /// The id, e.g. `cn-north-4`.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// Every region found in at least one official table, sorted by id.
    pub fn known() -> impl Iterator<Item = Region> {
        tables::KNOWN_REGION_IDS
            .iter()
            .map(|id| Region::from_static(id))
    }
}

fn validate_region_id(id: &str) -> std::result::Result<(), String> {
    if id.is_empty() {
        return Err("a region id must not be empty (e.g. `cn-north-4`)".to_owned());
    }
    if id.len() > MAX_REGION_LEN {
        return Err(format!(
            "a region id is at most {MAX_REGION_LEN} characters long"
        ));
    }
    if let Some(bad) = id
        .chars()
        .find(|c| !(c.is_ascii_lowercase() || c.is_ascii_digit() || *c == '-'))
    {
        let hint = if bad.is_ascii_uppercase() {
            " (region ids are lower-case)"
        } else {
            ""
        };
        return Err(format!(
            "{id:?} contains {bad:?}; a region id has only lower-case letters, digits and `-`{hint}"
        ));
    }
    if !id.starts_with(|c: char| c.is_ascii_lowercase()) {
        return Err(format!(
            "{id:?} must start with a letter (e.g. `cn-north-4`)"
        ));
    }
    if id.ends_with('-') || id.contains("--") {
        return Err(format!("{id:?} has an empty part between `-` separators"));
    }
    Ok(())
}

impl FromStr for Region {
    type Err = Error;

    fn from_str(s: &str) -> Result<Region> {
        Region::new(s)
    }
}

impl fmt::Display for Region {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl AsRef<str> for Region {
    fn as_ref(&self) -> &str {
        self.as_str()
    }
}

/// The default region from [`DEFAULT_REGION_VARIABLE`] (`HUAWEICLOUD_SDK_REGION`), read through
/// `env` (pass [`process_env`] for the process environment).
///
/// # Errors
/// [`Error::Config`] naming the variable when it is set to something that is not a region id.
pub fn default_region(env: &dyn Fn(&str) -> Option<String>) -> Result<Option<Region>> {
    let Some(value) = non_empty(env, DEFAULT_REGION_VARIABLE) else {
        return Ok(None);
    };
    validate_region_id(&value)
        .map_err(|reason| Error::config(format!("{DEFAULT_REGION_VARIABLE}: {reason}")))?;
    Ok(Some(Region(Cow::Owned(value))))
}

/// Where a resolved endpoint came from.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum EndpointSource {
    /// The override given explicitly in code (the client builder).
    Override,
    /// The official override environment variable of that name.
    Environment(String),
    /// The official regions file at this path.
    File(std::path::PathBuf),
    /// The official SDK's static table.
    Table,
    /// Not in the table: the service's usual host pattern.
    Pattern,
}

impl fmt::Display for EndpointSource {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            EndpointSource::Override => f.write_str("explicit override"),
            EndpointSource::Environment(variable) => write!(f, "environment variable {variable}"),
            EndpointSource::File(path) => write!(f, "regions file {}", path.display()),
            EndpointSource::Table => f.write_str("official region table"),
            EndpointSource::Pattern => f.write_str("default host pattern (region not in table)"),
        }
    }
}

/// The base URL of one service in one region, and where it came from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Endpoint {
    url: String,
    source: EndpointSource,
}

impl Endpoint {
    pub(crate) fn new(url: String, source: EndpointSource) -> Endpoint {
        Endpoint { url, source }
    }

    /// The base URL without a trailing `/`, e.g. `https://appstream.cn-north-4.myhuaweicloud.com`.
    /// It may carry a path prefix when it comes from an override.
    pub fn url(&self) -> &str {
        &self.url
    }

    /// Where the URL came from.
    pub fn source(&self) -> &EndpointSource {
        &self.source
    }
}

impl fmt::Display for Endpoint {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} (from {})", self.url, self.source)
    }
}

/// The endpoint of `service` in `region` from the official table, or the host pattern when the
/// region is not in it. Overrides are not consulted; see [`resolve_endpoint`].
pub fn endpoint(service: Service, region: &Region) -> Endpoint {
    match service
        .table()
        .iter()
        .find(|(id, _)| *id == region.as_str())
    {
        Some((_, url)) => Endpoint {
            url: (*url).to_owned(),
            source: EndpointSource::Table,
        },
        None => Endpoint {
            url: service
                .endpoint_pattern()
                .replace("{region}", region.as_str()),
            source: EndpointSource::Pattern,
        },
    }
}

/// The endpoint of `service` in `region`, honouring overrides.
///
/// Highest first: `override_url` (from the client builder), then the environment variable
/// [`Service::override_variable`] read through `env`, then the official table, then the host
/// pattern. An override must be an `http://` or `https://` URL with a host and no user info, query
/// or fragment; a trailing `/` is dropped. Like the official SDK, the variable may list several
/// URLs separated by `,`; each must be valid and the first is used (this crate does not fail over).
/// An empty variable counts as unset.
///
/// # Errors
/// [`Error::Config`] naming the override (or the variable) when it is not such a URL.
pub fn resolve_endpoint(
    service: Service,
    region: &Region,
    override_url: Option<&str>,
    env: &dyn Fn(&str) -> Option<String>,
) -> Result<Endpoint> {
    resolve_endpoint_with_file(service, region, override_url, env, None)
}

/// [`resolve_endpoint`] with the regions file between the variable and the table.
pub(crate) fn resolve_endpoint_with_file(
    service: Service,
    region: &Region,
    override_url: Option<&str>,
    env: &dyn Fn(&str) -> Option<String>,
    file: Option<&RegionsFile>,
) -> Result<Endpoint> {
    let resolved = if let Some(value) = override_url {
        let url = parse_override(value, &format!("the endpoint override for {service}"))?;
        Endpoint {
            url,
            source: EndpointSource::Override,
        }
    } else {
        let variable = service.override_variable(region);
        match non_empty(env, &variable) {
            Some(value) => Endpoint {
                url: parse_env_override(&value, &variable)?,
                source: EndpointSource::Environment(variable),
            },
            None => match file.and_then(|f| f.endpoint(service, region).map(|url| (f, url))) {
                Some((file, url)) => Endpoint {
                    url: url.to_owned(),
                    source: EndpointSource::File(file.path().to_owned()),
                },
                None => endpoint(service, region),
            },
        }
    };
    tracing::debug!(
        service = service.name(),
        region = region.as_str(),
        endpoint = resolved.url(),
        source = %resolved.source(),
        "resolved endpoint"
    );
    Ok(resolved)
}

/// Parses the official variable's value: one URL or several separated by `,` (first one used).
fn parse_env_override(value: &str, variable: &str) -> Result<String> {
    let parts: Vec<&str> = value.split(',').collect();
    let mut first = None;
    for (index, part) in parts.iter().enumerate() {
        let what = if parts.len() == 1 {
            variable.to_owned()
        } else {
            format!("{variable} (entry {} of {})", index + 1, parts.len())
        };
        let url = parse_override(part, &what)?;
        first.get_or_insert(url);
    }
    if parts.len() > 1 {
        tracing::debug!(
            variable,
            "using the first of several endpoints; the others are not used for fail-over"
        );
    }
    first.ok_or_else(|| Error::config(format!("{variable} is empty")))
}

/// Validates one override URL. Errors name `what` and never repeat the value (it could hold a
/// password in its user info).
pub(crate) fn parse_override(value: &str, what: &str) -> Result<String> {
    let fail = |reason: &str| Err(Error::config(format!("{what} is not usable: {reason}")));
    if value.is_empty() {
        return fail("it is empty");
    }
    if value.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return fail("it contains whitespace or control characters");
    }
    let lower = value.to_ascii_lowercase();
    if !(lower.starts_with("https://") || lower.starts_with("http://")) {
        return fail("it must start with `https://` or `http://`");
    }
    let url = match url::Url::parse(value) {
        Ok(url) => url,
        Err(e) => return fail(&format!("it is not a valid URL ({e})")),
    };
    if url.host_str().is_none_or(str::is_empty) {
        return fail("it has no host");
    }
    if !url.username().is_empty() || url.password().is_some() {
        return fail("it must not contain a user name or password");
    }
    if url.query().is_some() {
        return fail("it must not have a query (`?…`)");
    }
    if url.fragment().is_some() {
        return fail("it must not have a fragment (`#…`)");
    }
    Ok(url.as_str().trim_end_matches('/').to_owned())
}

mod file;
mod tables;
#[cfg(test)]
mod tests;
