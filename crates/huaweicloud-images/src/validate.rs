//! Checks of user input that the spec (or the path it travels) constrains, made before any I/O.

use std::sync::OnceLock;

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

/// An integer type a generated client takes (the spec's `format` decides which).
pub(crate) trait WireInteger: TryFrom<i128> + Copy {
    /// The smallest value.
    const MIN: i128;
    /// The largest value.
    const MAX: i128;
}

macro_rules! wire_integers {
    ($($t:ty),*) => {$(
        impl WireInteger for $t {
            const MIN: i128 = <$t>::MIN as i128;
            const MAX: i128 = <$t>::MAX as i128;
        }
    )*};
}

wire_integers!(i8, i16, i32, i64, u8, u16, u32, u64);

/// An integer parameter within the spec's `minimum`/`maximum` (either may be absent) and within
/// what the wire type `T` holds, converted to `T`.
pub(crate) fn integer<T: WireInteger>(
    field: &'static str,
    value: impl Into<i128>,
    minimum: Option<i128>,
    maximum: Option<i128>,
) -> Result<T> {
    let value = value.into();
    let outside = match (minimum, maximum) {
        (Some(low), Some(high)) if !(low..=high).contains(&value) => Some(format!(
            "{value} is out of the documented range {low}..={high}"
        )),
        (Some(low), None) if value < low => {
            Some(format!("{value} is below the documented minimum {low}"))
        }
        (None, Some(high)) if value > high => {
            Some(format!("{value} is above the documented maximum {high}"))
        }
        _ => None,
    };
    if let Some(reason) = outside {
        return Err(Error::invalid(field, reason));
    }
    T::try_from(value).map_err(|_| {
        let bound = if value > T::MAX { T::MAX } else { T::MIN };
        Error::invalid(
            field,
            format!("{value} is beyond what the API accepts ({bound})"),
        )
    })
}

#[allow(
    dead_code,
    reason = "a primitive of the generated checks; used once a spec has a number parameter"
)]
/// A number parameter within the spec's `minimum`/`maximum`; NaN and infinities are refused.
pub(crate) fn number(
    field: &'static str,
    value: f64,
    minimum: Option<f64>,
    maximum: Option<f64>,
) -> Result<f64> {
    if !value.is_finite() {
        return Err(Error::invalid(
            field,
            format!("{value} is not a finite number"),
        ));
    }
    if minimum.is_some_and(|low| value < low) || maximum.is_some_and(|high| value > high) {
        return Err(Error::invalid(
            field,
            format!(
                "{value} is out of the documented range {}..={}",
                minimum.map(|v| v.to_string()).unwrap_or_default(),
                maximum.map(|v| v.to_string()).unwrap_or_default()
            ),
        ));
    }
    Ok(value)
}

/// A string of `minimum` to `maximum` characters (the spec's `minLength`/`maxLength`).
pub(crate) fn length(
    field: &'static str,
    value: &str,
    minimum: usize,
    maximum: Option<usize>,
) -> Result<()> {
    let count = value.chars().count();
    if count < minimum || maximum.is_some_and(|max| count > max) {
        let range = match maximum {
            Some(max) => format!("{minimum} to {max}"),
            None => format!("at least {minimum}"),
        };
        return Err(Error::invalid(
            field,
            format!("must be {range} characters long, got {count}"),
        ));
    }
    Ok(())
}

/// A header value: visible ASCII, spaces and tabs (what HTTP lets through unchanged).
pub(crate) fn header_text(field: &'static str, value: &str) -> Result<()> {
    if let Some(bad) = value
        .chars()
        .find(|c| !(c.is_ascii_graphic() || *c == ' ' || *c == '\t'))
    {
        return Err(Error::invalid(
            field,
            format!("{bad:?} cannot be sent in a header (visible ASCII only)"),
        ));
    }
    Ok(())
}

/// Where a text parameter travels, which decides what it may hold.
#[derive(Clone, Copy, Debug)]
pub(crate) enum Place {
    /// One path segment: [`path_id`].
    Path,
    /// A query value: [`query_text`].
    Query,
    /// A header value: [`header_text`].
    #[allow(
        dead_code,
        reason = "a primitive of the generated checks; used once a spec has a header parameter a caller sets"
    )]
    Header,
}

/// A path segment with no other constraint.
pub(crate) const PATH: TextRule = TextRule::at(Place::Path);
/// A query value with no other constraint.
pub(crate) const QUERY: TextRule = TextRule::at(Place::Query);
/// A header value with no other constraint.
#[allow(
    dead_code,
    reason = "a primitive of the generated checks; used once a spec has a header parameter a caller sets"
)]
pub(crate) const HEADER: TextRule = TextRule::at(Place::Header);

/// What a text parameter (a string or an open enum) must be: fit for where it travels, and the
/// spec's `minLength`, `maxLength` and `pattern`.
#[derive(Clone, Copy, Debug)]
pub(crate) struct TextRule {
    place: Place,
    min: usize,
    max: Option<usize>,
    pattern: Option<&'static Pattern>,
}

impl TextRule {
    /// Fit for `place`, with no other constraint.
    pub(crate) const fn at(place: Place) -> Self {
        TextRule {
            place,
            min: 0,
            max: None,
            pattern: None,
        }
    }

    /// `minimum` to `maximum` characters.
    pub(crate) const fn length(mut self, minimum: usize, maximum: Option<usize>) -> Self {
        self.min = minimum;
        self.max = maximum;
        self
    }

    /// Matching `pattern`.
    pub(crate) const fn pattern(mut self, pattern: &'static Pattern) -> Self {
        self.pattern = Some(pattern);
        self
    }
}

/// The check of one text parameter the generated code makes: `value` if it keeps `rule`.
pub(crate) fn text<T: AsRef<str>>(field: &'static str, value: T, rule: &TextRule) -> Result<T> {
    let text = value.as_ref();
    match rule.place {
        Place::Path => path_id(field, text)?,
        Place::Query => query_text(field, text)?,
        Place::Header => header_text(field, text)?,
    }
    if rule.min > 0 || rule.max.is_some() {
        length(field, text, rule.min, rule.max)?;
    }
    if let Some(pattern) = rule.pattern {
        pattern.check(field, text)?;
    }
    Ok(value)
}

/// [`text`] of an optional parameter.
pub(crate) fn text_opt<T: AsRef<str>>(
    field: &'static str,
    value: Option<T>,
    rule: &TextRule,
) -> Result<Option<T>> {
    value.map(|value| text(field, value, rule)).transpose()
}

/// [`integer`] of an optional parameter.
pub(crate) fn integer_opt<T: WireInteger, V: Into<i128>>(
    field: &'static str,
    value: Option<V>,
    minimum: Option<i128>,
    maximum: Option<i128>,
) -> Result<Option<T>> {
    value
        .map(|value| integer(field, value, minimum, maximum))
        .transpose()
}

/// [`number`] of an optional parameter.
#[allow(
    dead_code,
    reason = "a primitive of the generated checks; used once a spec has an optional number parameter"
)]
pub(crate) fn number_opt(
    field: &'static str,
    value: Option<f64>,
    minimum: Option<f64>,
    maximum: Option<f64>,
) -> Result<Option<f64>> {
    value
        .map(|value| number(field, value, minimum, maximum))
        .transpose()
}

/// The number of values of an array parameter within the spec's `minItems`/`maxItems`.
fn item_count(
    field: &'static str,
    count: usize,
    minimum: Option<usize>,
    maximum: Option<usize>,
) -> Result<()> {
    if minimum.is_some_and(|low| count < low) || maximum.is_some_and(|high| count > high) {
        return Err(Error::invalid(
            field,
            format!(
                "{count} values, the spec allows {} to {}",
                minimum.unwrap_or(0),
                maximum.map_or("any number".to_owned(), |m| m.to_string())
            ),
        ));
    }
    Ok(())
}

/// The check of an array parameter of text (or enum) values: each value keeps `rule`, and the
/// count is within `items`.
#[allow(
    dead_code,
    reason = "a primitive of the generated checks; used once a spec has an array parameter"
)]
pub(crate) fn texts<T: AsRef<str>>(
    field: &'static str,
    values: Vec<T>,
    rule: &TextRule,
    items: (Option<usize>, Option<usize>),
) -> Result<Vec<T>> {
    item_count(field, values.len(), items.0, items.1)?;
    values
        .into_iter()
        .map(|value| text(field, value, rule))
        .collect()
}

/// [`texts`] of an optional parameter.
#[allow(
    dead_code,
    reason = "a primitive of the generated checks; used once a spec has an array parameter"
)]
pub(crate) fn texts_opt<T: AsRef<str>>(
    field: &'static str,
    values: Option<Vec<T>>,
    rule: &TextRule,
    items: (Option<usize>, Option<usize>),
) -> Result<Option<Vec<T>>> {
    values
        .map(|values| texts(field, values, rule, items))
        .transpose()
}

/// The check of an array parameter of integers: each within `minimum`/`maximum` and `T`, the
/// count within `items`.
#[allow(
    dead_code,
    reason = "a primitive of the generated checks; used once a spec has an array parameter"
)]
pub(crate) fn integers<T: WireInteger>(
    field: &'static str,
    values: Vec<i64>,
    minimum: Option<i128>,
    maximum: Option<i128>,
    items: (Option<usize>, Option<usize>),
) -> Result<Vec<T>> {
    item_count(field, values.len(), items.0, items.1)?;
    values
        .into_iter()
        .map(|value| integer(field, value, minimum, maximum))
        .collect()
}

/// [`integers`] of an optional parameter.
#[allow(
    dead_code,
    reason = "a primitive of the generated checks; used once a spec has an array parameter"
)]
pub(crate) fn integers_opt<T: WireInteger>(
    field: &'static str,
    values: Option<Vec<i64>>,
    minimum: Option<i128>,
    maximum: Option<i128>,
    items: (Option<usize>, Option<usize>),
) -> Result<Option<Vec<T>>> {
    values
        .map(|values| integers(field, values, minimum, maximum, items))
        .transpose()
}

/// The values of a comma-separated array parameter (`explode: false`) joined into the one value
/// sent. A value holding a comma cannot be told apart from two: it is refused.
#[allow(
    dead_code,
    reason = "a primitive of the generated checks; used once a spec has a comma-separated array"
)]
pub(crate) fn joined<T: ToString>(field: &'static str, values: Vec<T>) -> Result<String> {
    let values: Vec<String> = values.iter().map(ToString::to_string).collect();
    if values.iter().any(|v| v.contains(',')) {
        return Err(Error::invalid(
            field,
            "a value holds a comma, which separates the values of this parameter",
        ));
    }
    Ok(values.join(","))
}

/// [`joined`] of an optional parameter.
#[allow(
    dead_code,
    reason = "a primitive of the generated checks; used once a spec has a comma-separated array"
)]
pub(crate) fn joined_opt<T: ToString>(
    field: &'static str,
    values: Option<Vec<T>>,
) -> Result<Option<String>> {
    values.map(|values| joined(field, values)).transpose()
}

/// A spec `pattern` (ECMAScript syntax, as the spec and typify read it), compiled on first use.
#[derive(Debug)]
pub(crate) struct Pattern {
    source: &'static str,
    compiled: OnceLock<Option<regress::Regex>>,
}

impl Pattern {
    /// The pattern `source`; `cargo xtask gen` has checked that it compiles.
    pub(crate) const fn new(source: &'static str) -> Self {
        Pattern {
            source,
            compiled: OnceLock::new(),
        }
    }

    /// Whether `value` matches; an error names `field` and the pattern.
    pub(crate) fn check(&self, field: &'static str, value: &str) -> Result<()> {
        let Some(regex) = self
            .compiled
            .get_or_init(|| regress::Regex::new(self.source).ok())
        else {
            return Err(Error::config(format!(
                "the spec's pattern for {field} ({}) does not compile",
                self.source
            )));
        };
        if regex.find(value).is_some() {
            Ok(())
        } else {
            Err(Error::invalid(
                field,
                format!(
                    "{value:?} does not match the documented pattern {}",
                    self.source
                ),
            ))
        }
    }
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
    fn integers_keep_to_the_spec_and_the_wire_type() {
        assert_eq!(
            integer::<u32>("limit", 1u32, Some(1), Some(100)).unwrap(),
            1
        );
        assert_eq!(
            integer::<u32>("limit", 100u32, Some(1), Some(100)).unwrap(),
            100
        );
        let err = integer::<i32>("limit", 101u32, Some(0), Some(100)).unwrap_err();
        assert_eq!(
            err.to_string(),
            "invalid limit: 101 is out of the documented range 0..=100"
        );
        assert!(integer::<u32>("limit", 0u32, Some(1), Some(100)).is_err());
        let err = integer::<i32>("offset", u64::from(u32::MAX), Some(0), None).unwrap_err();
        assert_eq!(
            err.to_string(),
            "invalid offset: 4294967295 is beyond what the API accepts (2147483647)"
        );
        assert!(integer::<i32>("offset", -1i64, Some(0), None).is_err());
        assert!(integer::<i64>("n", i64::MIN, None, Some(5)).is_ok());
        assert!(integer::<i64>("n", 6i64, None, Some(5)).is_err());
    }

    #[test]
    fn numbers_lengths_headers_and_patterns() {
        assert!(number("x", 1.5, Some(0.0), Some(2.0)).is_ok());
        assert!(number("x", f64::NAN, None, None).is_err());
        assert!(number("x", 3.0, None, Some(2.0)).is_err());
        assert!(length("name", "ab", 1, Some(2)).is_ok());
        assert!(
            length("name", "名字", 1, Some(2)).is_ok(),
            "characters, not bytes"
        );
        assert!(length("name", "", 1, None).is_err());
        assert!(length("name", "abc", 1, Some(2)).is_err());
        assert!(header_text("h", "a b\tc").is_ok());
        assert!(header_text("h", "a\r\nb").is_err());
        assert!(header_text("h", "名").is_err());
        let uuid = Pattern::new("^[0-9a-f]{8}-[0-9a-f]{4}$");
        assert!(uuid.check("id", "0123abcd-0a1b").is_ok());
        let err = uuid.check("id", "0123ABCD-0a1b").unwrap_err();
        assert!(
            matches!(err, Error::InvalidInput { field: "id", .. }),
            "{err}"
        );
        let broken = Pattern::new("(");
        assert!(matches!(broken.check("id", "x"), Err(Error::Config(_))));
        assert!(query_text("server_name", "a b+c/名").is_ok());
        assert!(query_text("server_name", "a\r\nb").is_err());
    }
}

#[cfg(test)]
mod rule_tests {
    use super::*;

    static UUID: Pattern = Pattern::new("^[0-9a-f]{4}$");

    #[test]
    fn text_rules_check_the_place_the_length_and_the_pattern() {
        let query = TextRule::at(Place::Query);
        assert_eq!(text("q", "a b", &query).unwrap(), "a b");
        assert!(text("q", "a\nb", &query).is_err());
        assert!(text("p", "..", &TextRule::at(Place::Path)).is_err());
        assert!(text("h", "名", &TextRule::at(Place::Header)).is_err());
        let sized = TextRule::at(Place::Query).length(2, Some(3));
        assert!(text("s", "a", &sized).is_err());
        assert!(text("s", "abcd", &sized).is_err());
        assert!(text("s", "abc", &sized).is_ok());
        let patterned = TextRule::at(Place::Path).pattern(&UUID);
        assert!(text("id", "0a1b", &patterned).is_ok());
        let error = text("id", "0A1B", &patterned).unwrap_err();
        assert!(
            matches!(error, Error::InvalidInput { field: "id", .. }),
            "{error}"
        );
        assert_eq!(text_opt::<String>("q", None, &query).unwrap(), None);
        assert!(text_opt("q", Some("\u{7}"), &query).is_err());
    }

    #[test]
    fn optional_numbers_are_checked_when_given() {
        assert_eq!(
            integer_opt::<i32, u32>("limit", None, Some(0), Some(100)).unwrap(),
            None
        );
        assert_eq!(
            integer_opt::<i32, u32>("limit", Some(7), Some(0), Some(100)).unwrap(),
            Some(7)
        );
        assert!(integer_opt::<i32, u32>("limit", Some(101), Some(0), Some(100)).is_err());
        assert_eq!(
            number_opt("x", Some(1.5), None, Some(2.0)).unwrap(),
            Some(1.5)
        );
        assert!(number_opt("x", Some(f64::NAN), None, None).is_err());
    }

    #[test]
    fn array_parameters_check_each_value_and_their_count() {
        let rule = TextRule::at(Place::Query).length(0, Some(3));
        assert_eq!(
            texts("ids", vec!["a", "bc"], &rule, (Some(1), Some(2))).unwrap(),
            ["a", "bc"]
        );
        for (values, items) in [
            (vec!["a", "toolong"], (None, None)),
            (vec!["a", "b", "c"], (None, Some(2))),
            (vec![], (Some(1), None)),
            (vec!["a\u{7}"], (None, None)),
        ] {
            let error = texts("ids", values.clone(), &rule, items).unwrap_err();
            assert!(
                matches!(error, Error::InvalidInput { field: "ids", .. }),
                "{values:?}: {error:?}"
            );
        }
        assert_eq!(
            texts_opt("ids", None::<Vec<&str>>, &rule, (Some(1), None)).unwrap(),
            None
        );
        assert_eq!(
            integers::<i32>("n", vec![1, 2], Some(1), Some(2), (None, None)).unwrap(),
            [1, 2]
        );
        assert!(integers::<i32>("n", vec![1, 3], Some(1), Some(2), (None, None)).is_err());
        assert!(
            integers::<i32>("n", vec![i64::from(i32::MAX) + 1], None, None, (None, None)).is_err()
        );
        assert_eq!(
            integers_opt::<i32>("n", Some(vec![5]), None, None, (None, Some(1))).unwrap(),
            Some(vec![5])
        );
        assert_eq!(joined("ids", vec!["a", "b"]).unwrap(), "a,b");
        assert_eq!(joined("ids", Vec::<String>::new()).unwrap(), "");
        assert!(matches!(
            joined("ids", vec!["a,b"]),
            Err(Error::InvalidInput { field: "ids", .. })
        ));
        assert_eq!(
            joined_opt("ids", Some(vec![1, 2])).unwrap().as_deref(),
            Some("1,2")
        );
    }
}
