//! A download read blocking: [`std::io::Read`] over the async [`crate::Download`].

use std::io;

use bytes::{Buf, Bytes};

use crate::error::Result;
use crate::flavour::Blocking;

/// The blocking counterpart of [`crate::Download`]: its chunks come one call at a time on the
/// blocking client's runtime, and it reads as a [`std::io::Read`] (so `std::io::copy` writes it
/// to a file without holding it in memory).
///
/// After an error, every further read fails too (a loop that logs the error and reads on does not
/// take the file for complete); a time-out reads as [`std::io::ErrorKind::TimedOut`].
#[must_use = "a download does nothing until its chunks are read"]
pub struct Download {
    status: u16,
    headers: http::HeaderMap,
    content_length: Option<u64>,
    inner: Option<crate::Download>,
    /// What was received and not read yet.
    buffered: Bytes,
    /// The error that ended the download, repeated on every read after it.
    failed: Option<(io::ErrorKind, String)>,
    flavour: Blocking,
}

/// What the file is and how far it came; never its content or headers.
impl std::fmt::Debug for Download {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Download")
            .field("status", &self.status)
            .field("content_length", &self.content_length)
            .field("buffered", &self.buffered.len())
            .field("open", &self.inner.is_some())
            .field("failed", &self.failed.is_some())
            .finish_non_exhaustive()
    }
}

impl Download {
    #[allow(
        dead_code,
        reason = "used by the generated code of the operation shapes the seed spec does not have (the corpus test builds and calls them all)"
    )]
    pub(crate) fn new(inner: crate::Download, flavour: Blocking) -> Self {
        Download {
            status: inner.status(),
            headers: inner.headers().clone(),
            content_length: inner.content_length(),
            inner: Some(inner),
            buffered: Bytes::new(),
            failed: None,
            flavour,
        }
    }

    /// The answer's status.
    pub fn status(&self) -> u16 {
        self.status
    }

    /// The answer's headers.
    pub fn headers(&self) -> &http::HeaderMap {
        &self.headers
    }

    /// The size the service declared (`Content-Length`), if it did.
    pub fn content_length(&self) -> Option<u64> {
        self.content_length
    }

    /// The next chunk of the body; `None` once it is complete (see [`crate::Download::chunk`]).
    ///
    /// # Errors
    /// As for [`crate::Download::chunk`], or [`crate::Error::Interrupted`] when the blocking
    /// runtime is gone.
    pub fn chunk(&mut self) -> Result<Option<Bytes>> {
        if !self.buffered.is_empty() {
            return Ok(Some(std::mem::take(&mut self.buffered)));
        }
        let Some(mut inner) = self.inner.take() else {
            return Ok(None);
        };
        // The download moves to the runtime's thread for one chunk and comes back with it.
        let (inner, chunk) = self.flavour.run(async move {
            let chunk = inner.chunk().await;
            (inner, chunk)
        })?;
        let chunk = chunk?;
        if chunk.is_some() {
            self.inner = Some(inner);
        }
        Ok(chunk)
    }
}

impl io::Read for Download {
    fn read(&mut self, out: &mut [u8]) -> io::Result<usize> {
        while self.buffered.is_empty() {
            if let Some((kind, message)) = &self.failed {
                return Err(io::Error::new(*kind, message.clone()));
            }
            match self.chunk() {
                Ok(Some(chunk)) => self.buffered = chunk,
                Ok(None) => return Ok(0),
                Err(error) => {
                    let kind = match error {
                        crate::Error::Timeout { .. } => io::ErrorKind::TimedOut,
                        _ => io::ErrorKind::Other,
                    };
                    self.failed = Some((kind, error.to_string()));
                    return Err(io::Error::new(kind, error));
                }
            }
        }
        let n = out.len().min(self.buffered.len());
        out[..n].copy_from_slice(&self.buffered[..n]);
        self.buffered.advance(n);
        Ok(n)
    }
}

#[cfg(test)]
mod tests {
    use std::io::Read;
    use std::time::Duration;

    use axum::body::Body;
    use axum::routing::get;
    use futures::stream;

    use super::*;
    use crate::transfer::Streamed;

    /// `/stall`: 1000 secret bytes, then nothing.
    fn serve(runtime: &tokio::runtime::Runtime) -> String {
        runtime.block_on(async {
            let app = axum::Router::new().route(
                "/stall",
                get(|| async {
                    Body::from_stream(stream::unfold(0, |n| async move {
                        if n == 1 {
                            tokio::time::sleep(Duration::from_secs(30)).await;
                            return None;
                        }
                        Some((Ok::<_, io::Error>(Bytes::from(vec![b's'; 1000])), n + 1))
                    }))
                }),
            );
            let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
            let address = listener.local_addr().unwrap();
            tokio::spawn(async move { axum::serve(listener, app).await });
            format!("http://{address}/stall")
        })
    }

    #[test]
    fn a_failed_download_keeps_failing_and_debug_shows_no_content() {
        let server = tokio::runtime::Runtime::new().unwrap();
        let url = serve(&server);
        let flavour = Blocking::new().unwrap();
        let inner = flavour
            .run(async move {
                let response = reqwest::get(url).await.unwrap();
                crate::Download::from_streamed(Streamed {
                    response,
                    operation: "DownloadThing",
                    idle_timeout: Some(Duration::from_millis(300)),
                })
            })
            .unwrap();
        let mut download = Download::new(inner, flavour);
        let mut first = [0u8; 10];
        assert_eq!(download.read(&mut first).unwrap(), 10);
        let shown = format!("{download:?}");
        assert!(
            !shown.contains("sss") && shown.contains("buffered: 990"),
            "{shown}"
        );
        let mut rest = Vec::new();
        let error = download.read_to_end(&mut rest).unwrap_err();
        assert_eq!(error.kind(), io::ErrorKind::TimedOut, "{error}");
        assert_eq!(rest.len(), 990, "what came before the stall");
        let again = download.read(&mut first).unwrap_err();
        assert_eq!(
            again.kind(),
            io::ErrorKind::TimedOut,
            "not taken for the end"
        );
    }
}
