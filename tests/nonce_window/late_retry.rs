//! The whole story with real processes: Discord did the work, the worker
//! died before recording it, and the job came back to another worker after
//! Discord had forgotten the nonce. Two effects at once, so that one wait
//! of about 90 s covers both: a thread's intro and a comment in a thread.

use crate::support::fake_discord::{Fault, FaultKind, Route};
use crate::support::history::History;
use crate::support::stack::{Stack, WAIT};
use crate::support::wait::eventually;
use crate::support::wait::join_all;
use crate::{posts_to, reads_of, worker, FAKE_NONCE_WINDOW};
use std::time::Duration;

/// Reservation (60 s) + reaper (15 s) + a margin for a loaded machine.
const BACK_WITHIN: Duration = Duration::from_secs(150);

#[tokio::test(flavor = "multi_thread")]
async fn jobs_back_after_the_nonce_window_post_nothing_twice() {
    let stack = Stack::start().await;
    stack.discord.set_nonce_window(FAKE_NONCE_WINDOW);
    let mut first = worker(&stack);
    let mut with_thread = History::new(8001, 1, "Has its thread");
    with_thread.opened();
    stack.deliver_all(&with_thread.events).await;
    stack.quiesce().await;
    let thread = stack.discord.threads()[0].id;

    // Discord posts, then holds its reply: the worker waits for it, and
    // dies before it can record what Discord did.
    stack.discord.inject(Fault {
        route: Route::CreateMessage,
        kind: FaultKind::DelayAfterSuccess(Duration::from_secs(60)),
        times: 2,
    });
    let mut new_pr = History::new(8001, 2, "Opened as the worker dies");
    new_pr.opened();
    with_thread.events.clear();
    with_thread.comment("alice", "LGTM");
    let events = [&new_pr.events[0], &with_thread.events[0]];
    let sends = events
        .iter()
        .map(|e| stack.app.deliver(e.name, &e.delivery, &e.body));
    assert!(join_all(sends).await.iter().all(|r| r.status() == 202));
    eventually(WAIT, "Discord posted the intro and the comment", || async {
        stack.discord.messages(stack.channel).len() == 2
            && stack.discord.messages(thread).len() == 1
    })
    .await;
    first.signal("KILL");
    first.wait_exit(Duration::from_secs(10));
    let intro = stack.discord.messages(stack.channel)[1].id;
    assert_eq!(stack.discord.threads().len(), 1, "killed before the thread");

    // Both jobs come back once their reservation expires, long after the
    // fake forgot their nonces.
    let _second = worker(&stack);
    stack.quiesce_within(BACK_WITHIN).await;

    assert_eq!(
        stack.discord.messages(stack.channel).len(),
        2,
        "one intro per PR"
    );
    let comments = stack.discord.messages(thread);
    assert_eq!(comments.len(), 1, "the comment once: {comments:#?}");
    assert!(comments[0].content.contains("> LGTM"));
    let threads = stack.discord.threads();
    assert_eq!(threads.len(), 2, "{threads:#?}");
    let started = threads
        .iter()
        .find(|t| t.id != thread)
        .expect("PR 2's thread");
    assert_eq!(
        (started.id, started.starter_message_id),
        (intro, Some(intro)),
        "started from the intro the dead worker posted"
    );
    assert_eq!(stack.discord.messages(started.id).len(), 0);
    // Both were found by reading the channels, not by the nonce.
    assert!(reads_of(&stack, stack.channel)
        .iter()
        .all(|q| q.contains("after=")));
    assert!(!reads_of(&stack, stack.channel).is_empty());
    assert!(!reads_of(&stack, thread).is_empty());
    assert_eq!(posts_to(&stack, thread), 1);
}
