//! A file the service sends: its body streamed chunk by chunk.

use std::fmt;
use std::time::Duration;

use bytes::Bytes;
use futures::stream::{self, BoxStream, StreamExt};
use http::HeaderMap;

use crate::error::{Error, Result};

/// A success answer handed over unread, for [`Download`].
#[allow(
    dead_code,
    reason = "used by the generated code of the operation shapes the seed spec does not have (the corpus test builds and calls them all)"
)]
pub(crate) struct Streamed {
    pub(crate) response: reqwest::Response,
    pub(crate) operation: &'static str,
    /// How long one chunk may take (the client's request time-out).
    pub(crate) idle_timeout: Option<Duration>,
}

/// A file being downloaded: the answer's status and headers, and its body as a stream of
/// chunks. The body is never read whole into memory and is not held to the client's body cap;
/// each chunk must arrive within the client's request time-out (a stalled download fails with
/// [`Error::Timeout`] instead of hanging), and the client's total time-out bounds the call only
/// until the answer's headers arrived.
///
/// Dropping it closes the connection (what was not read is not downloaded).
#[must_use = "a download does nothing until its chunks are read"]
pub struct Download {
    status: u16,
    headers: HeaderMap,
    content_length: Option<u64>,
    response: Option<reqwest::Response>,
    operation: &'static str,
    idle_timeout: Option<Duration>,
    received: u64,
}

impl Download {
    /// The decoder of a download operation.
    #[allow(
        dead_code,
        reason = "used by the generated code of the operation shapes the seed spec does not have (the corpus test builds and calls them all)"
    )]
    pub(crate) fn from_streamed(streamed: Streamed) -> Self {
        Download {
            status: streamed.response.status().as_u16(),
            headers: streamed.response.headers().clone(),
            content_length: streamed.response.content_length(),
            response: Some(streamed.response),
            operation: streamed.operation,
            idle_timeout: streamed.idle_timeout,
            received: 0,
        }
    }

    /// The answer's status.
    pub fn status(&self) -> u16 {
        self.status
    }

    /// The answer's headers.
    pub fn headers(&self) -> &HeaderMap {
        &self.headers
    }

    /// The size the service declared (`Content-Length`), if it did.
    pub fn content_length(&self) -> Option<u64> {
        self.content_length
    }

    /// The media type the service declared (`Content-Type`), if it did.
    pub fn content_type(&self) -> Option<&str> {
        self.headers
            .get(http::header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
    }

    /// How many bytes were received so far.
    pub fn received(&self) -> u64 {
        self.received
    }

    /// The next chunk of the body; `None` once it is complete.
    ///
    /// # Errors
    /// [`Error::Timeout`] when a chunk takes longer than the client's request time-out,
    /// [`Error::Transport`] when the connection breaks off; the download is over after either.
    pub async fn chunk(&mut self) -> Result<Option<Bytes>> {
        let Some(response) = self.response.as_mut() else {
            return Ok(None);
        };
        let next = match self.idle_timeout {
            Some(limit) => match tokio::time::timeout(limit, response.chunk()).await {
                Ok(next) => next,
                Err(_) => {
                    self.response = None;
                    return Err(Error::Timeout {
                        operation: self.operation,
                        elapsed: limit,
                    });
                }
            },
            None => response.chunk().await,
        };
        match next {
            Ok(Some(chunk)) => {
                self.received += chunk.len() as u64;
                Ok(Some(chunk))
            }
            Ok(None) => {
                self.response = None;
                Ok(None)
            }
            Err(error) => {
                self.response = None;
                Err(Error::Transport {
                    operation: self.operation,
                    message: format!(
                        "the download broke off after {} bytes: {error}",
                        self.received
                    ),
                    source: Some(Box::new(error)),
                })
            }
        }
    }

    /// The body as a stream of chunks, ending after the last one or at the first error.
    pub fn into_stream(self) -> BoxStream<'static, Result<Bytes>> {
        stream::unfold(Some(self), |download| async move {
            let mut download = download?;
            match download.chunk().await {
                Ok(Some(chunk)) => Some((Ok(chunk), Some(download))),
                Ok(None) => None,
                Err(error) => Some((Err(error), None)),
            }
        })
        .boxed()
    }

    /// The whole body, when it is at most `limit` bytes (for small files only: it is all in
    /// memory).
    ///
    /// # Errors
    /// [`Error::BodyTooLarge`] past `limit` (checked against `Content-Length` first, then as
    /// chunks arrive); the errors of [`chunk`](Self::chunk).
    pub async fn bytes_up_to(mut self, limit: u64) -> Result<Bytes> {
        let too_large = |operation| Error::BodyTooLarge { operation, limit };
        if self.content_length.is_some_and(|length| length > limit) {
            return Err(too_large(self.operation));
        }
        let mut body = bytes::BytesMut::new();
        while let Some(chunk) = self.chunk().await? {
            if (body.len() + chunk.len()) as u64 > limit {
                return Err(too_large(self.operation));
            }
            body.extend_from_slice(&chunk);
        }
        Ok(body.freeze())
    }
}

impl fmt::Debug for Download {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Download")
            .field("operation", &self.operation)
            .field("status", &self.status)
            .field("content_length", &self.content_length)
            .field("received", &self.received)
            .field("open", &self.response.is_some())
            .finish_non_exhaustive()
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use axum::body::Body;
    use axum::routing::get;
    use futures::StreamExt;

    use super::*;

    /// A local server: `/file` sends 3 chunks of 1000 bytes, `/stall` one chunk and then nothing,
    /// `/declared` declares 10 000 bytes.
    async fn serve() -> String {
        let chunks = |stall: bool| {
            let chunk = Bytes::from(vec![5u8; 1000]);
            Body::from_stream(stream::unfold(0, move |n| {
                let chunk = chunk.clone();
                async move {
                    if n == 3 || (stall && n == 1) {
                        if stall {
                            tokio::time::sleep(Duration::from_secs(30)).await;
                        }
                        return None;
                    }
                    tokio::time::sleep(Duration::from_millis(20)).await;
                    Some((Ok::<_, std::io::Error>(chunk), n + 1))
                }
            }))
        };
        let app = axum::Router::new()
            .route("/file", get(move || async move { chunks(false) }))
            .route("/stall", get(move || async move { chunks(true) }))
            .route("/declared", get(|| async { vec![1u8; 10_000] }));
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let address = listener.local_addr().unwrap();
        tokio::spawn(async move { axum::serve(listener, app).await });
        format!("http://{address}")
    }

    async fn download(base: &str, path: &str, idle: Option<Duration>) -> Download {
        let response = reqwest::get(format!("{base}{path}")).await.unwrap();
        Download::from_streamed(Streamed {
            response,
            operation: "DownloadThing",
            idle_timeout: idle,
        })
    }

    #[tokio::test]
    async fn a_download_comes_chunk_by_chunk_and_counts_them() {
        let base = serve().await;
        let mut file = download(&base, "/file", Some(Duration::from_secs(5))).await;
        assert_eq!(file.status(), 200);
        let mut received = 0;
        while let Some(chunk) = file.chunk().await.unwrap() {
            assert!(chunk.iter().all(|b| *b == 5));
            received += chunk.len();
        }
        assert_eq!((received, file.received()), (3000, 3000));
        assert_eq!(file.chunk().await.unwrap(), None, "over is over");
        let shown = format!("{file:?}");
        assert!(
            shown.contains("DownloadThing") && shown.contains("open: false"),
            "{shown}"
        );
        let streamed: Vec<Bytes> = download(&base, "/file", None)
            .await
            .into_stream()
            .map(|c| c.unwrap())
            .collect()
            .await;
        assert_eq!(streamed.iter().map(Bytes::len).sum::<usize>(), 3000);
    }

    #[tokio::test]
    async fn a_stalled_download_times_out_per_chunk() {
        let base = serve().await;
        let mut file = download(&base, "/stall", Some(Duration::from_millis(300))).await;
        assert_eq!(file.chunk().await.unwrap().map(|c| c.len()), Some(1000));
        let error = file.chunk().await.unwrap_err();
        assert!(
            matches!(error, Error::Timeout { operation: "DownloadThing", elapsed } if elapsed == Duration::from_millis(300)),
            "{error:?}"
        );
        assert_eq!(
            file.chunk().await.unwrap(),
            None,
            "a failed download is over"
        );
    }

    #[tokio::test]
    async fn a_small_cap_refuses_a_larger_file() {
        let base = serve().await;
        let declared = download(&base, "/declared", None).await;
        assert_eq!(declared.content_length(), Some(10_000));
        let error = declared.bytes_up_to(9_999).await.unwrap_err();
        assert!(
            matches!(error, Error::BodyTooLarge { limit: 9_999, .. }),
            "{error:?}"
        );
        let undeclared = download(&base, "/file", None).await;
        assert_eq!(undeclared.content_length(), None);
        let error = undeclared.bytes_up_to(2_500).await.unwrap_err();
        assert!(matches!(error, Error::BodyTooLarge { .. }), "{error:?}");
        let whole = download(&base, "/file", None)
            .await
            .bytes_up_to(3_000)
            .await
            .unwrap();
        assert_eq!(whole.len(), 3_000);
    }
}
