//! Where and what: `/dibs on` run in a PR's thread names the PR (the
//! worker keeps `thread:{id}` → PR when it creates a thread), and a fixed
//! list of resources refuses other names.

use super::{text, user, Dibs, ALL_ON};
use support::fixtures::fixture;
use support::stack::WAIT;
use support::wait::eventually;

use super::support;

#[tokio::test(flavor = "multi_thread")]
async fn dibs_in_a_pr_thread_names_the_pr() {
    let dibs = Dibs::start(ALL_ON).await;
    let _worker = dibs.stack.worker().token("token").spawn();
    let opened = fixture("pull_request/opened.json");
    let res = dibs
        .stack
        .app
        .deliver("pull_request", "d-dibs-1", &opened)
        .await;
    assert!(res.status().is_success());
    eventually(WAIT, "the PR's thread", || async {
        !dibs.stack.discord.threads().is_empty()
    })
    .await;
    // The thread is recorded (with its PR) once Discord answered.
    dibs.stack.quiesce().await;
    let thread = dibs.stack.discord.threads()[0].id;

    let took = text(
        &dibs
            .dibs_in(thread, user(1), "on", &[("resource", "staging")])
            .await,
    );
    assert!(took.contains("for Codertocat/Hello-World#2"), "{took}");
    let listed = text(&dibs.dibs(user(2), "list", &[]).await);
    assert!(
        listed.contains(
            "for Codertocat/Hello-World#2 (<https://github.com/Codertocat/Hello-World/pull/2>)"
        ),
        "{listed}"
    );
    let elsewhere = text(&dibs.dibs(user(2), "on", &[("resource", "pixel")]).await);
    assert!(!elsewhere.contains(" for "), "not a PR thread: {elsewhere}");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_fixed_list_refuses_other_resources() {
    let dibs = Dibs::start_with(ALL_ON, &["staging", "pixel-7"]).await;
    let ok = dibs.dibs(user(1), "on", &[("resource", "STAGING")]).await;
    assert_eq!(ok["flags"], serde_json::Value::Null, "{ok}");
    let refused = dibs.dibs(user(1), "on", &[("resource", "prod")]).await;
    assert_eq!(refused["flags"], 64);
    assert!(
        text(&refused).contains("unknown resource `prod`"),
        "{refused}"
    );
    let body = serde_json::json!({"action": "take", "holder": "ci"});
    let (status, _) = super::api::call(&dibs, super::API_TOKEN, "prod", body).await;
    assert_eq!(status, 400);
    let listed = super::api::list(&dibs).await;
    assert_eq!(listed["resources"].as_array().unwrap().len(), 1);
}
