//! The pull request's own events: opened, edited (title, base), draft and
//! ready, pushed, labels, review requests, closed, merged and reopened.

use super::History;
use serde_json::{json, Value};

impl History {
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
}
