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
