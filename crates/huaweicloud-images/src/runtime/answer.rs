//! An answer as the runtime received it (status, headers and the whole body, read once within
//! the client's cap), and the decoders a generated operation names for its success answer: each
//! body is parsed once, by the decoder.

use bytes::Bytes;
use http::{HeaderMap, StatusCode};

/// One answer of the service.
#[derive(Debug)]
#[allow(
    dead_code,
    reason = "the status is there for decoders of answers that carry meaning in it"
)]
pub(crate) struct Answer {
    pub(crate) status: StatusCode,
    pub(crate) headers: HeaderMap,
    pub(crate) body: Bytes,
}

/// Turns a success answer into the operation's output, or says why it is not one.
pub(crate) type Decode<T> = fn(&Answer) -> Result<T, Undecodable>;

/// How a call's success answer becomes its output.
pub(crate) enum Decoder<T> {
    /// The body is read whole (within the client's cap), then decoded once.
    Whole(Decode<T>),
    /// The body is handed over unread, as a stream (a file download: no cap, no read into
    /// memory).
    #[allow(
        dead_code,
        reason = "used by the generated code of the operation shapes the seed spec does not have (the corpus test builds and calls them all)"
    )]
    Streamed(fn(crate::transfer::Streamed) -> T),
}

impl<T> Clone for Decoder<T> {
    fn clone(&self) -> Self {
        *self
    }
}

impl<T> Copy for Decoder<T> {}

impl<T> Decoder<T> {
    /// Whether the answer's body is streamed rather than read whole.
    pub(crate) fn is_streamed(&self) -> bool {
        matches!(self, Decoder::Streamed(_))
    }
}

/// Why a success answer is not the operation's output.
#[derive(Debug)]
pub(crate) struct Undecodable {
    /// What the decoder said.
    pub(crate) message: String,
    /// Garbled on the way (truncated, not well-formed): another attempt may get it whole, so it
    /// is retried. Otherwise well-formed but of another shape: another attempt would get the same.
    pub(crate) garbled: bool,
}

/// A JSON document of type `T` (the generated model of the answer). A body that is well-formed
/// JSON but not one the model holds (another shape, a number out of range) is not garbled.
///
/// A body that is UTF-8 throughout (as JSON is, RFC 8259) is checked once, whole, and parsed as
/// text: `serde_json::from_slice` checks each string the model reads on its own, which cost
/// more than a tenth of a 100-item page's CPU (the `call` benchmark). Any other body is read by
/// `from_slice` as before, so that bytes in strings the model skips stay unchecked (a field it
/// does not know, in another encoding, does not fail the call).
pub(crate) fn json<T: serde::de::DeserializeOwned>(answer: &Answer) -> Result<T, Undecodable> {
    match std::str::from_utf8(&answer.body) {
        Ok(text) => serde_json::from_str(text).map_err(|e| {
            undecodable(e, || {
                serde_json::from_str::<serde::de::IgnoredAny>(text).is_err()
            })
        }),
        Err(_) => serde_json::from_slice(&answer.body).map_err(|e| {
            undecodable(e, || {
                serde_json::from_slice::<serde::de::IgnoredAny>(&answer.body).is_err()
            })
        }),
    }
}

/// What the decoder said; garbled when it is not a data error and the body is not JSON at all
/// (`not_json`, a second look on this failure path only).
fn undecodable(error: serde_json::Error, not_json: impl FnOnce() -> bool) -> Undecodable {
    Undecodable {
        message: error.to_string(),
        garbled: !error.is_data() && not_json(),
    }
}

/// No body worth reading (an operation that documents none): whatever came is ignored.
#[allow(
    dead_code,
    reason = "used by the generated code of the operation shapes the seed spec does not have (the corpus test builds and calls them all)"
)]
pub(crate) fn empty(_: &Answer) -> Result<(), Undecodable> {
    Ok(())
}

/// The body decoded by `body`, with the answer's declared headers (`H`, generated per
/// operation) beside it. A header that is missing or not of its documented type reads as `None`:
/// the call succeeded, and a write is never reported failed for a header.
#[allow(
    dead_code,
    reason = "used by the generated code of the operation shapes the seed spec does not have (the corpus test builds and calls them all)"
)]
pub(crate) fn headed<T, H: crate::transfer::ResponseHeaders>(
    answer: &Answer,
    body: Decode<T>,
) -> Result<crate::transfer::WithHeaders<T, H>, Undecodable> {
    Ok(crate::transfer::WithHeaders {
        body: body(answer)?,
        headers: H::from_headers(&answer.headers),
    })
}

/// The body as text (a token, say).
pub(crate) fn text(answer: &Answer) -> Result<String, Undecodable> {
    String::from_utf8(answer.body.to_vec()).map_err(|_| Undecodable {
        message: "the body is not UTF-8 text".to_owned(),
        garbled: true,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn answer(body: &'static [u8]) -> Answer {
        Answer {
            status: StatusCode::OK,
            headers: HeaderMap::new(),
            body: Bytes::from_static(body),
        }
    }

    #[test]
    fn decoders_read_the_body_once_and_say_what_is_wrong() {
        assert_eq!(json::<Vec<u8>>(&answer(b"[1,2]")).unwrap(), [1, 2]);
        let cut = json::<Vec<u8>>(&answer(b"[1,")).unwrap_err();
        assert!(cut.message.contains("EOF") && cut.garbled, "{cut:?}");
        let garbled = json::<Vec<u8>>(&answer(b"<html>")).unwrap_err();
        assert!(garbled.garbled, "{garbled:?}");
        let shape = json::<Vec<u8>>(&answer(br#"{"a": 1}"#)).unwrap_err();
        assert!(!shape.garbled, "well-formed, of another shape: {shape:?}");
        let range = json::<f32>(&answer(b"1e400")).unwrap_err();
        assert!(
            !range.garbled,
            "well-formed, out of the model's range: {range:?}"
        );
        // Not UTF-8 throughout: read as before. A field the model skips is not checked; one it
        // reads is well-formed JSON of text it cannot hold; a body cut inside a character is
        // garbled.
        #[derive(Debug, serde::Deserialize)]
        struct Named {
            a: u8,
        }
        let skipped = json::<Named>(&answer(b"{\"a\": 1, \"note\": \"caf\xe9\"}")).unwrap();
        assert_eq!(skipped.a, 1);
        let read = json::<Vec<String>>(&answer(b"[\"caf\xe9\"]")).unwrap_err();
        assert!(!read.garbled, "{read:?}");
        let cut = json::<Vec<String>>(&answer(b"[\"caf\xc3")).unwrap_err();
        assert!(cut.garbled, "{cut:?}");
        assert_eq!(
            json::<Vec<String>>(&answer("[\"café\\u00e9\"]".as_bytes())).unwrap(),
            ["caféé"]
        );
        let whole = Decoder::Whole(json::<Vec<u8>>);
        assert!(!whole.is_streamed());
        assert!(Decoder::<()>::Streamed(|_| ()).is_streamed());
        assert_eq!(empty(&answer(b"anything")).unwrap(), ());
        assert_eq!(text(&answer(b"token")).unwrap(), "token");
        assert!(text(&answer(b"\xff")).unwrap_err().garbled);
    }
}
