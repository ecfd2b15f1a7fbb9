//! Reading environment variables, shared by [`crate::region`], [`crate::credentials`] and the
//! client builder.
//!
//! Everything else takes environment access as a function (`&dyn Fn(&str) -> Option<String>`),
//! so tests and embedding applications can supply their own; [`process_env`] is the one that
//! reads the process environment.

/// The variable holding the home directory, as the official SDK reads it (for
/// `~/.huaweicloud/credentials` and `~/.huaweicloud/regions.yaml`).
#[cfg(windows)]
pub(crate) const HOME_VARIABLE: &str = "USERPROFILE";
#[cfg(not(windows))]
pub(crate) const HOME_VARIABLE: &str = "HOME";

/// Reads a variable of the process environment.
///
/// An unset or empty variable is `None`. A value that is not valid Unicode is also `None`, with a
/// warning naming the variable (never its value) in the log.
// `pub` (not `pub(crate)`) because `crate::region` re-exports it as public API.
pub fn process_env(name: &str) -> Option<String> {
    match std::env::var(name) {
        Ok(value) if !value.is_empty() => Some(value),
        Ok(_) | Err(std::env::VarError::NotPresent) => None,
        Err(std::env::VarError::NotUnicode(_)) => {
            tracing::warn!(
                variable = name,
                "ignoring environment variable: not valid Unicode"
            );
            None
        }
    }
}

/// Looks a variable up through `env`, treating an empty value as unset.
pub(crate) fn non_empty(env: &dyn Fn(&str) -> Option<String>, name: &str) -> Option<String> {
    env(name).filter(|value| !value.is_empty())
}
