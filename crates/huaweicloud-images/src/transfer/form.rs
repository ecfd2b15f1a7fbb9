//! A multipart form encoded for sending: reqwest's encoder (RFC 7578), collected into one body
//! so that it can be signed (as `UNSIGNED-PAYLOAD`, like the official SDK's non-JSON bodies) and
//! sent again on a retry. The generated form types fill it, one line per part.

#![allow(
    dead_code,
    reason = "used by the generated code of the operation shapes the seed spec does not have (the corpus test builds and calls them all)"
)]

use bytes::{Bytes, BytesMut};
use futures::{FutureExt, StreamExt};
use http::HeaderValue;

use super::FilePart;
use crate::error::{Error, Result};

/// A multipart form being filled.
#[derive(Debug)]
pub(crate) struct Form {
    form: reqwest::multipart::Form,
}

impl Form {
    pub(crate) fn new() -> Self {
        Form {
            form: reqwest::multipart::Form::new(),
        }
    }

    /// A text part (numbers, booleans and enum values as their text).
    pub(crate) fn text(self, name: &'static str, value: impl ToString) -> Self {
        Form {
            form: self.form.text(name, value.to_string()),
        }
    }

    /// A text part, when given.
    pub(crate) fn text_opt(self, name: &'static str, value: Option<impl ToString>) -> Self {
        match value {
            Some(value) => self.text(name, value),
            None => self,
        }
    }

    /// A file part.
    ///
    /// # Errors
    /// [`Error::InvalidInput`] naming the part when its media type is not one, or its file name
    /// holds a control character (a line break would end the part's header early).
    pub(crate) fn file(self, name: &'static str, file: FilePart) -> Result<Self> {
        // A line break would end the part's header early (reqwest escapes it as `\` + the break).
        if file.file_name().chars().any(char::is_control) {
            return Err(Error::invalid(
                name,
                format!(
                    "the file name \"{}\" holds control characters",
                    crate::error::Escaped(file.file_name())
                ),
            ));
        }
        let mut part = reqwest::multipart::Part::stream_with_length(
            reqwest::Body::from(file.bytes().clone()),
            file.len() as u64,
        )
        .file_name(file.file_name().to_owned());
        if let Some(media_type) = file.media_type() {
            part = part
                .mime_str(media_type)
                .map_err(|_| Error::invalid(name, format!("{media_type:?} is not a media type")))?;
        }
        Ok(Form {
            form: self.form.part(name, part),
        })
    }

    /// A file part, when given.
    pub(crate) fn file_opt(self, name: &'static str, file: Option<FilePart>) -> Result<Self> {
        match file {
            Some(file) => self.file(name, file),
            None => Ok(self),
        }
    }

    /// The encoded body and its `Content-Type` (with the boundary).
    ///
    /// # Errors
    /// Never for parts held in memory (every part of these forms); an encoder that would wait
    /// is reported as [`Error::InvalidInput`] rather than blocked on.
    pub(crate) fn encode(self) -> Result<(HeaderValue, Bytes)> {
        let content_type = format!("multipart/form-data; boundary={}", self.form.boundary());
        let content_type = HeaderValue::try_from(content_type)
            .map_err(|_| Error::invalid("body", "the form's boundary is not a header value"))?;
        let mut stream = self.form.into_stream();
        let mut body = BytesMut::new();
        loop {
            match stream.next().now_or_never() {
                Some(Some(Ok(chunk))) => body.extend_from_slice(&chunk),
                Some(None) => return Ok((content_type, body.freeze())),
                Some(Some(Err(error))) => {
                    return Err(Error::invalid(
                        "body",
                        format!("cannot encode the form: {error}"),
                    ));
                }
                None => {
                    return Err(Error::invalid(
                        "body",
                        "a part of the form is not in memory",
                    ));
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_form_is_encoded_whole_with_its_boundary() {
        let (content_type, body) = Form::new()
            .text("description", "a \"quoted\" note")
            .text_opt("size", Some(3))
            .text_opt("absent", None::<String>)
            .file(
                "file",
                FilePart::new("a b.txt", "hello").content_type("text/plain"),
            )
            .unwrap()
            .encode()
            .unwrap();
        let content_type = content_type.to_str().unwrap();
        let boundary = content_type
            .strip_prefix("multipart/form-data; boundary=")
            .unwrap();
        let body = String::from_utf8(body.to_vec()).unwrap();
        assert_eq!(body.matches(boundary).count(), 4, "{body}");
        assert!(
            body.contains("name=\"description\"\r\n\r\na \"quoted\" note\r\n"),
            "{body}"
        );
        assert!(body.contains("name=\"size\"\r\n\r\n3\r\n"), "{body}");
        assert!(!body.contains("absent"), "{body}");
        assert!(body.contains("filename=\"a b.txt\""), "{body}");
        assert!(
            body.contains("Content-Type: text/plain\r\n\r\nhello\r\n"),
            "{body}"
        );
        assert!(body.ends_with(&format!("--{boundary}--\r\n")), "{body}");
    }

    #[test]
    fn a_file_name_with_a_line_break_is_refused() {
        for name in ["a\r\nContent-Type: text/html", "tab\there", "nul\0"] {
            let error = Form::new()
                .file("file", FilePart::new(name, "y"))
                .unwrap_err();
            assert!(
                matches!(error, Error::InvalidInput { field: "file", .. }),
                "{name:?}: {error:?}"
            );
        }
        let unicode = Form::new()
            .file("file", FilePart::new("名称 \"quoted\".txt", "y"))
            .unwrap()
            .encode()
            .unwrap();
        assert!(!unicode.1.is_empty());
    }

    #[test]
    fn a_media_type_that_is_none_names_its_part() {
        let error = Form::new()
            .file("file", FilePart::new("x", "y").content_type("not a type"))
            .unwrap_err();
        assert!(
            matches!(error, Error::InvalidInput { field: "file", .. }),
            "{error:?}"
        );
    }
}
