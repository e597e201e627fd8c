//! A PR's history as signed-ready GitHub deliveries, built from the real
//! fixtures with the PR number, repository, state and `updated_at` set so
//! that the events form one consistent story. Comments and reviews get ids
//! and URLs of their own, as on GitHub.

use super::app::fixture;
use serde_json::{json, Value};

pub struct Event {
    pub name: &'static str,
    pub delivery: String,
    pub body: Vec<u8>,
}

/// The `allowed_mentions` a message pinging exactly `users` and `roles`
/// carries (`{"parse": []}` for nobody).
pub fn allowed(users: &[u64], roles: &[u64]) -> Value {
    let mut v = json!({ "parse": [] });
    let strings = |ids: &[u64]| ids.iter().map(u64::to_string).collect::<Vec<_>>();
    if !users.is_empty() {
        v["users"] = json!(strings(users));
    }
    if !roles.is_empty() {
        v["roles"] = json!(strings(roles));
    }
    v
}

/// Builds the events of one PR, each newer than the last.
pub struct History {
    pub repo_id: u64,
    pub number: u64,
    pub title: String,
    pub draft: bool,
    pub state: &'static str,
    pub merged: bool,
    seq: u32,
    /// The second of the last event's `updated_at`.
    second: u32,
    /// The next event keeps the last event's second.
    tie: bool,
    /// Comments created by `comment`, for their ids.
    comments: u64,
    /// `owner/name` of the repository ("o/r" unless `in_repo` says).
    pub full_name: String,
    /// The PR's labels, in every payload that carries them.
    pub labels: Vec<String>,
    /// The PR's base branch, when set by `base`; the fixture's otherwise.
    pub base: Option<String>,
    pub events: Vec<Event>,
}

impl History {
    pub fn new(repo_id: u64, number: u64, title: &str) -> Self {
        History {
            repo_id,
            number,
            title: title.into(),
            draft: false,
            state: "open",
            merged: false,
            seq: 0,
            second: 0,
            tie: false,
            comments: 0,
            full_name: "o/r".into(),
            labels: vec![],
            base: None,
            events: vec![],
        }
    }

    fn stamp(&mut self) -> String {
        self.seq += 1;
        if !std::mem::take(&mut self.tie) {
            self.second += 1;
        }
        format!(
            "2026-03-01T10:{:02}:{:02}Z",
            self.second / 60,
            self.second % 60
        )
    }

    /// The next event has the same `updated_at` as the last one, as
    /// GitHub's one-second timestamps often give.
    pub fn same_second(&mut self) -> &mut Self {
        self.tie = true;
        self
    }

    fn pr(&mut self, v: &mut Value, at: &str) {
        let pr = &mut v["pull_request"];
        pr["number"] = json!(self.number);
        pr["title"] = json!(self.title);
        pr["draft"] = json!(self.draft);
        pr["state"] = json!(self.state);
        pr["merged"] = json!(self.merged);
        pr["updated_at"] = json!(at);
        pr["html_url"] = json!(format!("https://github.com/o/r/pull/{}", self.number));
        pr["labels"] = self.label_objects();
        if let Some(base) = &self.base {
            pr["base"]["ref"] = json!(base);
        }
    }

    fn label_objects(&self) -> Value {
        json!(self
            .labels
            .iter()
            .map(|l| json!({ "name": l }))
            .collect::<Vec<_>>())
    }

    /// Events from now on are of repository `full_name` (`owner/name`).
    pub fn in_repo(&mut self, full_name: &str) -> &mut Self {
        self.full_name = full_name.into();
        self
    }

    /// The PR starts with these labels (no event).
    pub fn with_labels(&mut self, labels: &[&str]) -> &mut Self {
        self.labels = labels.iter().map(|l| l.to_string()).collect();
        self
    }

    /// The PR is opened into `base` (no event).
    pub fn targeting(&mut self, base: &str) -> &mut Self {
        self.base = Some(base.into());
        self
    }

    /// Changes the JSON of the last event.
    pub fn edit_last(&mut self, edit: impl FnOnce(&mut Value)) -> &mut Self {
        let last = self.events.last_mut().expect("an event to change");
        let mut v: Value = serde_json::from_slice(&last.body).expect("JSON");
        edit(&mut v);
        last.body = serde_json::to_vec(&v).expect("JSON");
        self
    }

    /// A team review request (`requested_team`, no `requested_reviewer`).
    pub fn team_requested(&mut self, name: &str, slug: &str) -> &mut Self {
        self.review_requested("placeholder", false);
        self.edit_last(|v| {
            v["requested_reviewer"] = Value::Null;
            v["requested_team"] = json!({ "name": name, "slug": slug, "id": 1 });
        })
    }

    /// `labeled` or `unlabeled` with `label`.
    pub fn label(&mut self, label: &str, added: bool) -> &mut Self {
        if added {
            self.labels.push(label.into());
        } else {
            self.labels.retain(|l| l != label);
        }
        let action = if added { "labeled" } else { "unlabeled" };
        self.push("pull_request", "pull_request/opened.json", |v| {
            v["action"] = json!(action);
            v["label"] = json!({ "name": label });
        });
        self
    }

    /// `edited` with a new base branch.
    pub fn rebase_onto(&mut self, base: &str) -> &mut Self {
        let from = self
            .base
            .replace(base.into())
            .unwrap_or_else(|| "master".into());
        self.push("pull_request", "pull_request/opened.json", |v| {
            v["action"] = json!("edited");
            v["changes"] = json!({ "base": { "ref": { "from": from } } });
        });
        self
    }

    fn push(&mut self, name: &'static str, template: &str, edit: impl FnOnce(&mut Value)) {
        let mut v: Value = serde_json::from_slice(&fixture(template)).unwrap();
        v["repository"]["id"] = json!(self.repo_id);
        v["repository"]["full_name"] = json!(self.full_name);
        let at = self.stamp();
        if v.get("pull_request").is_some() {
            self.pr(&mut v, &at);
        }
        if v.get("issue").is_some() {
            let issue = &mut v["issue"];
            issue["number"] = json!(self.number);
            issue["title"] = json!(self.title);
            issue["state"] = json!(self.state);
            issue["updated_at"] = json!(at);
            issue["html_url"] = json!(format!("https://github.com/o/r/pull/{}", self.number));
            issue["labels"] = self.label_objects();
            issue["draft"] = json!(self.draft);
        }
        if v.get("comment").is_some() {
            v["comment"]["updated_at"] = json!(at);
        }
        edit(&mut v);
        let delivery = format!("{}-{}-{}", self.repo_id, self.number, self.seq);
        self.events.push(Event {
            name,
            delivery,
            body: serde_json::to_vec(&v).unwrap(),
        });
    }

    pub fn opened(&mut self) -> &mut Self {
        self.push("pull_request", "pull_request/opened.json", |_| {});
        self
    }

    pub fn retitle(&mut self, title: &str) -> &mut Self {
        let from = std::mem::replace(&mut self.title, title.into());
        self.push("pull_request", "pull_request/opened.json", |v| {
            v["action"] = json!("edited");
            v["changes"] = json!({ "title": { "from": from } });
        });
        self
    }

    pub fn draft(&mut self, draft: bool) -> &mut Self {
        self.draft = draft;
        let action = if draft {
            "converted_to_draft"
        } else {
            "ready_for_review"
        };
        self.push("pull_request", "pull_request/opened.json", |v| {
            v["action"] = json!(action)
        });
        self
    }

    pub fn pushed(&mut self) -> &mut Self {
        self.push("pull_request", "pull_request/synchronize.json", |_| {});
        self
    }

    pub fn review_requested(&mut self, login: &str, removed: bool) -> &mut Self {
        let (action, login) = (
            if removed {
                "review_request_removed"
            } else {
                "review_requested"
            },
            login.to_string(),
        );
        self.push("pull_request", "pull_request/review_requested.json", |v| {
            v["action"] = json!(action);
            v["requested_reviewer"]["login"] = json!(login);
        });
        self
    }

    pub fn closed(&mut self, merged: bool) -> &mut Self {
        (self.state, self.merged) = ("closed", merged);
        let template = if merged {
            "pull_request/closed.merged.json"
        } else {
            "pull_request/closed.json"
        };
        self.push("pull_request", template, |_| {});
        self
    }

    pub fn reopened(&mut self) -> &mut Self {
        (self.state, self.merged) = ("open", false);
        self.push("pull_request", "pull_request/reopened.json", |_| {});
        self
    }

    /// A GitHub id unique to the next event of this history, and the URL
    /// GitHub would give the comment or review with that id.
    fn next_object(&self, anchor: &str) -> (u64, String) {
        let id = self.repo_id * 10_000_000 + self.number * 10_000 + u64::from(self.seq + 1);
        let url = format!("https://github.com/o/r/pull/{}#{anchor}{id}", self.number);
        (id, url)
    }

    /// A new comment, with an id of its own (see `last_comment_id`).
    pub fn comment(&mut self, login: &str, body: &str) -> &mut Self {
        self.comments += 1;
        let id = self.repo_id * 1_000_000 + self.number * 1_000 + self.comments;
        self.comment_event("created", id, login, body)
    }

    /// The id of the comment `comment` created last.
    pub fn last_comment_id(&self) -> u64 {
        self.repo_id * 1_000_000 + self.number * 1_000 + self.comments
    }

    /// Comment `id` was edited to say `body`.
    pub fn comment_edited(&mut self, id: u64, login: &str, body: &str) -> &mut Self {
        self.comment_event("edited", id, login, body)
    }

    /// Comment `id` was deleted.
    pub fn comment_deleted(&mut self, id: u64, login: &str) -> &mut Self {
        self.comment_event("deleted", id, login, "(deleted)")
    }

    /// Sets the `updated_at` of the last event's comment (GitHub keeps the
    /// last edit's on a deletion, and two edits may share a second).
    pub fn at(&mut self, updated_at: &str) -> &mut Self {
        let last = self.events.last_mut().expect("an event to change");
        let mut v: Value = serde_json::from_slice(&last.body).unwrap();
        v["comment"]["updated_at"] = json!(updated_at);
        last.body = serde_json::to_vec(&v).unwrap();
        self
    }

    fn comment_event(&mut self, action: &str, id: u64, login: &str, body: &str) -> &mut Self {
        let template = format!("issue_comment/{action}.json");
        let (login, body) = (login.to_string(), body.to_string());
        // The URL GitHub gives the comment, the same across its edits.
        let url = format!(
            "https://github.com/o/r/pull/{}#issuecomment-{id}",
            self.number
        );
        self.push("issue_comment", &template, |v| {
            v["comment"]["id"] = json!(id);
            v["comment"]["html_url"] = json!(url);
            v["comment"]["body"] = json!(body);
            v["comment"]["user"]["login"] = json!(login);
            if login.ends_with("[bot]") {
                v["comment"]["user"]["type"] = json!("Bot");
            }
        });
        self
    }

    pub fn review(&mut self, login: &str, state: &str, body: &str) -> &mut Self {
        let (login, state, body) = (login.to_string(), state.to_string(), body.to_string());
        let (id, url) = self.next_object("pullrequestreview-");
        self.push(
            "pull_request_review",
            "pull_request_review/submitted.json",
            |v| {
                v["review"]["id"] = json!(id);
                v["review"]["html_url"] = json!(url);
                v["review"]["state"] = json!(state);
                v["review"]["body"] = json!(body);
                v["review"]["user"]["login"] = json!(login);
            },
        );
        self
    }

    pub fn dismissed(&mut self, login: &str) -> &mut Self {
        let login = login.to_string();
        self.push(
            "pull_request_review",
            "pull_request_review/dismissed.json",
            |v| {
                v["review"]["user"]["login"] = json!(login);
            },
        );
        self
    }

    pub fn line_comment(&mut self, review_id: u64, comment_id: u64, body: &str) -> &mut Self {
        self.line_comment_event("created", review_id, comment_id, body)
    }

    pub fn line_comment_edited(
        &mut self,
        review_id: u64,
        comment_id: u64,
        body: &str,
    ) -> &mut Self {
        self.line_comment_event("edited", review_id, comment_id, body)
    }

    pub fn line_comment_deleted(&mut self, review_id: u64, comment_id: u64) -> &mut Self {
        self.line_comment_event("deleted", review_id, comment_id, "(deleted)")
    }

    fn line_comment_event(
        &mut self,
        action: &str,
        review_id: u64,
        comment_id: u64,
        body: &str,
    ) -> &mut Self {
        let body = body.to_string();
        let url = format!(
            "https://github.com/o/r/pull/{}#discussion_r{comment_id}",
            self.number
        );
        self.push(
            "pull_request_review_comment",
            &format!("pull_request_review_comment/{action}.json"),
            |v| {
                v["comment"]["pull_request_review_id"] = json!(review_id);
                v["comment"]["id"] = json!(comment_id);
                v["comment"]["html_url"] = json!(url);
                v["comment"]["body"] = json!(body);
            },
        );
        self
    }
}
