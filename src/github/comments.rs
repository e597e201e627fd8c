//! Issue comments (a PR is an issue): listing a PR's comments, creating
//! one and editing one, for the back-link Threadline leaves on a PR.
//!
//! - `GET /repos/{o}/{r}/issues/{n}/comments`: paged, ascending by id;
//! - `POST /repos/{o}/{r}/issues/{n}/comments` `{"body"}`: 201;
//! - `PATCH /repos/{o}/{r}/issues/comments/{id}` `{"body"}`: 200.
//!
//! Both writes go through [`super::GitHub::send`]'s write pacing (one per
//! second per identity, shared through Redis): creating comments is what
//! GitHub's secondary limit of 80 content-creating requests a minute is
//! about.

use super::{As, GitHub, GithubError};
use reqwest::Method;
use serde::Deserialize;

/// What Threadline reads of a comment.
#[derive(Debug, Clone, Deserialize, PartialEq, Eq)]
pub struct IssueComment {
    pub id: u64,
    #[serde(default)]
    pub body: Option<String>,
    #[serde(default)]
    pub html_url: String,
}

impl GitHub {
    /// Every comment on issue (or PR) `number` of `repo` (`owner/name`).
    pub async fn issue_comments(
        &self,
        repo: &str,
        number: u64,
        who: As,
    ) -> Result<Vec<IssueComment>, GithubError> {
        let path = format!("/repos/{repo}/issues/{number}/comments?per_page=100");
        self.get_all(&path, who).await
    }

    /// Comments `body` on issue (or PR) `number`.
    pub async fn create_issue_comment(
        &self,
        repo: &str,
        number: u64,
        body: &str,
        who: As,
    ) -> Result<IssueComment, GithubError> {
        let path = format!("/repos/{repo}/issues/{number}/comments");
        let answer = self
            .post(&path, who, &serde_json::json!({ "body": body }))
            .await?;
        super::client::parse(&answer.body, &path)
    }

    /// Replaces the body of comment `id`.
    pub async fn edit_issue_comment(
        &self,
        repo: &str,
        id: u64,
        body: &str,
        who: As,
    ) -> Result<IssueComment, GithubError> {
        let path = format!("/repos/{repo}/issues/comments/{id}");
        let body = serde_json::json!({ "body": body });
        let answer = self.send(Method::PATCH, &path, who, Some(&body)).await?;
        super::client::parse(&answer.body, &path)
    }
}

/// The hidden marker of the back-link comment on the PR whose key is
/// `pr_key` (`pr:{repo id}:{number}`): how a retry finds the comment again,
/// and how `web` knows the webhook of that comment is Threadline's own.
pub fn backlink_marker(pr_key: &str) -> String {
    format!("{BACKLINK_MARK}{pr_key} -->")
}

const BACKLINK_MARK: &str = "<!-- threadline:thread ";

/// Whether a comment's body is a back-link of Threadline's.
pub fn is_backlink(body: &str) -> bool {
    body.contains(BACKLINK_MARK)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_marker_is_hidden_and_recognised() {
        let marker = backlink_marker("pr:4711:7");
        assert_eq!(marker, "<!-- threadline:thread pr:4711:7 -->");
        assert!(is_backlink(&format!("Discussed on Discord\n{marker}")));
        assert!(!is_backlink("<!-- other --> threadline:thread"));
    }
}
