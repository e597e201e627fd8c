//! The conversation on a pull request: issue comments (created, edited,
//! deleted), reviews and their dismissal, and line comments, each with the
//! id and URL GitHub would give it.

use super::History;
use serde_json::{json, Value};

impl History {
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
