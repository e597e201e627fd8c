//! `pr.backfill`: the thread of a PR that was open before Threadline
//! joined, made as `pr.opened` makes it, with one line saying so instead
//! of its history. Its [`Delivery`] is synthetic, `backfill:{repo id}:
//! {number}`, so a second backfill is a duplicate in `web`'s dedupe.

use crate::{Delivery, Job, PullRequest, Repo, QUEUE_THREADS};
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PrBackfill {
    pub delivery: Delivery,
    pub repo: Repo,
    pub pr: PullRequest,
    /// GitHub's `created_at` of the PR (ISO 8601).
    #[serde(default)]
    pub opened_at: String,
    /// Conversation comments so far (`comments`).
    #[serde(default)]
    pub comments: u64,
    /// Line comments so far (`review_comments`).
    #[serde(default)]
    pub review_comments: u64,
}

impl PrBackfill {
    /// The synthetic delivery of the backfill of PR `number` of `repo_id`.
    pub fn delivery_of(repo_id: u64, number: u64) -> Delivery {
        Delivery {
            id: format!("backfill:{repo_id}:{number}"),
            hook_id: None,
            seq: 0,
            replay: None,
        }
    }
}

impl Job for PrBackfill {
    const KIND: &'static str = "pr.backfill";
    const QUEUE: &'static str = QUEUE_THREADS;

    fn delivery(&self) -> &Delivery {
        &self.delivery
    }
}
