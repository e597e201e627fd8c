//! A nudge is posted once, even when the worker dies right after posting
//! and another one performs the job again long after Discord's nonce
//! window (here: at once, with the window set to 0).

use super::*;
use support::fake_discord::{Fault, FaultKind, Route};

#[tokio::test(flavor = "multi_thread")]
async fn a_nudge_is_posted_once_across_a_worker_restart() {
    let stack = Stack::start().await;
    let section = "after = \"6s\"\nmax = 1";
    let mut first = worker(&stack, section, &[]);
    let mut h = History::new(981, 1, "Restarted");
    h.opened().review_requested("alice", false);
    stack.deliver_all(&h.events).await;
    let request = "requested a review from **alice**";
    eventually(Duration::from_secs(45), "the request posted", || async {
        let threads = stack.discord.threads();
        let mut messages = threads.iter().flat_map(|t| stack.discord.messages(t.id));
        messages.any(|m| m.content.contains(request))
    })
    .await;
    assert!(nudges(&stack).is_empty(), "no nudge yet: after is 6 s");
    // The nudge is stored, but its answer never reaches the worker, which
    // is stopped while it waits: nothing recorded that it posted.
    stack.discord.inject(Fault {
        route: Route::CreateMessage,
        kind: FaultKind::DelayAfterSuccess(Duration::from_secs(30)),
        times: 1,
    });
    eventually(Duration::from_secs(60), "the nudge stored", || async {
        !nudges(&stack).is_empty()
    })
    .await;
    first.signal("TERM");
    first.wait_exit(Duration::from_secs(20));
    // The next worker takes the job again and must find the nudge.
    let window = [("DISCORD_NONCE_WINDOW_SECS", "0".to_string())];
    let second = worker(&stack, section, &window);
    stack.quiesce_within(Duration::from_secs(90)).await;

    let all = nudges(&stack);
    assert_eq!(all.len(), 1, "one nudge across the restart: {all:#?}");
    assert!(
        second.logs().contains("not posting again"),
        "the second worker found the nudge: {}",
        second.logs()
    );
}

/// A copy of nudge `n` of alice's first cycle on PR `number` of repo 991.
fn reminder_job(ns: &str, number: u64, n: u32) -> faktory::Job {
    let pr: threadline_jobs::PullRequest = serde_json::from_value(serde_json::json!({
        "number": number, "title": "Duplicated", "author": "Codertocat",
        "html_url": format!("https://github.com/o/r/pull/{number}"),
        "base_ref": "main", "head_label": "o:feature", "state": "open",
    }))
    .expect("a PR");
    let job = threadline_jobs::PrReviewReminder {
        delivery: threadline_jobs::Delivery {
            id: format!("copy-{n}"),
            hook_id: None,
            seq: 0,
            replay: None,
        },
        repo: threadline_jobs::Repo {
            id: 991,
            full_name: "o/r".into(),
        },
        pr,
        reviewer: "alice".into(),
        team: None,
        cycle: 1,
        n,
    };
    let env = threadline_jobs::encode(&job).expect("encoded");
    let queue = format!("{ns}-{}", threadline_jobs::QUEUE_SCHEDULED);
    faktory::Job::new(env.kind, env.args).on_queue(queue)
}

#[tokio::test(flavor = "multi_thread")]
async fn duplicate_reminder_jobs_post_one_nudge_and_max_holds() {
    let stack = Stack::start().await;
    let _worker = worker(&stack, "after = \"3s\"\nmax = 1", &[]);
    let mut h = History::new(991, 1, "Duplicated");
    h.opened().review_requested("alice", false);
    stack.deliver_all(&h.events).await;
    eventually(Duration::from_secs(60), "the nudge", || async {
        !nudges(&stack).is_empty()
    })
    .await;
    // Copies of the same nudge, and one beyond max, pushed by hand.
    let mut client = faktory::Client::connect_to(&stack.faktory.url())
        .await
        .expect("Faktory");
    for n in [1, 1, 1, 2] {
        let job = reminder_job(&stack.app.namespace, 1, n);
        client.enqueue(job).await.expect("PUSH");
    }
    stack.quiesce().await;
    let all = nudges(&stack);
    assert_eq!(all.len(), 1, "one nudge whatever the copies: {all:#?}");
    // The copies were performed, not refused: none is dead.
    let mut storage = stack.faktory.storage().await;
    let dead: u64 = redis::cmd("ZCARD")
        .arg("dead")
        .query_async(&mut storage)
        .await
        .expect("Faktory's Redis");
    assert_eq!(dead, 0, "a copy was refused");
}
