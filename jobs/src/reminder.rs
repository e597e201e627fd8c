//! `pr.review_reminder`: a nudge for a requested review, pushed with a
//! future Faktory `at` (the scheduled set is the timer).

use crate::{Delivery, Job, PullRequest, Repo, QUEUE_SCHEDULED};
use serde::{Deserialize, Serialize};

/// Nudge `n` (1 for the first) of request cycle `cycle` of one (PR,
/// reviewer). When it fires it checks the current state: a review, a
/// removed request, a close, a merge or a draft since makes it do nothing.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PrReviewReminder {
    /// The delivery of the request that started the cycle.
    pub delivery: Delivery,
    pub repo: Repo,
    pub pr: PullRequest,
    /// A login, or a team as `team <name>`, as in `pr.review_request`.
    pub reviewer: String,
    /// The team as `org/slug`, for a team.
    #[serde(default)]
    pub team: Option<String>,
    /// Which request of this reviewer on this PR (1, 2, … per new request).
    pub cycle: u64,
    /// Which nudge of the cycle, from 1.
    pub n: u32,
}

impl Job for PrReviewReminder {
    const KIND: &'static str = "pr.review_reminder";
    const QUEUE: &'static str = QUEUE_SCHEDULED;

    fn delivery(&self) -> &Delivery {
        &self.delivery
    }
}
