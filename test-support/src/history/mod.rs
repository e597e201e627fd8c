//! A PR's history as signed-ready GitHub deliveries, built from the real
//! fixtures with the PR number, repository, state and `updated_at` set so
//! that the events form one consistent story. Comments and reviews get ids
//! and URLs of their own, as on GitHub.
//!
//! Here the story and its setup; the events themselves are in
//! [`pull_request`] (the PR's own lifecycle) and [`discussion`] (comments,
//! reviews and line comments).

mod discussion;
mod pull_request;

use crate::fixtures::fixture;
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
        let label = format!("{}-{}-{}", self.repo_id, self.number, self.seq);
        let delivery = crate::fixtures::guid(&label);
        self.events.push(Event {
            name,
            delivery,
            body: serde_json::to_vec(&v).unwrap(),
        });
    }
}
