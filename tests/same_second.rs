//! Events GitHub stamps with the same second (`updated_at` has one-second
//! resolution), delivered in order: the later one wins, through web's
//! receive order, and the coalesced thread sync never brings back the
//! first event's state.

use threadline_test_support as support;

use support::app::spawn_app;
use support::history::History;
use support::stack::Stack;
use threadline_jobs::{decode, PrOpened};

/// Delivers the first event and waits until its job is done, then the
/// rest: so the thread sync is scheduled by the first event, with its
/// payload, and the later events of its second fold into that sync.
async fn deliver_first_then_rest(stack: &Stack, story: &History) {
    let (first, rest) = story.events.split_first().expect("a story");
    stack.deliver_all([first]).await;
    stack.settle(1).await;
    stack.deliver_all(rest).await;
    stack.quiesce().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn opened_and_retitled_in_the_same_second_keep_the_new_title() {
    let stack = Stack::start().await;
    let _worker = stack.worker().spawn();
    let mut story = History::new(701, 12, "Old title");
    story.opened().same_second().retitle("New title");
    deliver_first_then_rest(&stack, &story).await;

    let threads = stack.discord.threads();
    assert_eq!(threads.len(), 1, "{threads:?}");
    assert_eq!(threads[0].name, "#12 New title");
}

#[tokio::test(flavor = "multi_thread")]
async fn opened_and_closed_in_the_same_second_leave_the_thread_archived() {
    let stack = Stack::start().await;
    let _worker = stack.worker().spawn();
    let mut story = History::new(702, 13, "Short-lived");
    story.opened().same_second().closed(false);
    deliver_first_then_rest(&stack, &story).await;

    let threads = stack.discord.threads();
    assert_eq!(threads.len(), 1, "{threads:?}");
    assert!(
        threads[0].archived,
        "a PR closed in the second it was opened has an archived thread: {:?}",
        threads[0]
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_retitle_and_a_draft_change_in_one_second_both_show() {
    let stack = Stack::start().await;
    let _worker = stack.worker().spawn();
    let mut story = History::new(703, 14, "First");
    story
        .opened()
        .retitle("Second")
        .same_second()
        .draft(true)
        .same_second()
        .retitle("Third");
    stack.deliver_all(&story.events).await;
    stack.quiesce().await;

    let threads = stack.discord.threads();
    assert_eq!(threads.len(), 1, "{threads:?}");
    assert_eq!(threads[0].name, "[draft] #14 Third");
}

#[tokio::test(flavor = "multi_thread")]
async fn web_stamps_each_queued_job_with_its_receive_order() {
    let app = spawn_app().await;
    let mut story = History::new(704, 15, "Stamped");
    story.opened().same_second().retitle("Stamped again");
    for e in &story.events {
        assert_eq!(
            app.deliver(e.name, &e.delivery, &e.body).await.status(),
            202
        );
    }
    let mut seqs: Vec<(String, u64)> = app
        .take_jobs()
        .await
        .iter()
        .map(|job| {
            // Every kind carries its delivery under the same name.
            let job: PrOpened = decode(job.args()).expect("a PR job");
            (job.delivery.id, job.delivery.seq)
        })
        .collect();
    seqs.sort();
    assert_eq!(seqs.len(), 2, "{seqs:?}");
    assert!(
        seqs[0].1 >= 1 && seqs[1].1 > seqs[0].1,
        "the later delivery has the larger number: {seqs:?}"
    );
}
