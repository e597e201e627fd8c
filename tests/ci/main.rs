//! CI in the PR's thread, through the whole stack (a real `web`, Faktory,
//! Redis and worker against the fake Discord): a matrix delivered out of
//! order with duplicates (`matrix`), and commits found only through the
//! head-commit index (`index`). The payloads are octokit's examples with
//! ids, names, states and timestamps changed in memory.

use threadline_test_support as support;

mod index;
mod matrix;
mod modes;

use serde_json::{json, Value};
use support::fixtures::fixture;
use support::history::History;
use support::stack::Stack;

pub const SHA: &str = "1111111aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa";

/// One CI delivery: the event's name and its body.
pub struct Ci {
    pub name: &'static str,
    pub body: Value,
}

fn base(path: &str, repo_id: u64) -> Value {
    let mut v: Value = serde_json::from_slice(&fixture(path)).unwrap();
    v["repository"]["id"] = json!(repo_id);
    v["repository"]["full_name"] = json!("o/r");
    v
}

/// A check run of `suite` with `conclusion` (`None`: in progress) at second `s`.
pub fn check_run(
    repo_id: u64,
    sha: &str,
    id: u64,
    name: &str,
    suite: u64,
    conclusion: Option<&str>,
    s: u32,
) -> Ci {
    let mut v = base("check_run/completed.json", repo_id);
    let r = &mut v["check_run"];
    r["id"] = json!(id);
    r["name"] = json!(name);
    r["head_sha"] = json!(sha);
    r["check_suite"]["id"] = json!(suite);
    r["html_url"] = json!(format!("https://github.com/o/r/runs/{id}"));
    r["started_at"] = json!(format!("2026-03-01T11:00:{s:02}Z"));
    match conclusion {
        Some(c) => {
            r["conclusion"] = json!(c);
            r["completed_at"] = json!(format!("2026-03-01T11:00:{s:02}Z"));
        }
        None => {
            v["action"] = json!("created");
            v["check_run"]["status"] = json!("in_progress");
            v["check_run"]["conclusion"] = Value::Null;
            v["check_run"]["completed_at"] = Value::Null;
        }
    }
    Ci {
        name: "check_run",
        body: v,
    }
}

pub fn check_suite(repo_id: u64, sha: &str, id: u64, conclusion: &str, s: u32) -> Ci {
    let mut v = base("check_suite/completed.json", repo_id);
    let r = &mut v["check_suite"];
    r["id"] = json!(id);
    r["head_sha"] = json!(sha);
    r["conclusion"] = json!(conclusion);
    r["updated_at"] = json!(format!("2026-03-01T11:00:{s:02}Z"));
    Ci {
        name: "check_suite",
        body: v,
    }
}

pub fn workflow_run(repo_id: u64, sha: &str, id: u64, suite: u64, conclusion: &str, s: u32) -> Ci {
    let mut v = base("workflow_run/completed.json", repo_id);
    let r = &mut v["workflow_run"];
    r["id"] = json!(id);
    r["head_sha"] = json!(sha);
    r["check_suite_id"] = json!(suite);
    r["conclusion"] = json!(conclusion);
    r["pull_requests"] = json!([]);
    r["updated_at"] = json!(format!("2026-03-01T11:00:{s:02}Z"));
    Ci {
        name: "workflow_run",
        body: v,
    }
}

pub fn status(repo_id: u64, sha: &str, context: &str, state: &str, s: u32) -> Ci {
    let mut v: Value = serde_json::from_slice(&fixture("status/status.json")).unwrap();
    v["repository"] = json!({ "id": repo_id, "full_name": "o/r" });
    v["sha"] = json!(sha);
    v["context"] = json!(context);
    v["state"] = json!(state);
    v["updated_at"] = json!(format!("2026-03-01T11:00:{s:02}Z"));
    Ci {
        name: "status",
        body: v,
    }
}

/// Delivers CI events (numbered deliveries from `first`), then waits.
pub async fn deliver_ci(stack: &Stack, events: &[Ci], first: usize) {
    for (i, e) in events.iter().enumerate() {
        let body = serde_json::to_vec(&e.body).unwrap();
        let res = stack
            .app
            .deliver(e.name, &format!("ci-{}", first + i), &body)
            .await;
        assert!(res.status().is_success(), "{} {}", e.name, res.status());
    }
    stack.quiesce().await;
}

/// A PR opened with head `sha`, its thread made.
pub async fn opened(stack: &Stack, repo_id: u64, number: u64, sha: &str) -> History {
    let mut h = History::new(repo_id, number, "CI");
    h.opened()
        .edit_last(|v| v["pull_request"]["head"]["sha"] = json!(sha));
    stack.deliver_all(&h.events).await;
    h.events.clear();
    stack.quiesce().await;
    h
}

/// The texts of the thread's messages now, in order.
pub fn texts(stack: &Stack) -> Vec<String> {
    let threads = stack.discord.threads();
    assert_eq!(threads.len(), 1, "{threads:?}");
    let messages = stack.discord.messages(threads[0].id);
    messages.into_iter().map(|m| m.content).collect()
}

/// PATCHes of messages Discord received.
pub fn edits(stack: &Stack) -> usize {
    let requests = stack.discord.requests();
    requests
        .iter()
        .filter(|r| r.method == "PATCH" && r.path.contains("/messages/"))
        .count()
}

pub async fn assert_no_dead(stack: &Stack) {
    let dead = stack.faktory.set_jobs("dead").await;
    assert!(dead.is_empty(), "dead jobs: {dead:#?}");
}
