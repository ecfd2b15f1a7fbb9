//! The retry budget: a token bucket shared by every call of one client to one service. A retry
//! spends from it (a time-out or a lost connection more than an error answer, since it held a
//! connection for longer), a successful answer refills it; when it cannot pay for a retry, the
//! failure is returned at once instead of adding load to a service that is struggling. The
//! defaults are those of the AWS SDKs' standard retry mode: 500 tokens, 5 per retry, 10 per retry
//! after a time-out or lost connection, 1 back per success.

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

    /// Pays for a retry (after no answer at all when `no_answer`); `false` when the budget cannot.
    pub(crate) fn try_spend(&self, no_answer: bool) -> bool {
        let cost = if no_answer {
            self.config.no_answer_cost
        } else {
            self.config.retry_cost
        };
        let mut tokens = self.tokens();
        if *tokens < cost {
            return false;
        }
        *tokens -= cost;
        true
    }

    /// A successful answer.
    pub(crate) fn refill(&self) {
        let mut tokens = self.tokens();
        *tokens = tokens
            .saturating_add(self.config.success_refill)
            .min(self.config.capacity);
    }

    /// Tokens left.
    #[cfg(test)]
    pub(crate) fn left(&self) -> u32 {
        *self.tokens()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn retries_spend_successes_refill_and_an_empty_budget_refuses() {
        let budget = Budget::new(RetryBudget::default().with_capacity(20));
        assert!(budget.try_spend(false));
        assert!(budget.try_spend(true));
        assert_eq!(budget.left(), 5);
        assert!(!budget.try_spend(true), "10 > 5 left");
        assert!(budget.try_spend(false));
        assert!(!budget.try_spend(false), "empty");
        for _ in 0..30 {
            budget.refill();
        }
        assert_eq!(budget.left(), 20, "never above the capacity");
    }
}
