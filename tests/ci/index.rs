//! Commits found only through the head-commit index `web` keeps from
//! `pull_request` deliveries: a fork's (empty `pull_requests[]`), a legacy
//! commit status, a new push; and a commit no PR is known for.

use crate::support::stack::Stack;
use crate::*;
use serde_json::json;

const NEW: &str = "2222222bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb";

#[tokio::test(flavor = "multi_thread")]
async fn a_status_and_a_fork_run_are_found_through_the_index() {
    let stack = Stack::start().await;
    let _worker = stack.worker().spawn();
    let repo = 932;
    opened(&stack, repo, 32, SHA).await;
    let mut fork = check_run(repo, SHA, 9001, "build", 601, Some("success"), 5);
    fork.body["check_run"]["pull_requests"] = json!([]);
    fork.body["check_run"]["check_suite"]["pull_requests"] = json!([]);
    let events = [fork, status(repo, SHA, "ci/circleci", "success", 6)];
    deliver_ci(&stack, &events, 100).await;
    let texts = texts(&stack);
    let summary = texts
        .iter()
        .find(|t| t.starts_with("**CI** on `1111111`"))
        .expect("a summary");
    assert!(
        summary.contains("build") && summary.contains("ci/circleci"),
        "{summary}"
    );
    assert_eq!(
        texts
            .iter()
            .filter(|t| t.starts_with("✅ CI passed on `1111111`"))
            .count(),
        1
    );
    // A commit of no known PR (a branch without one) changes nothing.
    let before = stack.discord.requests().len();
    deliver_ci(
        &stack,
        &[status(repo, "9999999", "ci/other", "failure", 7)],
        200,
    )
    .await;
    assert_eq!(stack.discord.requests().len(), before);
    assert_no_dead(&stack).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_new_push_starts_a_new_summary_and_supersedes_the_old() {
    let stack = Stack::start().await;
    let _worker = stack.worker().spawn();
    let repo = 933;
    let mut h = opened(&stack, repo, 33, SHA).await;
    deliver_ci(&stack, &[status(repo, SHA, "ci/a", "pending", 5)], 300).await;
    h.pushed()
        .edit_last(|v| v["pull_request"]["head"]["sha"] = json!(NEW));
    stack.deliver_all(&h.events).await;
    deliver_ci(&stack, &[status(repo, NEW, "ci/a", "pending", 8)], 400).await;
    let texts = texts(&stack);
    let old = texts
        .iter()
        .find(|t| t.starts_with("**CI** on `1111111`"))
        .expect("old summary");
    assert!(old.contains("Superseded"), "{old}");
    let new = texts
        .iter()
        .find(|t| t.starts_with("**CI** on `2222222`"))
        .expect("new summary");
    assert!(!new.contains("Superseded"), "{new}");
    assert_no_dead(&stack).await;
}
