//! Drops items repeated across a page boundary and detects a service that makes no progress
//! through a listing, with memory bounded by two pages' ids.

use std::collections::HashSet;

/// The item ids of one page, and the offset it was requested at.
struct Seen {
    offset: u64,
    keys: HashSet<String>,
}

/// Compares each page's ids with those of the previous page and of a checkpoint page.
///
/// Items whose id was in the previous page are dropped: items inserted at the head of the listing
/// between two requests push items already delivered onto the next page. A page with nothing else
/// is skipped once (an insertion of exactly one page of items makes the next page repeat the
/// previous one); a second such page in a row means the service ignores the offset or is stuck.
///
/// The checkpoint moves to the current page after 1, 2, 4, 8, … pages (Brent's cycle detection),
/// so a service cycling through any number of pages is caught within a few cycles, while only two
/// pages' ids are ever kept.
pub(super) struct ProgressGuard {
    previous: Option<Seen>,
    checkpoint: Option<Seen>,
    /// The offset of the page just skipped because all its items were in the previous page.
    skipped: Option<u64>,
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
            skipped: None,
            since_checkpoint: 0,
            span: 1,
        }
    }

    /// Checks the non-empty page at `offset`, whose items have the identities `keys` (`true` for
    /// an id, `false` for a fingerprint of the content and the place in the page), and says which
    /// items to deliver: `true` for each item that is new.
    ///
    /// An item with an id is new when it is neither in the previous page nor earlier in this one;
    /// all `false` means the page only repeats the previous one and is to be skipped. An item
    /// without an id is always delivered (equal rows cannot be told apart); a page made only of
    /// such items that repeats the previous page row for row, or a checkpoint page, shows no
    /// progress, whatever total the service reports (one that ignores the offset may well report
    /// a total its pages agree with). `Err` says why the page shows that the service makes no
    /// progress.
    pub(super) fn admit(
        &mut self,
        offset: u64,
        keys: &[(String, bool)],
    ) -> Result<Vec<bool>, String> {
        let repeated = |key: &String| self.previous.as_ref().is_some_and(|p| p.keys.contains(key));
        let mut page_keys: HashSet<String> = HashSet::with_capacity(keys.len());
        let fresh: Vec<bool> = keys
            .iter()
            .map(|(key, identified)| {
                let first_in_page = page_keys.insert(key.clone());
                !identified || (first_in_page && !repeated(key))
            })
            .collect();
        let anonymous = keys.iter().all(|(_, identified)| !identified);
        let previous = self.previous.as_ref().map_or(0, |p| p.offset);
        if anonymous {
            let repeats_previous = self.previous.as_ref().is_some_and(|p| page_keys == p.keys);
            if repeats_previous {
                return Err(format!(
                    "this page repeats the page at offset {previous} row for row, and its rows \
                     have no id: the service ignores the offset or keeps serving the same page"
                ));
            }
        } else if !fresh.contains(&true) {
            if let Some(skipped) = self.skipped {
                return Err(format!(
                    "this page and the one at offset {skipped} held only items of the page at \
                     offset {previous}: the service ignores the offset or keeps serving the same \
                     page"
                ));
            }
            tracing::debug!(
                offset,
                previous,
                "every item of this page was in the previous page (items inserted ahead of it?); \
                 skipping it"
            );
            self.skipped = Some(offset);
            return Ok(fresh);
        }
        // Ids: a page whose ids were all in the checkpoint page. Rows without ids: a page equal
        // to it row for row (a short last page that begins like it is no repeat).
        if let Some(checkpoint) = &self.checkpoint
            && if anonymous {
                page_keys == checkpoint.keys
            } else {
                page_keys.is_subset(&checkpoint.keys)
            }
        {
            return Err(format!(
                "every item of this page was already in the page at offset {}: the service is \
                 cycling through the same pages",
                checkpoint.offset
            ));
        }
        self.skipped = None;
        self.since_checkpoint = self.since_checkpoint.saturating_add(1);
        if self.checkpoint.is_none() || self.since_checkpoint >= self.span {
            self.checkpoint = Some(Seen {
                offset,
                keys: page_keys.clone(),
            });
            self.span = self.span.saturating_mul(2);
            self.since_checkpoint = 0;
        }
        self.previous = Some(Seen {
            offset,
            keys: page_keys,
        });
        Ok(fresh)
    }
}
