//! A download read blocking: [`std::io::Read`] over the async [`crate::Download`].

use std::io;

use bytes::{Buf, Bytes};

use crate::error::Result;
use crate::flavour::Blocking;

/// The blocking counterpart of [`crate::Download`]: its chunks come one call at a time on the
/// blocking client's runtime, and it reads as a [`std::io::Read`] (so `std::io::copy` writes it
/// to a file without holding it in memory).
#[derive(Debug)]
#[must_use = "a download does nothing until its chunks are read"]
pub struct Download {
    status: u16,
    headers: http::HeaderMap,
    content_length: Option<u64>,
    inner: Option<crate::Download>,
    /// What was received and not read yet.
    buffered: Bytes,
    flavour: Blocking,
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
            match self.chunk().map_err(io::Error::other)? {
                Some(chunk) => self.buffered = chunk,
                None => return Ok(0),
            }
        }
        let n = out.len().min(self.buffered.len());
        out[..n].copy_from_slice(&self.buffered[..n]);
        self.buffered.advance(n);
        Ok(n)
    }
}
