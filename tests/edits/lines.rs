//! Line comments, batched per review into one message: an edit re-renders
//! the batch's message, a deletion removes its entry and deletes the
//! message only once no entry is left; changes that come before the flush
//! (or before the comment) are posted as their newest version.

use crate::support::history::History;
use crate::support::stack::Stack;
use crate::{assert_no_dead, changes, deliver, has, thread, thread_texts};

#[tokio::test(flavor = "multi_thread")]
async fn edits_and_deletions_follow_the_batch_until_it_is_empty() {
    let stack = Stack::start().await;
    let _worker = stack.worker().spawn();
    let mut h = History::new(811, 11, "Lines");
    h.opened()
        .line_comment(777, 9001, "alpha note")
        .line_comment(777, 9002, "beta note");
    deliver(&stack, &mut h).await;
    let batch = stack.discord.messages(thread(&stack).id)[0].clone();
    assert!(
        batch.content.starts_with("🔍 2 review comments"),
        "{batch:?}"
    );

    h.line_comment_edited(777, 9001, "alpha revised");
    deliver(&stack, &mut h).await;
    let shown = stack.discord.message(batch.id).expect("the same message");
    assert!(
        shown.content.starts_with("🔍 2 review comments"),
        "{shown:?}"
    );
    assert!(shown.content.contains("alpha revised") && shown.content.contains("beta note"));
    assert!(!shown.content.contains("alpha note"));

    h.line_comment_deleted(777, 9001);
    deliver(&stack, &mut h).await;
    let shown = stack.discord.message(batch.id).expect("one entry is left");
    assert!(
        shown.content.starts_with("🔍 1 review comment on "),
        "{shown:?}"
    );
    assert!(shown.content.contains("beta note") && !shown.content.contains("alpha"));

    h.line_comment_deleted(777, 9002);
    deliver(&stack, &mut h).await;
    assert!(thread_texts(&stack).is_empty());
    let deleted = stack.discord.deleted_messages(thread(&stack).id);
    assert_eq!(deleted.iter().map(|m| m.id).collect::<Vec<_>>(), [batch.id]);
    let methods: Vec<String> = changes(&stack).into_iter().map(|c| c.0).collect();
    assert_eq!(methods, ["PATCH", "PATCH", "DELETE"]);
    assert_no_dead(&stack).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn changes_before_the_flush_or_the_comment_are_posted_as_the_newest() {
    let stack = Stack::start().await;
    let _worker = stack.worker().spawn();
    let mut h = History::new(812, 12, "Early lines");
    h.opened();
    deliver(&stack, &mut h).await;
    // Edited, and another one deleted, before GitHub's deliveries of
    // their creation arrived.
    h.line_comment(779, 9201, "original note");
    let first = h.events.pop().unwrap();
    h.line_comment(779, 9202, "withdrawn note");
    let second = h.events.pop().unwrap();
    h.line_comment_edited(779, 9201, "edited first")
        .line_comment_deleted(779, 9202);
    deliver(&stack, &mut h).await;
    assert!(thread_texts(&stack).is_empty(), "changes post nothing");
    h.events.extend([first, second]);
    deliver(&stack, &mut h).await;
    assert!(
        changes(&stack).is_empty(),
        "posted as changed, never changed"
    );
    // Within the flush window (or just after it: the end is the same).
    h.line_comment(778, 9101, "rough note")
        .line_comment_edited(778, 9101, "polished note")
        .line_comment(778, 9102, "dropped note")
        .line_comment_deleted(778, 9102);
    deliver(&stack, &mut h).await;

    let texts = thread_texts(&stack);
    assert_eq!(texts.len(), 2, "one message per review: {texts:#?}");
    assert_eq!(has(&texts, "🔍 1 review comment on "), 2, "{texts:#?}");
    assert_eq!(has(&texts, "polished note"), 1);
    assert_eq!(has(&texts, "edited first"), 1);
    for gone in [
        "rough note",
        "withdrawn note",
        "original note",
        "dropped note",
    ] {
        assert_eq!(has(&texts, gone), 0, "{gone}: {texts:#?}");
    }
    assert_no_dead(&stack).await;
}
