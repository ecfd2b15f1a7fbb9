//! The official regions file: `HUAWEICLOUD_SDK_REGIONS_FILE`, else `~/.huaweicloud/regions.yaml`.
//!
//! Its shape is the official SDKs': service names (as in the override variables, e.g.
//! `WORKSPACEAPP`, any case) mapping to a list of `{id, endpoint}` or `{id, endpoints: [...]}`
//! (the first of `endpoints` is used). It sits between the environment overrides and the built-in
//! tables. Services this crate does not call may be in the file; they are checked for shape only.
//! A malformed file is an [`Error::Config`] naming the file and the entry, never a panic. YAML
//! aliases (`*name`) are refused before anything is built (the official file has none, and
//! aliases of aliases let a few kilobytes expand to gigabytes), and the parser works within a
//! budget of events, nodes, depth and text, so a file of at most 4 MiB costs a bounded amount of
//! memory and time. It is read with `serde-saphyr`, a maintained YAML parser.

use std::path::{Path, PathBuf};

use serde_json::Value;

use super::{Region, Service, non_empty, parse_override};
use crate::{Error, Result};

/// The official environment variable naming the regions file.
pub const REGIONS_FILE_VARIABLE: &str = "HUAWEICLOUD_SDK_REGIONS_FILE";

use crate::env_vars::HOME_VARIABLE;

/// The largest regions file read (a file this large is not a regions file).
const MAX_FILE_SIZE: u64 = 4 * 1024 * 1024;

/// A parsed regions file: `(service name, region id, endpoint)` per entry.
#[derive(Clone, Debug)]
pub(crate) struct RegionsFile {
    path: PathBuf,
    entries: Vec<(String, String, String)>,
}

impl RegionsFile {
    /// The file named by [`REGIONS_FILE_VARIABLE`] (which must exist), else
    /// `~/.huaweicloud/regions.yaml` when it exists, else none.
    pub(crate) fn discover(env: &dyn Fn(&str) -> Option<String>) -> Result<Option<RegionsFile>> {
        if let Some(named) = non_empty(env, REGIONS_FILE_VARIABLE) {
            return RegionsFile::read(Path::new(&named)).map(Some);
        }
        let Some(home) = non_empty(env, HOME_VARIABLE) else {
            return Ok(None);
        };
        let path = Path::new(&home).join(".huaweicloud").join("regions.yaml");
        if !path.is_file() {
            return Ok(None);
        }
        RegionsFile::read(&path).map(Some)
    }

    /// Reads and checks the file at `path` (a regular file of at most 4 MiB).
    pub(crate) fn read(path: &Path) -> Result<RegionsFile> {
        use std::io::Read;
        let shown = path.display();
        let fail = |what: String| Error::config(format!("regions file {shown}: {what}"));
        let metadata =
            std::fs::metadata(path).map_err(|e| fail(format!("cannot be read ({e})")))?;
        // A device or a pipe could never end (or never start).
        if !metadata.is_file() {
            return Err(fail("is not a regular file".into()));
        }
        let file = std::fs::File::open(path).map_err(|e| fail(format!("cannot be read ({e})")))?;
        let mut text = String::new();
        file.take(MAX_FILE_SIZE + 1)
            .read_to_string(&mut text)
            .map_err(|e| fail(format!("cannot be read as UTF-8 text ({e})")))?;
        if text.len() as u64 > MAX_FILE_SIZE {
            return Err(fail(format!("is larger than {MAX_FILE_SIZE} bytes")));
        }
        RegionsFile::parse(&text, path)
    }

    fn parse(text: &str, path: &Path) -> Result<RegionsFile> {
        let shown = path.display();
        let fail = |what: String| Error::config(format!("regions file {shown}: {what}"));
        let document: Value =
            serde_saphyr::from_str_with_options(text, yaml_options()).map_err(|e| {
                // The error itself, out of the wrappers that add where it happened.
                let mut cause = e.without_snippet();
                while let serde_saphyr::Error::AliasError { error, .. }
                | serde_saphyr::Error::WithSnippet { error, .. } = cause
                {
                    cause = error;
                }
                let aliases = matches!(
                    cause,
                    serde_saphyr::Error::Budget {
                        breach: serde_saphyr::budget::BudgetBreach::Aliases { .. }
                            | serde_saphyr::budget::BudgetBreach::Anchors { .. },
                        ..
                    } | serde_saphyr::Error::AliasReplayLimitExceeded { .. }
                        | serde_saphyr::Error::AliasExpansionLimitExceeded { .. }
                        | serde_saphyr::Error::AliasReplayStackDepthExceeded { .. }
                        | serde_saphyr::Error::AliasReplayCounterOverflow { .. }
                );
                if aliases {
                    fail(format!(
                        "uses more YAML anchors and aliases (`&name`, `*name`) than a regions file \
                         needs: at most {MAX_ALIASES} of each, expanding to at most \
                         {MAX_REPLAYED_EVENTS} values in all (aliases can expand a small file \
                         without bound)"
                    ))
                } else {
                    fail(format!("is not YAML a regions file may hold ({e})"))
                }
            })?;
        let services = match document {
            Value::Object(map) => map,
            Value::Null => serde_json::Map::new(),
            _ => return Err(fail("must map service names to lists of regions".into())),
        };
        let mut entries: Vec<(String, String, String)> = Vec::new();
        for (name, list) in services {
            // Other SDKs' services are their business: like the official SDKs, entries of theirs
            // that are not usable are skipped; entries of the services this crate calls must be.
            let ours = Service::ALL
                .iter()
                .any(|s| s.env_name().eq_ignore_ascii_case(&name));
            let Value::Array(list) = list else {
                if ours {
                    return Err(fail(format!(
                        "{name}: must be a list of {{id, endpoint}} entries"
                    )));
                }
                continue;
            };
            for (index, entry) in list.iter().enumerate() {
                let at = format!("{name} entry {}", index + 1);
                match entry_of(entry, &at) {
                    Ok((id, endpoint)) if ours => {
                        let what = format!("regions file {shown}: {at} ({id})");
                        let url = parse_override(&endpoint, &what)?;
                        let name = name.to_ascii_uppercase();
                        // A later entry for the same region replaces an earlier one (as in the
                        // official SDKs).
                        entries.retain(|(n, i, _)| !(n == &name && i == &id));
                        entries.push((name, id, url));
                    }
                    Ok(_) => {}
                    Err(what) if ours => return Err(fail(what)),
                    Err(what) => tracing::debug!(file = %shown, "skipped: {what}"),
                }
            }
        }
        Ok(RegionsFile {
            path: path.to_owned(),
            entries,
        })
    }

    /// The file's endpoint of `service` in `region`.
    pub(crate) fn endpoint(&self, service: Service, region: &Region) -> Option<&str> {
        self.entries
            .iter()
            .find(|(name, id, _)| name == service.env_name() && id == region.as_str())
            .map(|(_, _, url)| url.as_str())
    }

    /// Where the file is.
    pub(crate) fn path(&self) -> &Path {
        &self.path
    }
}

/// The most anchors, and the most aliases, a regions file may hold (the official file has none;
/// a file shared with other SDKs may use a few).
const MAX_ALIASES: usize = 1_000;
/// The most values all its aliases may expand to, together.
const MAX_REPLAYED_EVENTS: usize = 20_000;

/// What the YAML parser may spend on a regions file: a bounded number of anchors and aliases,
/// expanding to a bounded number of values, and bounds on everything else far above what a
/// regions file of every region of every service needs.
fn yaml_options() -> serde_saphyr::Options {
    let mut budget = serde_saphyr::Budget::default();
    budget.max_aliases = MAX_ALIASES;
    budget.max_anchors = MAX_ALIASES;
    budget.max_depth = 16;
    budget.max_nodes = 200_000;
    budget.max_documents = 1;
    let mut options = serde_saphyr::Options::default();
    options.budget = Some(budget);
    options.alias_limits.max_total_replayed_events = MAX_REPLAYED_EVENTS;
    options.alias_limits.max_replay_stack_depth = 4;
    // The error names the file and the entry; a copy of the file's text is not needed in it.
    options.with_snippet = false;
    options
}

/// The `(id, endpoint)` of one entry, or what is wrong with it.
fn entry_of(entry: &Value, at: &str) -> std::result::Result<(String, String), String> {
    let field = |key: &str| entry.get(key);
    let Some(Value::String(id)) = field("id") else {
        return Err(format!("{at}: has no string `id`"));
    };
    match (field("endpoint"), field("endpoints")) {
        (Some(Value::String(url)), None) => Ok((id.clone(), url.clone())),
        (None, Some(Value::Array(urls))) => match urls.first() {
            Some(Value::String(url)) if urls.iter().all(|u| matches!(u, Value::String(_))) => {
                Ok((id.clone(), url.clone()))
            }
            _ => Err(format!(
                "{at} ({id}): `endpoints` must be a non-empty list of URLs"
            )),
        },
        _ => Err(format!(
            "{at} ({id}): needs exactly one of `endpoint` (a URL) or `endpoints` (a list of URLs)"
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> Result<RegionsFile> {
        RegionsFile::parse(text, Path::new("/x/regions.yaml"))
    }

    #[test]
    fn entries_of_our_services_are_found_in_any_case() {
        let file = parse(
            "workspaceapp:\n  - id: cn-north-4\n    endpoint: https://a.example/\n\
             MODELARTS:\n  - id: cn-north-4\n    endpoints: [https://b.example, https://c.example]\n\
             ECS:\n  - id: cn-north-4\n    endpoint: whatever\n",
        )
        .unwrap();
        let region = Region::CN_NORTH_4;
        assert_eq!(
            file.endpoint(Service::WorkspaceApp, &region),
            Some("https://a.example")
        );
        assert_eq!(
            file.endpoint(Service::ModelArts, &region),
            Some("https://b.example")
        );
        assert_eq!(file.endpoint(Service::Workspace, &region), None);
    }

    #[test]
    fn malformed_files_name_the_file_and_the_entry() {
        for (text, expected) in [
            ("[1, 2]", "must map service names"),
            ("WORKSPACEAPP: 3", "WORKSPACEAPP: must be a list"),
            (
                "WORKSPACEAPP:\n  - endpoint: https://a\n",
                "WORKSPACEAPP entry 1: has no string `id`",
            ),
            (
                "WORKSPACE:\n  - id: r\n",
                "WORKSPACE entry 1 (r): needs exactly one",
            ),
            (
                "WORKSPACEAPP:\n  - id: r\n    endpoints: []\n",
                "non-empty list",
            ),
            (
                "WORKSPACEAPP:\n  - id: r\n    endpoint: ftp://a\n",
                "WORKSPACEAPP entry 1 (r)",
            ),
            ("a: [: :", "is not YAML"),
        ] {
            let error = parse(text).unwrap_err().to_string();
            assert!(error.contains("/x/regions.yaml"), "{error}");
            assert!(error.contains(expected), "{text:?}: {error}");
        }
    }

    #[test]
    fn other_services_are_lenient_and_a_later_entry_wins() {
        let file = parse(
            "ECS:\n  - id: x\n    endpoint: https://a\n    endpoints: [https://a]\n  - nonsense\n\
             OBS: 7\n\
             WORKSPACEAPP:\n  - id: cn-north-4\n    endpoint: https://first\n  \
             - id: cn-north-4\n    endpoint: https://second\n",
        )
        .unwrap();
        assert_eq!(
            file.endpoint(Service::WorkspaceApp, &Region::CN_NORTH_4),
            Some("https://second")
        );
    }

    /// Issue 16, item 7: 10 KB of aliases under a service this crate never calls expanded to
    /// hundreds of MiB. What aliases may expand to is bounded, and past it the file is refused.
    #[test]
    fn aliases_that_expand_too_far_are_refused_before_they_expand() {
        let mut text = String::from("ECS:\n  - id: a\n    endpoints: &a [");
        text.push_str(&vec!["https://x"; 2000].join(", "));
        text.push_str("]\nOBS:\n  - id: b\n    endpoints: [");
        text.push_str(&vec!["*a"; 2000].join(", "));
        text.push_str("]\n");
        assert!(text.len() < 40_000, "{}", text.len());
        let error = parse(&text).unwrap_err().to_string();
        assert!(error.contains("/x/regions.yaml"), "{error}");
        assert!(error.contains("aliases"), "{error}");
    }

    /// A file shared with other SDKs may use a few anchors and aliases of its own.
    #[test]
    fn a_few_aliases_elsewhere_in_a_shared_file_are_fine() {
        let file = parse(
            "ECS:\n  - id: a\n    endpoints: &ep [https://ecs.example]\n  - id: b\n    endpoints: *ep\n\
             WORKSPACEAPP:\n  - id: cn-north-4\n    endpoint: https://a.example\n",
        )
        .unwrap();
        assert_eq!(
            file.endpoint(Service::WorkspaceApp, &Region::CN_NORTH_4),
            Some("https://a.example")
        );
    }

    #[test]
    fn a_regions_file_that_is_not_a_regular_file_is_refused() {
        let error = RegionsFile::read(Path::new("/dev/zero"))
            .unwrap_err()
            .to_string();
        assert!(error.contains("not a regular file"), "{error}");
    }

    #[test]
    fn an_empty_file_has_no_entries_and_a_named_missing_file_is_an_error() {
        assert!(parse("").unwrap().entries.is_empty());
        let env = |name: &str| {
            (name == REGIONS_FILE_VARIABLE).then(|| "/nonexistent/regions.yaml".to_owned())
        };
        let error = RegionsFile::discover(&env).unwrap_err().to_string();
        assert!(error.contains("/nonexistent/regions.yaml"), "{error}");
    }
}
