//! The retry budget: a token bucket shared by every call of one client to one service. A retry
//! takes a permit from it (a time-out or a lost connection costs more than an error answer, since
//! it held a connection for longer); when it cannot pay for a retry, the failure is returned at
//! once instead of adding load to a service that is struggling. Tokens are lost only for retries
//! that fail again: a retry that succeeds gives its cost back, and so does one whose call is
//! dropped before it is answered; a call that succeeds at the first try adds one. The sizes are
//! those of the AWS SDKs' standard retry mode: 500 tokens, 5 per retry, 10 per retry after a
//! time-out or lost connection, 1 back per first-try success.

use std::sync::{Mutex, PoisonError};

/// How the retry budget of a client is sized ([`crate::RetryPolicy::with_retry_budget`]).
///
/// ```
/// use huaweicloud_images::{RetryBudget, RetryPolicy};
///
/// let tight = RetryPolicy::default().with_retry_budget(RetryBudget::default().with_capacity(50));
/// assert_eq!(tight.retry_budget().map(|b| b.capacity()), Some(50));
/// assert_eq!(RetryPolicy::default().without_retry_budget().retry_budget(), None);
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RetryBudget {
    capacity: u32,
    retry_cost: u32,
    no_answer_cost: u32,
    success_refill: u32,
}

impl Default for RetryBudget {
    fn default() -> Self {
        RetryBudget {
            capacity: 500,
            retry_cost: 5,
            no_answer_cost: 10,
            success_refill: 1,
        }
    }
}

impl RetryBudget {
    /// Tokens when full (and at the start).
    pub fn with_capacity(mut self, tokens: u32) -> Self {
        self.capacity = tokens;
        self
    }

    /// Tokens a retry after an error answer costs.
    pub fn with_retry_cost(mut self, tokens: u32) -> Self {
        self.retry_cost = tokens;
        self
    }

    /// Tokens a retry after a time-out or a lost connection costs.
    pub fn with_no_answer_cost(mut self, tokens: u32) -> Self {
        self.no_answer_cost = tokens;
        self
    }

    /// Tokens a successful answer gives back.
    pub fn with_success_refill(mut self, tokens: u32) -> Self {
        self.success_refill = tokens;
        self
    }

    /// Tokens when full.
    pub fn capacity(&self) -> u32 {
        self.capacity
    }
}

/// A client's budget for one service.
#[derive(Debug)]
pub(crate) struct Budget {
    config: RetryBudget,
    tokens: Mutex<u32>,
}

impl Budget {
    pub(crate) fn new(config: RetryBudget) -> Self {
        Budget {
            config,
            tokens: Mutex::new(config.capacity),
        }
    }

    fn tokens(&self) -> std::sync::MutexGuard<'_, u32> {
        self.tokens.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Pays for a retry (after no answer at all when `no_answer`); `None` when the budget cannot.
    /// The permit gives its cost back when dropped, unless [`Permit::forfeit`]ed.
    pub(crate) fn try_spend(&self, no_answer: bool) -> Option<Permit<'_>> {
        let cost = if no_answer {
            self.config.no_answer_cost
        } else {
            self.config.retry_cost
        };
        let mut tokens = self.tokens();
        if *tokens < cost {
            return None;
        }
        *tokens -= cost;
        Some(Permit {
            budget: self,
            cost,
            forfeited: false,
        })
    }

    /// A call succeeded: after a retry (`permit`), that retry's cost comes back; at the first try,
    /// one token is added.
    pub(crate) fn succeeded(&self, permit: Option<Permit<'_>>) {
        match permit {
            Some(permit) => drop(permit),
            None => self.give_back(self.config.success_refill),
        }
    }

    fn give_back(&self, tokens: u32) {
        let mut left = self.tokens();
        *left = left.saturating_add(tokens).min(self.config.capacity);
    }

    /// Tokens left.
    #[cfg(test)]
    pub(crate) fn left(&self) -> u32 {
        *self.tokens()
    }
}

/// What one retry paid; given back on drop unless forfeited.
#[derive(Debug)]
pub(crate) struct Permit<'a> {
    budget: &'a Budget,
    cost: u32,
    forfeited: bool,
}

impl Permit<'_> {
    /// The retry failed again: its cost is spent for good.
    pub(crate) fn forfeit(mut self) {
        self.forfeited = true;
    }
}

impl Drop for Permit<'_> {
    fn drop(&mut self) {
        if !self.forfeited {
            self.budget.give_back(self.cost);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn retries_spend_successes_refill_and_an_empty_budget_refuses() {
        let budget = Budget::new(RetryBudget::default().with_capacity(20));
        let spend = |no_answer| budget.try_spend(no_answer).map(Permit::forfeit).is_some();
        assert!(spend(false));
        assert!(spend(true));
        assert_eq!(budget.left(), 5);
        assert!(!spend(true), "10 > 5 left");
        assert!(spend(false));
        assert!(!spend(false), "empty");
        for _ in 0..30 {
            budget.succeeded(None);
        }
        assert_eq!(budget.left(), 20, "never above the capacity");
    }

    #[test]
    fn retries_that_succeed_give_their_cost_back() {
        let budget = Budget::new(RetryBudget::default());
        for call in 0..1000 {
            let permit = budget.try_spend(false);
            assert!(permit.is_some(), "call {call}: the budget ran dry");
            budget.succeeded(permit);
        }
        assert_eq!(budget.left(), 500);
    }

    #[test]
    fn a_cancelled_retry_gives_its_cost_back_and_a_failed_one_does_not() {
        let budget = Budget::new(RetryBudget::default().with_capacity(20));
        drop(budget.try_spend(true));
        assert_eq!(budget.left(), 20, "dropped before it was answered");
        budget.try_spend(true).unwrap().forfeit();
        assert_eq!(budget.left(), 10, "the retry failed too");
    }
}
