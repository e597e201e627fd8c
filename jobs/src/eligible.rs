//! `pr.eligible`: a PR the filters kept out now passes them (a label was
//! removed or added, it became ready for review while drafts are held, or
//! its base branch changed). Its effect is the thread, if there is none
//! yet, and a line saying why it appears now.

use crate::{Delivery, Job, PullRequest, Repo, QUEUE_THREADS};
use serde::{Deserialize, Serialize};

/// Args of `pr.eligible`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PrEligible {
    pub delivery: Delivery,
    pub repo: Repo,
    pub pr: PullRequest,
    /// Why it appears now, e.g. "the label \"wip\" was removed".
    pub reason: String,
}

impl Job for PrEligible {
    const KIND: &'static str = "pr.eligible";
    const QUEUE: &'static str = QUEUE_THREADS;

    fn delivery(&self) -> &Delivery {
        &self.delivery
    }
}
