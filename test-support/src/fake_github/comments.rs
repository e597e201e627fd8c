//! Issue comments on the fake GitHub, with the shapes of GitHub's REST
//! description (`issue-comment`): list a PR's comments (paged, ascending
//! by id), create one (201 with `Location`), edit one (200). Comments are
//! made as the token's user (`threadline-bot`, `User`) or, for an
//! installation token, as the App's bot (`threadline-test[bot]`, `Bot`).

use super::routes::paged;
use super::server::{Caller, Incoming, Reply};
use super::state::{iso, now_ms, State};
use serde_json::{json, Value};

/// The login comments made with the token are by.
pub const TOKEN_USER: &str = "threadline-bot";
/// The login comments made as the App are by.
pub const APP_BOT: &str = "threadline-test[bot]";

/// One comment on an issue or PR.
#[derive(Debug, Clone)]
pub struct Comment {
    pub repo: String,
    pub issue: u64,
    pub value: Value,
}

pub fn list(st: &State, req: &Incoming, repo: &str, issue: &str) -> Reply {
    let issue: u64 = issue.parse().unwrap_or(0);
    let items = st
        .comments
        .iter()
        .filter(|c| c.repo == repo && c.issue == issue)
        .map(|c| c.value.clone())
        .collect();
    paged(req, items)
}

pub fn create(st: &mut State, req: &Incoming, repo: &str, issue: &str) -> Reply {
    let Some(body) = body_of(req) else {
        return Reply::error(422, "Invalid request.\n\n\"body\" wasn't supplied.");
    };
    let Ok(issue) = issue.parse::<u64>() else {
        return Reply::error(404, "Not Found");
    };
    if !st
        .pulls
        .get(repo)
        .is_some_and(|p| p.iter().any(|p| p["number"] == issue))
    {
        return Reply::error(404, "Not Found");
    }
    let id = st.next_id();
    let (login, kind, user_id) = match req.caller {
        Caller::Installation(_) => (APP_BOT, "Bot", 41898282u64),
        _ => (TOKEN_USER, "User", 7001),
    };
    let at = iso(now_ms());
    let html = format!("https://github.com/{repo}/pull/{issue}#issuecomment-{id}");
    let url = format!("{}/repos/{repo}/issues/comments/{id}", req.base);
    let value = json!({
        "id": id, "node_id": format!("IC_kwDO{id}"), "url": url, "html_url": html,
        "body": body, "user": {"login": login, "id": user_id, "type": kind},
        "created_at": at, "updated_at": at,
        "issue_url": format!("{}/repos/{repo}/issues/{issue}", req.base),
        "author_association": "NONE",
    });
    st.comments.push(Comment {
        repo: repo.to_string(),
        issue,
        value: value.clone(),
    });
    let mut reply = Reply::json(201, value);
    reply.location = Some(url);
    reply
}

pub fn edit(st: &mut State, req: &Incoming, repo: &str, id: &str) -> Reply {
    let Some(body) = body_of(req) else {
        return Reply::error(422, "Invalid request.\n\n\"body\" wasn't supplied.");
    };
    let id: u64 = id.parse().unwrap_or(0);
    let found = st
        .comments
        .iter_mut()
        .find(|c| c.repo == repo && c.value["id"] == id);
    match found {
        Some(c) => {
            c.value["body"] = json!(body);
            c.value["updated_at"] = json!(iso(now_ms()));
            Reply::json(200, c.value.clone())
        }
        None => Reply::error(404, "Not Found"),
    }
}

fn body_of(req: &Incoming) -> Option<String> {
    let v: Value = serde_json::from_slice(&req.body).ok()?;
    v["body"].as_str().map(str::to_string)
}
