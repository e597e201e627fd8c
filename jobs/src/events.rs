//! The PR event jobs after `pr.opened`: one struct per kind, each carrying
//! the full [`PullRequest`] so that whichever event arrives first can
//! create the thread.

use crate::{Delivery, Excerpt, Job, PullRequest, Repo, QUEUE_MESSAGES, QUEUE_THREADS};
use serde::{Deserialize, Serialize};

macro_rules! job_kind {
    ($ty:ident, $kind:literal, $queue:ident) => {
        impl Job for $ty {
            const KIND: &'static str = $kind;
            const QUEUE: &'static str = $queue;

            fn delivery(&self) -> &Delivery {
                &self.delivery
            }
        }
    };
}

/// `pull_request` `edited` with a title change: rename the thread.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PrRetitled {
    pub delivery: Delivery,
    pub repo: Repo,
    pub pr: PullRequest,
    pub actor: String,
    pub title_from: String,
}
job_kind!(PrRetitled, "pr.retitled", QUEUE_THREADS);

/// `converted_to_draft` / `ready_for_review`: `pr.draft` says which.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PrDraftChanged {
    pub delivery: Delivery,
    pub repo: Repo,
    pub pr: PullRequest,
    pub actor: String,
}
job_kind!(PrDraftChanged, "pr.draft_changed", QUEUE_THREADS);

/// `synchronize`: commits were pushed to the head branch.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PrPushed {
    pub delivery: Delivery,
    pub repo: Repo,
    pub pr: PullRequest,
    pub actor: String,
    pub before: String,
    pub after: String,
    /// Commits in the PR after the push.
    #[serde(default)]
    pub commits: u64,
    /// `https://github.com/o/r/compare/before...after`.
    pub compare_url: String,
}
job_kind!(PrPushed, "pr.pushed", QUEUE_MESSAGES);

/// `review_requested` / `review_request_removed`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PrReviewRequest {
    pub delivery: Delivery,
    pub repo: Repo,
    pub pr: PullRequest,
    pub actor: String,
    /// A login, or a team as `team <name>`.
    pub reviewer: String,
    pub removed: bool,
    /// The requested team as `org/slug` (how `[teams]` names it); `None`
    /// for a person, and in jobs from a `web` older than the field.
    #[serde(default)]
    pub team: Option<String>,
}
job_kind!(PrReviewRequest, "pr.review_request", QUEUE_MESSAGES);

/// `closed` (merged or not) and `reopened`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PrStateChanged {
    pub delivery: Delivery,
    pub repo: Repo,
    pub pr: PullRequest,
    pub actor: String,
    /// Who merged, when `pr.merged`.
    #[serde(default)]
    pub merged_by: Option<String>,
}
job_kind!(PrStateChanged, "pr.state_changed", QUEUE_THREADS);

/// `issue_comment` `created` on a PR.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PrCommented {
    pub delivery: Delivery,
    pub repo: Repo,
    pub pr: PullRequest,
    pub author: String,
    pub body: Excerpt,
    pub html_url: String,
    /// GitHub's comment id, which its edits and deletion name; 0 in jobs
    /// from a `web` older than the field (such comments do not follow).
    #[serde(default)]
    pub comment_id: u64,
    /// The comment's `updated_at`, ordering it against its edits.
    #[serde(default)]
    pub updated_at: String,
}
job_kind!(PrCommented, "pr.commented", QUEUE_MESSAGES);

/// `pull_request_review` `submitted` or `dismissed`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PrReviewed {
    pub delivery: Delivery,
    pub repo: Repo,
    pub pr: PullRequest,
    pub reviewer: String,
    /// `approved`, `changes_requested`, `commented` or `dismissed`.
    pub state: String,
    /// Who dismissed it, for `dismissed`.
    #[serde(default)]
    pub dismissed_by: Option<String>,
    pub body: Excerpt,
    pub html_url: String,
}
job_kind!(PrReviewed, "pr.reviewed", QUEUE_MESSAGES);

/// `pull_request_review_comment` `created`: collected per review, then
/// posted as one message by `pr.review_comments_flush`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PrReviewComment {
    pub delivery: Delivery,
    pub repo: Repo,
    pub pr: PullRequest,
    pub review_id: u64,
    pub comment_id: u64,
    pub author: String,
    pub path: String,
    #[serde(default)]
    pub line: Option<u64>,
    /// The last lines of the diff hunk the comment is on.
    #[serde(default)]
    pub diff_tail: String,
    pub body: Excerpt,
    pub html_url: String,
    /// The comment's `updated_at`, ordering it against its edits.
    #[serde(default)]
    pub updated_at: String,
}
job_kind!(PrReviewComment, "pr.review_comment", QUEUE_MESSAGES);

/// Posts the collected line comments of one review as one message.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReviewCommentsFlush {
    /// The delivery of the comment that scheduled this flush.
    pub delivery: Delivery,
    pub repo: Repo,
    pub pr: PullRequest,
    pub review_id: u64,
}
job_kind!(
    ReviewCommentsFlush,
    "pr.review_comments_flush",
    QUEUE_MESSAGES
);

/// Brings the thread's name and archived state in line with the newest
/// PR state seen; scheduled after events, coalescing renames.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ThreadSync {
    pub delivery: Delivery,
    pub repo: Repo,
    pub pr: PullRequest,
}
job_kind!(ThreadSync, "pr.thread_sync", QUEUE_THREADS);
