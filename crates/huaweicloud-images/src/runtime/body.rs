//! Reading a response body whole, up to a cap: a declared length past the cap is refused before
//! any of the body is read, and an undeclared one is cut off as soon as it passes the cap, so a
//! body never costs more memory than the cap, whatever the server sends.

use bytes::{Bytes, BytesMut};

/// Why a body could not be read.
#[derive(Debug)]
pub(crate) enum BodyError {
    /// It is (or declares itself) larger than the cap.
    TooLarge,
    /// The connection broke off before its end.
    BrokeOff(reqwest::Error),
}

/// The whole body of `response`, at most `limit` bytes.
pub(crate) async fn read_capped(
    mut response: reqwest::Response,
    limit: u64,
) -> Result<Bytes, BodyError> {
    if response
        .content_length()
        .is_some_and(|length| length > limit)
    {
        return Err(BodyError::TooLarge);
    }
    // The declared length (within the cap) sizes the buffer once; a body that comes in one chunk
    // (most answers) is kept as it came, without a copy.
    let declared = response.content_length().unwrap_or(0);
    let mut first: Option<Bytes> = None;
    let mut body = BytesMut::new();
    loop {
        match response.chunk().await {
            Ok(Some(chunk)) => {
                let held = first.as_ref().map_or(0, Bytes::len) + body.len();
                if (held + chunk.len()) as u64 > limit {
                    return Err(BodyError::TooLarge);
                }
                match first.take() {
                    None if body.is_empty() => first = Some(chunk),
                    earlier => {
                        if let Some(earlier) = earlier {
                            let expected = declared.max((earlier.len() + chunk.len()) as u64);
                            body.reserve(usize::try_from(expected).unwrap_or(0));
                            body.extend_from_slice(&earlier);
                        }
                        body.extend_from_slice(&chunk);
                    }
                }
            }
            Ok(None) => return Ok(first.unwrap_or_else(|| body.freeze())),
            Err(error) => return Err(BodyError::BrokeOff(error)),
        }
    }
}
