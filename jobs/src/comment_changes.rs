//! Edits and deletions of comments: `issue_comment` and
//! `pull_request_review_comment` with action `edited` or `deleted`.
//!
//! One kind per kind of comment, with `deleted` saying which action, so
//! that an edit and a deletion of one comment share a shape and an order:
//! the comment's `updated_at`, ties broken by `delivery.seq`. Each job
//! carries everything the create job's message is rendered from, so that
//! an edit re-renders the message exactly as the create would have.

use crate::{Delivery, Excerpt, Job, PullRequest, Repo, QUEUE_MESSAGES};
use serde::{Deserialize, Serialize};

/// `issue_comment` `edited` or `deleted` on a PR: the forwarded message
/// (see `pr.commented`) is re-rendered or deleted.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PrCommentChanged {
    pub delivery: Delivery,
    pub repo: Repo,
    pub pr: PullRequest,
    pub comment_id: u64,
    /// True for `deleted`, false for `edited`.
    pub deleted: bool,
    /// The comment's `updated_at` (a deletion keeps the last edit's).
    pub updated_at: String,
    pub author: String,
    pub body: Excerpt,
    pub html_url: String,
}

impl Job for PrCommentChanged {
    const KIND: &'static str = "pr.comment_changed";
    const QUEUE: &'static str = QUEUE_MESSAGES;

    fn delivery(&self) -> &Delivery {
        &self.delivery
    }
}

/// `pull_request_review_comment` `edited` or `deleted`: the line comment's
/// entry in its review's message (see `pr.review_comment`) is re-rendered
/// or removed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PrReviewCommentChanged {
    pub delivery: Delivery,
    pub repo: Repo,
    pub pr: PullRequest,
    pub review_id: u64,
    pub comment_id: u64,
    /// True for `deleted`, false for `edited`.
    pub deleted: bool,
    /// The comment's `updated_at` (a deletion keeps the last edit's).
    pub updated_at: String,
    pub author: String,
    pub path: String,
    #[serde(default)]
    pub line: Option<u64>,
    #[serde(default)]
    pub diff_tail: String,
    pub body: Excerpt,
    pub html_url: String,
}

impl Job for PrReviewCommentChanged {
    const KIND: &'static str = "pr.review_comment_changed";
    const QUEUE: &'static str = QUEUE_MESSAGES;

    fn delivery(&self) -> &Delivery {
        &self.delivery
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{decode, encode, PrCommented};
    use serde_json::json;

    fn pr() -> serde_json::Value {
        json!({"number": 5, "title": "Fix", "html_url": "https://github.com/o/r/pull/5",
               "author": "octocat", "base_ref": "main", "head_label": "octocat:fix"})
    }

    #[test]
    fn a_comment_job_from_an_older_web_decodes_without_an_id() {
        let old = json!({"delivery": {"id": "d"}, "repo": {"id": 1, "full_name": "o/r"},
                         "pr": pr(), "author": "a", "body": {"text": "hi"}, "html_url": "u"});
        let job = decode::<PrCommented>(&[old]).unwrap();
        assert_eq!((job.comment_id, job.updated_at.as_str()), (0, ""));
    }

    #[test]
    fn changes_round_trip_on_the_messages_queue() {
        let args = json!({"delivery": {"id": "d", "seq": 9}, "repo": {"id": 1, "full_name": "o/r"},
                          "pr": pr(), "comment_id": 7, "deleted": true,
                          "updated_at": "2026-01-01T00:00:01Z", "author": "a",
                          "body": {"text": "hi"}, "html_url": "u"});
        let job = decode::<PrCommentChanged>(&[args]).unwrap();
        let env = encode(&job).unwrap();
        assert_eq!(
            (env.kind, env.queue),
            ("pr.comment_changed", QUEUE_MESSAGES)
        );
        assert_eq!(decode::<PrCommentChanged>(&env.args).unwrap(), job);
        assert_eq!(job.delivery.seq, 9);
        assert!(crate::ALL_KINDS.contains(&PrReviewCommentChanged::KIND));
    }
}
