//! Comment edits and deletions follow on Discord. First the fake's edit
//! and delete routes themselves (`fake`), then the whole stack (a real
//! `web`, Faktory, Redis and worker against the fake Discord): issue
//! comments (`issue`), line comments batched per review (`lines`), and
//! archived or locked threads (`threads`). Every test asserts what the
//! fake Discord ends up showing.

use threadline_test_support as support;

mod fake;
mod issue;
mod lines;
mod threads;

use support::history::{Event, History};
use support::stack::Stack;
use threadline::settings::{Common, FaktoryAddr};
use threadline::web::router::{route, JobPlan, Routed};
use threadline_jobs::Delivery;

/// The PR's one thread.
pub fn thread(stack: &Stack) -> support::fake_discord::StoredThread {
    let threads = stack.discord.threads();
    assert_eq!(threads.len(), 1, "exactly one thread: {threads:?}");
    threads[0].clone()
}

/// What the messages in the PR's thread say now, in order.
pub fn thread_texts(stack: &Stack) -> Vec<String> {
    let messages = stack.discord.messages(thread(stack).id);
    messages.into_iter().map(|m| m.content).collect()
}

pub fn has(texts: &[String], needle: &str) -> usize {
    texts.iter().filter(|t| t.contains(needle)).count()
}

/// Delivers the history's new events in order, then waits for every job.
pub async fn deliver(stack: &Stack, h: &mut History) {
    stack.deliver_all(&h.events).await;
    h.events.clear();
    stack.quiesce().await;
}

/// Message edits (PATCH) and deletions (DELETE) Discord received.
pub fn changes(stack: &Stack) -> Vec<(String, u16)> {
    let requests = stack.discord.requests();
    let changes = requests.iter().filter(|r| {
        r.path.contains("/messages/") && matches!(r.method.as_str(), "PATCH" | "DELETE")
    });
    changes.map(|r| (r.method.clone(), r.status)).collect()
}

/// Routes `event` as `web` does, stamped with receive sequence `seq`, and
/// pushes the job: `web` numbers deliveries itself, tests pick the order.
pub async fn push_with_seq(stack: &Stack, event: &Event, seq: u64) {
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
    let delivery = Delivery {
        id: event.delivery.clone(),
        hook_id: Some("4242".into()),
        seq,
        replay: None,
    };
    let Ok(Routed::Enqueue { job, .. }) = route(event.name, delivery, &event.body, &plan) else {
        panic!("{} {} is not queued", event.name, event.delivery);
    };
    let mut client = faktory::Client::connect_to(&stack.faktory.url())
        .await
        .unwrap();
    client.enqueue(job.stamp(seq).build()).await.unwrap();
}

/// Nothing went to Faktory's dead set.
pub async fn assert_no_dead(stack: &Stack) {
    let dead = stack.faktory.set_jobs("dead").await;
    assert!(dead.is_empty(), "dead jobs: {dead:#?}");
}
