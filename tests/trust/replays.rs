//! A comment is posted again only for `threadline replay --force`, which
//! marks the job in a field of its own; a delivery id that merely looks
//! like a replay's (`x:replay:7`) is refused by `web`, and a job carrying
//! one is deduped by the worker like any other.

use super::{post_raw, support};
use support::history::{Event, History};
use support::stack::Stack;
use threadline::settings::{Common, FaktoryAddr};
use threadline::web::router::{route, JobPlan, Routed};

/// How many messages of the PR's one thread say `words`.
fn saying(stack: &Stack, words: &str) -> usize {
    let threads = stack.discord.threads();
    assert_eq!(threads.len(), 1, "one thread: {threads:?}");
    let messages = stack.discord.messages(threads[0].id);
    messages
        .iter()
        .filter(|m| m.content.contains(words))
        .count()
}

/// A PR with one comment, delivered and performed.
async fn commented(stack: &Stack, words: &str) -> Event {
    let mut story = History::new(951, 3, "Forged");
    story.opened().comment("alice", words);
    stack.deliver_all(&story.events).await;
    stack.quiesce().await;
    assert_eq!(saying(stack, words), 1);
    story.events.pop().expect("the comment's delivery")
}

#[tokio::test(flavor = "multi_thread")]
async fn a_webhook_with_a_forged_replay_id_does_not_post_a_comment_twice() {
    let stack = Stack::start().await;
    let _worker = stack.worker().spawn();
    let comment = commented(&stack, "said once").await;
    let (status, said) = post_raw(
        &stack.app,
        comment.name,
        "x:replay:7",
        Some("4242"),
        &comment.body,
    )
    .await;
    stack.quiesce().await;
    assert_eq!(saying(&stack, "said once"), 1, "posted once");
    assert_eq!(status, 400, "{said}");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_job_whose_delivery_id_looks_like_a_replay_is_deduped_like_any_other() {
    let stack = Stack::start().await;
    let _worker = stack.worker().spawn();
    let comment = commented(&stack, "still once").await;
    // As an older `web`, or anything else, might have queued it: the id
    // says replay, the job's own field does not.
    let delivery: threadline_jobs::Delivery = serde_json::from_value(serde_json::json!({
        "id": "x:replay:7",
        "hook_id": "4242",
    }))
    .unwrap();
    let plan = JobPlan {
        common: Common {
            faktory: FaktoryAddr::parse(&stack.faktory.url()).unwrap(),
            redis_url: stack.app.redis_url.clone(),
            namespace: stack.app.namespace.clone(),
            reserve_for: std::time::Duration::from_secs(60),
        },
        reserve_for: std::time::Duration::from_secs(60),
        config: std::sync::Arc::new(threadline::config::Config::without_file(
            &threadline::config::EnvOverrides {
                fallback: Some(1),
                ..Default::default()
            },
        )),
    };
    let Ok(Routed::Enqueue { job, .. }) = route(comment.name, delivery, &comment.body, &plan)
    else {
        panic!("the comment is not queued");
    };
    let mut client = faktory::Client::connect_to(&stack.faktory.url())
        .await
        .unwrap();
    client.enqueue(job.stamp(0).build()).await.unwrap();
    stack.quiesce().await;
    assert_eq!(
        saying(&stack, "still once"),
        1,
        "deduped by the comment's id"
    );
}
