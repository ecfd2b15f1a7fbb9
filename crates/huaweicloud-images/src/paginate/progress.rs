//! Detects a service that makes no progress through a listing, with memory bounded by two pages.

use std::collections::HashSet;

/// The item ids of one page, and the offset it was requested at.
struct Seen {
    offset: u64,
    keys: HashSet<String>,
}

/// Compares each page's ids with those of the previous page and of a checkpoint page.
///
/// The checkpoint moves to the current page after 1, 2, 4, 8, … pages (Brent's cycle detection),
/// so a service cycling through any number of pages is caught within a few cycles, while only two
/// pages' ids are ever kept.
pub(super) struct ProgressGuard {
    previous: Option<Seen>,
    checkpoint: Option<Seen>,
    /// Pages checked since the checkpoint last moved.
    since_checkpoint: u32,
    /// Pages after which the checkpoint moves next.
    span: u32,
}

impl ProgressGuard {
    pub(super) fn new() -> Self {
        ProgressGuard {
            previous: None,
            checkpoint: None,
            since_checkpoint: 0,
            span: 1,
        }
    }

    /// Checks the ids of the non-empty page at `offset`; `Err` says why it makes no progress.
    ///
    /// A page without any id cannot be compared and always passes.
    pub(super) fn check(&mut self, offset: u64, keys: HashSet<String>) -> Result<(), String> {
        if keys.is_empty() {
            return Ok(());
        }
        if let Some(previous) = &self.previous
            && keys.is_subset(&previous.keys)
        {
            return Err(format!(
                "every item of this page was already in the previous page (offset {}): the \
                 service ignored the offset or repeated a page",
                previous.offset
            ));
        }
        if let Some(checkpoint) = &self.checkpoint
            && keys.is_subset(&checkpoint.keys)
        {
            return Err(format!(
                "every item of this page was already in the page at offset {}: the service is \
                 cycling through the same pages",
                checkpoint.offset
            ));
        }
        self.since_checkpoint = self.since_checkpoint.saturating_add(1);
        if self.checkpoint.is_none() || self.since_checkpoint >= self.span {
            self.checkpoint = Some(Seen {
                offset,
                keys: keys.clone(),
            });
            self.span = self.span.saturating_mul(2);
            self.since_checkpoint = 0;
        }
        self.previous = Some(Seen { offset, keys });
        Ok(())
    }
}
