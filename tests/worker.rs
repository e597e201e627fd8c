//! The vertical slice end to end: signed delivery → `web` → real Faktory →
//! the real `worker` binary → the fake Discord, with Discord failures,
//! duplicates, shutdowns and a bad token.

use threadline_test_support as support;

use std::time::Duration;
use support::fake_discord::{Fault, FaultKind, Route};
use support::fixtures::fixture;
use support::stack::{Stack, WAIT};
use support::wait::eventually;
use support::wait::join_all;

fn opened() -> Vec<u8> {
    fixture("pull_request/opened.json")
}

#[tokio::test(flavor = "multi_thread")]
async fn pr_opened_makes_exactly_one_thread_with_its_intro() {
    let stack = Stack::start().await;
    let _worker = stack.worker().spawn();
    assert_eq!(
        stack
            .app
            .deliver("pull_request", "o-1", &opened())
            .await
            .status(),
        202
    );
    stack.settle(1).await;

    let payload: serde_json::Value = serde_json::from_slice(&opened()).unwrap();
    let pr = &payload["pull_request"];
    let threads = stack.discord.threads();
    assert_eq!(threads.len(), 1);
    let number = pr["number"].as_u64().unwrap();
    assert!(
        threads[0].name.contains(&format!("#{number}")),
        "{}",
        threads[0].name
    );
    assert!(threads[0].name.contains(pr["title"].as_str().unwrap()));
    assert_eq!(threads[0].parent_id, stack.channel);

    let messages = stack.discord.messages(stack.channel);
    assert_eq!(messages.len(), 1, "one intro");
    let intro = &messages[0];
    assert_eq!(threads[0].starter_message_id, Some(intro.id));
    assert!(intro
        .content
        .contains(pr["user"]["login"].as_str().unwrap()));
    assert!(intro.content.contains(pr["html_url"].as_str().unwrap()));
    assert!(intro
        .content
        .contains(&format!("`{}` ← `", pr["base"]["ref"].as_str().unwrap())));
    assert_eq!(
        intro.allowed_mentions,
        Some(serde_json::json!({ "parse": [] }))
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn duplicate_and_concurrent_deliveries_make_one_thread() {
    let stack = Stack::start().await;
    let _worker = stack.worker().spawn();
    let body = opened();
    let copies = (0..5).map(|_| stack.app.deliver("pull_request", "same", &body));
    let mut queued = 0;
    for res in join_all(copies).await {
        assert_eq!(res.status(), 202);
        queued += (res.text().await.unwrap() == "queued") as u64;
    }
    // The same bytes under another GUID: web knows the body.
    let again = stack.app.deliver("pull_request", "other-guid", &body).await;
    assert_eq!(again.text().await.unwrap(), "duplicate");
    // Another delivery of the same PR (e.g. a second hook's): the worker's
    // guards make it a no-op.
    let other = support::fixtures::distinct(&body, "second-hook");
    assert_eq!(
        stack
            .app
            .deliver("pull_request", "second-hook", &other)
            .await
            .status(),
        202
    );
    stack.settle(queued + 1).await;
    assert_eq!(stack.discord.threads().len(), 1);
    assert_eq!(stack.discord.messages(stack.channel).len(), 1);
}

#[tokio::test(flavor = "multi_thread")]
async fn discord_failing_twice_then_succeeding_gives_one_thread_and_one_intro() {
    let stack = Stack::start().await;
    // First try: Discord posts the intro but the reply is lost.
    stack.discord.inject(Fault {
        route: Route::CreateMessage,
        kind: FaultKind::AfterSuccess(500),
        times: 1,
    });
    // Second try: starting the thread fails outright.
    stack.discord.inject(Fault {
        route: Route::StartThreadFromMessage,
        kind: FaultKind::Status(502),
        times: 1,
    });
    let _worker = stack.worker().spawn();
    assert_eq!(
        stack
            .app
            .deliver("pull_request", "flaky", &opened())
            .await
            .status(),
        202
    );
    stack.settle(1).await;

    let seen: Vec<_> = stack
        .discord
        .requests()
        .iter()
        .map(|r| format!("{} {} {}", r.method, r.path, r.status))
        .collect();
    assert_eq!(
        stack.discord.pending_faults(),
        0,
        "both faults were hit: {seen:#?}"
    );
    assert_eq!(stack.discord.threads().len(), 1);
    assert_eq!(stack.discord.messages(stack.channel).len(), 1);
    assert!(stack.count("/messages") >= 2, "the intro was retried");
}

#[tokio::test(flavor = "multi_thread")]
async fn everyone_in_a_pr_body_pings_nobody() {
    let stack = Stack::start().await;
    let _worker = stack.worker().spawn();
    let body = fixture("edge/opened.everyone.json");
    assert_eq!(
        stack
            .app
            .deliver("pull_request", "evil", &body)
            .await
            .status(),
        202
    );
    stack.settle(1).await;
    let messages = stack.discord.messages(stack.channel);
    assert_eq!(messages.len(), 1);
    assert!(!messages[0].content.contains("@everyone"));
    assert!(!messages[0].content.contains("@here"));
    assert!(!messages[0].content.contains("hidden html comment"));
    assert_eq!(
        messages[0].allowed_mentions,
        Some(serde_json::json!({ "parse": [] }))
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn sigterm_lets_the_running_job_finish_then_exits_zero() {
    let stack = Stack::start().await;
    stack.discord.inject(Fault {
        route: Route::CreateMessage,
        kind: FaultKind::Delay(Duration::from_secs(2)),
        times: 1,
    });
    let mut worker = stack.worker().drain_secs(10).spawn();
    assert_eq!(
        stack
            .app
            .deliver("pull_request", "drain", &opened())
            .await
            .status(),
        202
    );
    eventually(WAIT, "the intro is being posted", || async {
        stack.count("/messages") == 1
    })
    .await;
    worker.signal("TERM");
    let status = worker.wait_exit(Duration::from_secs(15));
    assert_eq!(status.code(), Some(0), "{}", worker.logs());
    assert_eq!(stack.discord.threads().len(), 1, "the running job finished");
    assert_eq!(stack.processed().await, 1, "and was ACKed");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_job_still_running_at_the_drain_deadline_is_failed_for_retry() {
    let stack = Stack::start().await;
    stack.discord.inject(Fault {
        route: Route::CreateMessage,
        kind: FaultKind::Delay(Duration::from_secs(8)),
        times: 1,
    });
    let mut worker = stack.worker().drain_secs(1).spawn();
    assert_eq!(
        stack
            .app
            .deliver("pull_request", "slow", &opened())
            .await
            .status(),
        202
    );
    eventually(WAIT, "the intro is being posted", || async {
        stack.count("/messages") == 1
    })
    .await;
    worker.signal("TERM");
    let status = worker.wait_exit(Duration::from_secs(10));
    assert_eq!(status.code(), Some(0), "{}", worker.logs());
    let retries = stack.faktory.set_jobs("retries").await;
    assert_eq!(retries.len(), 1, "FAILed, not ACKed");
    assert!(retries[0]["failure"]["message"]
        .as_str()
        .unwrap()
        .contains("shutdown"));
}

#[tokio::test(flavor = "multi_thread")]
async fn a_rejected_token_stops_the_worker_and_keeps_the_job() {
    let stack = Stack::start().await;
    stack.discord.inject(Fault {
        route: Route::CreateMessage,
        kind: FaultKind::ApiError(401, 0),
        times: 1,
    });
    let mut worker = stack.worker().token("bad-token").spawn();
    assert_eq!(
        stack
            .app
            .deliver("pull_request", "401", &opened())
            .await
            .status(),
        202
    );
    let status = worker.wait_exit(WAIT);
    assert_ne!(status.code(), Some(0), "{}", worker.logs());
    assert!(worker.logs().contains("DISCORD_TOKEN"));
    let retries = stack.faktory.set_jobs("retries").await;
    assert_eq!(retries.len(), 1, "the job is kept for a retry");
    assert!(stack.faktory.set_jobs("dead").await.is_empty());
}

#[tokio::test(flavor = "multi_thread")]
async fn a_missing_parent_channel_sends_the_job_to_the_dead_set_at_once() {
    let stack = Stack::start().await;
    stack.discord.inject(Fault {
        route: Route::CreateMessage,
        kind: FaultKind::ApiError(404, 10003),
        times: 1,
    });
    let _worker = stack.worker().spawn();
    assert_eq!(
        stack
            .app
            .deliver("pull_request", "404", &opened())
            .await
            .status(),
        202
    );
    eventually(WAIT, "the job is dead", || async {
        stack.faktory.set_jobs("dead").await.len() == 1
    })
    .await;
    let dead = stack.faktory.set_jobs("dead").await;
    let message = dead[0]["failure"]["message"].as_str().unwrap().to_string();
    assert!(
        message.contains("10003") && message.contains("dead set"),
        "{message}"
    );
    assert!(stack.faktory.set_jobs("retries").await.is_empty());
}

#[tokio::test(flavor = "multi_thread")]
async fn faktory_down_gives_503_then_a_redelivery_is_queued_and_performed() {
    let mut stack = Stack::start().await;
    let _worker = stack.worker().spawn();
    stack.faktory.stop();
    assert_eq!(
        stack
            .app
            .deliver("pull_request", "outage", &opened())
            .await
            .status(),
        503
    );
    assert_eq!(stack.app.get("/readyz").await.status(), 503);
    stack.faktory.restart();
    let again = stack.app.deliver("pull_request", "outage", &opened()).await;
    assert_eq!(again.status(), 202);
    assert_eq!(again.text().await.unwrap(), "queued");
    // /readyz keeps an answer for a second (src/web/ready.rs).
    eventually(Duration::from_secs(5), "ready again", || async {
        stack.app.get("/readyz").await.status() == 200
    })
    .await;
    // The worker reconnected by itself.
    stack.settle(1).await;
    assert_eq!(stack.discord.threads().len(), 1);
}
