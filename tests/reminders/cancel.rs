//! What ends a reminder cycle, in whatever order GitHub delivers.

use super::*;

#[tokio::test(flavor = "multi_thread")]
async fn reviews_removals_closing_and_drafts_cancel_and_late_requests_do_not_resurrect() {
    let stack = Stack::start().await;
    let _worker = worker(&stack, "after = \"6s\"\nmax = 1", &[]);
    // #1: alice is asked, then reviews; the request is delivered last.
    let mut reviewed = History::new(961, 1, "Reviewed");
    reviewed
        .opened()
        .review_requested("alice", false)
        .review("alice", "commented", "Looks fine");
    reviewed.events.swap(1, 2);
    // #2: carol's request is removed; zed is asked and never answers.
    let mut removed = History::new(961, 2, "Removed");
    removed
        .opened()
        .review_requested("carol", false)
        .review_requested("carol", true)
        .review_requested("zed", false);
    // #3 closed, #4 merged, #5 converted to draft while alice was asked.
    let mut closed = History::new(961, 3, "Closed");
    closed
        .opened()
        .review_requested("alice", false)
        .closed(false);
    let mut merged = History::new(961, 4, "Merged");
    merged
        .opened()
        .review_requested("alice", false)
        .closed(true);
    let mut draft = History::new(961, 5, "Draft");
    draft.opened().review_requested("alice", false).draft(true);
    // #6: a review, then a new request: a new cycle, nudged once.
    let mut again = History::new(961, 6, "Asked again");
    again
        .opened()
        .review_requested("carol", false)
        .review("carol", "approved", "")
        .review_requested("carol", false);
    for h in [&reviewed, &removed, &closed, &merged, &draft, &again] {
        stack.deliver_all(&h.events).await;
    }
    // The requests' reminder jobs fire (after 6 s) and all are done.
    eventually(
        Duration::from_secs(90),
        "the pending ones nudged",
        || async { nudges(&stack).len() >= 2 },
    )
    .await;
    stack.quiesce().await;

    let all = nudges(&stack);
    let texts: Vec<&str> = all.iter().map(|m| m.content.as_str()).collect();
    assert_eq!(
        all.len(),
        2,
        "only zed (#2) and carol's new request (#6): {texts:#?}"
    );
    let in_thread = |m: &StoredMessage, number: u64| {
        let t = stack.discord.thread(m.channel_id).expect("a thread");
        t.name.starts_with(&format!("#{number} "))
    };
    let zed = nudges_for(&stack, "zed");
    assert!(zed.len() == 1 && in_thread(&zed[0], 2), "{texts:#?}");
    let carol = nudges_for(&stack, "carol");
    assert!(carol.len() == 1 && in_thread(&carol[0], 6), "{texts:#?}");
    assert_eq!(carol[0].allowed_mentions, Some(allowed(&[CAROL], &[])));
}
