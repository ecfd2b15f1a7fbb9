//! Checks of user input that the spec (or the path it travels) constrains, made before any I/O.

use std::ops::RangeInclusive;

use crate::error::{Error, Result};

/// Project ids: 1 to 64 letters, digits and `-` (ModelArts documents it; the same id is used by
/// every service of a project).
pub(crate) fn project_id(value: &str) -> Result<()> {
    if value.is_empty() || value.len() > 64 {
        return Err(Error::invalid(
            "project_id",
            format!("must be 1 to 64 characters, got {}", value.len()),
        ));
    }
    if !value.chars().all(|c| c.is_ascii_alphanumeric() || c == '-') {
        return Err(Error::invalid(
            "project_id",
            format!("{value:?} may hold only letters, digits and '-'"),
        ));
    }
    Ok(())
}

/// The longest id accepted in a path segment, in bytes. Real ids are 18-digit numbers or UUIDs;
/// the cap keeps an untrusted id from growing the request line without bound.
pub(crate) const MAX_PATH_ID_BYTES: usize = 255;

/// A path id (`server_id`): one path segment under every URL parser.
///
/// Refused: an empty or blank id; `.` and `..`, which URL normalisation would turn into another
/// path; control characters; `\`, which the WHATWG URL parser (reqwest's) reads as `/` in
/// `http(s)` URLs, so that `..\..\v2\…` would address, and sign, another API; and ids longer
/// than [`MAX_PATH_ID_BYTES`]. `/`, `?`, `#` and `%` are percent-encoded by the generated client
/// and cannot change the path or the query (and a percent-encoded `.` arrives as `%252e`).
pub(crate) fn path_id(field: &'static str, value: &str) -> Result<()> {
    if value.trim().is_empty() {
        return Err(Error::invalid(field, "must not be empty"));
    }
    if value == "." || value == ".." {
        return Err(Error::invalid(
            field,
            format!("{value:?} is not an id (it would address another path)"),
        ));
    }
    if value.chars().any(char::is_control) {
        return Err(Error::invalid(field, "must not contain control characters"));
    }
    if value.contains('\\') {
        return Err(Error::invalid(
            field,
            "must not contain '\\' (URL parsers read it as '/', so it could leave the path segment)",
        ));
    }
    if value.len() > MAX_PATH_ID_BYTES {
        return Err(Error::invalid(
            field,
            format!(
                "is {} bytes long; an id is at most {MAX_PATH_ID_BYTES}",
                value.len()
            ),
        ));
    }
    Ok(())
}

/// An optional query value: no control characters.
pub(crate) fn query_text(field: &'static str, value: &str) -> Result<()> {
    if value.chars().any(char::is_control) {
        return Err(Error::invalid(field, "must not contain control characters"));
    }
    Ok(())
}

/// A `limit` within the operation's documented range.
pub(crate) fn limit(field: &'static str, value: u32, range: RangeInclusive<u32>) -> Result<()> {
    if range.contains(&value) {
        Ok(())
    } else {
        Err(Error::invalid(
            field,
            format!(
                "{value} is out of the documented range {}..={}",
                range.start(),
                range.end()
            ),
        ))
    }
}

/// An `offset`: the API's integers are 32-bit.
pub(crate) fn offset(value: u64) -> Result<i32> {
    i32::try_from(value).map_err(|_| {
        Error::invalid(
            "offset",
            format!("{value} is larger than the API accepts ({})", i32::MAX),
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn project_ids() {
        assert!(project_id("a4da8115c9d8464ead3a38309130523f").is_ok());
        assert!(project_id("my-project-1").is_ok());
        assert!(project_id(&"a".repeat(64)).is_ok());
        for bad in [
            "",
            "has space",
            "slash/y",
            "dots..",
            "ünïcode",
            &"a".repeat(65),
        ] {
            let err = project_id(bad).unwrap_err();
            assert!(
                matches!(
                    err,
                    Error::InvalidInput {
                        field: "project_id",
                        ..
                    }
                ),
                "{bad:?}"
            );
        }
    }

    #[test]
    fn path_ids_cannot_change_the_path() {
        for ok in [
            "697612196993040384",
            "a/b",
            "?x",
            "#y",
            "100%",
            "..a",
            "名字",
        ] {
            assert!(path_id("server_id", ok).is_ok(), "{ok:?}");
        }
        let long = "9".repeat(MAX_PATH_ID_BYTES + 1);
        for bad in [
            "", "  ", ".", "..", "a\nb", "\0", "\\", "..\\x", "a\\b", &long,
        ] {
            assert!(path_id("server_id", bad).is_err(), "{bad:?}");
        }
        assert!(path_id("server_id", &"9".repeat(MAX_PATH_ID_BYTES)).is_ok());
    }

    #[test]
    fn limits_and_offsets() {
        assert!(limit("limit", 1, 1..=100).is_ok());
        assert!(limit("limit", 100, 1..=100).is_ok());
        assert!(limit("limit", 0, 1..=100).is_err());
        assert!(limit("limit", 0, 0..=100).is_ok());
        let err = limit("limit", 101, 0..=100).unwrap_err().to_string();
        assert_eq!(
            err,
            "invalid limit: 101 is out of the documented range 0..=100"
        );
        assert_eq!(offset(5).unwrap(), 5);
        assert!(offset(u64::from(u32::MAX)).is_err());
        assert!(query_text("server_name", "a b+c/名").is_ok());
        assert!(query_text("server_name", "a\r\nb").is_err());
    }
}
