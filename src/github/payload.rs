//! The parts of GitHub webhook payloads Threadline reads.
//!
//! Only the fields a job needs are declared; everything else is skipped
//! while parsing, so a 25 MB payload costs one pass and no copies. Fields
//! GitHub may omit or null are `Option`, so a surprising payload becomes
//! a clear "missing field" answer rather than a panic.

use crate::text;
use serde::de::IgnoredAny;
use serde::Deserialize;
use threadline_jobs::Excerpt;

/// A `pull_request` delivery.
#[derive(Debug, Deserialize)]
pub struct PullRequestEvent {
    pub action: String,
    pub pull_request: Option<PullRequest>,
    pub repository: Option<Repository>,
    pub sender: Option<User>,
    pub changes: Option<Changes>,
    pub before: Option<String>,
    pub after: Option<String>,
    pub requested_reviewer: Option<User>,
    pub requested_team: Option<Team>,
    /// The label added or removed (`labeled`, `unlabeled`).
    pub label: Option<Label>,
    /// Never in a `pull_request` body: the marks of a review's, a review
    /// comment's or a review thread's body, whose `pull_request` would
    /// otherwise parse as one (`X-GitHub-Event` is not signed).
    #[serde(default)]
    pub review: Option<IgnoredAny>,
    #[serde(default)]
    pub comment: Option<IgnoredAny>,
    #[serde(default)]
    pub thread: Option<IgnoredAny>,
}

impl PullRequestEvent {
    /// The event whose body this is, when it is not `pull_request`'s.
    pub fn other_event(&self) -> Option<&'static str> {
        match (&self.review, &self.comment, &self.thread) {
            (Some(_), _, _) => Some("pull_request_review"),
            (_, Some(_), _) => Some("pull_request_review_comment"),
            (_, _, Some(_)) => Some("pull_request_review_thread"),
            _ => None,
        }
    }
}

/// An `issue_comment` delivery.
#[derive(Debug, Deserialize)]
pub struct IssueCommentEvent {
    pub action: String,
    pub issue: Option<Issue>,
    pub comment: Option<Comment>,
    pub repository: Option<Repository>,
}

/// A `pull_request_review` delivery.
#[derive(Debug, Deserialize)]
pub struct ReviewEvent {
    pub action: String,
    pub review: Option<Review>,
    pub pull_request: Option<PullRequest>,
    pub repository: Option<Repository>,
    pub sender: Option<User>,
}

/// A `pull_request_review_comment` delivery.
#[derive(Debug, Deserialize)]
pub struct ReviewCommentEvent {
    pub action: String,
    pub comment: Option<ReviewComment>,
    pub pull_request: Option<PullRequest>,
    pub repository: Option<Repository>,
}

#[derive(Debug, Deserialize)]
pub struct PullRequest {
    pub number: u64,
    pub title: String,
    pub html_url: String,
    pub user: User,
    pub base: GitRef,
    pub head: GitRef,
    pub draft: Option<bool>,
    pub body: Option<String>,
    pub state: Option<String>,
    pub merged: Option<bool>,
    pub merged_by: Option<User>,
    pub updated_at: Option<String>,
    pub commits: Option<u64>,
    #[serde(default)]
    pub labels: Vec<Label>,
}

/// The issue side of a PR, as `issue_comment` deliveries carry it.
#[derive(Debug, Deserialize)]
pub struct Issue {
    pub number: u64,
    pub title: String,
    pub html_url: String,
    pub user: User,
    pub state: Option<String>,
    pub draft: Option<bool>,
    pub updated_at: Option<String>,
    pub body: Option<String>,
    /// Present only when the issue is a pull request.
    pub pull_request: Option<IgnoredAny>,
    #[serde(default)]
    pub labels: Vec<Label>,
}

/// A label on a PR or issue.
#[derive(Debug, Deserialize)]
pub struct Label {
    pub name: String,
}

#[derive(Debug, Deserialize)]
pub struct Comment {
    /// Required by edits and deletions, which name the comment by it.
    pub id: Option<u64>,
    pub body: Option<String>,
    pub html_url: String,
    pub user: User,
    pub updated_at: Option<String>,
}

#[derive(Debug, Deserialize)]
pub struct Review {
    pub state: String,
    pub body: Option<String>,
    pub html_url: String,
    pub user: User,
}

#[derive(Debug, Deserialize)]
pub struct ReviewComment {
    pub id: u64,
    pub pull_request_review_id: Option<u64>,
    pub path: String,
    pub line: Option<u64>,
    pub original_line: Option<u64>,
    pub diff_hunk: Option<String>,
    pub body: Option<String>,
    pub html_url: String,
    pub user: User,
    pub updated_at: Option<String>,
}

#[derive(Debug, Deserialize)]
pub struct User {
    pub login: String,
    #[serde(default, rename = "type")]
    pub kind: Option<String>,
}

impl User {
    /// GitHub Apps and bots: `type: Bot`, or a login ending in `[bot]`.
    pub fn is_bot(&self) -> bool {
        self.kind.as_deref() == Some("Bot") || self.login.ends_with("[bot]")
    }
}

#[derive(Debug, Deserialize)]
pub struct Team {
    pub name: String,
    pub slug: Option<String>,
}

#[derive(Debug, Deserialize)]
pub struct Changes {
    pub title: Option<From>,
    /// `edited` with a new base branch: `changes.base.ref.from`.
    pub base: Option<BaseChange>,
}

#[derive(Debug, Deserialize)]
pub struct BaseChange {
    #[serde(rename = "ref")]
    pub name: Option<From>,
}

#[derive(Debug, Deserialize)]
pub struct From {
    pub from: String,
}

#[derive(Debug, Deserialize)]
pub struct GitRef {
    #[serde(rename = "ref")]
    pub name: String,
    pub label: Option<String>,
}

#[derive(Debug, Deserialize)]
pub struct Repository {
    pub id: u64,
    pub full_name: String,
    pub html_url: Option<String>,
    pub owner: Option<User>,
}

/// A repository, organisation or installation as a delivery names it
/// (`repository`, `organization`, `installation`, `repositories[]`):
/// whichever of these fields the object has.
#[derive(Debug, Deserialize)]
pub struct Named {
    pub full_name: Option<String>,
    pub login: Option<String>,
    pub id: Option<u64>,
}

/// A cleaned, bounded excerpt of a GitHub text.
pub fn excerpt(body: Option<&str>) -> Excerpt {
    let (text, truncated) = text::body_excerpt(body);
    Excerpt { text, truncated }
}

impl PullRequest {
    /// The job's view of this PR.
    pub fn to_job(&self) -> threadline_jobs::PullRequest {
        let body = excerpt(self.body.as_deref());
        threadline_jobs::PullRequest {
            number: self.number,
            title: self.title.clone(),
            html_url: self.html_url.clone(),
            author: self.user.login.clone(),
            base_ref: self.base.name.clone(),
            head_label: self
                .head
                .label
                .clone()
                .unwrap_or_else(|| self.head.name.clone()),
            draft: self.draft.unwrap_or(false),
            body_excerpt: body.text,
            body_truncated: body.truncated,
            state: self.state.clone().unwrap_or_else(|| "open".into()),
            merged: self.merged.unwrap_or(false),
            updated_at: self.updated_at.clone().unwrap_or_default(),
            from_issue: false,
        }
    }
}

impl Issue {
    /// The job's view of the PR behind this issue; branches are unknown here.
    pub fn to_job(&self) -> threadline_jobs::PullRequest {
        let body = excerpt(self.body.as_deref());
        threadline_jobs::PullRequest {
            number: self.number,
            title: self.title.clone(),
            html_url: self.html_url.clone(),
            author: self.user.login.clone(),
            base_ref: String::new(),
            head_label: String::new(),
            draft: self.draft.unwrap_or(false),
            body_excerpt: body.text,
            body_truncated: body.truncated,
            state: self.state.clone().unwrap_or_else(|| "open".into()),
            merged: false,
            updated_at: self.updated_at.clone().unwrap_or_default(),
            from_issue: true,
        }
    }
}

impl PullRequestEvent {
    /// The requested team as `org/slug`, as `[teams]` names it: the
    /// organisation is the repository's owner.
    pub fn requested_team_slug(&self) -> Option<String> {
        let team = self.requested_team.as_ref()?;
        let repo = self.repository.as_ref()?;
        let org = match &repo.owner {
            Some(owner) => owner.login.as_str(),
            None => repo.full_name.split('/').next()?,
        };
        Some(format!("{org}/{}", team.slug.as_deref()?))
    }
}

impl Repository {
    pub fn to_job(&self) -> threadline_jobs::Repo {
        threadline_jobs::Repo {
            id: self.id,
            full_name: self.full_name.clone(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn event(json: serde_json::Value) -> Option<PullRequestEvent> {
        serde_json::from_value(json).ok()
    }

    #[test]
    fn a_requested_team_is_named_org_slash_slug() {
        let repo = serde_json::json!({ "id": 1, "full_name": "acme/rocket", "owner": { "login": "Acme" } });
        let team = serde_json::json!({ "name": "Core Team", "slug": "core-team" });
        let e = event(
            serde_json::json!({ "action": "review_requested", "repository": repo, "requested_team": team }),
        );
        let slug = e.and_then(|e| e.requested_team_slug());
        assert_eq!(slug.as_deref(), Some("Acme/core-team"));
        // Without an owner object, the owner part of the full name.
        let repo = serde_json::json!({ "id": 1, "full_name": "acme/rocket" });
        let e = event(
            serde_json::json!({ "action": "review_requested", "repository": repo, "requested_team": team }),
        );
        let slug = e.and_then(|e| e.requested_team_slug());
        assert_eq!(slug.as_deref(), Some("acme/core-team"));
        let person = event(serde_json::json!({ "action": "review_requested", "repository": repo }));
        assert_eq!(person.and_then(|e| e.requested_team_slug()), None);
    }
}
