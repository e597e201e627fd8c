//! The parts of GitHub webhook payloads Threadline reads.
//!
//! Only the fields a job needs are declared; everything else is skipped
//! while parsing, so a 25 MB payload costs one pass and no copies. Fields
//! GitHub may omit or null are `Option`, so a surprising payload becomes
//! a clear "missing field" answer rather than a panic.

use serde::Deserialize;

/// A `pull_request` delivery.
#[derive(Debug, Deserialize)]
pub struct PullRequestEvent {
    pub action: String,
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
    #[serde(default)]
    pub draft: Option<bool>,
    #[serde(default)]
    pub body: Option<String>,
}

#[derive(Debug, Deserialize)]
pub struct User {
    pub login: String,
}

#[derive(Debug, Deserialize)]
pub struct GitRef {
    #[serde(rename = "ref")]
    pub name: String,
    #[serde(default)]
    pub label: Option<String>,
}

#[derive(Debug, Deserialize)]
pub struct Repository {
    pub id: u64,
    pub full_name: String,
}

impl PullRequest {
    /// The job's view of this PR.
    pub fn to_job(&self) -> threadline_jobs::PullRequest {
        let (body_excerpt, body_truncated) = crate::text::body_excerpt(self.body.as_deref());
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
            body_excerpt,
            body_truncated,
        }
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
