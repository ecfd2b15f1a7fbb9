//! A file sent as one part of a multipart form.

use std::fmt;

use bytes::Bytes;

/// A file to send in a multipart form: its name, its bytes and, optionally, its media type
/// (without one, none is sent and the service decides).
///
/// ```
/// use huaweicloud_images::transfer::FilePart;
/// let file = FilePart::new("notes.txt", "hello").content_type("text/plain");
/// assert_eq!((file.file_name(), file.len()), ("notes.txt", 5));
/// // Debug shows what the file is, never its content.
/// assert!(!format!("{file:?}").contains("hello"));
/// ```
#[derive(Clone, PartialEq, Eq)]
pub struct FilePart {
    file_name: String,
    content_type: Option<String>,
    bytes: Bytes,
}

impl FilePart {
    /// A file called `file_name` holding `bytes`.
    pub fn new(file_name: impl Into<String>, bytes: impl Into<Bytes>) -> Self {
        FilePart {
            file_name: file_name.into(),
            content_type: None,
            bytes: bytes.into(),
        }
    }

    /// Its media type, e.g. `application/zip` (checked when the form is sent: a value that is not
    /// a media type is [`Error::InvalidInput`](crate::Error::InvalidInput) naming the part).
    pub fn content_type(mut self, media_type: impl Into<String>) -> Self {
        self.content_type = Some(media_type.into());
        self
    }

    /// The file's name.
    pub fn file_name(&self) -> &str {
        &self.file_name
    }

    /// Its media type, if one was given.
    pub fn media_type(&self) -> Option<&str> {
        self.content_type.as_deref()
    }

    /// Its size in bytes.
    pub fn len(&self) -> usize {
        self.bytes.len()
    }

    /// Whether it is empty.
    pub fn is_empty(&self) -> bool {
        self.bytes.is_empty()
    }

    /// Its bytes.
    pub fn bytes(&self) -> &Bytes {
        &self.bytes
    }
}

/// The name, type and size of the file; never its content.
impl fmt::Debug for FilePart {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("FilePart")
            .field("file_name", &self.file_name)
            .field("content_type", &self.content_type)
            .field("len", &self.bytes.len())
            .finish()
    }
}
