//! Pull requests as `GET /repos/{o}/{r}/pulls/{n}` returns them (the
//! `pull-request` shape; the list returns the same objects here, a superset
//! of `pull-request-simple`).

use serde_json::{json, Value};

/// An open PR of `full_name` (repository id `repo_id`).
pub fn pull_request(
    full_name: &str,
    repo_id: u64,
    number: u64,
    title: &str,
    author: &str,
) -> Value {
    let (owner, _) = full_name.split_once('/').unwrap_or((full_name, ""));
    json!({
        "id": repo_id * 100_000 + number,
        "number": number,
        "state": "open",
        "locked": false,
        "title": title,
        "body": format!("Body of {title}"),
        "html_url": format!("https://github.com/{full_name}/pull/{number}"),
        "url": format!("https://api.github.com/repos/{full_name}/pulls/{number}"),
        "user": {"login": author, "id": 7, "type": "User"},
        "labels": [],
        "draft": false,
        "merged": false,
        "created_at": "2026-11-01T10:00:00Z",
        "updated_at": "2026-11-02T10:00:00Z",
        "requested_reviewers": [],
        "requested_teams": [],
        "head": {"label": format!("{author}:feature-{number}"), "ref": format!("feature-{number}"), "sha": "abc123"},
        "base": {"label": format!("{owner}:main"), "ref": "main", "sha": "def456",
                 "repo": {"id": repo_id, "full_name": full_name}},
        "author_association": "CONTRIBUTOR",
        "comments": 0,
        "review_comments": 0,
    })
}
